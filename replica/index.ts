// A local Internet Computer replica for tests, the demo and benchmarks (a dev tool, not in dist/).
// It runs in-process: startReplica() listens on 127.0.0.1 and speaks the IC HTTP interface.
import type { Server } from 'node:http'
import { toHex } from './bytes.js'
import type { JsCanister } from './canister.js'
import { Engine } from './engine.js'
import { principalToText } from './principal.js'
import { proxyCanister } from './proxy.js'
import { startServer } from './server.js'
import type { CallLogEntry, Faults } from './types.js'

export type { CallContext, JsCanister, JsMethod, MetadataSection } from './canister.js'
export { candidQuery, candidUpdate } from './canister.js'
export { CanisterReject } from './errors.js'
export type { CallLogEntry, Faults } from './types.js'
export { demoCanister, DEMO_CANDID } from './demo-canister.js'

export interface ReplicaOptions {
  /** Seed for the root key and node key: the same seed always gives the same root key. */
  seed?: string
  /** 0 (default) picks a free port. */
  port?: number
  /** Default controllers (principal texts) of canisters created without explicit controllers. */
  controllers?: string[]
  /** Enables /_replica/log, /_replica/log/clear and /_replica/faults for requests carrying this token. */
  adminToken?: string
  /**
   * Mainnet's shape: an NNS subnet (its key is the root key) plus this many application subnets with
   * their own keys. Canisters are created on the first application subnet; certificates carry an NNS
   * delegation; query responses are signed by the application subnet's node. 0 (default): one root
   * subnet, as a local replica.
   */
  appSubnets?: number
  /** `flat` (default): `/subnet/<id>/canister_ranges`; `sharded`: `/canister_ranges/<id>/<shard>`, three shards per subnet. */
  canisterRanges?: 'flat' | 'sharded'
  /** Sharded ranges in a delegation: the canister's shard only (default) or every shard (`false`). */
  prunedRanges?: boolean
}

export interface SubnetInfo {
  id: string
  kind: 'nns' | 'application'
  /** First and last canister id of the subnet's range. */
  range: [string, string]
}

export interface Replica {
  url: string
  rootKeyHex: string // 266 hex chars (133-byte DER), what `root-key:` pins
  rootKey: Uint8Array
  /** The root subnet's id (the NNS subnet in mainnet mode). */
  subnetId: string
  /** Every subnet: the root subnet first, then the application subnets (mainnet mode). */
  subnets: SubnetInfo[]
  stop(): Promise<void>
  /** `subnet`: the subnet id to create it on (default: the first application subnet, or the root). */
  createCanister(opts?: { id?: string; controllers?: string[]; subnet?: string }): string
  installJsCanister(canisterId: string, canister: JsCanister<any>): void // eslint-disable-line @typescript-eslint/no-explicit-any
  setStatus(canisterId: string, status: 'running' | 'stopping' | 'stopped'): void
  setControllers(canisterId: string, controllers: string[]): void
  installProxy(opts?: { controllers?: string[]; subnet?: string }): string
  callLog(): CallLogEntry[]
  clearCallLog(): void
  setFaults(f: Faults): void
  /** Shared clock in nanoseconds (includes any clockOffsetMs fault). */
  timeNs(): bigint
  /** Number of BLS certificate signatures made so far (one per certification round). */
  certificationRounds(): number
  /** HTTP requests received on /api/ so far, refused ones included. */
  requestCount(): number
}

export const DEFAULT_SEED = 'icp-sync-action'

export async function startReplica(opts: ReplicaOptions = {}): Promise<Replica> {
  const engine = new Engine(opts.seed ?? DEFAULT_SEED, opts.controllers ?? [], {
    appSubnets: opts.appSubnets,
    canisterRanges: opts.canisterRanges,
    prunedRanges: opts.prunedRanges,
  })
  const server: Server = await startServer(engine, opts.port ?? 0, opts.adminToken)
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('replica: server has no TCP address')
  const rootKey = engine.keys.rootKeyDer
  return {
    url: `http://127.0.0.1:${address.port}`,
    rootKey,
    rootKeyHex: toHex(rootKey),
    subnetId: principalToText(engine.keys.subnetId),
    subnets: engine.topology.subnets.map((s) => ({
      id: s.idText,
      kind: engine.topology.mainnet && s.index === 0 ? 'nns' : 'application',
      range: [principalToText(s.shards[0].low), principalToText(s.shards[s.shards.length - 1].high)],
    })),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
    createCanister: (o) => engine.createCanister(o),
    installJsCanister: (id, c) => engine.installJsCanister(id, c),
    setStatus: (id, status) => {
      engine.mustCanister(id).status = status
    },
    setControllers: (id, controllers) => {
      const c = engine.mustCanister(id)
      c.controllers = controllers.map((p) => engine.principalBytes(p))
      engine.certifyCanister(c)
    },
    installProxy: (o = {}) => {
      const id = engine.createCanister({ controllers: o.controllers, subnet: o.subnet })
      engine.installJsCanister(id, proxyCanister())
      return id
    },
    callLog: () => engine.callLog(),
    clearCallLog: () => engine.clearCallLog(),
    setFaults: (f) => {
      engine.faults = structuredClone(f) // `times` counters count down on our copy
    },
    timeNs: () => engine.nowNs(),
    certificationRounds: () => engine.rounds,
    requestCount: () => engine.apiRequests,
  }
}
