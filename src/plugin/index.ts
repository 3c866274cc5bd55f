// The plugin sandbox's one door: runPlugin. Order of work (as icp-cli 1.5.0): load the component, read
// its interface version and vet its imports, check the declared dirs/files for that version, then
// run `exec` once in a fresh worker under the budgets.
import { DeclaredPathError, prepareDeclaredPaths, type PreparedPaths } from './paths.js'
import { computeLimitMessage, runInWorker, type RunEnd, type WorkerRunResult } from './host.js'
import {
  ComponentFormatError,
  SUPPORTED_INTERFACES_TEXT,
  detectInterfaceVersion,
  providedImportNames,
  readComponentImports,
  refusedImports,
} from './interface.js'
import { memoryLimitText } from './memory-budget.js'
import { worldTypeMismatches } from './world-types.js'
import { TranspileError, type TranspiledPlugin } from './transpiled.js'
import type { GuestTarget } from './protocol.js'
import { formatBytes, formatSeconds } from '../util/units.js'
import type { InterfaceVersion, PluginErrorKind, PluginRunResult, RunPluginRequest } from './types.js'

export type * from './types.js'
export { computeLimitMessage, prewarmWorkers as prewarmPluginWorkers } from './host.js'
export { LineCapture, MAX_PLUGIN_OUTPUT, stripAnsi } from './output.js'
export { TranspileError, type Transpile, type TranspiledPlugin } from './transpiled.js'
export { COMPUTE_LIMIT_ENV, DEFAULT_COMPUTE_LIMIT_SECONDS, MEMORY_LIMIT_MB } from './limits.js'
// The declared-path rules and the component's import list, for the checks made before a run
// (untrusted mode, path plugins confined to the project, the capability review).
export { DeclaredPathError, checkPath, readCheckedFile } from './paths.js'
export { readComponentImports } from './interface.js'

class RunFailure extends Error {
  constructor(
    readonly kind: PluginErrorKind,
    message: string,
    readonly causes: string[] = [],
  ) {
    super(message)
  }
}

/** Runs one plugin step. Never throws for plugin or input problems: they come back as `error`. */
export async function runPlugin(req: RunPluginRequest): Promise<PluginRunResult> {
  const result: PluginRunResult = {
    ok: false,
    persistentStderr: [],
    output: [],
    calls: 0,
    timings: { transpileMs: 0, cacheHit: false, instantiateMs: 0, execMs: 0, computeMs: 0, callMs: 0 },
  }
  try {
    const version = interfaceOf(req)
    result.interfaceVersion = version
    const paths = declaredPaths(req, version)
    checkCallable(req)
    const plugin = await transpile(req, version)
    result.timings.transpileMs = plugin.transpileMs
    result.timings.cacheHit = plugin.cacheHit
    const run = await runInWorker({
      plugin,
      version,
      preopens: paths.preopens,
      execInput: execInput(req, version, paths),
      limits: req.limits,
      codeCacheDir: req.codeCacheDir,
      resolveTarget: (target) => resolveTarget(req, target),
      canisterCall: req.canisterCall,
      metadataSection: req.metadataSection,
      onLine: req.onLine,
    })
    Object.assign(result.timings, {
      instantiateMs: run.instantiateMs,
      execMs: run.execMs,
      computeMs: run.computeMs,
      callMs: run.callMs,
    })
    result.calls = run.calls
    result.output = run.capture.output
    result.persistentStderr = run.capture.persistentStderr
    const error = mapEnd(req, run)
    if (error) result.error = error
    else result.ok = true
  } catch (error) {
    if (error instanceof RunFailure || error instanceof DeclaredPathError)
      result.error = { kind: error.kind, message: error.message, causes: error.causes }
    else
      result.error = {
        kind: 'host',
        message: `failed to run plugin at ${req.pluginPath}`,
        causes: [(error as Error)?.message ?? String(error)],
      }
  }
  return result
}

