// Runs inside a fresh worker_threads Worker, one plugin run per worker (env: {}, no argv). Instantiates
// the transpiled component with our read-only WASI and a synchronous canister-call bridge, calls
// `exec` once, reports the outcome and lets the host terminate us.
import { parentPort, receiveMessageOnPort } from 'node:worker_threads'
import { pathToFileURL } from 'node:url'

import {
  DROPPED_INDEX,
  STATE_INDEX,
  type GuestCallRequest,
  type GuestMetadataRequest,
  type HostReply,
  type ItemCap,
  type MemoryReport,
  type WorkerData,
  type WorkerMessage,
  type WorkerOutcome,
} from './protocol.js'
import { EXPORT_PREFIX, MemoryLimitError, TABLE_ELEMENT_BYTES, memoryLimitText } from './memory-budget.js'
import { PluginExit, createWasi } from './wasi/index.js'
import { flushCodeCache, useCodeCache } from '../util/code-cache.js'

// The worker starts with an empty environment; a frozen plain object makes that final, and cheap to
// read: jco's glue looks up process.env.JCO_DEBUG several times per canister-call (~6 µs a call
// through Node's env proxy).
Object.defineProperty(process, 'env', { value: Object.freeze(Object.create(null)), writable: false })

// Booted ahead of time: the run's data (with its port) is the first message from the host.
const data = await new Promise<WorkerData>((resolve) => parentPort!.once('message', resolve))
const { port } = data
const state = new Int32Array(data.shared, 0, 1)
const dropped = new BigInt64Array(data.shared, 8, 2)
const accepted = { stdout: 0, stderr: 0 }

function post(message: WorkerMessage): void {
  port.postMessage(message)
}

/** icp's cap: at most `outputCap` bytes accepted per stream; the rest of a write and later ones counted. */
function write(stream: 'stdout' | 'stderr', bytes: Uint8Array): void {
  const room = data.outputCap - accepted[stream]
  const take = Math.max(0, Math.min(room, bytes.length))
  if (take > 0) {
    accepted[stream] += take
    // A copy of what is kept only: `bytes` may be a view into guest memory (cloning it would copy all of it).
    post({ t: 'out', stream, bytes: bytes.slice(0, take) })
  }
  if (take < bytes.length) Atomics.add(dropped, DROPPED_INDEX[stream] - 1, BigInt(bytes.length - take))
}

/** Synchronous for the guest: post the request, block until the host has answered. */
function hostCall(message: WorkerMessage): HostReply {
  Atomics.store(state, STATE_INDEX, 0)
  post(message)
  Atomics.wait(state, STATE_INDEX, 0)
  const reply = receiveMessageOnPort(port)
  if (!reply) throw new Error('canister-call bridge: woken without a reply')
  return reply.message as HostReply
}

/** The guest's import: a result<_, string> as jco lifts it (the error travels as a thrown string). */
function asResult(reply: HostReply) {
  if ('err' in reply) throw reply.err
  return { tag: 'ok', val: reply.ok }
}
const canisterCall = (req: GuestCallRequest) => asResult(hostCall({ t: 'call', req }))
const canisterMetadataSection = (req: GuestMetadataRequest) => asResult(hostCall({ t: 'metadata', req }))

// ---- the memory budget: every memory and table is capped in its module (memory-budget.ts) ----

const moduleNames = new Map(Object.entries(data.modules).map(([name, module]) => [module, name]))
const tracked: Array<{ item: WebAssembly.Memory | WebAssembly.Table; cap: ItemCap }> = []
const budgetBytes = data.memoryMb * 1024 * 1024
let allotted = 0

async function instantiateCore(module: WebAssembly.Module, imports?: WebAssembly.Imports) {
  const name = moduleNames.get(module)
  const caps = name === undefined ? undefined : data.caps[name]
  if (!caps) throw new Error('a core module that was not budgeted cannot be instantiated')
  // Caps were shared out for one instance of each module: a second one must fit in what is left.
  allotted += caps.reduce((sum, cap) => sum + cap.bytes, 0)
  if (allotted > budgetBytes)
    throw new MemoryLimitError(
      `${memoryLimitText(data.memoryMb)}: core module ${name} is instantiated again and its memories do not fit`,
    )
  const instance = await WebAssembly.instantiate(module, imports)
  // Only our own exports (memory-budget.ts refuses a module exporting a reserved name); the checks keep
  // the report from ever failing on anything else.
  for (const [index, cap] of caps.entries()) {
    const item =
      instance.exports[`${EXPORT_PREFIX}memory:${index}`] ??
      instance.exports[`${EXPORT_PREFIX}table:${index}`]
    if (item instanceof WebAssembly.Memory || item instanceof WebAssembly.Table) tracked.push({ item, cap })
  }
  return instance
}

function memoryReport(): MemoryReport {
  let usedBytes = 0
  let nearLimit = false
  for (const { item, cap } of tracked) {
    const bytes =
      item instanceof WebAssembly.Memory ? item.buffer.byteLength : item.length * TABLE_ELEMENT_BYTES
    usedBytes += bytes
    if (cap.bound && bytes >= cap.bytes * 0.9) nearLimit = true
  }
  return { usedBytes, nearLimit }
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`
  return String(error)
}

async function main(): Promise<void> {
  post({ t: 'instantiating' })
  const started = performance.now()
  let exec: (input: unknown) => unknown
  try {
    const codeCached = data.codeCacheDir !== undefined && useCodeCache(data.codeCacheDir)
    const glue = (await import(pathToFileURL(data.modulePath).href)) as {
      instantiate: (
        getCoreModule: (name: string) => WebAssembly.Module,
        imports: Record<string, unknown>,
        instantiateCore: (module: WebAssembly.Module, imports?: WebAssembly.Imports) => Promise<unknown>,
      ) => Promise<{ exec: (input: unknown) => unknown }>
    }
    // The host terminates this worker when exec returns: write the cache now, not at an exit.
    if (codeCached) flushCodeCache()
    const imports: Record<string, unknown> = {
      ...createWasi({ preopens: data.preopens, write, memoryMb: data.memoryMb }),
      'canister-call': { default: canisterCall },
    }
    if (data.version === '0.2.0') imports['canister-metadata-section'] = { default: canisterMetadataSection }
    const getCoreModule = (name: string) => {
      const module = data.modules[name]
      if (!module) throw new Error(`missing core module ${name}`)
      return module
    }
    ;({ exec } = await glue.instantiate(getCoreModule, imports, instantiateCore))
  } catch (error) {
    const outcome: WorkerOutcome =
      error instanceof MemoryLimitError
        ? { kind: 'memory-limit', message: error.message }
        : { kind: 'instantiate', message: describe(error) }
    post({ t: 'done', outcome, execMs: 0, memory: memoryReport() })
    return
  }
  post({ t: 'running', instantiateMs: performance.now() - started })

  const execStarted = performance.now()
  let outcome: WorkerOutcome
  try {
    exec(data.execInput)
    outcome = { kind: 'ok' }
  } catch (error) {
    // noComponentErrorWrapping: the plugin's `err` arrives as the bare thrown string; a trap as an Error.
    if (typeof error === 'string') outcome = { kind: 'err', message: error }
    else if (error instanceof PluginExit) outcome = { kind: 'exit', code: error.code }
    else if (error instanceof MemoryLimitError) outcome = { kind: 'memory-limit', message: error.message }
    else outcome = { kind: 'trap', message: describe(error) }
  }
  post({ t: 'done', outcome, execMs: performance.now() - execStarted, memory: memoryReport() })
}

void main()
