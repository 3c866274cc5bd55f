// Certificate signature check in WebAssembly. The agent's default (pure-JS @noble/curves) spends
// ~60 % of an update call's client time on one BLS verification; mcl-wasm does the same check ~9×
// faster (bench/compare.mjs). Same contract as the agent's `blsVerify`: IC certificates are BLS12-381
// signatures in G1 (48 bytes), public keys in G2 (96 bytes), messages hashed to G1 with RFC 9380
// hash_to_curve (expand_message_xmd with SHA-256) under IC's domain separation tag.
import { createHash } from 'node:crypto'

import mcl from 'mcl-wasm'

const DST = new TextEncoder().encode('BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_')

/** The standard G2 generator, compressed (ZCash serialization). */
const G2_GENERATOR_HEX =
  '93e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e' +
  '024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8'

/** Public keys seen (the root key, a delegation's subnet key): their Miller-loop precomputes. */
const MAX_KEYS = 16

interface Pairing {
  generator: InstanceType<typeof mcl.PrecomputedG2>
  negatedKeys: Map<string, InstanceType<typeof mcl.PrecomputedG2>>
}

let ready: Promise<Pairing> | undefined

/** Starts loading the WebAssembly module (once per process) so its compile overlaps other work. */
export function prepareBls(): void {
  load().catch(() => {}) // a failure is reported by the first blsVerify
}

function load(): Promise<Pairing> {
  ready ??= (async () => {
    await mcl.init(mcl.BLS12_381)
    mcl.setETHserialization(true) // the compressed point format IC certificates use
    mcl.setMapToMode(mcl.IRTF) // RFC 9380 simplified SWU map (with cofactor clearing)
    mcl.verifyOrderG1(true) // deserialising a signature checks it is in the prime-order subgroup
    mcl.verifyOrderG2(true)
    const generator = new mcl.G2()
    generator.deserialize(Buffer.from(G2_GENERATOR_HEX, 'hex'))
    return { generator: new mcl.PrecomputedG2(generator), negatedKeys: new Map() }
  })()
  return ready
}

const sha256 = (...parts: Uint8Array[]): Uint8Array => {
  const hash = createHash('sha256')
  for (const part of parts) hash.update(part)
  return hash.digest()
}

/** RFC 9380 §5.3.1 expand_message_xmd with SHA-256 (b_in_bytes 32, s_in_bytes 64). */
export function expandMessageXmd(msg: Uint8Array, dst: Uint8Array, length: number): Uint8Array {
  const blocks = Math.ceil(length / 32)
  if (blocks > 255 || dst.length > 255) throw new Error('expand_message_xmd: input too long')
  const dstPrime = Uint8Array.of(...dst, dst.length)
  const b0 = sha256(new Uint8Array(64), msg, Uint8Array.of(length >> 8, length & 0xff, 0), dstPrime)
  const out = new Uint8Array(blocks * 32)
  let previous = sha256(b0, Uint8Array.of(1), dstPrime)
  out.set(previous, 0)
  for (let i = 2; i <= blocks; i++) {
    const mixed = previous.map((byte, j) => byte ^ b0[j]!)
    previous = sha256(mixed, Uint8Array.of(i), dstPrime)
    out.set(previous, (i - 1) * 32)
  }
  return out.subarray(0, length)
}

/** hash_to_curve for G1: two field elements (64 bytes each, reduced mod p), mapped and added. */
function hashToG1(msg: Uint8Array): InstanceType<typeof mcl.G1> {
  const uniform = expandMessageXmd(msg, DST, 128)
  const u0 = new mcl.Fp()
  u0.setBigEndianMod(uniform.subarray(0, 64))
  const u1 = new mcl.Fp()
  u1.setBigEndianMod(uniform.subarray(64, 128))
  return mcl.add(u0.mapToG1(), u1.mapToG1())
}

function negatedKey(pairing: Pairing, publicKey: Uint8Array): InstanceType<typeof mcl.PrecomputedG2> {
  const hex = Buffer.from(publicKey).toString('hex')
  let entry = pairing.negatedKeys.get(hex)
  if (!entry) {
    const key = new mcl.G2()
    key.deserialize(publicKey) // throws for bytes that are not a point of the right subgroup
    if (key.isZero()) throw new Error('public key is the point at infinity')
    entry = new mcl.PrecomputedG2(mcl.neg(key))
    if (pairing.negatedKeys.size >= MAX_KEYS) {
      const oldest = pairing.negatedKeys.keys().next().value!
      pairing.negatedKeys.get(oldest)!.destroy()
      pairing.negatedKeys.delete(oldest)
    }
    pairing.negatedKeys.set(hex, entry)
  }
  return entry
}

/** e(signature, G2) · e(H(msg), −publicKey) == 1. False for any malformed input, like the agent's. */
export async function blsVerify(
  publicKey: Uint8Array,
  signature: Uint8Array,
  message: Uint8Array,
): Promise<boolean> {
  const pairing = await load()
  try {
    const key = negatedKey(pairing, publicKey)
    const sig = new mcl.G1()
    sig.deserialize(signature)
    if (sig.isZero()) return false
    const product = mcl.precomputedMillerLoop2(sig, pairing.generator, hashToG1(message), key)
    return mcl.finalExp(product).isOne()
  } catch {
    return false
  }
}
