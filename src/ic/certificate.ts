// Certificate checks, ours end to end: the NNS delegation (no nesting, the canister in the subnet's
// ranges, the subnet key from the NNS tree), the BLS signature (src/ic/bls.ts) and the time.
//
// Ours rather than the agent's because @icp-sdk/core 6.1.0 picks the wrong `/canister_ranges` shard:
// it takes the first shard, not the greatest shard label at or below the canister id, so a
// certificate revealing two or more shards is refused for canisters past the first one.

import {
  Cbor,
  flatten_forks,
  IC_STATE_ROOT_DOMAIN_SEPARATOR,
  lookup_path,
  lookup_subtree,
  LookupPathStatus,
  LookupSubtreeStatus,
  reconstruct,
  type HashTree,
} from '@icp-sdk/core/agent'
import { Principal } from '@icp-sdk/core/principal'

import { blsVerify } from './bls.js'
import { ClockProblem } from './clock.js'
import { IcError } from './errors.js'

const ROOT_KEY_PREFIX = Buffer.from(
  '308182301d060d2b0601040182dc7c0503010201060c2b0601040182dc7c05030201036100',
  'hex',
)
const ROOT_KEY_BYTES = 133
const NODE_KEY_BYTES = 44
/** The agent's window: certificates older than 5 minutes or more than 5 minutes ahead are refused. */
export const MAX_CERTIFICATE_SKEW_MS = 5 * 60_000

interface RawCertificate {
  tree: HashTree
  signature: Uint8Array
  delegation?: { subnet_id: Uint8Array; certificate: Uint8Array }
}

export interface VerifiedCertificate {
  tree: HashTree
  /** The subnet that signed it (the delegation's subnet, or the root subnet). */
  subnetId: Principal
  delegated: boolean
  /** Certified `/time`, milliseconds. */
  timeMs: number
  lookup(path: Array<string | Uint8Array>): Uint8Array | undefined
  /** Absent or Unknown both read as "not there" (the agent reports most absences as Unknown). */
  status(path: Array<string | Uint8Array>): LookupPathStatus
}

export type CertificateTarget = { canisterId: Principal } | { subnetId: Principal }

const untrusted = (why: string): IcError =>
  new IcError(`Certificate verification failed. (${why})`, 'answered')

function decodeCertificate(bytes: Uint8Array): RawCertificate {
  let cert: unknown
  try {
    cert = Cbor.decode(bytes)
  } catch {
    throw untrusted('not CBOR')
  }
  const c = cert as Partial<RawCertificate>
  if (!c || !Array.isArray(c.tree) || !(c.signature instanceof Uint8Array)) throw untrusted('malformed')
  return c as RawCertificate
}

function leafOf(tree: HashTree, path: Array<string | Uint8Array>): Uint8Array | undefined {
  const found = lookup_path(path, tree)
  return found.status === LookupPathStatus.Found && found.value instanceof Uint8Array
    ? found.value
    : undefined
}

function timeOf(tree: HashTree): number {
  const leaf = leafOf(tree, ['time'])
  if (!leaf) throw untrusted('no /time')
  let ns = 0n
  let shift = 0n
  for (const byte of leaf) {
    ns |= BigInt(byte & 0x7f) << shift
    if ((byte & 0x80) === 0) break
    shift += 7n
  }
  return Number(ns / 1_000_000n)
}

async function checkSignature(cert: RawCertificate, derKey: Uint8Array): Promise<void> {
  if (
    derKey.length !== ROOT_KEY_BYTES ||
    !Buffer.from(derKey.subarray(0, ROOT_KEY_PREFIX.length)).equals(ROOT_KEY_PREFIX)
  )
    throw untrusted('the signing key is not a BLS key')
  const message = Buffer.concat([IC_STATE_ROOT_DOMAIN_SEPARATOR, await reconstruct(cert.tree)])
  if (!(await blsVerify(derKey.subarray(ROOT_KEY_PREFIX.length), cert.signature, message)))
    throw untrusted('invalid signature')
}

const compareBytes = (a: Uint8Array, b: Uint8Array): number => Buffer.compare(Buffer.from(a), Buffer.from(b))

/**
 * The canister ranges of `subnetId` that could contain `canisterId`: from the shard with the
 * greatest label at or below the canister id (`/canister_ranges/<subnet>/<shard>`), else from
 * `/subnet/<subnet>/canister_ranges`. A pruned witness that hides the right shard fails closed: the
 * shard we can see ends before the canister.
 */
export function canisterRangesFor(
  tree: HashTree,
  subnetId: Principal,
  canisterId: Principal,
): Array<[Uint8Array, Uint8Array]> {
  const sid = subnetId.toUint8Array()
  const cid = canisterId.toUint8Array()
  let encoded: Uint8Array | undefined
  const shards = lookup_subtree(['canister_ranges', sid], tree)
  if (shards.status === LookupSubtreeStatus.Found) {
    let best: { label: Uint8Array; value?: Uint8Array } | undefined
    for (const node of flatten_forks(shards.value as HashTree)) {
      if (node[0] !== 2) continue
      const [, label, child] = node as unknown as [2, Uint8Array, HashTree]
      if (compareBytes(label, cid) > 0) continue
      if (best && compareBytes(label, best.label) <= 0) continue
      best = { label, value: child[0] === 3 ? (child[1] as Uint8Array) : undefined }
    }
    encoded = best?.value
  } else {
    encoded = leafOf(tree, ['subnet', sid, 'canister_ranges'])
  }
  if (!encoded) return []
  try {
    const ranges = Cbor.decode(encoded) as unknown
    if (!Array.isArray(ranges)) return []
    return ranges.filter(
      (r): r is [Uint8Array, Uint8Array] =>
        Array.isArray(r) && r[0] instanceof Uint8Array && r[1] instanceof Uint8Array,
    )
  } catch {
    return []
  }
}

