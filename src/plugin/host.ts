// Main-thread side of a plugin run: one fresh Worker per run, the canister-call bridge (the worker
// blocks in Atomics.wait while we await the caller's async handler), budgets enforced by terminating
// the worker, and output capture.
import { join } from 'node:path'
import { MessageChannel, type MessagePort, Worker, receiveMessageOnPort } from 'node:worker_threads'

import { LineCapture, MAX_PLUGIN_OUTPUT } from './output.js'
import {
  CoreModuleFormatError,
  MemoryLimitError,
  allot,
  applyBudget,
  readModuleLayout,
} from './memory-budget.js'
import {
  DROPPED_INDEX,
  SHARED_BYTES,
  STATE_INDEX,
  type GuestCallRequest,
  type GuestMetadataRequest,
  type GuestTarget,
  type HostReply,
  type ItemCap,
  type MemoryReport,
  type WorkerData,
  type WorkerMessage,
  type WorkerOutcome,
} from './protocol.js'
import type { TranspiledPlugin } from './transpiled.js'
import type {
  CallOutcome,
  InterfaceVersion,
  MetadataOutcome,
  MetadataRequest,
  PluginCallRequest,
  RunLimits,
} from './types.js'
import { COMPUTE_LIMIT_ENV } from './limits.js'
import { readWholeFile } from '../util/read-whole.js'

/** How often the watchdog looks at the budgets. */
const WATCHDOG_MS = 20

export interface WorkerRunRequest {
  plugin: TranspiledPlugin
  version: InterfaceVersion
  preopens: Array<{ guest: string; host: string }>
  execInput: unknown
  limits: RunLimits
  codeCacheDir?: string
  /** Resolves a 0.2.0 call target; returns an error text for names the step may not call. */
  resolveTarget: (target: GuestTarget | undefined) => { id: string; name?: string } | { err: string }
  canisterCall: (req: PluginCallRequest) => Promise<CallOutcome>
  metadataSection: (req: MetadataRequest) => Promise<MetadataOutcome>
  onLine?: (stream: 'stdout' | 'stderr', line: string) => void
}

export type RunEnd =
  | { kind: 'outcome'; outcome: WorkerOutcome; memory: MemoryReport }
  | { kind: 'compute-limit' | 'wall-limit' }
  | { kind: 'memory-limit'; message: string }
  | { kind: 'worker-error'; message: string; code?: string }

export interface WorkerRunResult {
  end: RunEnd
  capture: LineCapture
  calls: number
  instantiateMs: number
  execMs: number
  computeMs: number
  callMs: number
}

// ---- compiled core modules: compile once per process (WebAssembly.Module can go to Workers as is) ----

const MODULE_CACHE_ENTRIES = 8
const MIB = 1024 * 1024

/** Core modules with the memory budget built in (memory-budget.ts), and each item's cap in bytes. */
export interface BudgetedModules {
  modules: Record<string, WebAssembly.Module>
  caps: Record<string, ItemCap[]>
}

const compiled = new Map<string, Promise<BudgetedModules>>()

export function compileCoreModules(plugin: TranspiledPlugin, memoryMb: number): Promise<BudgetedModules> {
  const key = `${plugin.dir}\u0000${memoryMb}`
  let entry = compiled.get(key)
  if (entry) {
    compiled.delete(key) // re-insert: most recently used last
    compiled.set(key, entry)
    return entry
  }
  entry = (async () => {
    const layouts = []
    for (const name of plugin.coreModules)
      layouts.push(readModuleLayout(await readWholeFile(join(plugin.dir, name))))
    const caps = allot(layouts, memoryMb * MIB, memoryMb)
    const result: BudgetedModules = { modules: {}, caps: {} }
    for (const [i, name] of plugin.coreModules.entries()) {
      const layout = layouts[i]!
      result.modules[name] = await WebAssembly.compile(applyBudget(layout, caps[i]!))
      result.caps[name] = layout.defined.map((item, k) => ({
        bytes: Number(caps[i]![k]!) * item.unit,
        bound: item.limits.max === undefined || item.limits.max > caps[i]![k]!,
      }))
    }
    return result
  })()
  entry.catch(() => compiled.delete(key))
  compiled.set(key, entry)
  while (compiled.size > MODULE_CACHE_ENTRIES) compiled.delete(compiled.keys().next().value!)
  return entry
}

// ---- workers: fresh per run, but booted ahead (the data of a run arrives by message) ----

const WORKER_URL = new URL('./plugin-worker.js', import.meta.url)
const spares: Worker[] = []