function interfaceOf(req: RunPluginRequest): InterfaceVersion {
  let imports
  try {
    imports = readComponentImports(req.component)
  } catch (error) {
    if (error instanceof ComponentFormatError)
      throw new RunFailure('bad-component', `failed to load wasm component from ${req.pluginPath}`, [
        error.message,
      ])
    throw error
  }
  const detected = detectInterfaceVersion(imports)
  if (!detected.ok)
    throw new RunFailure(
      'unsupported-interface',
      `wasm component at ${req.pluginPath} does not implement a supported sync-plugin interface (${detected.reason}). ${SUPPORTED_INTERFACES_TEXT}`,
    )
  const refused = refusedImports(imports, detected.version)
  if (refused.length > 0)
    throw new RunFailure('refused-import', `failed to instantiate wasm component at ${req.pluginPath}`, [
      `the component imports ${refused.map((name) => `\`${name}\``).join(', ')}, which a sync plugin may not use (the host provides canister-call${detected.version === '0.2.0' ? ', canister-metadata-section' : ''} and WASI 0.2 io, clocks, random, cli and read-only filesystem; no network)`,
    ])
  // As wasmtime when icp-cli instantiates: exec and the host functions must have the world's types.
  let mismatches: string[]
  try {
    mismatches = worldTypeMismatches(req.component, detected.version)
  } catch (error) {
    if (error instanceof ComponentFormatError)
      throw new RunFailure('bad-component', `failed to load wasm component from ${req.pluginPath}`, [
        error.message,
      ])
    throw error
  }
  if (mismatches.length > 0)
    throw new RunFailure(
      'instantiate',
      `failed to instantiate wasm component at ${req.pluginPath}`,
      mismatches,
    )
  return detected.version
}

function declaredPaths(req: RunPluginRequest, version: InterfaceVersion): PreparedPaths {
  return prepareDeclaredPaths({
    version,
    pluginPath: req.pluginPath,
    canisterDir: req.canisterDir,
    projectDir: req.projectDir,
    dirs: req.dirs,
    files: req.files,
  })
}

function checkCallable(req: RunPluginRequest): void {
  for (const name of req.callable)
    if (!req.input.canisterIds.some((entry) => entry.name === name))
      throw new RunFailure(
        'config',
        `sync plugin lists canister '${name}' as callable, but no canister by that name is known in environment '${req.input.environment}'`,
      )
}

async function transpile(req: RunPluginRequest, version: InterfaceVersion): Promise<TranspiledPlugin> {
  let plugin: TranspiledPlugin
  // Transpiling a large component takes seconds: say so, and how long it took.
  let started = false
  const progress = (line: string): void => req.onLine?.('stdout', line)
  try {
    plugin = await req.transpile(req.component, req.componentSha256, () => {
      started = true
      progress(`Transpiling wasm component (${formatBytes(req.component.byteLength)})`)
    })
    if (started) progress(`Transpiled in ${formatSeconds(plugin.transpileMs)}`)
  } catch (error) {
    if (error instanceof TranspileError)
      throw new RunFailure('bad-component', `failed to load wasm component from ${req.pluginPath}`, [
        error.message,
      ])
    throw error
  }
  // Defence in depth: jco's own (unversioned) list must be covered by what the worker supplies.
  const provided = providedImportNames(version)
  const missing = plugin.imports.filter((name) => !provided.has(name))
  if (missing.length > 0)
    throw new RunFailure('refused-import', `failed to instantiate wasm component at ${req.pluginPath}`, [
      `the component imports ${missing.map((name) => `\`${name}\``).join(', ')}, which a sync plugin may not use`,
    ])
  if (!plugin.exports.some(([name]) => name === 'exec'))
    throw new RunFailure('instantiate', `failed to instantiate wasm component at ${req.pluginPath}`, [
      'the component does not export `exec`',
    ])
  return plugin
}

function execInput(req: RunPluginRequest, version: InterfaceVersion, paths: PreparedPaths): unknown {
  const { input } = req
  if (version === '0.1.0')
    return {
      canisterId: input.canisterId,
      environment: input.environment,
      dirs: paths.dirs.map((dir) => dir.path),
      files: paths.files.map(({ name, content }) => ({ name, content })),
      identityPrincipal: input.identityPrincipal,
      proxyCanisterId: input.proxyCanisterId,
    }
  return {
    canisterId: input.canisterId,
    environment: input.environment,
    apiUrl: input.apiUrl,
    gatewayUrl: input.gatewayUrl,
    dirs: paths.dirs.map((dir) => ({ key: dir.key ?? dir.path, path: dir.path })),
    files: paths.files.map(({ key, name, content }) => ({ key: key ?? name, name, content })),
    fields: req.fields.map(({ name, value }) => ({ name, value })),
    identityPrincipal: input.identityPrincipal,
    proxyCanisterId: input.proxyCanisterId,
    canisterIds: input.canisterIds.map(({ name, id }) => ({ name, id })),
  }
}

/** 0.2.0 call targets: `host` is the synced canister; `name(n)` must be listed under `canisters:`. */
function resolveTarget(
  req: RunPluginRequest,
  target: GuestTarget | undefined,
): { id: string; name?: string } | { err: string } {
  if (!target || target.tag === 'host') return { id: req.input.canisterId }
  const name = target.val
  const entry = req.input.canisterIds.find((candidate) => candidate.name === name)
  if (!req.callable.includes(name) || !entry)
    return {
      err: `plugin is not permitted to call canister '${name}': declare it in the sync step's \`canisters\` list to allow it`,
    }
  return { id: entry.id, name }
}

