// Keys derived from a seed (BLS root key, node key) and sender signature checks. Written against
// the interface spec, independently of @icp-sdk/core, so a bug shared with the client cannot hide.
import {
  createPrivateKey,
  createPublicKey,
  sign as nodeSign,
  verify as nodeVerify,
  type KeyObject,
} from 'node:crypto'
import { bls12_381 } from '@noble/curves/bls12-381.js'
import { sha256, sha512 } from '@noble/hashes/sha2.js'
import { concat, fromHex, toHex, utf8 } from './bytes.js'
import { selfAuthenticating } from './principal.js'

const bls = bls12_381.shortSignatures // signatures in G1 (48 bytes), keys in G2 (96 bytes)

export const ROOT_KEY_DER_PREFIX = fromHex(
  '308182301d060d2b0601040182dc7c0503010201060c2b0601040182dc7c05030201036100',
)
// Compressed-point SPKI forms (33-byte points) are accepted as well as the usual uncompressed ones.
const SECP256K1_COMPRESSED_PREFIX = fromHex('3036301006072a8648ce3d020106052b8104000a032200')
const P256_COMPRESSED_PREFIX = fromHex('3039301306072a8648ce3d020106082a8648ce3d030107032200')
const SECP256K1_HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n

const domainSep = (s: string): Uint8Array => concat(Uint8Array.of(s.length), utf8(s))
export const DOMAIN_REQUEST = domainSep('ic-request')
export const DOMAIN_DELEGATION = domainSep('ic-request-auth-delegation')
export const DOMAIN_RESPONSE = domainSep('ic-response')
const DOMAIN_STATE_ROOT = domainSep('ic-state-root')

export interface ReplicaKeys {
  rootKeyDer: Uint8Array // 133 bytes
  subnetId: Uint8Array // self_authenticating(root key DER), as both clients derive it
  nodeId: Uint8Array
  nodeKeyDer: Uint8Array // 44 bytes
  signStateRoot(rootHash: Uint8Array): Uint8Array // 48-byte BLS signature
  signResponse(hash: Uint8Array): Uint8Array // node Ed25519 over "\x0Bic-response" ‖ hash
}

/** The root subnet's keys (the NNS subnet in mainnet mode): its BLS key is the root key. */
export function deriveKeys(seed: string): ReplicaKeys {
  return subnetKeys(`icp-sync-action replica root key|${seed}`, `icp-sync-action replica node key|${seed}`)
}

/** An application subnet's own keys (its BLS key is vouched for by an NNS delegation). */
export function deriveAppSubnetKeys(seed: string, index: number): ReplicaKeys {
  return subnetKeys(
    `icp-sync-action replica app subnet ${index} key|${seed}`,
    `icp-sync-action replica app subnet ${index} node key|${seed}`,
  )
}

function subnetKeys(blsLabel: string, nodeLabel: string): ReplicaKeys {
  const blsSeed = sha512(utf8(blsLabel)).slice(0, 48)
  const { secretKey, publicKey } = bls.keygen(blsSeed)
  const rootKeyDer = concat(ROOT_KEY_DER_PREFIX, publicKey.toBytes())
  const nodeSeed = sha256(utf8(nodeLabel))
  // PKCS#8 wrapper for a raw Ed25519 seed, so node:crypto (fast, native) signs the responses.
  const nodePrivate = createPrivateKey({
    key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), nodeSeed]),
    format: 'der',
    type: 'pkcs8',
  })
  const nodeKeyDer = new Uint8Array(createPublicKey(nodePrivate).export({ format: 'der', type: 'spki' }))
  return {
    rootKeyDer,
    subnetId: selfAuthenticating(rootKeyDer),
    nodeId: selfAuthenticating(nodeKeyDer),
    nodeKeyDer,
    signStateRoot: (rootHash) => bls.sign(bls.hash(concat(DOMAIN_STATE_ROOT, rootHash)), secretKey).toBytes(),
    signResponse: (hash) => new Uint8Array(nodeSign(null, concat(DOMAIN_RESPONSE, hash), nodePrivate)),
  }
}

