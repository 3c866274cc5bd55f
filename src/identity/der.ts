// Reading the few ASN.1 structures node:crypto does not expose (which curve a key names, a SEC1 key
// whose curve sits in a separate EC PARAMETERS block, PBES2/scrypt parameters) with asn1js.

import * as asn1js from 'asn1js'

export const OID = {
  ecPublicKey: '1.2.840.10045.2.1',
  secp256k1: '1.3.132.0.10',
  prime256v1: '1.2.840.10045.3.1.7',
  ed25519: '1.3.101.112',
  pbes2: '1.2.840.113549.1.5.13',
  scrypt: '1.3.6.1.4.1.11591.4.11',
  aes128cbc: '2.16.840.1.101.3.4.1.2',
  aes192cbc: '2.16.840.1.101.3.4.1.22',
  aes256cbc: '2.16.840.1.101.3.4.1.42',
} as const

/** Names for OIDs that show up in error messages, so a user sees `1.3.132.0.34 (secp384r1)`. */
const OID_NAMES: Record<string, string> = {
  [OID.ecPublicKey]: 'id-ecPublicKey',
  [OID.secp256k1]: 'secp256k1',
  [OID.prime256v1]: 'prime256v1',
  [OID.ed25519]: 'Ed25519',
  '1.3.132.0.34': 'secp384r1',
  '1.3.132.0.35': 'secp521r1',
  '1.3.101.113': 'Ed448',
  '1.3.101.110': 'X25519',
  '1.2.840.113549.1.1.1': 'rsaEncryption',
  '1.2.840.10040.4.1': 'DSA',
}

export function describeOid(oid: string): string {
  const name = OID_NAMES[oid]
  return name ? `${oid} (${name})` : oid
}

export class DerError extends Error {}

function decode(der: Uint8Array): asn1js.AsnType {
  const { offset, result } = asn1js.fromBER(der)
  if (offset === -1 || result.error || offset !== der.length) throw new DerError('not valid DER')
  return result
}

function items(node: asn1js.AsnType | undefined): asn1js.AsnType[] {
  if (!(node instanceof asn1js.Constructed)) throw new DerError('expected a constructed value')
  return node.valueBlock.value
}

function oidOf(node: asn1js.AsnType | undefined): string {
  if (!(node instanceof asn1js.ObjectIdentifier)) throw new DerError('expected an object identifier')
  return node.valueBlock.toString()
}

function octets(node: asn1js.AsnType | undefined): Uint8Array {
  if (!(node instanceof asn1js.OctetString)) throw new DerError('expected an octet string')
  return new Uint8Array(node.valueBlock.valueHexView)
}

function integer(node: asn1js.AsnType | undefined): bigint {
  if (!(node instanceof asn1js.Integer)) throw new DerError('expected an integer')
  return node.toBigInt()
}

function isContextTag(node: asn1js.AsnType, tag: number): boolean {
  return node.idBlock.tagClass === 3 && node.idBlock.tagNumber === tag
}

/** PKCS#8 PrivateKeyInfo: the algorithm OID and, for EC keys, the named curve (if present). */
export function pkcs8Algorithm(der: Uint8Array): { oid: string; curve?: string } {
  const [, algorithm] = items(decode(der))
  const [oid, params] = items(algorithm)
  const result: { oid: string; curve?: string } = { oid: oidOf(oid) }
  if (params instanceof asn1js.ObjectIdentifier) result.curve = oidOf(params)
  return result
}

/**
 * A PKCS#8 v2 (OneAsymmetricKey) container, as icp-cli writes Ed25519 keys, re-encoded as v1 without
 * the public key: OpenSSL 3.0 (Node 20) cannot read v2. Undefined when `der` is not a well-formed v2.
 */
export function pkcs8V2ToV1(der: Uint8Array): Uint8Array | undefined {
  const [version, algorithm, privateKey, ...rest] = items(decode(der))
  if (integer(version) !== 1n || !(algorithm instanceof asn1js.Sequence)) return undefined
  octets(privateKey)
  const publicKey = rest.find((node) => isContextTag(node, 1))
  if (!publicKey || publicKey.idBlock.isConstructed) return undefined
  const attributes = rest.filter((node) => node !== publicKey)
  const v1 = new asn1js.Sequence({
    value: [new asn1js.Integer({ value: 0 }), algorithm, privateKey as asn1js.OctetString, ...attributes],
  })
  return new Uint8Array(v1.toBER())
}

/** SEC1 ECPrivateKey: the private scalar and the embedded named curve (if present). */
export function sec1Key(der: Uint8Array): { privateKey: Uint8Array; curve?: string } {
  const [version, privateKey, ...rest] = items(decode(der))
  if (integer(version) !== 1n) throw new DerError('unsupported ECPrivateKey version')
  const result: { privateKey: Uint8Array; curve?: string } = { privateKey: octets(privateKey) }
  const params = rest.find((node) => isContextTag(node, 0))
  const curve = params ? items(params)[0] : undefined
  if (curve instanceof asn1js.ObjectIdentifier) result.curve = oidOf(curve)
  return result
}

/** An `EC PARAMETERS` block: a named curve OID, or undefined for explicit (unnamed) parameters. */
export function ecParametersCurve(der: Uint8Array): string | undefined {
  const node = decode(der)
  return node instanceof asn1js.ObjectIdentifier ? oidOf(node) : undefined
}

export interface ScryptPbes2 {
  salt: Uint8Array
  cost: number
  blockSize: number
  parallelization: number
  keyLength?: number
  cipherOid: string
  iv: Uint8Array
  encrypted: Uint8Array
}

/**
 * EncryptedPrivateKeyInfo. Returns the scrypt parameters when it is PBES2 with scrypt (what icp-cli
 * writes), undefined for any other scheme (node:crypto decrypts those itself).
 */
export function scryptPbes2(der: Uint8Array): ScryptPbes2 | undefined {
  const [algorithm, data] = items(decode(der))
  const [schemeOid, schemeParams] = items(algorithm)
  if (oidOf(schemeOid) !== OID.pbes2) return undefined
  const [kdf, cipher] = items(schemeParams)
  const [kdfOid, kdfParams] = items(kdf)
  if (oidOf(kdfOid) !== OID.scrypt) return undefined
  const [salt, cost, blockSize, parallelization, keyLength] = items(kdfParams)
  const [cipherOid, iv] = items(cipher)
  return {
    salt: octets(salt),
    cost: Number(integer(cost)),
    blockSize: Number(integer(blockSize)),
    parallelization: Number(integer(parallelization)),
    keyLength: keyLength ? Number(integer(keyLength)) : undefined,
    cipherOid: oidOf(cipherOid),
    iv: octets(iv),
    encrypted: octets(data),
  }
}