function mapEnd(req: RunPluginRequest, run: WorkerRunResult): PluginRunResult['error'] {
  const end: RunEnd = run.end
  const execFailed = `failed to call exec() on plugin at ${req.pluginPath}`
  const stderrTail = run.capture.persistentStderr
    .filter((line) => line.trim() !== '')
    .slice(-5)
    .map((line) => `stderr: ${line}`)
  const memoryMb = req.limits.memoryMb
  const memoryError = (detail?: string) => ({
    kind: 'memory-limit' as const,
    message: execFailed,
    causes: [
      detail ??
        `${memoryLimitText(memoryMb)}: the plugin's wasm memories and tables together may use at most ${memoryMb} MiB; raise memory-limit-mb (--memory-limit-mb) if it legitimately needs more`,
    ],
  })
  switch (end.kind) {
    case 'compute-limit':
      return {
        kind: 'compute-limit',
        message: execFailed,
        causes: [computeLimitMessage(req.limits.computeSeconds)],
      }
    case 'wall-limit':
      return {
        kind: 'wall-limit',
        message: execFailed,
        causes: [
          `plugin exceeded the ${req.limits.wallSeconds}s wall-clock limit of a plugin step (time waiting for canister calls included); raise timeout-seconds (--timeout-seconds) if it legitimately needs longer`,
        ],
      }
    case 'memory-limit':
      return memoryError(end.message)
    case 'worker-error':
      if (end.code === 'ERR_WORKER_OUT_OF_MEMORY')
        return memoryError(
          `${memoryLimitText(memoryMb)}: the plugin worker's own heap (host objects held for the plugin, capped apart at 512 MiB) ran out`,
        )
      return { kind: 'host', message: execFailed, causes: [`the plugin worker failed: ${end.message}`] }
    case 'outcome':
      break
  }
  const { outcome } = end
  switch (outcome.kind) {
    case 'ok':
      return undefined
    case 'memory-limit':
      return memoryError(outcome.message)
    case 'err':
      if (end.memory.nearLimit) return memoryError()
      return { kind: 'plugin-error', message: `plugin returned error: ${outcome.message}`, causes: [] }
    case 'exit':
      return {
        kind: 'trap',
        message: execFailed,
        causes: [
          `plugin called wasi:cli/exit with status ${outcome.code} (a sync plugin must return from exec)`,
        ],
      }
    case 'trap':
      if (end.memory.nearLimit) return memoryError()
      return {
        kind: 'trap',
        message: execFailed,
        causes: [`error while executing: ${outcome.message}`, ...stderrTail],
      }
    case 'instantiate':
      return {
        kind: 'instantiate',
        message: `failed to instantiate wasm component at ${req.pluginPath}`,
        causes: [outcome.message],
      }
  }
}
