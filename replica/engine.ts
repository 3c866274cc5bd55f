// The replica's state machine: canisters, the certified state tree, request lifecycle, per-canister
// serial execution, certification rounds and the call log. HTTP lives in server.ts.
import { encodeWithSelfDescribedTag } from '@dfinity/cbor'
import { leb128, toHex, utf8 } from './bytes.js'
import { rejectFromThrown, type CallContext, type JsCanister } from './canister.js'
import type { ReplicaKeys } from './crypto.js'
import { rejects, RejectError, type Outcome, type Reject } from './errors.js'
import { managementCall, managementTarget, visibleTo } from './management.js'
import { canisterIdFromIndex, principalFromText, principalToText } from './principal.js'
import { Topology, type Subnet, type TopologyOptions } from './subnets.js'
import { StateNode, type HashTree } from './tree.js'
import type { CallLogEntry, Faults } from './types.js'

export type Visibility = { controllers: null } | { public: null } | { allowed_viewers: Uint8Array[] }

export interface CanisterSettings {
  freezingThreshold: bigint
  computeAllocation: bigint
  memoryAllocation: bigint
  reservedCyclesLimit: bigint
  wasmMemoryLimit: bigint
  wasmMemoryThreshold: bigint
  logMemoryLimit: bigint
  minimumIncomingCanisterCallCycles: bigint
  logVisibility: Visibility
  snapshotVisibility: Visibility
  statusVisibility: Visibility
  environmentVariables: Array<{ name: string; value: string }>
}

export interface CanisterRecord {
  id: Uint8Array
  idText: string
  controllers: Uint8Array[]
  status: 'running' | 'stopping' | 'stopped'
  impl?: JsCanister<any> // eslint-disable-line @typescript-eslint/no-explicit-any
  state: unknown
  moduleHash?: Uint8Array
  /** Sections from an installed Wasm module (`icp:public`/`icp:private` custom sections). */
  wasmMetadata: Map<string, { value: Uint8Array; visibility: 'public' | 'private' }>
  settings: CanisterSettings
  cycles: bigint
  version: bigint
  queue: Promise<unknown>
}

export type RequestStatus = 'received' | 'processing' | 'replied' | 'rejected' | 'done'

export interface RequestRecord {
  id: Uint8Array
  idHex: string
  sender: Uint8Array
  canisterId: Uint8Array
  expiry: bigint
  status: RequestStatus
  settled: Promise<void>
}

export interface Invocation {
  canister: Uint8Array
  method: string
  arg: Uint8Array
  caller: Uint8Array
  /** Set when a canister (e.g. the proxy) makes the call, for the call log's route. */
  viaCanister?: boolean
  requestId?: string
  endpoint?: string
}

const L = (s: string): Uint8Array => utf8(s)
const ROUND_MAX_AGE_MS = 1000
const ROUND_BATCH_MS = 4 // how long a round may wait for other in-flight updates to finish
const CALL_LOG_LIMIT = 100_000 // oldest entries are dropped beyond this (up to 10 % more are kept)
const DONE_RETENTION_NS = 10n * 60n * 1_000_000_000n

export class Engine {
  /** The root subnet's keys (its BLS key is the root key). */
  readonly keys: ReplicaKeys
  readonly topology: Topology
  readonly tree = new StateNode()
  /** The NNS subnet's view of the topology, from which delegations are cut (mainnet mode). */
  private readonly nnsTree = new StateNode()
  private delegations = new Map<string, { certificate: Uint8Array; madeMs: number }>()
  /** This round's signature per subnet (signed when a certificate from that subnet is first asked for). */
  private roundSigs = new Map<number, Uint8Array>()
  readonly canisters = new Map<string, CanisterRecord>()
  readonly requests = new Map<string, RequestRecord>()
  private faultSettings: Faults = {}
  defaultControllers: Uint8Array[]
  private logEntries: CallLogEntry[] = []
  private dirty = true
  /** Tree writes wait here until the next round, so the tree changes only when a round is signed. */
  private pendingWrites: Array<[Uint8Array[], StateNode | Uint8Array]> = []
  private roundWallMs = 0
  private roundHash: Uint8Array = new Uint8Array(32)
  private pendingRound?: Promise<void>
  private inflight = 0
  private lastSweepMs = 0
  private lastTimeNs = 0n
  /** HTTP requests received on /api/ (refused ones included). */
  apiRequests = 0
  /** Number of BLS signatures made (one per certification round). */
  rounds = 0
  private roundMs = 0
  private timings = new Map<string, number[]>()

