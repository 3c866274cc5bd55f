// Signing with Node's own crypto (OpenSSL) instead of the agent's pure-JS keys: the first
// @noble signature of a process builds its tables (~25 ms; ~110 ms on a busy runner) and each later
// one costs ~0.5-3 ms, once per request. Same public key DER, hence the same principal, and the same
// signature format the IC expects (Ed25519: 64 bytes; secp256k1: r‖s over sha256, low-s).
import { sign as cryptoSign, createPublicKey, type KeyObject } from 'node:crypto'

import { SignIdentity, type DerEncodedPublicKey, type PublicKey, type Signature } from '@icp-sdk/core/agent'

/** secp256k1 group order n, and n/2: a signature with s > n/2 is replaced by (r, n − s). */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
const SECP256K1_HALF_N = SECP256K1_N >> 1n

const toBigInt = (bytes: Uint8Array): bigint => BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`)

function lowS(signature: Buffer): Uint8Array {
  const s = toBigInt(signature.subarray(32))
  if (s <= SECP256K1_HALF_N) return new Uint8Array(signature)
  const out = new Uint8Array(64)
  out.set(signature.subarray(0, 32))
  out.set(Buffer.from((SECP256K1_N - s).toString(16).padStart(64, '0'), 'hex'), 32)
  return out
}

export class NodeKeyIdentity extends SignIdentity {
  readonly #key: KeyObject
  readonly #kind: 'ed25519' | 'secp256k1'
  readonly #publicKey: PublicKey

  constructor(kind: 'ed25519' | 'secp256k1', privateKey: KeyObject) {
    super()
    this.#kind = kind
    this.#key = privateKey
    const der = new Uint8Array(createPublicKey(privateKey).export({ type: 'spki', format: 'der' }))
    this.#publicKey = { toDer: () => der as DerEncodedPublicKey, derKey: der as DerEncodedPublicKey }
  }

  getPublicKey(): PublicKey {
    return this.#publicKey
  }

  async sign(blob: Uint8Array): Promise<Signature> {
    if (this.#kind === 'ed25519') return new Uint8Array(cryptoSign(null, blob, this.#key)) as Signature
    return lowS(cryptoSign('sha256', blob, { key: this.#key, dsaEncoding: 'ieee-p1363' })) as Signature
  }
}
