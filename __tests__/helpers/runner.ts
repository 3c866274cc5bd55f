// A simulated GitHub runner: the environment and files a job step sees, without GitHub.
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface ActionRun {
  status: number | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  runnerDir: string
}

/**
 * Runs a bundled entry point as the runner would: INPUT_* (hyphens kept), GITHUB_OUTPUT and friends.
 * Asynchronous on purpose: a test's in-process replica must keep serving while the Action runs.
 */
export async function runAction(
  node: string,
  entry: string,
  inputs: Record<string, string>,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<ActionRun> {
  const runnerDir = mkdtempSync(join(tmpdir(), 'icp-sync-runner-'))
  const outputFile = join(runnerDir, 'output')
  const summaryFile = join(runnerDir, 'summary')
  for (const dir of ['temp', 'tool-cache', 'workspace']) mkdirSync(join(runnerDir, dir))
  writeFileSync(outputFile, '')
  writeFileSync(summaryFile, '')
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: join(runnerDir, 'workspace'),
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_WORKSPACE: join(runnerDir, 'workspace'),
    RUNNER_TEMP: join(runnerDir, 'temp'),
    RUNNER_TOOL_CACHE: join(runnerDir, 'tool-cache'),
    ...extraEnv,
  }
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value
  const result = await runProcess(node, [entry], { env, cwd: join(runnerDir, 'workspace') })
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    outputs: parseOutputs(readFileSync(outputFile, 'utf8')),
    summary: readFileSync(summaryFile, 'utf8'),
    runnerDir,
  }
}

/** Parses the `name<<delimiter … delimiter` blocks @actions/core appends to $GITHUB_OUTPUT. */
export function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[i]!)
    if (!match) continue
    const [, name, delimiter] = match
    const value: string[] = []
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]!)
    outputs[name!] = value.join('\n')
  }
  return outputs
}

export interface ProcessRun {
  status: number | null
  stdout: string
  stderr: string
}

/** spawn() collected into a promise, with a kill after `timeoutMs`. */
export function runProcess(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number },
): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 180_000)
    child.on('error', reject)
    child.on('close', (status) => {
      clearTimeout(timer)
      resolve({ status, stdout, stderr })
    })
  })
}
