// The replica's network topology. By default one root subnet holds every canister (as a local
// replica does). In mainnet mode (`appSubnets` ≥ 1) there is an NNS subnet whose key is the root
// key and application subnets with their own keys: canisters live on the application subnets, and
// their certificates carry an NNS delegation that vouches for the subnet's key and canister ranges.
import { encodeWithSelfDescribedTag } from '@dfinity/cbor'
import { utf8 } from './bytes.js'
import { deriveAppSubnetKeys, deriveKeys, type ReplicaKeys } from './crypto.js'
import { canisterIdFromIndex, principalToText } from './principal.js'
import type { StateNode } from './tree.js'

export interface TopologyOptions {
  /** Application subnets besides the NNS subnet; 0 (default) = one root subnet, no delegations. */
  appSubnets?: number
  /** `flat`: `/subnet/<id>/canister_ranges`; `sharded`: `/canister_ranges/<id>/<shard>` (mainnet's newer form). */
  canisterRanges?: 'flat' | 'sharded'
  /** Sharded ranges in a delegation: only the shard holding the canister (pruned, default) or every shard. */
  prunedRanges?: boolean
}

export interface Subnet {
  index: number // 0 = the root (NNS) subnet
  keys: ReplicaKeys
  id: Uint8Array
  idText: string
  /** Canister index range [first, last] (canister ids as canisterIdFromIndex). */
  first: number
  last: number
  nextIndex: number
  /** Shards of the range: label = first canister id of the shard. */
  shards: Array<{ label: Uint8Array; low: Uint8Array; high: Uint8Array }>
}

const SUBNET_SPAN = 2 ** 20 // canister ids per subnet, as mainnet allocates them
const FIRST_SHARD = 16 // ids in a subnet's first shard; canisters are created past it
const L = utf8
const cmp = (a: Uint8Array, b: Uint8Array): number => Buffer.compare(Buffer.from(a), Buffer.from(b))

export class Topology {
  readonly subnets: Subnet[] = []
  readonly mainnet: boolean
  readonly sharded: boolean
  readonly pruned: boolean

  constructor(seed: string, opts: TopologyOptions = {}) {
    const apps = opts.appSubnets ?? 0
    this.mainnet = apps > 0
    this.sharded = opts.canisterRanges === 'sharded'
    this.pruned = opts.prunedRanges ?? true
    const root = deriveKeys(seed)
    if (!this.mainnet) {
      this.subnets.push(this.subnet(0, root, 0, Number.MAX_SAFE_INTEGER, 0, 'ffffffffffffffff0101'))
      return
    }
    this.subnets.push(this.subnet(0, root, 0, SUBNET_SPAN - 1, FIRST_SHARD))
    for (let k = 1; k <= apps; k++)
      this.subnets.push(
        this.subnet(
          k,
          deriveAppSubnetKeys(seed, k),
          k * SUBNET_SPAN,
          (k + 1) * SUBNET_SPAN - 1,
          k * SUBNET_SPAN + FIRST_SHARD,
        ),
      )
  }

  private subnet(
    index: number,
    keys: ReplicaKeys,
    first: number,
    last: number,
    next: number,
    lastHex?: string,
  ): Subnet {
    const low = canisterIdFromIndex(first)
    const high = lastHex ? new Uint8Array(Buffer.from(lastHex, 'hex')) : canisterIdFromIndex(last)
    // Three shards in mainnet mode: a small first one, so that created canisters sit in a later shard.
    const shards =
      this.mainnet && last - first > 2 * FIRST_SHARD
        ? [
            { label: low, low, high: canisterIdFromIndex(first + FIRST_SHARD - 1) },
            {
              label: canisterIdFromIndex(first + FIRST_SHARD),
              low: canisterIdFromIndex(first + FIRST_SHARD),
              high: canisterIdFromIndex(first + SUBNET_SPAN / 2 - 1),
            },
            {
              label: canisterIdFromIndex(first + SUBNET_SPAN / 2),
              low: canisterIdFromIndex(first + SUBNET_SPAN / 2),
              high,
            },
          ]
        : [{ label: low, low, high }]
    return {
      index,
      keys,
      id: keys.subnetId,
      idText: principalToText(keys.subnetId),
      first,
      last,
      nextIndex: next,
      shards,
    }
  }

  get root(): Subnet {
    return this.subnets[0]
  }

  /** Where canisters go unless told otherwise: the root subnet, or the first application subnet. */
  get defaultSubnet(): Subnet {
    return this.subnets[this.mainnet ? 1 : 0]
  }

  subnetOf(canister: Uint8Array): Subnet | undefined {
    return this.subnets.find((s) =>
      s.shards.some((r) => cmp(r.low, canister) <= 0 && cmp(canister, r.high) <= 0),
    )
  }

  byId(id: Uint8Array): Subnet | undefined {
    return this.subnets.find((s) => cmp(s.id, id) === 0)
  }

  /** The shard a delegation reveals for `canister` (the greatest label at or below it). */
  shardFor(subnet: Subnet, canister: Uint8Array): Uint8Array {
    let best = subnet.shards[0].label
    for (const s of subnet.shards) if (cmp(s.label, canister) <= 0) best = s.label
    return best
  }

  /** Paths of `subnet`'s canister ranges, as a delegation reveals them. */
  rangePaths(subnet: Subnet, canister?: Uint8Array): Uint8Array[][] {
    if (!this.sharded) return [[L('subnet'), subnet.id, L('canister_ranges')]]
    if (this.pruned && canister) return [[L('canister_ranges'), subnet.id, this.shardFor(subnet, canister)]]
    return [[L('canister_ranges'), subnet.id]]
  }

  /** Writes every subnet's public key, canister ranges, node keys and type into a state tree. */
  publish(set: (path: Uint8Array[], value: Uint8Array | StateNode) => void): void {
    for (const s of this.subnets) {
      set([L('subnet'), s.id, L('public_key')], s.keys.rootKeyDer)
      set([L('subnet'), s.id, L('node'), s.keys.nodeId, L('public_key')], s.keys.nodeKeyDer)
      set([L('subnet'), s.id, L('type')], L(this.mainnet && s.index === 0 ? 'system' : 'application'))
      if (this.sharded)
        for (const shard of s.shards)
          set(
            [L('canister_ranges'), s.id, shard.label],
            encodeWithSelfDescribedTag([[shard.low, shard.high]]),
          )
      else
        set(
          [L('subnet'), s.id, L('canister_ranges')],
          encodeWithSelfDescribedTag(s.shards.map((r) => [r.low, r.high])),
        )
    }
  }
}
