// The WebAssembly certificate verifier against @noble/curves (the agent's own verifier) as the oracle.
import { describe, expect, test } from '@jest/globals'
import { randomBytes } from 'node:crypto'

import { bls12_381 } from '@noble/curves/bls12-381.js'
import { expand_message_xmd } from '@noble/curves/abstract/hash-to-curve.js'
import { sha256 } from '@noble/hashes/sha2.js'

import { demoCanister, startReplica } from '../../replica/index.js'
import { blsVerify, expandMessageXmd } from '../../src/ic/bls.js'
import { connect, update } from '../../src/ic/index.js'
import { loadIdentity } from '../../src/identity/index.js'
import { newIdentity } from '../helpers/e2e-project.js'

const short = bls12_381.shortSignatures
const DST = new TextEncoder().encode('BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_')

function keyPair(): { secret: Uint8Array; publicKey: Uint8Array } {
  const secret = bls12_381.utils.randomSecretKey()
  return { secret, publicKey: short.getPublicKey(secret).toBytes(true) }
}
const sign = (secret: Uint8Array, msg: Uint8Array): Uint8Array =>
  short.sign(short.hash(msg), secret).toBytes(true)

describe('blsVerify (mcl-wasm) agrees with @noble/curves', () => {
  test('expand_message_xmd matches for several lengths and messages', () => {
    for (const length of [32, 64, 128, 255]) {
      for (const msg of [new Uint8Array(0), randomBytes(17), randomBytes(1000)]) {
        expect(Buffer.from(expandMessageXmd(msg, DST, length))).toEqual(
          Buffer.from(expand_message_xmd(msg, DST, length, sha256)),
        )
      }
    }
  })

  test('accepts valid signatures and rejects a changed message, key or signature', async () => {
    const { secret, publicKey } = keyPair()
    const other = keyPair()
    for (let i = 0; i < 5; i++) {
      const msg = randomBytes(1 + i * 40)
      const sig = sign(secret, msg)
      expect(short.verify(sig, short.hash(msg), publicKey)).toBe(true)
      expect(await blsVerify(publicKey, sig, msg)).toBe(true)
      const changed = Uint8Array.from(msg)
      changed[0]! ^= 1
      expect(await blsVerify(publicKey, sig, changed)).toBe(false)
      expect(await blsVerify(other.publicKey, sig, msg)).toBe(false)
      expect(await blsVerify(publicKey, sign(other.secret, msg), msg)).toBe(false)
    }
  })

  test('malformed inputs are false, never a throw', async () => {
    const { secret, publicKey } = keyPair()
    const msg = randomBytes(32)
    const sig = sign(secret, msg)
    const infinity = new Uint8Array(48)
    infinity[0] = 0xc0
    expect(await blsVerify(publicKey, infinity, msg)).toBe(false)
    expect(await blsVerify(publicKey, sig.subarray(0, 47), msg)).toBe(false)
    expect(await blsVerify(publicKey, randomBytes(48), msg)).toBe(false)
    expect(await blsVerify(randomBytes(96), sig, msg)).toBe(false)
    expect(await blsVerify(publicKey.subarray(0, 95), sig, msg)).toBe(false)
    expect(await blsVerify(publicKey, sig, msg)).toBe(true)
  })
})

test('an update answered under another root key is refused; under the right one it succeeds', async () => {
  const replica = await startReplica()
  const other = await startReplica({ seed: 'some other network' })
  try {
    const identity = await loadIdentity({ pem: newIdentity().pem })
    const canister = replica.createCanister()
    replica.installJsCanister(canister, demoCanister())
    const noArgs = new Uint8Array([0x44, 0x49, 0x44, 0x4c, 0, 0])
    const right = await connect({ apiUrl: replica.url, rootKey: replica.rootKeyHex, identity })
    await expect(update(right, canister, 'increment', noArgs)).resolves.toBeInstanceOf(Uint8Array)
    const wrong = await connect({ apiUrl: replica.url, rootKey: other.rootKeyHex, identity })
    await expect(update(wrong, canister, 'increment', noArgs)).rejects.toThrow(
      /certificate verification failed/i,
    )
  } finally {
    await replica.stop()
    await other.stop()
  }
})
