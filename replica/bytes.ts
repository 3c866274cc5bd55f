// Small byte helpers shared by the replica modules.

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0
  for (const p of parts) n += p.length
  const out = new Uint8Array(n)
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

export const toHex = (b: Uint8Array): string =>
  Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')

export function fromHex(h: string): Uint8Array {
  if (!/^([0-9a-fA-F]{2})*$/.test(h)) throw new Error(`not a hex string: ${h.slice(0, 40)}`)
  return new Uint8Array(Buffer.from(h, 'hex'))
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Bytewise order, as the IC sorts hash-tree labels. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i]
  return a.length - b.length
}

/** Unsigned LEB128 (used for `/time`, `reject_code` and request-id numbers). */
export function leb128(value: bigint | number): Uint8Array {
  let v = BigInt(value)
  if (v < 0n) throw new Error('leb128 of a negative number')
  const out: number[] = []
  do {
    let byte = Number(v & 0x7fn)
    v >>= 7n
    if (v !== 0n) byte |= 0x80
    out.push(byte)
  } while (v !== 0n)
  return Uint8Array.from(out)
}

export function readLeb128(b: Uint8Array): bigint {
  let result = 0n
  let shift = 0n
  for (const byte of b) {
    result |= BigInt(byte & 0x7f) << shift
    if ((byte & 0x80) === 0) break
    shift += 7n
  }
  return result
}
