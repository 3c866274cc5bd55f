// Node signatures on query responses, checked with node:crypto. The agent's own check (pure-JS
// Ed25519) cost ~3 ms per query, five times the replica's round trip; this is the same check:
// every signature by a node of the canister's subnet over hash(response fields, timestamp, request
// id) under the `\x0Bic-response` domain, at least one signature, and a fresh timestamp.
import { createPublicKey, verify, type KeyObject } from 'node:crypto'

import { hashOfMap, IC_RESPONSE_DOMAIN_SEPARATOR } from '@icp-sdk/core/agent'
import { Principal } from '@icp-sdk/core/principal'

import { ClockProblem } from './clock.js'
import { IcError } from './errors.js'

/** What the agent hands back from `query()` (verification off): the decoded body plus the request id. */
export interface SignedQueryResponse {
  status: string
  reply?: { arg: Uint8Array }
  reject_code?: number
  reject_message?: string
  error_code?: string
  signatures?: Array<{ timestamp: bigint | number; signature: Uint8Array; identity: Uint8Array }>
  requestId: Uint8Array
}

/** How old a signature may be: icp-cli's ingress expiry window (src/ic/connect.ts). */
export const MAX_QUERY_AGE_MS = 4 * 60_000

/** Node id (text) → DER-encoded Ed25519 public key, as read from the subnet's certificate. */
export type SubnetNodeKeys = Map<string, Uint8Array>

const keyObjects = new Map<string, KeyObject>()

function nodeKey(der: Uint8Array): KeyObject {
  const id = Buffer.from(der).toString('hex')
  let key = keyObjects.get(id)
  if (!key) {
    key = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' })
    if (key.asymmetricKeyType !== 'ed25519') throw new Error('not an Ed25519 key')
    keyObjects.set(id, key)
  }
  return key
}

/** A signature that does not check out (as opposed to a stale one): worth one retry with fresh keys. */
export class QuerySignatureError extends IcError {
  override name = 'QuerySignatureError'
  constructor(why: string) {
    super(`Query signature verification failed. (${why})`, 'answered')
  }
}

const failed = (why: string): QuerySignatureError => new QuerySignatureError(why)

/**
 * Throws an IcError unless every signature verifies under the subnet's node keys and the newest one
 * is at most `maxAgeMs` old by our clock (signatures from the future are accepted, as the agent does).
 */
export function verifyQuerySignatures(
  response: SignedQueryResponse,
  nodeKeys: SubnetNodeKeys,
  maxAgeMs: number,
  nowMs: number = Date.now(),
): void {
  const signatures = response.signatures ?? []
  if (signatures.length === 0) throw failed('the response carries no node signature')
  if (signatures.length > nodeKeys.size)
    throw failed(`${signatures.length} signatures from a subnet of ${nodeKeys.size} nodes`)
  let fields: Record<string, unknown>
  if (response.status === 'replied' && response.reply) fields = { status: 'replied', reply: response.reply }
  else if (response.status === 'rejected')
    fields = {
      status: 'rejected',
      reject_code: response.reject_code,
      reject_message: response.reject_message,
      error_code: response.error_code,
    }
  else throw failed(`unknown response status '${response.status}'`)

  for (const { timestamp, signature, identity } of signatures) {
    const nodeId = Principal.fromUint8Array(identity).toText()
    const der = nodeKeys.get(nodeId)
    if (!der) throw failed(`node ${nodeId} is not in the canister's subnet`)
    const hash = hashOfMap({ ...fields, timestamp: BigInt(timestamp), request_id: response.requestId })
    const message = Buffer.concat([IC_RESPONSE_DOMAIN_SEPARATOR, hash])
    let valid: boolean
    try {
      valid = verify(null, message, nodeKey(der), signature)
    } catch {
      valid = false
    }
    if (!valid) throw failed(`bad signature by node ${nodeId}`)
  }
  const newestMs = Math.max(...signatures.map(({ timestamp }) => Number(BigInt(timestamp) / 1_000_000n)))
  if (nowMs - newestMs > maxAgeMs)
    throw new ClockProblem(
      `Query response is stale: signed ${Math.round((nowMs - newestMs) / 1000)}s ago (more than ${Math.round(maxAgeMs / 60_000)} minutes). Is the computer's clock synchronized?`,
    )
}

/**
 * Subnet node keys per canister (5 minutes), so a failed check can drop the entry it used (node keys
 * rotate) and try once more with fresh keys, as the agent does. One read in flight per canister.
 */
export class NodeKeyStore {
  private readonly entries = new Map<string, { value: SubnetNodeKeys; expires: number }>()
  private readonly inflight = new Map<string, Promise<SubnetNodeKeys>>()
  constructor(readonly expirationTime = 5 * 60_000) {}

  async get(key: string): Promise<SubnetNodeKeys | undefined> {
    const entry = this.entries.get(key)
    if (!entry) return undefined
    if (entry.expires <= Date.now()) {
      this.entries.delete(key)
      return undefined
    }
    return entry.value
  }
  async set(key: string, value: SubnetNodeKeys): Promise<void> {
    this.entries.set(key, { value, expires: Date.now() + this.expirationTime })
  }
  async delete(key: string): Promise<void> {
    this.entries.delete(key)
  }
  /** Shares one fetch among concurrent callers for the same key. */
  fetchOnce(key: string, fetch: () => Promise<SubnetNodeKeys>): Promise<SubnetNodeKeys> {
    let pending = this.inflight.get(key)
    if (!pending) {
      pending = fetch().finally(() => this.inflight.delete(key))
      this.inflight.set(key, pending)
    }
    return pending
  }
  /** Drops the entry holding `value` (the agent's keys are private: we know the value, not its key). */
  forget(value: SubnetNodeKeys): void {
    for (const [key, entry] of this.entries) if (entry.value === value) this.entries.delete(key)
  }
}

/**
 * Checks a query response with the keys fetched alongside it; on a bad signature, once more with
 * fresh keys for the canister (`refetch` drops the cached ones first).
 */
export async function checkQueryResponse(
  response: SignedQueryResponse,
  keys: SubnetNodeKeys,
  nowMs: number,
  refetch: () => Promise<SubnetNodeKeys>,
): Promise<void> {
  try {
    verifyQuerySignatures(response, keys, MAX_QUERY_AGE_MS, nowMs)
  } catch (error) {
    if (!(error instanceof QuerySignatureError)) throw error
    verifyQuerySignatures(response, await refetch(), MAX_QUERY_AGE_MS, nowMs)
  }
}
