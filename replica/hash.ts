// Representation-independent hashing (request ids, signed query responses, delegations),
// computed generically from a decoded CBOR map so unknown future fields are covered.
import { sha256 } from '@noble/hashes/sha2.js'
import { compareBytes, concat, leb128, utf8 } from './bytes.js'

export function hashValue(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return sha256(v)
  if (typeof v === 'string') return sha256(utf8(v))
  if (typeof v === 'number' || typeof v === 'bigint') {
    if (typeof v === 'number' && !Number.isInteger(v)) throw new Error(`cannot hash non-integer ${v}`)
    return sha256(leb128(v))
  }
  if (Array.isArray(v)) return sha256(concat(...v.map(hashValue)))
  if (v !== null && typeof v === 'object') return hashOfMap(v as Record<string, unknown>)
  throw new Error(`cannot hash value of type ${v === null ? 'null' : typeof v}`)
}

export function hashOfMap(m: Record<string, unknown>): Uint8Array {
  const pairs: Uint8Array[] = []
  for (const [k, v] of Object.entries(m)) {
    if (v === undefined) continue
    pairs.push(concat(sha256(utf8(k)), hashValue(v)))
  }
  pairs.sort(compareBytes)
  return sha256(concat(...pairs))
}

export const requestId = (content: Record<string, unknown>): Uint8Array => hashOfMap(content)