function spawnWorker(): Worker {
  const worker = new Worker(WORKER_URL, {
    env: {},
    argv: [],
    execArgv: [],
    stdout: true,
    stderr: true,
    // Bounds the worker's own JS heap (our WASI objects, the jco glue); wasm memory is budgeted in the
    // core modules themselves (memory-budget.ts).
    resourceLimits: { maxOldGenerationSizeMb: 512, maxYoungGenerationSizeMb: 64 },
  })
  // The worker's own console must never reach our stdout; plugin output travels over the port.
  worker.stdout.resume()
  worker.stderr.resume()
  return worker
}

/**
 * Boots up to `count` workers now (Node start-up in a worker takes ~60 ms) so the next runs find one
 * ready; they overlap with identity, network and canister_status work. Idle spares never keep the
 * process alive.
 */
export function prewarmWorkers(count: number): void {
  while (spares.length < Math.min(count, 8)) {
    const worker = spawnWorker()
    worker.unref()
    const drop = () => {
      const at = spares.indexOf(worker)
      if (at >= 0) spares.splice(at, 1)
    }
    worker.once('error', drop)
    worker.once('exit', drop)
    spares.push(worker)
  }
}

function takeWorker(): Worker {
  const worker = spares.shift()
  if (!worker) return spawnWorker()
  worker.removeAllListeners('error')
  worker.removeAllListeners('exit')
  worker.ref()
  return worker
}

// ---- one run ----

export async function runInWorker(req: WorkerRunRequest): Promise<WorkerRunResult> {
  const capture = new LineCapture(req.onLine)
  const worker = takeWorker() // boots while the core modules compile
  let budgeted: BudgetedModules | RunEnd
  try {
    budgeted = await budgetOrRefusal(req)
  } catch (error) {
    void worker.terminate()
    throw error
  }
  if ('kind' in budgeted) {
    void worker.terminate()
    return { end: budgeted, capture, calls: 0, instantiateMs: 0, execMs: 0, computeMs: 0, callMs: 0 }
  }
  const shared = new SharedArrayBuffer(SHARED_BYTES)
  const state = new Int32Array(shared, 0, 1)
  const dropped = new BigInt64Array(shared, 8, 2)
  const { port1: port, port2 } = new MessageChannel()
  const data: WorkerData = {
    modulePath: req.plugin.modulePath,
    modules: budgeted.modules,
    caps: budgeted.caps,
    memoryMb: req.limits.memoryMb,
    preopens: req.preopens,
    execInput: req.execInput,
    version: req.version,
    port: port2,
    shared,
    outputCap: MAX_PLUGIN_OUTPUT,
    codeCacheDir: req.codeCacheDir,
  }
  worker.postMessage(data, [port2])

  const spawned = performance.now()
  let runStarted: number | undefined
  let callStarted: number | undefined
  let callMs = 0
  let instantiateMs = 0
  let execMs = 0
  let end: RunEnd | undefined
  let endedAt: number | undefined
  let settle!: () => void
  const finished = new Promise<void>((resolve) => (settle = resolve))

  const computeMs = (now = performance.now()) =>
    runStarted === undefined
      ? 0
      : now - runStarted - callMs - (callStarted === undefined ? 0 : now - callStarted)

  const stop = (why: RunEnd) => {
    if (end) return
    end = why
    endedAt = performance.now()
    void worker.terminate()
  }

  const reply = (message: HostReply) => {
    if (callStarted !== undefined) callMs += performance.now() - callStarted
    callStarted = undefined
    if (end) return
    port.postMessage(message)
    Atomics.store(state, STATE_INDEX, 1)
    Atomics.notify(state, STATE_INDEX)
  }

  const bridge = guestBridge(req, reply)

  const handle = (message: WorkerMessage) => {
    switch (message.t) {
      case 'out':
        capture.write(message.stream, message.bytes)
        break
      case 'instantiating':
        runStarted = performance.now()
        break
      case 'running':
        instantiateMs = message.instantiateMs
        break
      case 'call':
        callStarted = performance.now()
        void bridge.call(message.req)
        break
      case 'metadata':
        callStarted = performance.now()
        void bridge.metadata(message.req)
        break
      case 'done':
        execMs = message.execMs
        if (!end) {
          end = { kind: 'outcome', outcome: message.outcome, memory: message.memory }
          endedAt = performance.now()
        }
        void worker.terminate()
        break
    }
  }
  port.on('message', handle)

  const watchdog = setInterval(() => {
    const now = performance.now()
    if (computeMs(now) > req.limits.computeSeconds * 1000) stop({ kind: 'compute-limit' })
    else if (req.limits.wallSeconds !== undefined && now - spawned > req.limits.wallSeconds * 1000)
      stop({ kind: 'wall-limit' })
  }, WATCHDOG_MS)

  worker.on('error', (error: Error & { code?: string }) =>
    stop({ kind: 'worker-error', message: error.message, code: error.code }),
  )
  let exitCode: number | undefined
  worker.on('exit', (code) => {
    exitCode = code
    settle()
  })
  await finished
  clearInterval(watchdog)
  const stoppedAt = performance.now()
  drainPort(port, handle)
  capture.finish({
    stdout: Number(dropped[DROPPED_INDEX.stdout - 1]),
    stderr: Number(dropped[DROPPED_INDEX.stderr - 1]),
  })
  if (execMs === 0 && runStarted !== undefined) execMs = stoppedAt - runStarted - instantiateMs
  return {
    end: end ?? {
      kind: 'worker-error',
      message: `the plugin worker exited (code ${exitCode}) without reporting`,
    },
    capture,
    calls: bridge.calls(),
    instantiateMs,
    execMs,
    computeMs: computeMs(endedAt ?? stoppedAt),
    callMs,
  }
}

