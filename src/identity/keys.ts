// From key bytes to an @icp-sdk/core identity. node:crypto parses and validates every key; we only
// read which curve a structure names (der.ts) where node does not say.

import { createECDH, createPrivateKey, type JsonWebKey, type KeyObject } from 'node:crypto'
import { promisify } from 'node:util'
import { scrypt as scryptCallback, createDecipheriv, type ScryptOptions } from 'node:crypto'
import type { SignIdentity } from '@icp-sdk/core/agent'
import { ECDSAKeyIdentity } from '@icp-sdk/core/identity'
import {
  DerError,
  OID,
  describeOid,
  ecParametersCurve,
  pkcs8Algorithm,
  pkcs8V2ToV1,
  scryptPbes2,
  sec1Key,
} from './der.js'
import { IdentityError } from './errors.js'
import { NodeKeyIdentity } from './native.js'

export type KeyKind = 'ed25519' | 'secp256k1' | 'prime256v1'

const scrypt = promisify(scryptCallback) as (
  password: string,
  salt: Uint8Array,
  keylen: number,
  options: ScryptOptions,
) => Promise<Buffer>

const CURVES: Record<string, { kind: KeyKind; nodeName: string; jwkCrv: string }> = {
  [OID.secp256k1]: { kind: 'secp256k1', nodeName: 'secp256k1', jwkCrv: 'secp256k1' },
  [OID.prime256v1]: { kind: 'prime256v1', nodeName: 'prime256v1', jwkCrv: 'P-256' },
}

function unsupported(source: string, found: string, expected: string[]): IdentityError {
  return new IdentityError(
    'unsupported-algorithm',
    `${source} uses unsupported algorithm ${describeOid(found)}, expected ${expected.map(describeOid).join(', ')}`,
  )
}

function malformed(source: string): IdentityError {
  return new IdentityError('malformed', `malformed key in ${source}`)
}

function incomplete(source: string, field: string): IdentityError {
  return new IdentityError('incomplete', `incomplete key in ${source}: missing field \`${field}\``)
}

/**
 * Very old dfx wrote Ed25519 PKCS#8 with the public key as a constructed [1] (bytes 48..52 =
 * A1 23 03 21). icp-cli accepts those by cutting the container back to a v1 PKCS#8; so do we.
 */
function repairOldDfxEd25519(der: Uint8Array): Uint8Array | undefined {
  if (der.length < 52 || der[48] !== 0xa1 || der[49] !== 0x23 || der[50] !== 0x03 || der[51] !== 0x21)
    return undefined
  const repaired = der.slice(0, 48)
  repaired[1] = 46
  repaired[4] = 0
  return repaired
}

function v2AsV1(der: Uint8Array): Uint8Array | undefined {
  try {
    return pkcs8V2ToV1(der)
  } catch {
    return undefined
  }
}

/** PKCS#8 `PRIVATE KEY` → the key kind and a node KeyObject. */
export function keyFromPkcs8(der: Uint8Array, source: string): { kind: KeyKind; key: KeyObject } {
  let algorithm: { oid: string; curve?: string }
  try {
    algorithm = pkcs8Algorithm(der)
  } catch {
    throw malformed(source)
  }
  let kind: KeyKind
  if (algorithm.oid === OID.ed25519) kind = 'ed25519'
  else if (algorithm.oid === OID.ecPublicKey) {
    if (algorithm.curve === undefined) throw incomplete(source, 'parameters')
    const curve = CURVES[algorithm.curve]
    if (!curve) throw unsupported(source, algorithm.curve, [OID.secp256k1, OID.prime256v1])
    kind = curve.kind
  } else throw unsupported(source, algorithm.oid, [OID.ecPublicKey, OID.ed25519])

  let key: KeyObject
  try {
    key = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' })
  } catch {
    const repaired = kind === 'ed25519' ? (v2AsV1(der) ?? repairOldDfxEd25519(der)) : undefined
    if (!repaired) throw malformed(source)
    try {
      key = createPrivateKey({ key: Buffer.from(repaired), format: 'der', type: 'pkcs8' })
    } catch {
      throw malformed(source)
    }
  }
  return { kind, key }
}

