// Principal text codec and derivations, written independently of @icp-sdk/core.
import { sha224 } from '@noble/hashes/sha2.js'
import { concat, equalBytes } from './bytes.js'

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'

const CRC_TABLE = (() => {
  const t = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c >>> 0
  }
  return t
})()

function crc32(b: Uint8Array): number {
  let c = 0xffffffff
  for (const x of b) c = CRC_TABLE[(c ^ x) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function base32(b: Uint8Array): string {
  let out = ''
  let bits = 0
  let value = 0
  for (const x of b) {
    value = (value << 8) | x
    bits += 8
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31]
  return out
}

function unbase32(s: string): Uint8Array {
  const out: number[] = []
  let bits = 0
  let value = 0
  for (const ch of s) {
    const i = ALPHABET.indexOf(ch)
    if (i < 0) throw new Error(`invalid character '${ch}'`)
    value = (value << 5) | i
    bits += 5
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff)
      bits -= 8
    }
  }
  return Uint8Array.from(out)
}

export function principalToText(bytes: Uint8Array): string {
  const crc = crc32(bytes)
  const withCrc = concat(
    Uint8Array.of(crc >>> 24, (crc >>> 16) & 0xff, (crc >>> 8) & 0xff, crc & 0xff),
    bytes,
  )
  return (base32(withCrc).match(/.{1,5}/g) ?? []).join('-')
}

export function principalFromText(text: string): Uint8Array {
  const raw = unbase32(text.toLowerCase().replace(/-/g, ''))
  if (raw.length < 4 || raw.length > 33) throw new Error(`invalid principal '${text}'`)
  const bytes = raw.slice(4)
  if (principalToText(bytes) !== text.toLowerCase()) throw new Error(`invalid principal '${text}' (checksum)`)
  return bytes
}

/** `self_authenticating(der)` = sha224(der) ‖ 0x02. */
export const selfAuthenticating = (der: Uint8Array): Uint8Array => concat(sha224(der), Uint8Array.of(0x02))

export const ANONYMOUS = Uint8Array.of(0x04)
export const MANAGEMENT = new Uint8Array(0)

/** Canister id number n: 8-byte big-endian n ‖ 0x01 0x01 (index 0 is rwlgt-iiaaa-aaaaa-aaaaa-cai). */
export function canisterIdFromIndex(n: number): Uint8Array {
  const b = new Uint8Array(10)
  new DataView(b.buffer).setBigUint64(0, BigInt(n))
  b[8] = 1
  b[9] = 1
  return b
}

export const isAnonymous = (p: Uint8Array): boolean => equalBytes(p, ANONYMOUS)
