import type { CallRecord } from '../ic/index.js'
import type { SourcePosition } from '../project/errors.js'
import type { CapabilityRow } from './capabilities.js'
import type { ErrorInfo } from './error-info.js'

// The result of one sync run: what the `result` output, the CLI's --json, the job summary and the
// exit code are all made from. Plain data, JSON-serialisable.

export type { SourcePosition }

/** One step that differs from the baseline checkout (src/policy/baseline.ts). */
export interface StepChange {
  canister: string
  /** 1-based step index; for a removed step, its index in the baseline. */
  step: number
  kind: 'script' | 'plugin'
  /** What changed, e.g. `new step`, `sha256 changed: … → …`, `dirs added: www`. */
  changes: string[]
  /** In the checkout being synced; absent for a removed step. */
  position?: SourcePosition
}
// Errors have their own module so policy/ can report them without importing the result it feeds.
export { ERROR_TEXT_CHARS, boundedChain, errorInfo, type ErrorInfo } from './error-info.js'

/** One canister call a plugin made, as the caller recorded it (src/ic/). */
export type CallTraceEntry = CallRecord

export interface PluginInfo {
  source: 'path' | 'url'
  location: string
  sha256: string
  interfaceVersion?: string
  downloadCacheHit: boolean
  transpileCacheHit: boolean
  transpileMs: number
  instantiateMs: number
  execMs: number
  computeMs: number
  callMs: number
}

export interface StepResult {
  index: number
  kind: 'script' | 'plugin'
  label: string
  status: 'ok' | 'failed' | 'skipped'
  durationMs: number
  position?: SourcePosition
  plugin?: PluginInfo
  calls: number
  /** The first and last calls (report/call-trace.ts); `callTraceOmitted` counts those in between. */
  callTrace: CallTraceEntry[]
  callTraceOmitted?: number
  /** Plugin stderr lines icp prints after success as `[<canister>] <line>`. */
  persistentStderr: string[]
  /** The step's captured lines (bounded), for the failure dump. */
  output: string[]
  error?: ErrorInfo
}

export interface CanisterResult {
  name: string
  id: string
  status: 'synced' | 'failed'
  durationMs: number
  steps: StepResult[]
  warnings: string[]
  error?: ErrorInfo
}

export interface SyncResult {
  ok: boolean
  environment: string
  network?: string
  identityPrincipal?: string
  durationMs: number
  canisters: CanisterResult[]
  synced: string[]
  failed: string[]
  warnings: string[]
  /** A failure before any canister ran (manifest, identity, network). */
  error?: ErrorInfo
  /** What each plugin step is given (src/report/capabilities.ts); set once the identity is known. */
  capabilities?: CapabilityRow[]
  /** Steps that differ from the baseline (src/policy/baseline.ts), when `baseline-dir` was given. */
  baselineChanges?: StepChange[]
  /** What untrusted mode refused (each with its manifest position); `error` then says nothing ran. */
  refusals?: ErrorInfo[]
}

/** icp's closing line when canisters failed. */
export function failedCanistersMessage(names: string[]): string {
  return `Canister(s) [${names.map((name) => JSON.stringify(name)).join(', ')}] failed to sync.`
}
