// A `type: script` sync step, as icp runs it: each command through `sh -c` in the canister directory,
// in order, stopping at the first failure, with ICP_CLI_* variables describing the target.
//
// A script runs with the job's privileges, like any other step of the job: it can read the job's
// secrets, the signing identity included (its parent is this process, whose environment holds the
// Action's inputs and is readable at /proc/$PPID/environ by the same user). No boundary inside one
// process tree can stop that, so the docs say so (README.md, SECURITY.md, the job summary) and a test
// shows it (__tests__/e2e/secrets.test.ts). Recipes can add script steps too, as in icp.
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'

export interface ScriptContext {
  canisterDir: string
  environment: string
  network: string
  canisterId: string
  /** Every canister ID of the environment, exposed as ICP_CLI_CID_<NAME>. */
  canisterIds: Record<string, string>
  baseEnv: NodeJS.ProcessEnv
  onLine: (stream: 'stdout' | 'stderr', line: string) => void
}

/**
 * Left out of a script's own environment, as hygiene (so a script does not pass them on by accident, to
 * a tool that prints its environment, say): the Action's inputs (the identity secret among them) and
 * runner tokens. Not a protection: see the top of this file.
 */
const WITHHELD = [
  /^INPUT_/,
  /^ACTIONS_RUNTIME_TOKEN$/,
  /^ACTIONS_ID_TOKEN_REQUEST_/,
  /^ACTIONS_CACHE_URL$/,
  /^ACTIONS_RESULTS_URL$/,
]

export function scriptEnvironment(context: Omit<ScriptContext, 'onLine' | 'canisterDir'>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(context.baseEnv)) {
    if (!WITHHELD.some((pattern) => pattern.test(name))) env[name] = value
  }
  env.ICP_CLI_ENVIRONMENT = context.environment
  env.ICP_CLI_NETWORK = context.network
  env.ICP_CLI_CID = context.canisterId
  for (const [name, id] of Object.entries(context.canisterIds)) env[`ICP_CLI_CID_${envName(name)}`] = id
  return env
}

/** icp's rule: upper-case, every character outside [A-Za-z0-9] becomes `_`. */
export function envName(canister: string): string {
  return canister.toUpperCase().replace(/[^A-Za-z0-9]/g, '_')
}

export async function runScript(commands: string[], context: ScriptContext): Promise<void> {
  const env = scriptEnvironment(context)
  for (const command of commands) {
    if (!command.trim()) throw new Error(`command must not be empty: '${command}'`)
    const code = await runOne(command, context.canisterDir, env, context.onLine)
    if (code !== 0) throw new Error(`command '${command}' failed with status code ${code ?? 'N/A'}`)
  }
}

function runOne(
  command: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
  onLine: ScriptContext['onLine'],
): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    const streams = [
      ['stdout', child.stdout],
      ['stderr', child.stderr],
    ] as const
    const closed = streams.map(
      ([name, stream]) =>
        new Promise<void>((done) => {
          createInterface({ input: stream, crlfDelay: Infinity })
            .on('line', (line) => onLine(name, line))
            .on('close', done)
        }),
    )
    child.on('error', (error) =>
      reject(new Error(`failed to execute command '${command}'`, { cause: error })),
    )
    child.on('close', (code) => void Promise.all(closed).then(() => resolve(code)))
  })
}
