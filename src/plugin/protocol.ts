// Messages between the host (main thread) and the plugin worker, and the shared-memory layout.
import type { InterfaceVersion } from './types.js'

export interface WorkerData {
  modulePath: string
  modules: Record<string, WebAssembly.Module>
  /** Per core module, the cap of each memory/table it defines (exported as `icp-sync:<kind>:<i>`). */
  caps: Record<string, ItemCap[]>
  memoryMb: number
  preopens: Array<{ guest: string; host: string }>
  execInput: unknown
  version: InterfaceVersion
  port: import('node:worker_threads').MessagePort
  /** Int32 [0]: call state (0 waiting, 1 reply ready). BigInt64 [1], [2]: bytes dropped (stdout, stderr). */
  shared: SharedArrayBuffer
  outputCap: number
  /** V8 code cache directory for the generated module (see RunPluginRequest.codeCacheDir). */
  codeCacheDir?: string
}

export const SHARED_BYTES = 24
export const STATE_INDEX = 0
export const DROPPED_INDEX = { stdout: 1, stderr: 2 } as const

export type WorkerMessage =
  | { t: 'instantiating' }
  | { t: 'running'; instantiateMs: number }
  | { t: 'out'; stream: 'stdout' | 'stderr'; bytes: Uint8Array }
  | { t: 'call'; req: GuestCallRequest }
  | { t: 'metadata'; req: GuestMetadataRequest }
  | { t: 'done'; outcome: WorkerOutcome; execMs: number; memory: MemoryReport }

export interface ItemCap {
  bytes: number
  /** The budget lowered this item's own maximum (so reaching it means the budget was hit). */
  bound: boolean
}

/** The plugin's memories and tables at the end of a run. */
export interface MemoryReport {
  usedBytes: number
  /** Some memory or table is within 10 % of its cap (a failed grow most likely caused the failure). */
  nearLimit: boolean
}

export type WorkerOutcome =
  | { kind: 'ok' }
  | { kind: 'err'; message: string }
  | { kind: 'exit'; code: number }
  | { kind: 'trap'; message: string }
  | { kind: 'instantiate'; message: string }
  | { kind: 'memory-limit'; message: string }

export type GuestTarget = { tag: 'host' } | { tag: 'name'; val: string }

/** canister-call-request as jco lifts it (0.2.0 adds `target`). */
export interface GuestCallRequest {
  target?: GuestTarget
  method: string
  arg: Uint8Array
  callType: 'update' | 'query'
  direct: boolean
  cycles: bigint
}

export interface GuestMetadataRequest {
  target: GuestTarget
  name: string
  direct: boolean
}

export type HostReply = { ok: Uint8Array | undefined } | { err: string }