  constructor(seed: string, controllers: string[], topology: TopologyOptions = {}) {
    this.topology = new Topology(seed, topology)
    this.keys = this.topology.root.keys
    this.defaultControllers = controllers.map(principalFromText)
    this.topology.publish((path, value) => this.setTree(path, value))
    this.topology.publish((path, value) => this.nnsTree.set(path, value))
  }

  get faults(): Faults {
    return this.faultSettings
  }

  set faults(f: Faults) {
    // A clock-offset change may move the clock backwards: restart the monotonic guard.
    if ((f.clockOffsetMs ?? 0) !== (this.faultSettings.clockOffsetMs ?? 0)) {
      this.lastTimeNs = 0n
      this.dirty = true
    }
    if ((f.certificateTimeOffsetMs ?? 0) !== (this.faultSettings.certificateTimeOffsetMs ?? 0))
      this.dirty = true
    this.delegations.clear()
    this.faultSettings = f
  }

  // ---------- clock ----------

  /** The one clock: certificate time, expiry checks and ctx.time all read it. Strictly increasing. */
  nowNs(): bigint {
    let t = BigInt(Date.now() + (this.faults.clockOffsetMs ?? 0)) * 1_000_000n
    if (t <= this.lastTimeNs) t = this.lastTimeNs + 1n
    this.lastTimeNs = t
    return t
  }

  // ---------- canisters ----------

  createCanister(opts: { id?: string; controllers?: string[]; subnet?: string } = {}): string {
    let id: Uint8Array
    if (opts.id) {
      id = principalFromText(opts.id)
      if (this.canisters.has(toHex(id))) throw new Error(`canister ${opts.id} already exists`)
    } else {
      const subnet = opts.subnet
        ? this.topology.byId(principalFromText(opts.subnet))
        : this.topology.defaultSubnet
      if (!subnet) throw new Error(`no subnet ${opts.subnet} on this replica`)
      do id = canisterIdFromIndex(subnet.nextIndex++)
      while (this.canisters.has(toHex(id)))
    }
    const rec: CanisterRecord = {
      id,
      idText: principalToText(id),
      controllers: opts.controllers ? opts.controllers.map(principalFromText) : [...this.defaultControllers],
      status: 'running',
      state: undefined,
      wasmMetadata: new Map(),
      settings: defaultSettings(),
      cycles: 100_000_000_000_000n,
      version: 0n,
      queue: Promise.resolve(),
    }
    this.canisters.set(toHex(id), rec)
    this.certifyCanister(rec)
    return rec.idText
  }

  canister(id: Uint8Array | string): CanisterRecord | undefined {
    const bytes = typeof id === 'string' ? principalFromText(id) : id
    return this.canisters.get(toHex(bytes))
  }

