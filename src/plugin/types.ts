// Public shapes of the plugin sandbox (src/plugin/README.md), handed on by its door (index.ts). Kept
// apart from the code: the IC module and the project model take them as types only.

import type { Transpile } from './transpiled.js'

export interface NamedPath {
  /** Set when the manifest used the map form (`name: path`). */
  key?: string
  path: string
}

/** What the host hands to the caller for one `canister-call`. */
export interface PluginCallRequest {
  /** Already resolved: the synced canister, or a listed name's principal. */
  targetCanisterId: string
  /** The call-target name for 0.2.0 `name(...)`; undefined for `host`. */
  targetName?: string
  method: string
  arg: Uint8Array
  callType: 'update' | 'query'
  direct: boolean
  cycles: bigint
}

export interface MetadataRequest {
  targetCanisterId: string
  targetName?: string
  name: string
  direct: boolean
}

/** `err` is the one-line text the plugin sees; it is passed through unchanged. */
export type CallOutcome = { ok: Uint8Array } | { err: string }
export type MetadataOutcome = { ok: Uint8Array | undefined } | { err: string }

export interface PluginInput {
  canisterId: string
  environment: string
  identityPrincipal: string
  proxyCanisterId?: string
  apiUrl: string
  gatewayUrl?: string
  canisterIds: Array<{ name: string; id: string }>
}

export interface RunPluginRequest {
  component: Uint8Array
  /** sha256 of `component` when the caller has verified it already (resolvePluginSource has). */
  componentSha256?: string
  /** 'plugin path: p.wasm' / 'plugin url: https://…' style label for messages. */
  pluginLabel: string
  /** Absolute path or URL, used in icp-style messages ("failed to call exec() on plugin at <p>"). */
  pluginPath: string
  /** Base for dirs/files. */
  canisterDir: string
  /** icp 1.5.0: a path may not resolve outside the project directory. */
  projectDir: string
  dirs: NamedPath[]
  files: NamedPath[]
  fields: Array<{ name: string; value: string }>
  /** The step's `canisters:` list (0.2.0). */
  callable: string[]
  input: PluginInput
  canisterCall: (req: PluginCallRequest) => Promise<CallOutcome>
  metadataSection: (req: MetadataRequest) => Promise<MetadataOutcome>
  limits: RunLimits
  /** Makes the module the worker runs from `component` (the store's, cached on disk; src/store/). */
  transpile: Transpile
  /**
   * Where the worker may keep V8's compiled code for the generated JS (Node >= 22.1): jco's glue for a
   * 12 MB plugin is ~0.8 MB and takes ~21 ms to parse, ~5 ms from this cache. Optional.
   */
  codeCacheDir?: string
  /** Live output, one complete line at a time (ANSI stripped, as captured). */
  onLine?: (stream: 'stdout' | 'stderr', line: string) => void
}

export interface RunLimits {
  /** Compute time = wall time in the worker minus time blocked in host calls (icp's budget). */
  computeSeconds: number
  /** Wall-clock cap on the whole run, host-call time included (both edges set it: `timeout-seconds`). */
  wallSeconds?: number
  /**
   * Budget for all the plugin's wasm memories and tables together, built into the core modules as
   * maxima when they are compiled (memory-budget.ts; src/plugin/README.md, "Memory budget").
   */
  memoryMb: number
}

export type PluginErrorKind =
  | 'path'
  | 'config'
  | 'bad-component'
  | 'unsupported-interface'
  | 'refused-import'
  | 'instantiate'
  | 'plugin-error'
  | 'trap'
  | 'compute-limit'
  | 'wall-limit'
  | 'memory-limit'
  | 'host'

export interface PluginRunError {
  kind: PluginErrorKind
  /** icp-style top line, e.g. 'plugin returned error: …' or 'failed to call exec() on plugin at <p>'. */
  message: string
  /** The "caused by" chain, outermost first. */
  causes: string[]
}

export interface PluginRunResult {
  ok: boolean
  /** As declared by the component. */
  interfaceVersion?: InterfaceVersion
  /** stderr lines (+ truncation line), returned on success AND failure. */
  persistentStderr: string[]
  /** Everything captured, for failure dumps. */
  output: Array<{ stream: 'stdout' | 'stderr'; line: string }>
  error?: PluginRunError
  calls: number
  timings: {
    transpileMs: number
    cacheHit: boolean
    instantiateMs: number
    execMs: number
    computeMs: number
    callMs: number
  }
}

export type InterfaceVersion = '0.1.0' | '0.2.0'
