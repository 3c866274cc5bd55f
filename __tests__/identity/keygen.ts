// Test keys, generated fresh on every run with node:crypto (and asn1js for the two shapes node
// cannot write: SEC1 without embedded curve, and the old dfx Ed25519 container).
import { createPrivateKey, generateKeyPairSync } from 'node:crypto'
import * as asn1js from 'asn1js'

export function pem(label: string, der: Uint8Array): string {
  const body = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '')
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`
}

export function derOf(pemText: string): Uint8Array {
  const body = pemText.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '')
  return new Uint8Array(Buffer.from(body, 'base64'))
}

export function ed25519Pkcs8v1(): string {
  const { privateKey } = generateKeyPairSync('ed25519')
  return privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
}

/** The shape very old dfx wrote: v1 header bytes, version 1, public key as a constructed [1]. */
export function ed25519BrokenDfx(): string {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const v1 = new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' }))
  const raw = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })).slice(-32)
  const der = new Uint8Array([...v1, 0xa1, 0x23, 0x03, 0x21, 0x00, ...raw])
  der[1] = der.length - 2
  der[4] = 1
  return pem('PRIVATE KEY', der)
}

export type Curve = 'secp256k1' | 'prime256v1'

export function ecPkcs8(curve: Curve | 'secp384r1'): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: curve })
  return privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
}

const CURVE_OID: Record<string, string> = {
  secp256k1: '1.3.132.0.10',
  prime256v1: '1.2.840.10045.3.1.7',
  secp384r1: '1.3.132.0.34',
}

/** SEC1 `EC PRIVATE KEY` with the curve embedded (as `openssl ecparam -genkey -noout` writes). */
export function ecSec1(curve: Curve | 'secp384r1'): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: curve })
  return privateKey.export({ type: 'sec1', format: 'pem' }) as string
}

export function ecParametersBlock(curve: Curve | 'secp384r1'): string {
  const oid = new asn1js.ObjectIdentifier({ value: CURVE_OID[curve] })
  return pem('EC PARAMETERS', new Uint8Array(oid.toBER()))
}

/** SEC1 without embedded parameters, optionally preceded by a separate `EC PARAMETERS` block. */
export function ecSec1SeparateParams(curve: Curve, withParamsBlock: boolean): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: curve })
  const jwk = privateKey.export({ format: 'jwk' })
  const d = Buffer.from(jwk.d ?? '', 'base64url')
  const point = Buffer.concat([
    Buffer.from([4]),
    Buffer.from(jwk.x ?? '', 'base64url'),
    Buffer.from(jwk.y ?? '', 'base64url'),
  ])
  const key = new asn1js.Sequence({
    value: [
      new asn1js.Integer({ value: 1 }),
      new asn1js.OctetString({ valueHex: d }),
      new asn1js.Constructed({
        idBlock: { tagClass: 3, tagNumber: 1 },
        value: [new asn1js.BitString({ valueHex: point, unusedBits: 0 })],
      }),
    ],
  })
  const sec1 = pem('EC PRIVATE KEY', new Uint8Array(key.toBER()))
  return withParamsBlock ? ecParametersBlock(curve) + sec1 : sec1
}

/** PKCS#8 encrypted by node (OpenSSL's PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC). */
export function pbkdf2Encrypted(plainPkcs8: string, password: string): string {
  return createPrivateKey(plainPkcs8).export({
    type: 'pkcs8',
    format: 'pem',
    cipher: 'aes-256-cbc',
    passphrase: password,
  }) as string
}

export function rsaPkcs8(): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
  return privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
}

export function publicKeyPem(): string {
  const { publicKey } = generateKeyPairSync('ed25519')
  return publicKey.export({ type: 'spki', format: 'pem' }) as string
}
