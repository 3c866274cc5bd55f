// Differential conformance: one project, one identity, two hosts (icp-cli 1.5.0 and our bundled CLI),
// each against a fresh replica started with the same seed, then a comparison of what each replica saw.
// Every process is spawned asynchronously: the replica lives in this process (spawnSync deadlocks it).
import { access, constants, mkdir, mkdtemp, readFile, symlink, writeFile, copyFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

import { AnonymousIdentity, HttpAgent } from '@icp-sdk/core/agent'

import { type CallLogEntry, type Replica, startReplica } from '../../replica/index.js'
import type { SyncResult } from '../../src/report/result.js'
import type { TestIdentity } from '../helpers/e2e-project.js'
import { PluginHttpServer } from '../helpers/http-server.js'
import { ICP_BIN, isolatedIcpEnv } from '../helpers/icp.js'
import { NODE24, REPO_ROOT } from '../helpers/paths.js'
import { runProcess } from '../helpers/runner.js'

export { ICP_BIN }
/** Per host run. icp compiles a 12 MB plugin in ~4.4 s on an idle 2-core machine, but minutes when the
 * machine is shared and loaded: CONFORMANCE_RUN_TIMEOUT_MS raises it (beforeAll allows 600 s in all). */
const RUN_TIMEOUT_MS = Number(process.env.CONFORMANCE_RUN_TIMEOUT_MS ?? 120_000)
const CLI = join(REPO_ROOT, 'dist/cli.js')

/**
 * Why icp-cli cannot run on this platform (it ships for linux-x64 only), or undefined. On linux-x64 a
 * missing or broken install throws instead: the differential suite must never be skipped quietly.
 */
export async function icpUnavailable(): Promise<string | undefined> {
  if (process.platform !== 'linux' || process.arch !== 'x64')
    return `icp-cli 1.5.0 is only installed for linux-x64 (this is ${process.platform}-${process.arch})`
  try {
    await access(ICP_BIN, constants.X_OK)
    await access(CLI, constants.R_OK)
  } catch (error) {
    throw new Error(`${(error as Error).message} (run npm ci and npm run bundle)`, { cause: error })
  }
  const version = await runProcess(ICP_BIN, ['--version'], {
    env: { PATH: process.env.PATH },
    timeoutMs: 20_000,
  })
  if (version.status !== 0) throw new Error(`${ICP_BIN} --version failed: ${version.stderr.trim()}`)
  return undefined
}

/** What a corpus entry gets to set up the replica (called once per host, in the same order). */
export interface ReplicaSetup {
  /** Canister name → id, written to the project's ids file. */
  ids: Record<string, string>
  proxy?: string
}

export interface ManifestContext {
  /** Serves a file over loopback HTTP (once for the whole entry) and returns its URL. */
  serve(path: string, bytes: Uint8Array): string
}

export interface CorpusEntry {
  name: string
  environment: string
  /** Canister names given on both command lines. */
  canisters: string[]
  /** The canisters list of icp.yaml (what follows `canisters:`). */
  manifest: (ctx: ManifestContext) => string
  /** Project-relative path → text. */
  files?: Record<string, string>
  /** Project-relative path → built plugin (.wasm) to copy. */
  wasm?: Record<string, string>
  /** Project-relative link → link target. */
  symlinks?: Record<string, string>
  /** Extra environment for both hosts. */
  env?: Record<string, string>
  setup: (replica: Replica, principal: string) => ReplicaSetup
  /** Route `direct: false` updates through the proxy the setup made. */
  useProxy?: boolean
  /**
   * Files the entry's script steps append to, project-relative, without the host suffix: each host runs
   * with CONFORMANCE_HOST=icp|ours, so a step writes `<name>.$CONFORMANCE_HOST` and the two runs (in the
   * same directory, at the same time) keep apart. Read back into `Observation.logs` and compared.
   */
  logs?: string[]
  /** Assertions on icp's own run, so a matching entry cannot pass by both hosts doing nothing. */
  expectIcp?: (icp: Observation) => void
  /**
   * A deliberate difference (listed in DESIGN.md, "Differences from icp-cli"): why, and assertions that
   * pin both sides' behaviour, so a change on either side shows up. Absent: the two must match.
   */
  difference?: { reason: string; check: (comparison: Comparison) => void }
}

/** One call as the replica saw it, with nothing that differs between two equal runs. */
export interface ObservedCall {
  canister: string
  method: string
  callType: string
  route: string
  sender: string
  arg: string
  outcome: string
  reject?: string
}

export interface CanisterOutcome {
  status: 'synced' | 'failed' | 'not run'
  /** The error and its causes, normalised (see normaliseText). */
  error?: string[]
  /** Persistent plugin stderr lines printed after success. */
  persistentStderr: string[]
}

export interface Observation {
  exitCode: number | null
  /** The run's closing error line, or the whole chain of an error that stopped the run before any canister. */
  runError?: string[]
  canisters: Record<string, CanisterOutcome>
  calls: ObservedCall[]
  /** Canister name → its `dump` reply (or the reject text). */
  state: Record<string, string>
  /** The entry's `logs`, as this host's run left them ('<missing>' when not written). */
  logs: Record<string, string>
  /** Raw output, for failure messages. */
  stdout: string
  stderr: string
  ms: number
}

export interface Comparison {
  icp: Observation
  ours: Observation
  /** Canister name → id (the same on both replicas). */
  ids: Record<string, string>
}

/**
 * Which replica entries are the hosts' plumbing rather than what the plugin asked for: the agents read
 * `subnet/…` and `canister_ranges` for key checks and poll `request_status` differently (ic-agent and
 * @icp-sdk/core each have their own schedule). A read_state of a canister's metadata is kept: that is
 * the plugin's `canister-metadata-section`.
 */
export function isPlumbing(entry: CallLogEntry): boolean {
  return entry.callType === 'read_state' && !/(^|, )canister\/[^/]+\/metadata\//.test(entry.method)
}

export function observedCalls(log: CallLogEntry[]): ObservedCall[] {
  return runningChecksSorted(observedInOrder(log))
}

/**
 * icp checks every canister's status concurrently before it syncs any, so the order of those first
 * `canister_status` calls varies from run to run; they are compared sorted (by their argument, which
 * names the canister). Every later call keeps its order.
 */
function runningChecksSorted(calls: ObservedCall[]): ObservedCall[] {
  let prefix = 0
  while (prefix < calls.length && calls[prefix]!.method === 'canister_status') prefix++
  const checks = calls.slice(0, prefix).sort((a, b) => (a.arg < b.arg ? -1 : a.arg > b.arg ? 1 : 0))
  return [...checks, ...calls.slice(prefix)]
}

function observedInOrder(log: CallLogEntry[]): ObservedCall[] {
  return log
    .filter((entry) => !isPlumbing(entry))
    .map((entry) => ({
      canister: entry.canisterId,
      // icp reads `canister/<id>/controllers` in the same request as a metadata section (to tell "no
      // such canister" from "no such section"); the plugin sees the same answer, so only the section path
      // is compared (DESIGN.md, Differences from icp-cli).
      method:
        entry.callType === 'read_state'
          ? entry.method
              .split(', ')
              .filter((path) => /\/metadata\//.test(path))
              .join(', ')
          : entry.method,
      callType: entry.callType,
      route: entry.route,
      sender: entry.sender,
      arg: Buffer.from(entry.arg).toString('hex'),
      outcome: entry.outcome,
      ...(entry.outcome === 'rejected'
        ? { reject: `${entry.errorCode ?? ''} ${entry.rejectMessage ?? ''}` }
        : {}),
    }))
}

/** A shared workspace: one icp HOME with the identity imported, one cache dir for our CLI. */
export class Workspace {
  private constructor(
    readonly root: string,
    readonly pemFile: string,
    readonly principal: string,
    private readonly icpEnv: NodeJS.ProcessEnv,
    readonly cacheDir: string,
  ) {}

  static async create({ pem, principal }: TestIdentity): Promise<Workspace> {
    const root = await mkdtemp(join(tmpdir(), 'icp-sync-conformance-'))
    const pemFile = join(root, 'identity.pem')
    await writeFile(pemFile, pem)
    const icpEnv = isolatedIcpEnv(root)
    const workspace = new Workspace(root, pemFile, principal, icpEnv, join(root, 'ours-cache'))
    const imported = await workspace.icp(
      ['identity', 'import', 'ci', '--from-pem', pemFile, '--storage', 'plaintext'],
      root,
    )
    if (imported.status !== 0) throw new Error(`icp identity import failed: ${imported.stderr}`)
    return workspace
  }

  icp(args: string[], cwd: string, env: Record<string, string> = {}) {
    return runProcess(ICP_BIN, args, { cwd, env: { ...this.icpEnv, ...env }, timeoutMs: RUN_TIMEOUT_MS })
  }

  ours(args: string[], cwd: string, env: Record<string, string> = {}) {
    return runProcess(NODE24, [CLI, ...args], {
      cwd,
      env: { PATH: process.env.PATH, HOME: join(this.root, 'home'), ...env },
      timeoutMs: RUN_TIMEOUT_MS,
    })
  }
}

/** Runs one entry with both hosts, concurrently, each against its own fresh replica. */
export async function compareEntry(
  entry: CorpusEntry,
  workspace: Workspace,
  seed: string,
): Promise<Comparison> {
  const http = await PluginHttpServer.start()
  const [icpReplica, ourReplica] = await Promise.all([startReplica({ seed }), startReplica({ seed })])
  try {
    const icpSetup = entry.setup(icpReplica, workspace.principal)
    const ourSetup = entry.setup(ourReplica, workspace.principal)
    if (JSON.stringify(icpSetup) !== JSON.stringify(ourSetup))
      throw new Error(`the two replicas gave different canister ids: ${JSON.stringify([icpSetup, ourSetup])}`)
    const dir = await writeEntryProject(entry, icpReplica, icpSetup, {
      serve: (path, bytes) => http.route(path, { body: bytes }),
    })
    const proxyArgs = entry.useProxy && icpSetup.proxy ? ['--proxy', icpSetup.proxy] : []
    // The canisters the command names (all of the environment's when none are named).
    const names = entry.canisters.length > 0 ? entry.canisters : Object.keys(icpSetup.ids)
    const timed = async <T>(run: Promise<T>): Promise<[T, number]> => {
      const started = performance.now()
      return [await run, Math.round(performance.now() - started)]
    }
    const [[icpRun, icpMs], [ourRun, ourMs]] = await Promise.all([
      timed(
        workspace.icp(
          ['sync', ...entry.canisters, '-e', entry.environment, '--identity', 'ci', ...proxyArgs],
          dir,
          { ...entry.env, CONFORMANCE_HOST: 'icp' },
        ),
      ),
      timed(
        workspace.ours(
          [
            ...entry.canisters,
            '-e',
            entry.environment,
            '-p',
            dir,
            '--identity-pem-file',
            workspace.pemFile,
            '--network-url',
            ourReplica.url,
            '--cache-dir',
            workspace.cacheDir,
            '--json',
            ...proxyArgs,
          ],
          dir,
          { ...entry.env, CONFORMANCE_HOST: 'ours' },
        ),
      ),
    ])
    const clean = (text: string) => normaliseText(text, [icpReplica.url, ourReplica.url], dir, http.origin)
    const icpCalls = observedCalls(icpReplica.callLog())
    const ourCalls = observedCalls(ourReplica.callLog())
    const icp: Observation = {
      ...parseIcpOutcome(icpRun.status, icpRun.stderr, names, clean),
      calls: icpCalls,
      state: await dumpState(icpReplica, icpSetup.ids),
      logs: await readLogs(dir, entry.logs, 'icp'),
      stdout: icpRun.stdout,
      stderr: icpRun.stderr,
      ms: icpMs,
    }
    const ours: Observation = {
      ...parseOurOutcome(ourRun.status, ourRun.stdout, ourRun.stderr, names, clean),
      calls: ourCalls,
      state: await dumpState(ourReplica, ourSetup.ids),
      logs: await readLogs(dir, entry.logs, 'ours'),
      stdout: ourRun.stdout,
      stderr: ourRun.stderr,
      ms: ourMs,
    }
    return { icp, ours, ids: icpSetup.ids }
  } finally {
    await Promise.all([icpReplica.stop(), ourReplica.stop(), http.stop()])
  }
}

async function writeEntryProject(
  entry: CorpusEntry,
  replica: Replica,
  setup: ReplicaSetup,
  ctx: ManifestContext,
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `icp-sync-conformance-${entry.name.replace(/\W+/g, '-')}-`))
  const manifest = `networks:
  - name: replica
    mode: connected
    url: ${replica.url}
    root-key: ${replica.rootKeyHex}
environments:
  - name: ${entry.environment}
    network: replica
canisters:
${entry.manifest(ctx)}`
  await writeFile(join(dir, 'icp.yaml'), manifest)
  for (const [path, text] of Object.entries(entry.files ?? {})) {
    await mkdir(dirname(join(dir, path)), { recursive: true })
    await writeFile(join(dir, path), text)
  }
  for (const [path, source] of Object.entries(entry.wasm ?? {})) {
    await mkdir(dirname(join(dir, path)), { recursive: true })
    await copyFile(source, join(dir, path))
  }
  for (const [path, target] of Object.entries(entry.symlinks ?? {})) {
    await mkdir(dirname(join(dir, path)), { recursive: true })
    await symlink(target, join(dir, path))
  }
  // What `icp canister link` writes for a connected network; both hosts read it.
  await mkdir(join(dir, '.icp/data/mappings'), { recursive: true })
  await writeFile(
    join(dir, `.icp/data/mappings/${entry.environment}.ids.json`),
    JSON.stringify(setup.ids, null, 2),
  )
  return dir
}

