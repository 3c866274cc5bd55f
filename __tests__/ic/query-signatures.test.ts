// The query-signature check on its own: responses signed here with fresh Ed25519 node keys, and the
// same response checked by the agent's own verifier (noble) so both agree on what is valid.
import { describe, expect, test } from '@jest/globals'
import { generateKeyPairSync, sign } from 'node:crypto'
import { ed25519 } from '@noble/curves/ed25519.js'
import { hashOfMap, IC_RESPONSE_DOMAIN_SEPARATOR, type DerEncodedPublicKey } from '@icp-sdk/core/agent'
import { Principal } from '@icp-sdk/core/principal'

import {
  verifyQuerySignatures,
  type SignedQueryResponse,
  type SubnetNodeKeys,
} from '../../src/ic/query-signatures.js'

const MAX_AGE = 4 * 60_000
const NOW = Date.UTC(2026, 10, 25, 12)

function node() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519')
  const der = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })) as DerEncodedPublicKey
  const identity = Principal.selfAuthenticating(der).toUint8Array()
  return { der, identity, privateKey, id: Principal.fromUint8Array(identity).toText() }
}

const requestId = new Uint8Array(32).fill(7)
const reply = { status: 'replied', reply: { arg: new Uint8Array([68, 73, 68, 76, 0, 0]) } }
const reject = { status: 'rejected', reject_code: 5, reject_message: 'trapped', error_code: 'IC0503' }

function signed(
  fields: Record<string, unknown>,
  signers: Array<ReturnType<typeof node>>,
  timestampMs = NOW - 1000,
): SignedQueryResponse {
  const timestamp = BigInt(timestampMs) * 1_000_000n
  const message = Buffer.concat([
    IC_RESPONSE_DOMAIN_SEPARATOR,
    hashOfMap({ ...fields, timestamp, request_id: requestId }),
  ])
  return {
    ...(fields as { status: string }),
    requestId,
    signatures: signers.map((signer) => ({
      timestamp,
      identity: signer.identity,
      signature: new Uint8Array(sign(null, message, signer.privateKey)),
    })),
  }
}

const keysOf = (...nodes: Array<ReturnType<typeof node>>): SubnetNodeKeys =>
  new Map(nodes.map((n) => [n.id, n.der]))
const check =
  (response: SignedQueryResponse, keys: SubnetNodeKeys, now = NOW) =>
  () =>
    verifyQuerySignatures(response, keys, MAX_AGE, now)

describe('verifyQuerySignatures', () => {
  const a = node()
  const b = node()
  const keys = keysOf(a, b)

  /** The agent's own verdict (noble Ed25519 over the same hash) on a response's first signature. */
  const nobleAccepts = (response: SignedQueryResponse, signer: ReturnType<typeof node>): boolean => {
    const sig = response.signatures![0]!
    const fields =
      response.status === 'replied'
        ? { status: response.status, reply: response.reply }
        : {
            status: response.status,
            reject_code: response.reject_code,
            reject_message: response.reject_message,
            error_code: response.error_code,
          }
    const message = Buffer.concat([
      IC_RESPONSE_DOMAIN_SEPARATOR,
      hashOfMap({ ...fields, timestamp: BigInt(sig.timestamp), request_id: response.requestId }),
    ])
    return ed25519.verify(sig.signature, message, signer.der.slice(-32))
  }

  test('a reply and a reject signed by subnet nodes pass, and noble accepts them too', () => {
    for (const fields of [reply, reject]) {
      const response = signed(fields, [a, b])
      expect(check(response, keys)).not.toThrow()
      expect(nobleAccepts(response, a)).toBe(true)
    }
  })

  test('one flipped bit anywhere that is signed → refused, as noble refuses it', () => {
    const response = signed(reply, [a])
    const flipped = (mutate: (r: SignedQueryResponse) => void) => {
      const copy = structuredClone(response)
      mutate(copy)
      return copy
    }
    for (const bad of [
      flipped((r) => (r.signatures![0]!.signature[5]! ^= 1)),
      flipped((r) => (r.reply!.arg[0]! ^= 1)),
      flipped((r) => (r.requestId[0]! ^= 1)),
      flipped((r) => (r.signatures![0]!.timestamp = BigInt(r.signatures![0]!.timestamp) + 1n)),
      flipped((r) => (r.status = 'rejected')),
    ]) {
      expect(check(bad, keys)).toThrow(/^Query signature verification failed\./)
      expect(nobleAccepts(bad, a)).toBe(false)
    }
  })

  test('a node outside the subnet, no signatures, more signatures than nodes → refused', () => {
    const outsider = node()
    expect(check(signed(reply, [outsider]), keys)).toThrow(/is not in the canister's subnet/)
    expect(check({ ...signed(reply, [a]), signatures: [] }, keys)).toThrow(/no node signature/)
    expect(check(signed(reply, [a, b, a]), keys)).toThrow(/3 signatures from a subnet of 2 nodes/)
  })

  test('a signing key that is not Ed25519 DER → refused, not a crash', () => {
    const broken = keysOf(a)
    broken.set(a.id, new Uint8Array([1, 2, 3]) as DerEncodedPublicKey)
    expect(check(signed(reply, [a]), broken)).toThrow(/bad signature by node /)
  })

  test('older than the ingress window → stale; from the future → accepted', () => {
    expect(check(signed(reply, [a], NOW - MAX_AGE - 1000), keys)).toThrow(
      /^Query response is stale: signed 241s ago/,
    )
    expect(check(signed(reply, [a], NOW - MAX_AGE + 1000), keys)).not.toThrow()
    expect(check(signed(reply, [a], NOW + 60_000), keys)).not.toThrow()
  })
})