/** Verify a certificate signature (used by the replica's own self-checks and tests). */
export function verifyStateRoot(rootKeyDer: Uint8Array, rootHash: Uint8Array, sig: Uint8Array): boolean {
  const pk = rootKeyDer.slice(ROOT_KEY_DER_PREFIX.length)
  return bls.verify(sig, bls.hash(concat(DOMAIN_STATE_ROOT, rootHash)), pk)
}

const keyCache = new Map<string, { kind: 'ed25519' | 'secp256k1' | 'p256'; key: KeyObject }>()

function startsWith(b: Uint8Array, prefix: Uint8Array): boolean {
  if (b.length < prefix.length) return false
  for (let i = 0; i < prefix.length; i++) if (b[i] !== prefix[i]) return false
  return true
}

function publicKey(der: Uint8Array): { kind: 'ed25519' | 'secp256k1' | 'p256'; key: KeyObject } {
  const hex = toHex(der)
  const cached = keyCache.get(hex)
  if (cached) return cached
  let key: KeyObject
  try {
    key = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' })
  } catch (e) {
    throw new Error(`unsupported or malformed public key (DER ${hex.slice(0, 60)}…)`, { cause: e })
  }
  // The DER must be exactly what the key re-encodes to (no trailing or non-canonical bytes).
  const canonical = (k: KeyObject): boolean => {
    const uncompressed = new Uint8Array(k.export({ format: 'der', type: 'spki' }))
    const compressed = (prefix: Uint8Array): boolean =>
      startsWith(der, prefix) && der.length === prefix.length + 33
    return (
      toHex(uncompressed) === hex ||
      compressed(SECP256K1_COMPRESSED_PREFIX) ||
      compressed(P256_COMPRESSED_PREFIX)
    )
  }
  let kind: 'ed25519' | 'secp256k1' | 'p256'
  const curve = key.asymmetricKeyDetails?.namedCurve
  if (key.asymmetricKeyType === 'ed25519') kind = 'ed25519'
  else if (key.asymmetricKeyType === 'ec' && curve === 'secp256k1') kind = 'secp256k1'
  else if (key.asymmetricKeyType === 'ec' && curve === 'prime256v1') kind = 'p256'
  else throw new Error(`unsupported public key type ${key.asymmetricKeyType}${curve ? ` (${curve})` : ''}`)
  if (!canonical(key)) throw new Error(`malformed ${kind} public key (DER ${hex.slice(0, 60)}…)`)
  const entry = { kind, key }
  if (keyCache.size > 1000) keyCache.clear()
  keyCache.set(hex, entry)
  return entry
}

/**
 * Check one signature by a sender key over `message`. Ed25519 is raw; ECDSA keys sign sha256(message)
 * as 64-byte r‖s. secp256k1 must be low-S (as the IC's k256); P-256 accepts high-S (ic-agent emits it).
 * Returns an error text, or undefined when the signature is valid.
 */
export function checkSignature(der: Uint8Array, sig: Uint8Array, message: Uint8Array): string | undefined {
  let pk: ReturnType<typeof publicKey>
  try {
    pk = publicKey(der)
  } catch (e) {
    return (e as Error).message
  }
  if (pk.kind === 'ed25519') {
    if (sig.length !== 64) return `Ed25519 signature has ${sig.length} bytes, expected 64`
    return nodeVerify(null, message, pk.key, sig) ? undefined : 'Ed25519 signature could not be verified'
  }
  const label = pk.kind === 'secp256k1' ? 'ECDSA secp256k1' : 'ECDSA P-256'
  if (sig.length !== 64) return `${label} signature has ${sig.length} bytes, expected 64`
  if (pk.kind === 'secp256k1' && BigInt('0x' + toHex(sig.slice(32))) > SECP256K1_HALF_N)
    return `${label} signature is not in low-S form`
  const ok = nodeVerify('sha256', message, { key: pk.key, dsaEncoding: 'ieee-p1363' }, sig)
  return ok ? undefined : `${label} signature could not be verified`
}