/** Replaces what legitimately differs between the two runs: replica URLs, the project dir, the HTTP port. */
export function normaliseText(
  text: string,
  replicaUrls: string[],
  projectDir: string,
  httpOrigin: string,
): string {
  let out = text
  for (const url of replicaUrls) out = out.split(url).join('<replica>')
  return out.split(projectDir).join('<project>').split(httpOrigin).join('<http>')
}

async function readLogs(dir: string, names: string[] = [], host: string): Promise<Record<string, string>> {
  const logs: Record<string, string> = {}
  for (const name of names)
    logs[name] = await readFile(join(dir, `${name}.${host}`), 'utf8').catch(() => '<missing>')
  return logs
}

async function dumpState(replica: Replica, ids: Record<string, string>): Promise<Record<string, string>> {
  const agent = await HttpAgent.create({
    host: replica.url,
    identity: new AnonymousIdentity(),
    rootKey: replica.rootKey,
    shouldFetchRootKey: false,
  })
  const state: Record<string, string> = {}
  for (const [name, id] of Object.entries(ids)) {
    try {
      const reply = await agent.query(id, { methodName: 'dump', arg: new Uint8Array(0) })
      state[name] =
        reply.status === 'replied'
          ? new TextDecoder().decode(reply.reply.arg)
          : `rejected: ${reply.reject_message}`
    } catch (error) {
      state[name] = `no dump: ${(error as Error).message.split('\n')[0]}`
    }
  }
  return state
}