/**
 * The core modules with the memory budget built in, or how the run ends when the plugin's own modules
 * refuse a budget (over it, or not budgetable: the plugin's fault, reported as an instantiate error).
 */
async function budgetOrRefusal(req: WorkerRunRequest): Promise<BudgetedModules | RunEnd> {
  try {
    return await compileCoreModules(req.plugin, req.limits.memoryMb)
  } catch (error) {
    if (error instanceof MemoryLimitError) return { kind: 'memory-limit', message: error.message }
    // A core module we cannot budget (or one exporting our reserved names) is the plugin's fault.
    if (error instanceof CoreModuleFormatError)
      return {
        kind: 'outcome',
        outcome: { kind: 'instantiate', message: error.message },
        memory: { usedBytes: 0, nearLimit: false },
      }
    throw error
  }
}

/** The guest's canister calls and metadata reads: resolve the target, ask the caller's handler, reply. */
function guestBridge(req: WorkerRunRequest, reply: (message: HostReply) => void) {
  let calls = 0
  const serve = async (
    target: GuestTarget | undefined,
    ask: (to: { id: string; name?: string }) => Promise<CallOutcome | MetadataOutcome>,
  ) => {
    calls++
    const resolved = req.resolveTarget(target)
    if ('err' in resolved) return reply({ err: resolved.err })
    let outcome: CallOutcome | MetadataOutcome
    try {
      outcome = await ask(resolved)
    } catch (error) {
      outcome = { err: `canister call failed: ${(error as Error)?.message ?? String(error)}` }
    }
    reply('ok' in outcome ? { ok: outcome.ok } : { err: outcome.err })
  }
  return {
    call: (guest: GuestCallRequest) =>
      serve(guest.target, (to) =>
        req.canisterCall({
          targetCanisterId: to.id,
          targetName: to.name,
          method: guest.method,
          arg: guest.arg,
          callType: guest.callType,
          direct: guest.direct,
          cycles: guest.cycles,
        }),
      ),
    metadata: (guest: GuestMetadataRequest) =>
      serve(guest.target, (to) =>
        req.metadataSection({
          targetCanisterId: to.id,
          targetName: to.name,
          name: guest.name,
          direct: guest.direct,
        }),
      ),
    /** Requests served so far (a refused target counts: the guest made the call). */
    calls: () => calls,
  }
}

/**
 * The worker may exit on its own right after posting 'done', and 'exit' can overtake the port's
 * message events: hand what is still queued (output and the outcome) to `handle`, then close.
 */
function drainPort(port: MessagePort, handle: (message: WorkerMessage) => void): void {
  port.off('message', handle)
  for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
    const message = m.message as WorkerMessage
    if (message.t === 'out' || message.t === 'done' || message.t === 'running') handle(message)
  }
  port.close()
}

/** icp-cli's compute-limit text (icp-cli-compat.md §4.5). */
export function computeLimitMessage(seconds: number): string {
  return `plugin exceeded the ${seconds}s compute-time limit. If this plugin legitimately needs more compute time (e.g. brotli-compressing a large asset bundle), raise the limit by setting ${COMPUTE_LIMIT_ENV} above ${seconds}s.`
}