/** SEC1 `EC PRIVATE KEY`, its curve embedded or in a separate `EC PARAMETERS` block. */
export function keyFromSec1(
  der: Uint8Array,
  params: Uint8Array | undefined,
  source: string,
): { kind: KeyKind; key: KeyObject } {
  let parts: { privateKey: Uint8Array; curve?: string }
  try {
    parts = sec1Key(der)
    if (parts.curve === undefined && params !== undefined) {
      const curve = ecParametersCurve(params)
      if (curve === undefined) throw incomplete(source, 'namedCurve')
      parts.curve = curve
    }
  } catch (error) {
    if (error instanceof DerError) throw malformed(source)
    throw error
  }
  if (parts.curve === undefined) throw incomplete(source, 'parameters')
  const curve = CURVES[parts.curve]
  if (!curve) throw unsupported(source, parts.curve, [OID.secp256k1, OID.prime256v1, OID.ed25519])
  try {
    const ecdh = createECDH(curve.nodeName)
    ecdh.setPrivateKey(Buffer.from(parts.privateKey))
    const point = ecdh.getPublicKey()
    const jwk: JsonWebKey = {
      kty: 'EC',
      crv: curve.jwkCrv,
      d: Buffer.from(parts.privateKey).toString('base64url'),
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33, 65).toString('base64url'),
    }
    return { kind: curve.kind, key: createPrivateKey({ key: jwk, format: 'jwk' }) }
  } catch {
    throw malformed(source)
  }
}

const CIPHERS: Record<string, { name: string; keyLength: number }> = {
  [OID.aes128cbc]: { name: 'aes-128-cbc', keyLength: 16 },
  [OID.aes192cbc]: { name: 'aes-192-cbc', keyLength: 24 },
  [OID.aes256cbc]: { name: 'aes-256-cbc', keyLength: 32 },
}

/**
 * `ENCRYPTED PRIVATE KEY` → the decrypted PKCS#8 DER. icp-cli writes PBES2 + scrypt (N = 2^17, r = 8),
 * which needs 128 MiB: more than OpenSSL's built-in 32 MiB limit for PKCS#8 decryption, so that scheme
 * is decrypted here with node's scrypt and AES; any other scheme is left to node:crypto.
 */
export async function decryptPkcs8(der: Uint8Array, password: string, source: string): Promise<Uint8Array> {
  const wrong = new IdentityError('wrong-password', `failed to decrypt ${source}: wrong password`)
  let scheme: ReturnType<typeof scryptPbes2>
  try {
    scheme = scryptPbes2(der)
  } catch {
    throw malformed(source)
  }
  if (!scheme) {
    try {
      const key = createPrivateKey({
        key: Buffer.from(der),
        format: 'der',
        type: 'pkcs8',
        passphrase: password,
      })
      return new Uint8Array(key.export({ type: 'pkcs8', format: 'der' }))
    } catch (error) {
      const reason = (error as { reason?: string }).reason ?? ''
      if (/bad decrypt|decode error|wrong|unsupported/i.test(reason) || reason === '') throw wrong
      throw new IdentityError('unsupported-encryption', `failed to decrypt ${source}: ${reason}`)
    }
  }
  const cipher = CIPHERS[scheme.cipherOid]
  if (!cipher) {
    throw new IdentityError(
      'unsupported-encryption',
      `${source} is encrypted with ${describeOid(scheme.cipherOid)}; expected AES-CBC (as icp-cli writes)`,
    )
  }
  const { cost, blockSize, parallelization } = scheme
  // Refuse parameters that would make us allocate or compute without bound (icp writes 2^17, 8, 1).
  if (cost > 2 ** 20 || blockSize > 32 || parallelization > 16 || (cost & (cost - 1)) !== 0 || cost < 2) {
    throw new IdentityError(
      'unsupported-encryption',
      `${source} uses scrypt parameters outside the supported range`,
    )
  }
  const keyLength = scheme.keyLength ?? cipher.keyLength
  if (keyLength !== cipher.keyLength) throw malformed(source)
  const derived = await scrypt(password, scheme.salt, keyLength, {
    N: cost,
    r: blockSize,
    p: parallelization,
    maxmem: 128 * cost * blockSize * parallelization + 16 * 1024 * 1024,
  })
  try {
    const decipher = createDecipheriv(cipher.name, derived, scheme.iv)
    return new Uint8Array(Buffer.concat([decipher.update(scheme.encrypted), decipher.final()]))
  } catch {
    throw wrong
  }
}

/** The @icp-sdk/core identity for a validated node key. */
export async function identityFromKey(kind: KeyKind, key: KeyObject): Promise<SignIdentity> {
  switch (kind) {
    case 'ed25519':
    case 'secp256k1':
      return new NodeKeyIdentity(kind, key)
    case 'prime256v1': {
      const algorithm = { name: 'ECDSA', namedCurve: 'P-256' }
      const jwk = key.export({ format: 'jwk' })
      const { d: _secret, ...publicJwk } = jwk
      void _secret
      const privateKey = await crypto.subtle.importKey('jwk', jwk, algorithm, false, ['sign'])
      const publicKey = await crypto.subtle.importKey('jwk', publicJwk, algorithm, true, ['verify'])
      return ECDSAKeyIdentity.fromKeyPair({ privateKey, publicKey })
    }
  }
}