type Outcome = Pick<Observation, 'exitCode' | 'runError' | 'canisters'>

/**
 * icp's stderr without a TTY (docs/icp-cli-compat.md §3.3): `[<name>] <line>` for persistent stderr after
 * success; a failure block per failed canister (`ERR ----- Failed to sync canister '<name>': … -----`,
 * `ERR '<error>'`, `ERR   caused by: …`); `Error: …` (plus indented causes) when the run failed.
 */
export function parseIcpOutcome(
  exitCode: number | null,
  stderr: string,
  names: string[],
  clean: (text: string) => string,
): Outcome {
  const lines = stderr.split('\n')
  const canisters: Record<string, CanisterOutcome> = {}
  for (const name of names) canisters[name] = { status: 'synced', persistentStderr: [] }
  let current: CanisterOutcome | undefined
  let runError: string[] | undefined
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    const failed = /^ERR ----- Failed to sync canister '([^']+)': \S+ -----$/.exec(line)
    if (failed) {
      current = canisters[failed[1]!] ??= { status: 'failed', persistentStderr: [] }
      current.status = 'failed'
      current.error = []
      continue
    }
    if (current?.error && line.startsWith('ERR ')) {
      const body = line.slice(4)
      const quoted = /^'(.*)'$/.exec(body)
      const cause = /^ {2}caused by: (.*)$/.exec(body)
      if (quoted && current.error.length === 0) current.error.push(clean(quoted[1]!))
      // wasmtime's "error while executing at wasm backtrace:" link is the engine's, not the host's.
      else if (cause && !cause[1]!.startsWith('error while executing at wasm backtrace'))
        current.error.push(clean(cause[1]!))
      else if (cause) continue
      else current = undefined
      continue
    }
    const persistent = /^\[([^\]]+)\] (.*)$/.exec(line)
    if (persistent && canisters[persistent[1]!]) {
      canisters[persistent[1]!]!.persistentStderr.push(clean(persistent[2]!))
      continue
    }
    if (line.startsWith('Error: ')) {
      runError = [clean(line.slice('Error: '.length))]
      for (const next of lines.slice(i + 1)) {
        const link = /^\s+(?:\d+: )?(.+)$/.exec(next)
        if (link && !/^Caused by:?$/.test(link[1]!.trim())) runError.push(clean(link[1]!.trim()))
      }
      break
    }
  }
  // An error that stopped the run before the canisters synced: nothing synced.
  if (exitCode !== 0 && !/failed to sync\.$/.test(runError?.[0] ?? ''))
    for (const outcome of Object.values(canisters))
      if (outcome.status === 'synced') outcome.status = 'not run'
  return { exitCode, runError, canisters }
}

/** Our CLI's --json result, reduced to the same shape. */
export function parseOurOutcome(
  exitCode: number | null,
  stdout: string,
  stderr: string,
  names: string[],
  clean: (text: string) => string,
): Outcome {
  let result: SyncResult
  try {
    result = JSON.parse(stdout) as SyncResult
  } catch {
    throw new Error(`our CLI printed no JSON result (exit ${exitCode}):\n${stderr}`)
  }
  const canisters: Record<string, CanisterOutcome> = {}
  for (const name of names) canisters[name] = { status: 'not run', persistentStderr: [] }
  for (const c of result.canisters) {
    canisters[c.name] = {
      status: c.status,
      ...(c.error ? { error: [c.error.message, ...c.error.causes].map(clean) } : {}),
      persistentStderr: c.status === 'synced' ? c.steps.flatMap((s) => s.persistentStderr).map(clean) : [],
    }
  }
  const closing = stderr
    .split('\n')
    .filter((line) => line.startsWith('Error: '))
    .pop()
  const runError = result.error
    ? [result.error.message, ...result.error.causes].map(clean)
    : closing
      ? [clean(closing.slice('Error: '.length))]
      : undefined
  return { exitCode, runError, canisters }
}
