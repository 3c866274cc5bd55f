// Node-crypto signing keeps the agent's public key DER (same principal) and the IC's signature format.
import { describe, expect, test } from '@jest/globals'
import { generateKeyPairSync, randomBytes } from 'node:crypto'

import { secp256k1 } from '@noble/curves/secp256k1.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import { Ed25519KeyIdentity } from '@icp-sdk/core/identity'
import { Secp256k1KeyIdentity } from '@icp-sdk/core/identity/secp256k1'

import { NodeKeyIdentity } from '../../src/identity/native.js'

const HALF_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n >> 1n

describe('NodeKeyIdentity', () => {
  test('ed25519: same DER and principal as the agent’s identity; signatures verify', async () => {
    const { privateKey } = generateKeyPairSync('ed25519')
    const d = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url')
    const reference = Ed25519KeyIdentity.fromSecretKey(new Uint8Array(d))
    const ours = new NodeKeyIdentity('ed25519', privateKey)
    expect(Buffer.from(ours.getPublicKey().toDer())).toEqual(Buffer.from(reference.getPublicKey().toDer()))
    expect(ours.getPrincipal().toText()).toBe(reference.getPrincipal().toText())
    const blob = randomBytes(100)
    const raw = reference.getPublicKey().toRaw()
    expect(ed25519.verify(await ours.sign(blob), blob, raw)).toBe(true)
  })

  test('secp256k1: same DER and principal; r‖s over sha256 with low s, accepted by a strict verifier', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'secp256k1' })
    const d = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url')
    const reference = Secp256k1KeyIdentity.fromSecretKey(new Uint8Array(d))
    const ours = new NodeKeyIdentity('secp256k1', privateKey)
    expect(Buffer.from(ours.getPublicKey().toDer())).toEqual(Buffer.from(reference.getPublicKey().toDer()))
    expect(ours.getPrincipal().toText()).toBe(reference.getPrincipal().toText())
    const publicKey = secp256k1.getPublicKey(new Uint8Array(d))
    for (let i = 0; i < 40; i++) {
      const blob = randomBytes(64)
      const signature = await ours.sign(blob)
      expect(signature.length).toBe(64)
      expect(BigInt(`0x${Buffer.from(signature.subarray(32)).toString('hex')}`) <= HALF_N).toBe(true)
      // noble: sha256 prehash and lowS required by default, as the IC's verifier
      expect(secp256k1.verify(signature, blob, publicKey)).toBe(true)
    }
  })
})
