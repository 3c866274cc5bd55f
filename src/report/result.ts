import type { CallRecord } from '../ic/index.js'
import type { SourcePosition } from '../project/errors.js'
import type { StepChange } from '../policy/baseline.js'
import type { CapabilityRow } from './capabilities.js'
import { clipText } from '../util/clip.js'

// The result of one sync run: what the `result` output, the CLI's --json, the job summary and the
// exit code are all made from. Plain data, JSON-serialisable.

export type { SourcePosition }

/** An error as icp prints it: a message and its "caused by" chain, plus where in icp.yaml it points. */
export interface ErrorInfo {
  message: string
  causes: string[]
  kind?: string
  position?: SourcePosition
}

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

/**
 * Longest message or cause an ErrorInfo keeps. Errors quote what plugins, canisters and remotes sent;
 * the report (summary, result, annotations) must stay bounded whatever that was.
 */
export const ERROR_TEXT_CHARS = 8000
/** Causes kept after the message (icp's chains are a handful deep). */
const MAX_CAUSES = 20

/** An error chain as kept in a result: each part cut to ERROR_TEXT_CHARS, at most MAX_CAUSES causes. */
export function boundedChain(parts: string[]): string[] {
  return parts.slice(0, MAX_CAUSES + 1).map((part) => clipText(part, ERROR_TEXT_CHARS))
}

/** Turns anything thrown into an ErrorInfo, following `cause` links. */
export function errorInfo(error: unknown, kind?: string): ErrorInfo {
  const chain: string[] = []
  let current: unknown = error
  let position: SourcePosition | undefined
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
    if (current instanceof Error) {
      chain.push(current.message)
      // Some of our errors carry icp's "caused by" chain as a list rather than as `cause` links.
      const listed = (current as Error & { causes?: unknown }).causes
      if (Array.isArray(listed)) chain.push(...listed.map(String))
      position ??= positionOf(current)
      current = current.cause
    } else {
      chain.push(String(current))
      break
    }
  }
  const [message = 'unknown error', ...causes] = boundedChain(chain)
  return { message, causes, ...(kind ? { kind } : {}), ...(position ? { position } : {}) }
}

function positionOf(error: Error): SourcePosition | undefined {
  const candidate = error as Error & { file?: unknown; line?: unknown; column?: unknown }
  if (typeof candidate.file === 'string' && typeof candidate.line === 'number')
    return {
      file: candidate.file,
      line: candidate.line,
      column: typeof candidate.column === 'number' ? candidate.column : 1,
    }
  return undefined
}