export function canisterInRanges(tree: HashTree, subnetId: Principal, canisterId: Principal): boolean {
  const cid = canisterId.toUint8Array()
  return canisterRangesFor(tree, subnetId, canisterId).some(
    ([low, high]) => compareBytes(low, cid) <= 0 && compareBytes(cid, high) <= 0,
  )
}

export function notAuthorized(canisterId: Principal, subnetId: Principal): IcError {
  return new IcError(
    `Certificate is not authorized to respond to queries for this canister. (canister ${canisterId.toText()} is not in the canister ranges of subnet ${subnetId.toText()})`,
    'answered',
  )
}

/** The delegated subnet's key, after checking the NNS certificate that vouches for it. */
async function delegatedKey(
  cert: RawCertificate,
  rootKey: Uint8Array,
  target: CertificateTarget,
): Promise<{ key: Uint8Array; subnetId: Principal }> {
  const delegation = cert.delegation!
  if (!(delegation.subnet_id instanceof Uint8Array) || !(delegation.certificate instanceof Uint8Array))
    throw untrusted('malformed delegation')
  const inner = decodeCertificate(delegation.certificate)
  if (inner.delegation) throw untrusted('the delegation is itself delegated')
  await checkSignature(inner, rootKey)
  const subnetId = Principal.fromUint8Array(delegation.subnet_id)
  if ('canisterId' in target) {
    if (!canisterInRanges(inner.tree, subnetId, target.canisterId))
      throw notAuthorized(target.canisterId, subnetId)
  } else if (subnetId.toText() !== target.subnetId.toText()) {
    throw untrusted(`the delegation is for subnet ${subnetId.toText()}, not ${target.subnetId.toText()}`)
  }
  const key = leafOf(inner.tree, ['subnet', delegation.subnet_id, 'public_key'])
  if (!key) throw untrusted(`no public key for subnet ${subnetId.toText()} in the delegation`)
  return { key, subnetId }
}

/**
 * Verifies a certificate for `target` under `rootKey`. With `nowMs`, its time must lie within
 * MAX_CERTIFICATE_SKEW_MS of it (a ClockProblem otherwise, for src/ic/clock.ts to act on).
 */
export async function verifyCertificate(
  bytes: Uint8Array,
  rootKey: Uint8Array,
  target: CertificateTarget,
  nowMs?: number,
): Promise<VerifiedCertificate> {
  const cert = decodeCertificate(bytes)
  let key = rootKey
  let subnetId = Principal.selfAuthenticating(rootKey)
  if (cert.delegation) ({ key, subnetId } = await delegatedKey(cert, rootKey, target))
  await checkSignature(cert, key)
  const timeMs = timeOf(cert.tree)
  if (nowMs !== undefined && Math.abs(timeMs - nowMs) > MAX_CERTIFICATE_SKEW_MS) {
    const age = Math.round((nowMs - timeMs) / 1000)
    throw new ClockProblem(
      age > 0
        ? `Certificate is stale (${age}s old by the local clock, over ${MAX_CERTIFICATE_SKEW_MS / 1000}s)`
        : `Certificate is ${-age}s in the future by the local clock (over ${MAX_CERTIFICATE_SKEW_MS / 1000}s)`,
    )
  }
  const tree = cert.tree
  return {
    tree,
    subnetId,
    delegated: cert.delegation !== undefined,
    timeMs,
    lookup: (path) => leafOf(tree, path),
    status: (path) => lookup_path(path, tree).status,
  }
}

/** `/subnet/<subnet>/node/<node>/public_key` of the certificate's subnet: node id → DER key. */
export function nodeKeysOf(cert: VerifiedCertificate): Map<string, Uint8Array> {
  const nodes = lookup_subtree(['subnet', cert.subnetId.toUint8Array(), 'node'], cert.tree)
  if (nodes.status !== LookupSubtreeStatus.Found)
    throw untrusted(`no node keys for subnet ${cert.subnetId.toText()}`)
  const keys = new Map<string, Uint8Array>()
  for (const node of flatten_forks(nodes.value as HashTree)) {
    if (node[0] !== 2) continue
    const [, nodeId, child] = node as unknown as [2, Uint8Array, HashTree]
    const key = leafOf(child, ['public_key'])
    if (!key || key.length !== NODE_KEY_BYTES)
      throw untrusted(`malformed key for node ${Principal.fromUint8Array(nodeId).toText()}`)
    keys.set(Principal.fromUint8Array(nodeId).toText(), key)
  }
  return keys
}