  mustCanister(id: string): CanisterRecord {
    const c = this.canister(id)
    if (!c) throw new Error(`no canister ${id} on this replica`)
    return c
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  installJsCanister(canisterId: string, impl: JsCanister<any>): void {
    const c = this.mustCanister(canisterId)
    c.impl = impl
    c.state = impl.init ? impl.init() : undefined
    if (!c.moduleHash) c.moduleHash = new Uint8Array(32).fill(0x4a) // "J": a JS canister has no Wasm
    c.version++
    this.certifyCanister(c)
  }

  /** Metadata as a client sees it: JS canister sections, overridden by sections of an installed Wasm. */
  metadata(c: CanisterRecord): Map<string, { value: Uint8Array; visibility: 'public' | 'private' }> {
    const m = new Map<string, { value: Uint8Array; visibility: 'public' | 'private' }>()
    if (c.impl?.candid !== undefined)
      m.set('candid:service', { value: utf8(c.impl.candid), visibility: 'public' })
    for (const [name, s] of Object.entries(c.impl?.metadata ?? {}))
      m.set(name, {
        value: typeof s.value === 'string' ? utf8(s.value) : s.value,
        visibility: s.visibility ?? 'public',
      })
    for (const [name, s] of c.wasmMetadata) m.set(name, s)
    return m
  }

  /** Re-publish a canister's certified data: controllers, module hash, metadata sections. */
  certifyCanister(c: CanisterRecord): void {
    const node = new StateNode()
    node.set([L('controllers')], encodeWithSelfDescribedTag(c.controllers))
    if (c.moduleHash) node.set([L('module_hash')], c.moduleHash)
    for (const [name, s] of this.metadata(c)) node.set([L('metadata'), L(name)], s.value)
    this.setTree([L('canister'), c.id], node)
  }

  principalBytes(text: string): Uint8Array {
    return principalFromText(text)
  }

  /** `canister_status` is open to non-controllers the canister's status_visibility names. */
  statusVisibleTo(c: CanisterRecord, p: Uint8Array): boolean {
    return visibleTo(c.settings.statusVisibility, p)
  }

  isController(c: CanisterRecord, p: Uint8Array): boolean {
    const hex = toHex(p)
    return c.controllers.some((x) => toHex(x) === hex)
  }

  // ---------- execution ----------

  /** Run an update on the target canister's serial queue (or the management canister). */
  executeUpdate(inv: Invocation): Promise<Outcome> {
    if (inv.canister.length === 0) {
      // Management calls join the target canister's queue (stop waits for earlier calls), unless a
      // canister asks about itself, which would wait on its own running message.
      const target = managementTarget(inv.method, inv.arg)
      const c = target && this.canister(target)
      const run = (): Promise<Outcome> => this.logged(inv, 'update', () => managementCall(this, inv))
      if (!c || Buffer.compare(Buffer.from(c.id), Buffer.from(inv.caller)) === 0) return run()
      const queued = c.queue.then(run)
      c.queue = queued.catch(() => undefined)
      return queued
    }
    const c = this.canister(inv.canister)
    if (!c)
      return Promise.resolve(
        this.log(inv, 'update', { reject: rejects.canisterNotFound(principalToText(inv.canister)) }),
      )
    const run = c.queue.then(() => this.logged(inv, 'update', () => this.runUpdate(c, inv)))
    c.queue = run.catch(() => undefined)
    return run
  }

  private async runUpdate(c: CanisterRecord, inv: Invocation): Promise<Outcome> {
    const pre = this.precheck(c, inv.method, 'update')
    if (pre) return { reject: pre }
    const method = c.impl?.methods[inv.method] as NonNullable<JsCanister['methods'][string]>
    if (this.faults.executionDelayMs) await new Promise((r) => setTimeout(r, this.faults.executionDelayMs))
    const ctx = this.context(c, inv, 'update', structuredClone(c.state))
    try {
      const reply = await method.handler(inv.arg, ctx)
      c.state = ctx.state // commit only on reply: a reject or trap rolls the state back
      return { reply }
    } catch (e) {
      return { reject: rejectFromThrown(e, c.idText, rejects.trap) }
    }
  }

  /** Run a query against a copy of the committed state; nothing persists. */
  async executeQuery(inv: Invocation): Promise<Outcome> {
    return this.logged(inv, 'query', async () => {
      if (inv.canister.length === 0) return { reject: rejects.managementMethodUnknown(inv.method) }
      const c = this.canister(inv.canister)
      if (!c) return { reject: rejects.canisterNotFound(principalToText(inv.canister)) }
      const pre = this.precheck(c, inv.method, 'query')
      if (pre) return { reject: pre }
      const method = c.impl?.methods[inv.method] as NonNullable<JsCanister['methods'][string]>
      const ctx = this.context(c, inv, 'query', structuredClone(c.state))
      try {
        return { reply: await method.handler(inv.arg, ctx) }
      } catch (e) {
        return { reject: rejectFromThrown(e, c.idText, rejects.trap) }
      }
    })
  }

  private precheck(c: CanisterRecord, method: string, kind: 'update' | 'query'): Reject | undefined {
    if (c.status === 'stopped') return rejects.stopped(c.idText)
    if (c.status === 'stopping') return rejects.stopping(c.idText)
    if (!c.impl) return rejects.noModule(c.idText)
    const m = c.impl.methods[method]
    // An update call may run a query method (replicated); a query call may not run an update method.
    if (!m || (kind === 'query' && m.kind !== 'query')) return rejects.noMethod(c.idText, kind, method)
    return undefined
  }

  private context(
    c: CanisterRecord,
    inv: Invocation,
    callType: 'update' | 'query',
    state: unknown,
  ): CallContext {
    return {
      canisterId: c.idText,
      caller: principalToText(inv.caller),
      callerBytes: inv.caller,
      method: inv.method,
      callType,
      time: this.nowNs(),
      controllers: c.controllers.map(principalToText),
      state,
      reject: (message: string): never => {
        throw new RejectError(rejects.canisterReject(message))
      },
      trap: (message: string): never => {
        throw new RejectError(rejects.trap(c.idText, message))
      },
      call: async (target: string, method: string, arg: Uint8Array): Promise<Uint8Array> => {
        if (callType !== 'update')
          throw new RejectError(rejects.trap(c.idText, 'inter-canister calls are not allowed in queries'))
        const out = await this.executeUpdate({
          canister: principalFromText(target),
          method,
          arg,
          caller: c.id,
          viaCanister: true,
        })
        if ('reject' in out) throw new InterCanisterReject(out.reject)
        return out.reply
      },
    }
  }

  // ---------- call log ----------

  private async logged(
    inv: Invocation,
    callType: 'update' | 'query',
    run: () => Promise<Outcome>,
  ): Promise<Outcome> {
    let out: Outcome
    try {
      out = await run()
    } catch (e) {
      out = {
        reject: e instanceof RejectError ? e.reject : rejects.trap(principalToText(inv.canister), String(e)),
      }
    }
    return this.log(inv, callType, out)
  }

  log(inv: Invocation, callType: CallLogEntry['callType'], out: Outcome): Outcome {
    const entry: CallLogEntry = {
      canisterId: principalToText(inv.canister),
      method: inv.method,
      arg: inv.arg,
      callType,
      sender: principalToText(inv.caller),
      route: inv.viaCanister ? 'proxy' : 'direct',
      outcome: 'reply' in out ? 'replied' : 'rejected',
      time: this.nowNs(),
    }
    if ('reply' in out) entry.reply = out.reply
    else {
      entry.rejectCode = out.reject.rejectCode
      entry.errorCode = out.reject.errorCode
      entry.rejectMessage = out.reject.rejectMessage
    }
    if (inv.requestId) entry.requestId = inv.requestId
    if (inv.endpoint) entry.endpoint = inv.endpoint
    this.logEntries.push(entry)
    // Trimmed in batches: a splice per entry once full shifted 100,000 entries on every request.
    if (this.logEntries.length > CALL_LOG_LIMIT * 1.1)
      this.logEntries = this.logEntries.slice(-CALL_LOG_LIMIT)
    return out
  }

  callLog(): CallLogEntry[] {
    return [...this.logEntries]
  }

  clearCallLog(): void {
    this.logEntries = []
  }

  // ---------- request lifecycle ----------

  /** Accept an authenticated ingress update: dedup by request id, then execute on the canister's queue. */
  submit(
    req: { id: Uint8Array; sender: Uint8Array; canisterId: Uint8Array; expiry: bigint },
    inv: Invocation,
  ): RequestRecord {
    const idHex = toHex(req.id)
    const existing = this.requests.get(idHex)
    if (existing) return existing
    const rec: RequestRecord = { ...req, idHex, status: 'received', settled: Promise.resolve() }
    this.requests.set(idHex, rec)
    this.setStatusLeaf(rec, 'received')
    this.inflight++
    rec.settled = (async () => {
      rec.status = 'processing'
      this.setStatusLeaf(rec, 'processing')
      try {
        this.settle(rec, await this.executeUpdate(inv))
      } finally {
        this.inflight--
      }
    })()
    return rec
  }

  private setStatusLeaf(rec: RequestRecord, status: RequestStatus): void {
    this.setTree([L('request_status'), rec.id, L('status')], L(status))
  }

  private settle(rec: RequestRecord, out: Outcome): void {
    const node = new StateNode()
    if ('reply' in out) {
      rec.status = 'replied'
      node.set([L('status')], L('replied'))
      node.set([L('reply')], out.reply)
    } else {
      rec.status = 'rejected'
      node.set([L('status')], L('rejected'))
      node.set([L('reject_code')], leb128(out.reject.rejectCode))
      node.set([L('reject_message')], L(out.reject.rejectMessage))
      node.set([L('error_code')], L(out.reject.errorCode))
    }
    this.setTree([L('request_status'), rec.id], node)
  }

  /** Expired requests become `done` (reply dropped); long-done ones leave the tree. */
  private sweep(now: bigint): void {
    for (const rec of this.requests.values()) {
      if (rec.expiry >= now) continue
      if (rec.status === 'replied' || rec.status === 'rejected') {
        rec.status = 'done'
        const node = new StateNode()
        node.set([L('status')], L('done'))
        this.tree.set([L('request_status'), rec.id], node)
      } else if (rec.status === 'done' && rec.expiry + DONE_RETENTION_NS < now) {
        this.tree.delete([L('request_status'), rec.id])
        this.dirty = true
        this.requests.delete(rec.idHex)
      }
    }
  }

  // ---------- certification ----------

  /** Queue a state-tree write; it becomes visible (certified) with the next round. */
  setTree(path: Uint8Array[], value: StateNode | Uint8Array): void {
    this.pendingWrites.push([path, value])
    this.dirty = true
  }

  /**
   * Make sure the current state is certified: one BLS signature per state change (a "round"),
   * re-signed only when the state changed or the certified time is older than a second.
   */
  private ensureRound(acceptPending = false): void {
    const wall = Date.now()
    if ((!this.dirty || acceptPending) && wall - this.roundWallMs < ROUND_MAX_AGE_MS && this.rounds > 0)
      return
    for (const [path, value] of this.pendingWrites) this.tree.set(path, value)
    this.pendingWrites = []
    const now = this.nowNs()
    if (wall - this.lastSweepMs >= ROUND_MAX_AGE_MS) {
      this.lastSweepMs = wall
      this.sweep(now)
    }
    const certOffset = BigInt(this.faults.certificateTimeOffsetMs ?? 0) * 1_000_000n
    this.tree.set([L('time')], leb128(now + certOffset))
    this.roundHash = this.tree.hash()
    this.roundSigs.clear()
    this.roundWallMs = wall
    this.dirty = false
    this.rounds++
  }

  /**
   * Wait for the next certification round, so updates finishing together share one signature. A
   * lone update is certified on the next turn of the event loop; while other updates are still in
   * flight the round waits up to ROUND_BATCH_MS for them.
   */
  nextRound(): Promise<void> {
    if (!this.pendingRound) {
      const start = performance.now()
      this.pendingRound = new Promise((resolve) => {
        const fire = (): void => {
          if (this.inflight > 0 && performance.now() - start < ROUND_BATCH_MS) {
            setImmediate(fire)
            return
          }
          this.pendingRound = undefined
          this.ensureRound()
          resolve()
        }
        setImmediate(fire)
      })
    }
    return this.pendingRound
  }

  /** This round's signature by `subnet` (one BLS signature per subnet and round). */
  private roundSignature(subnet: Subnet): Uint8Array {
    let sig = this.roundSigs.get(subnet.index)
    if (!sig) {
      const t = performance.now()
      sig = subnet.keys.signStateRoot(this.roundHash)
      this.roundMs += performance.now() - t
      this.roundSigs.set(subnet.index, sig)
    }
    return sig
  }

  /**
   * The subnet that answers for `target` (a canister id, or a subnet id for subnet-scoped reads).
   * The `wrongSubnet` fault answers from another application subnet, whose ranges do not hold it.
   */
  subnetFor(target?: { canister?: Uint8Array; subnet?: Uint8Array }): Subnet {
    const topo = this.topology
    let subnet =
      (target?.subnet && topo.byId(target.subnet)) ||
      (target?.canister && topo.subnetOf(target.canister)) ||
      topo.defaultSubnet
    if (this.faults.wrongSubnet && topo.mainnet && subnet.index > 0) {
      const apps = topo.subnets.length - 1
      subnet = topo.subnets[(subnet.index % apps) + 1]
    }
    return subnet
  }

  /**
   * The NNS delegation for an application subnet: a root-signed certificate revealing the subnet's
   * public key, its canister ranges (the canister's shard only, or all shards) and `/time`. Cached
   * for a minute; `forgedDelegation` signs it with the subnet's own key instead of the root key.
   */
  private delegation(
    subnet: Subnet,
    canister?: Uint8Array,
  ): { subnet_id: Uint8Array; certificate: Uint8Array } {
    const paths = [[L('subnet'), subnet.id, L('public_key')], ...this.topology.rangePaths(subnet, canister)]
    const key = `${subnet.index}|${paths.map((p) => p.map(toHex).join('/')).join(',')}`
    const cached = this.delegations.get(key)
    const wall = Date.now()
    if (cached && wall - cached.madeMs < 60_000)
      return { subnet_id: subnet.id, certificate: cached.certificate }
    this.nnsTree.set([L('time')], leb128(this.nowNs()))
    const tree = this.nnsTree.witness([...paths, [L('time')]])
    const signer = this.faults.forgedDelegation ? subnet.keys : this.topology.root.keys
    const signature = signer.signStateRoot(this.nnsTree.hash())
    const certificate = encodeWithSelfDescribedTag({ tree, signature })
    this.delegations.set(key, { certificate, madeMs: wall })
    return { subnet_id: subnet.id, certificate }
  }

  /**
   * A certificate (CBOR bytes) revealing `paths` and `/time` from the certified state, signed by the
   * subnet that answers for `target` (with its NNS delegation in mainnet mode). `fresh` (read_state)
   * certifies pending writes first; otherwise (a call that awaited nextRound) the last round is used
   * as long as it is under a second old.
   */
  certificate(
    paths: Uint8Array[][],
    fresh = true,
    target?: { canister?: Uint8Array; subnet?: Uint8Array },
  ): Uint8Array {
    this.ensureRound(!fresh)
    const tree: HashTree = this.tree.witness([...paths, [L('time')]])
    const subnet = this.subnetFor(target)
    let signature = this.roundSignature(subnet)
    if (this.faults.corruptCertificate) {
      signature = new Uint8Array(signature)
      signature[signature.length - 1] ^= 0x01
    }
    if (subnet.index === 0) return encodeWithSelfDescribedTag({ tree, signature })
    const delegation = this.delegation(subnet, target?.canister)
    return encodeWithSelfDescribedTag({ tree, signature, delegation })
  }

  /** The node that signs query responses for `canister` (`foreignQueryNode`: one of another subnet). */
  queryNode(canister: Uint8Array): ReplicaKeys {
    const subnet = this.subnetFor({ canister })
    if (!this.faults.foreignQueryNode) return subnet.keys
    return this.topology.subnets.find((s) => s !== subnet)?.keys ?? subnet.keys
  }

  recordTiming(kind: string, ms: number): void {
    const list = this.timings.get(kind) ?? []
    if (list.length < 100_000) list.push(ms)
    this.timings.set(kind, list)
  }

  /** Numbers for benchmarks: rounds, signing time, and per-endpoint handling time in this process. */
  stats(): Record<string, unknown> {
    const endpoints: Record<string, unknown> = {}
    for (const [kind, xs] of this.timings) {
      const s = [...xs].sort((a, b) => a - b)
      const q = (p: number): number => Number(s[Math.min(s.length - 1, Math.floor(p * s.length))].toFixed(2))
      endpoints[kind] = { n: s.length, medianMs: q(0.5), p90Ms: q(0.9) }
    }
    return {
      certificationRounds: this.rounds,
      signMsTotal: Number(this.roundMs.toFixed(1)),
      requests: this.requests.size,
      canisters: this.canisters.size,
      endpoints,
    }
  }

  /** Hash of the last certified state (for tests). */
  certifiedRootHash(): Uint8Array {
    this.ensureRound()
    return this.roundHash
  }
}

/** An inter-canister call was rejected; uncaught in the caller, it traps like the CDK would. */
export class InterCanisterReject extends Error {
  constructor(readonly reject: Reject) {
    super(`call rejected: ${reject.rejectMessage}`)
    this.name = 'InterCanisterReject'
  }
}

export function defaultSettings(): CanisterSettings {
  return {
    freezingThreshold: 2_592_000n,
    computeAllocation: 0n,
    memoryAllocation: 0n,
    reservedCyclesLimit: 5_000_000_000_000n,
    wasmMemoryLimit: 3_221_225_472n,
    wasmMemoryThreshold: 0n,
    logMemoryLimit: 4096n,
    minimumIncomingCanisterCallCycles: 0n,
    logVisibility: { controllers: null },
    snapshotVisibility: { controllers: null },
    statusVisibility: { controllers: null },
    environmentVariables: [],
  }
}
