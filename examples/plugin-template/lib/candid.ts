// A small Candid encoder/decoder for sync plugins (no npm dependencies: it is bundled into the plugin).
// Covers what seeding code needs: the primitive types, principal, opt, vec, record, tuple and variant.
// Not covered: func, service, float encodings of NaN payloads, recursive types.
//
//   const arg = encode([text, text], ['seed-data/a.txt', 'apple'])
//   const [uploader, rows] = decode([opt(principal), vec(tuple(text, text))], reply)

/** A Candid type; `T` is the JavaScript value it encodes from and decodes to. */
export interface Type<T> {
  readonly kind: Kind
  readonly name: string
  /** phantom: carries T for inference */
  readonly __value?: T
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyType = Type<any>
export type TypeOf<X> = X extends Type<infer T> ? T : never
type Values<T extends readonly AnyType[]> = { [K in keyof T]: TypeOf<T[K]> }

type Kind =
  | { tag: 'prim'; code: number }
  | { tag: 'opt'; inner: AnyType }
  | { tag: 'vec'; inner: AnyType }
  | { tag: 'record'; fields: Field[]; tuple: boolean }
  | { tag: 'variant'; fields: Field[] }

interface Field {
  name: string
  hash: number
  type: AnyType
}

const enum Code {
  Null = -1,
  Bool = -2,
  Nat = -3,
  Int = -4,
  Nat8 = -5,
  Nat16 = -6,
  Nat32 = -7,
  Nat64 = -8,
  Int8 = -9,
  Int16 = -10,
  Int32 = -11,
  Int64 = -12,
  Float32 = -13,
  Float64 = -14,
  Text = -15,
  Reserved = -16,
  Empty = -17,
  Opt = -18,
  Vec = -19,
  Record = -20,
  Variant = -21,
  Principal = -24,
}

const prim = <T>(code: number, name: string): Type<T> => ({ kind: { tag: 'prim', code }, name })

export const null_ = prim<null>(Code.Null, 'null')
export const bool = prim<boolean>(Code.Bool, 'bool')
export const nat = prim<bigint>(Code.Nat, 'nat')
export const int = prim<bigint>(Code.Int, 'int')
export const nat8 = prim<number>(Code.Nat8, 'nat8')
export const nat16 = prim<number>(Code.Nat16, 'nat16')
export const nat32 = prim<number>(Code.Nat32, 'nat32')
export const nat64 = prim<bigint>(Code.Nat64, 'nat64')
export const int8 = prim<number>(Code.Int8, 'int8')
export const int16 = prim<number>(Code.Int16, 'int16')
export const int32 = prim<number>(Code.Int32, 'int32')
export const int64 = prim<bigint>(Code.Int64, 'int64')
export const float32 = prim<number>(Code.Float32, 'float32')
export const float64 = prim<number>(Code.Float64, 'float64')
export const text = prim<string>(Code.Text, 'text')
export const reserved = prim<null>(Code.Reserved, 'reserved')
/** A principal as its text form (`aaaaa-aa`). */
export const principal = prim<string>(Code.Principal, 'principal')

/** `opt T`: `undefined` is none. */
export function opt<T>(inner: Type<T>): Type<T | undefined> {
  return { kind: { tag: 'opt', inner }, name: `opt ${inner.name}` }
}

/** `vec T` as an array (for `vec nat8` use `blob`). */
export function vec<T>(inner: Type<T>): Type<T[]> {
  return { kind: { tag: 'vec', inner }, name: `vec ${inner.name}` }
}

/** `blob` (`vec nat8`) as a Uint8Array (a `vec nat8` always decodes to one). */
export const blob: Type<Uint8Array> = { kind: { tag: 'vec', inner: nat8 }, name: 'blob' }

/** `record { a : A; b : B }` as `{ a, b }`. */
export function record<F extends Record<string, AnyType>>(fields: F): Type<{ [K in keyof F]: TypeOf<F[K]> }> {
  const list = fieldList(Object.entries(fields))
  return { kind: { tag: 'record', fields: list, tuple: false }, name: `record { ${names(list)} }` }
}

/** `record { A; B }` (fields 0, 1, …) as `[a, b]`. */
export function tuple<T extends AnyType[]>(...types: T): Type<Values<T>> {
  const list = fieldList(types.map((t, i) => [String(i), t]))
  return { kind: { tag: 'record', fields: list, tuple: true }, name: `record { ${names(list)} }` }
}

/** `variant { a : A; b }` as `{ tag: 'a', value }` (use `null_` for a case without data). */
export function variant<F extends Record<string, AnyType>>(
  cases: F,
): Type<{ [K in keyof F]: { tag: K; value: TypeOf<F[K]> } }[keyof F]> {
  const list = fieldList(Object.entries(cases))
  return { kind: { tag: 'variant', fields: list }, name: `variant { ${names(list)} }` }
}

function fieldList(entries: [string, AnyType][]): Field[] {
  return entries.map(([name, type]) => ({ name, hash: idlHash(name), type })).sort((a, b) => a.hash - b.hash)
}

function names(fields: Field[]): string {
  return fields.map((f) => `${f.name} : ${f.type.name}`).join('; ')
}

/** Candid's field id: a number for numeric names, else the 32-bit hash of the UTF-8 bytes. */
export function idlHash(name: string): number {
  if (/^(0|[1-9][0-9]*)$/.test(name) && Number(name) < 2 ** 32) return Number(name)
  let hash = 0
  for (const byte of utf8.encode(name)) hash = (hash * 223 + byte) >>> 0
  return hash
}

const utf8 = new TextEncoder()
const utf8Decoder = new TextDecoder('utf-8', { fatal: true })

// ---------------------------------------------------------------------------------------------------
// Encoding

class Writer {
  private chunks: number[] = []
  byte(b: number): void {
    this.chunks.push(b & 0xff)
  }
  bytes(b: Uint8Array): void {
    for (const x of b) this.chunks.push(x)
  }
  uleb(n: bigint | number): void {
    let v = BigInt(n)
    if (v < 0n) throw `candid: expected a non-negative number, got ${v}`
    do {
      let b = Number(v & 0x7fn)
      v >>= 7n
      if (v) b |= 0x80
      this.byte(b)
    } while (v)
  }
  sleb(n: bigint | number): void {
    let v = BigInt(n)
    for (;;) {
      const b = Number(v & 0x7fn)
      v >>= 7n
      if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) {
        this.byte(b)
        return
      }
      this.byte(b | 0x80)
    }
  }
  fixed(n: bigint | number, size: number): void {
    let v = BigInt.asUintN(size * 8, BigInt(n))
    for (let i = 0; i < size; i++, v >>= 8n) this.byte(Number(v & 0xffn))
  }
  result(): Uint8Array {
    return Uint8Array.from(this.chunks)
  }
}

/** The Candid message for `values` of `types` (the argument of a call, or a reply). */
export function encode<T extends AnyType[]>(types: [...T], values: Values<T>): Uint8Array {
  if (types.length !== values.length) throw `candid: ${types.length} type(s) but ${values.length} value(s)`
  const table: Uint8Array[] = []
  const indices = new Map<AnyType, number>()
  const ref = (t: AnyType): number => typeRef(t, table, indices)
  const refs = types.map(ref)
  const w = new Writer()
  w.bytes(utf8.encode('DIDL'))
  w.uleb(table.length)
  for (const entry of table) w.bytes(entry)
  w.uleb(types.length)
  for (const r of refs) w.sleb(r)
  types.forEach((t, i) => writeValue(w, t, values[i], t.name))
  return w.result()
}

function typeRef(t: AnyType, table: Uint8Array[], indices: Map<AnyType, number>): number {
  const k = t.kind
  if (k.tag === 'prim') return k.code
  const known = indices.get(t)
  if (known !== undefined) return known
  const index = table.length
  indices.set(t, index)
  table.push(new Uint8Array()) // reserve the slot; filled below
  const w = new Writer()
  if (k.tag === 'opt' || k.tag === 'vec') {
    const inner = typeRef(k.inner, table, indices)
    w.sleb(k.tag === 'opt' ? Code.Opt : Code.Vec)
    w.sleb(inner)
  } else {
    const refs = k.fields.map((f) => typeRef(f.type, table, indices))
    w.sleb(k.tag === 'record' ? Code.Record : Code.Variant)
    w.uleb(k.fields.length)
    k.fields.forEach((f, i) => {
      w.uleb(f.hash)
      w.sleb(refs[i]!)
    })
  }
  table[index] = w.result()
  return index
}

function writeValue(w: Writer, t: AnyType, v: unknown, at: string): void {
  const k = t.kind
  const fail = (): never => {
    throw `candid: cannot encode ${JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? `${x}` : x))} as ${at}`
  }
  switch (k.tag) {
    case 'prim':
      return writePrim(w, k.code, v, fail)
    case 'opt':
      if (v === undefined || v === null) return w.byte(0)
      w.byte(1)
      return writeValue(w, k.inner, v, at)
    case 'vec': {
      if (!(Array.isArray(v) || v instanceof Uint8Array)) return fail()
      w.uleb(v.length)
      for (const item of v) writeValue(w, k.inner, item, at)
      return
    }
    case 'record': {
      if (typeof v !== 'object' || v === null) return fail()
      for (const f of k.fields)
        writeValue(w, f.type, (v as Record<string, unknown>)[f.name], `${at}.${f.name}`)
      return
    }
    case 'variant': {
      const tag = (v as { tag?: unknown } | null)?.tag
      const index = k.fields.findIndex((f) => f.name === tag)
      if (index < 0) return fail()
      w.uleb(index)
      return writeValue(
        w,
        k.fields[index]!.type,
        (v as { value?: unknown }).value ?? null,
        `${at}.${String(tag)}`,
      )
    }
  }
}

function writePrim(w: Writer, code: number, v: unknown, fail: () => never): void {
  const isInt = (x: unknown): x is number | bigint =>
    typeof x === 'bigint' || (typeof x === 'number' && Number.isInteger(x))
  switch (code) {
    case Code.Null:
    case Code.Reserved:
      return
    case Code.Bool:
      return typeof v === 'boolean' ? w.byte(v ? 1 : 0) : fail()
    case Code.Nat:
      return isInt(v) && v >= 0 ? w.uleb(v) : fail()
    case Code.Int:
      return isInt(v) ? w.sleb(v) : fail()
    case Code.Nat8:
    case Code.Nat16:
    case Code.Nat32:
    case Code.Nat64:
    case Code.Int8:
    case Code.Int16:
    case Code.Int32:
    case Code.Int64: {
      if (!isInt(v)) return fail()
      const size = 2 ** ((Code.Nat8 - code) % 4)
      const signed = code <= Code.Int8
      const bits = BigInt(size * 8)
      const n = BigInt(v)
      const ok = signed ? n >= -(1n << (bits - 1n)) && n < 1n << (bits - 1n) : n >= 0n && n < 1n << bits
      return ok ? w.fixed(n, size) : fail()
    }
    case Code.Float32:
    case Code.Float64: {
      if (typeof v !== 'number') return fail()
      const size = code === Code.Float32 ? 4 : 8
      const view = new DataView(new ArrayBuffer(size))
      if (size === 4) view.setFloat32(0, v, true)
      else view.setFloat64(0, v, true)
      return w.bytes(new Uint8Array(view.buffer))
    }
    case Code.Text: {
      if (typeof v !== 'string') return fail()
      const bytes = utf8.encode(v)
      w.uleb(bytes.length)
      return w.bytes(bytes)
    }
    case Code.Principal: {
      if (typeof v !== 'string') return fail()
      const bytes = principalFromText(v)
      w.byte(1)
      w.uleb(bytes.length)
      return w.bytes(bytes)
    }
    default:
      return fail()
  }
}

// ---------------------------------------------------------------------------------------------------
// Decoding: values are read following the types on the wire and shaped by the expected types (record
// fields the caller did not ask for are skipped; a missing `opt` field is undefined).

type WireType = { code: number; inner?: number; fields?: { hash: number; type: number }[] }

class Reader {
  offset = 0
  constructor(private readonly buf: Uint8Array) {}
  byte(): number {
    if (this.offset >= this.buf.length) throw 'candid: message ends too early'
    return this.buf[this.offset++]!
  }
  bytes(n: number): Uint8Array {
    if (this.offset + n > this.buf.length) throw 'candid: message ends too early'
    return this.buf.subarray(this.offset, (this.offset += n))
  }
  uleb(): bigint {
    let result = 0n
    for (let shift = 0n; ; shift += 7n) {
      const b = this.byte()
      result |= BigInt(b & 0x7f) << shift
      if (!(b & 0x80)) return result
    }
  }
  sleb(): bigint {
    let result = 0n
    let shift = 0n
    let b: number
    do {
      b = this.byte()
      result |= BigInt(b & 0x7f) << shift
      shift += 7n
    } while (b & 0x80)
    return b & 0x40 ? result - (1n << shift) : result
  }
  len(): number {
    const n = this.uleb()
    if (n > BigInt(this.buf.length)) throw `candid: length ${n} exceeds the message`
    return Number(n)
  }
  fixed(size: number, signed: boolean): bigint {
    let v = 0n
    const b = this.bytes(size)
    for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!)
    return signed ? BigInt.asIntN(size * 8, v) : v
  }
}

/** Decodes a Candid message into values of `types` (extra values on the wire are ignored). */
export function decode<T extends AnyType[]>(types: [...T], bytes: Uint8Array): Values<T> {
  const r = new Reader(bytes)
  if (utf8Decoder.decode(r.bytes(4)) !== 'DIDL') throw 'candid: not a Candid message (no DIDL magic)'
  const table: WireType[] = []
  const count = r.len()
  for (let i = 0; i < count; i++) {
    const code = Number(r.sleb())
    if (code === Code.Opt || code === Code.Vec) table.push({ code, inner: Number(r.sleb()) })
    else if (code === Code.Record || code === Code.Variant) {
      const n = r.len()
      const fields = []
      for (let j = 0; j < n; j++) fields.push({ hash: Number(r.uleb()), type: Number(r.sleb()) })
      table.push({ code, fields })
    } else throw `candid: unsupported type code ${code} in the type table`
  }
  const args = Array.from({ length: r.len() }, () => Number(r.sleb()))
  if (args.length < types.length)
    throw `candid: expected ${types.length} value(s), the message has ${args.length}`
  const resolve = (ref: number): WireType =>
    ref < 0 ? { code: ref } : (table[ref] ?? fail(`type index ${ref}`))
  const values = args.map((ref, i) => readValue(r, resolve, resolve(ref), types[i]))
  return values.slice(0, types.length) as Values<T>
}

function fail(what: string): never {
  throw `candid: bad ${what}`
}

function readValue(
  r: Reader,
  resolve: (ref: number) => WireType,
  wire: WireType,
  expected?: AnyType,
): unknown {
  const want = expected?.kind
  const mismatch = (): never => {
    throw `candid: expected ${expected!.name}, the message has ${wireName(wire, resolve)}`
  }
  // An expected `opt` accepts null/reserved (none) and a bare value (some), as Candid subtyping allows.
  if (want?.tag === 'opt' && wire.code !== Code.Opt) {
    if (wire.code === Code.Null || wire.code === Code.Reserved) return undefined
    return readValue(r, resolve, wire, want.inner)
  }
  switch (wire.code) {
    case Code.Opt: {
      if (want && want.tag !== 'opt') mismatch()
      const some = r.byte()
      if (some === 0) return undefined
      if (some !== 1) fail('opt tag')
      return readValue(r, resolve, resolve(wire.inner!), want?.tag === 'opt' ? want.inner : undefined)
    }
    case Code.Vec: {
      if (want && want.tag !== 'vec') mismatch()
      const inner = resolve(wire.inner!)
      const n = r.len()
      if (inner.code === Code.Nat8) return r.bytes(n).slice()
      const innerWant = want?.tag === 'vec' ? want.inner : undefined
      return Array.from({ length: n }, () => readValue(r, resolve, inner, innerWant))
    }
    case Code.Record: {
      if (want && want.tag !== 'record') mismatch()
      const byHash = new Map<number, unknown>()
      for (const f of wire.fields!) {
        const wanted = want?.tag === 'record' ? want.fields.find((w) => w.hash === f.hash) : undefined
        byHash.set(f.hash, readValue(r, resolve, resolve(f.type), wanted?.type))
      }
      if (want?.tag !== 'record') return Object.fromEntries(byHash)
      const out = want.fields.map((f) => {
        if (byHash.has(f.hash)) return [f.name, byHash.get(f.hash)]
        if (f.type.kind.tag === 'opt' || (f.type.kind.tag === 'prim' && f.type.kind.code === Code.Reserved))
          return [f.name, undefined]
        throw `candid: the message's record has no field ${f.name} (expected ${expected!.name})`
      })
      if (want.tuple) return out.sort((a, b) => Number(a[0]) - Number(b[0])).map(([, v]) => v)
      return Object.fromEntries(out)
    }
    case Code.Variant: {
      if (want && want.tag !== 'variant') mismatch()
      const index = Number(r.uleb())
      const f = wire.fields![index] ?? fail('variant index')
      const wanted = want?.tag === 'variant' ? want.fields.find((w) => w.hash === f.hash) : undefined
      if (want && !wanted) throw `candid: variant case #${f.hash} is not in ${expected!.name}`
      return {
        tag: wanted ? wanted.name : f.hash,
        value: readValue(r, resolve, resolve(f.type), wanted?.type),
      }
    }
    default:
      if (want && (want.tag !== 'prim' || !primCompatible(want.code, wire.code))) mismatch()
      return readPrim(r, wire.code)
  }
}

/** `nat` is a subtype of `int`; everything else must match exactly. */
function primCompatible(want: number, wire: number): boolean {
  return want === wire || (want === Code.Int && wire === Code.Nat) || want === Code.Reserved
}

function readPrim(r: Reader, code: number): unknown {
  switch (code) {
    case Code.Null:
    case Code.Reserved:
      return null
    case Code.Bool:
      return r.byte() === 1
    case Code.Nat:
      return r.uleb()
    case Code.Int:
      return r.sleb()
    case Code.Nat8:
    case Code.Nat16:
    case Code.Nat32:
    case Code.Nat64:
    case Code.Int8:
    case Code.Int16:
    case Code.Int32:
    case Code.Int64: {
      const size = 2 ** ((Code.Nat8 - code) % 4)
      const v = r.fixed(size, code <= Code.Int8)
      return size === 8 ? v : Number(v)
    }
    case Code.Float32:
    case Code.Float64: {
      const size = code === Code.Float32 ? 4 : 8
      const view = new DataView(r.bytes(size).slice().buffer)
      return size === 4 ? view.getFloat32(0, true) : view.getFloat64(0, true)
    }
    case Code.Text:
      return utf8Decoder.decode(r.bytes(r.len()))
    case Code.Principal: {
      if (r.byte() !== 1) throw 'candid: opaque principal references are not supported'
      return principalToText(r.bytes(r.len()))
    }
    default:
      throw `candid: cannot decode type code ${code}`
  }
}

function wireName(t: WireType, resolve: (ref: number) => WireType): string {
  const prims: Record<number, string> = {
    [Code.Null]: 'null',
    [Code.Bool]: 'bool',
    [Code.Nat]: 'nat',
    [Code.Int]: 'int',
    [Code.Nat8]: 'nat8',
    [Code.Nat16]: 'nat16',
    [Code.Nat32]: 'nat32',
    [Code.Nat64]: 'nat64',
    [Code.Int8]: 'int8',
    [Code.Int16]: 'int16',
    [Code.Int32]: 'int32',
    [Code.Int64]: 'int64',
    [Code.Float32]: 'float32',
    [Code.Float64]: 'float64',
    [Code.Text]: 'text',
    [Code.Reserved]: 'reserved',
    [Code.Empty]: 'empty',
    [Code.Principal]: 'principal',
  }
  if (t.code === Code.Opt) return `opt ${wireName(resolve(t.inner!), resolve)}`
  if (t.code === Code.Vec) return `vec ${wireName(resolve(t.inner!), resolve)}`
  if (t.code === Code.Record) return 'record'
  if (t.code === Code.Variant) return 'variant'
  return prims[t.code] ?? `type ${t.code}`
}

// ---------------------------------------------------------------------------------------------------
// Principal text form: base32(crc32 ‖ bytes), lowercase, in groups of five separated by '-'.

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567'

export function principalToText(bytes: Uint8Array): string {
  const crc = crc32(bytes)
  const data = new Uint8Array(4 + bytes.length)
  data.set([crc >>> 24, (crc >>> 16) & 0xff, (crc >>> 8) & 0xff, crc & 0xff])
  data.set(bytes, 4)
  let bits = 0
  let value = 0
  let out = ''
  for (const b of data) {
    value = (value << 8) | b
    bits += 8
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31]
  return out.match(/.{1,5}/g)!.join('-')
}

export function principalFromText(textForm: string): Uint8Array {
  const chars = textForm.toLowerCase().replace(/-/g, '')
  let bits = 0
  let value = 0
  const out: number[] = []
  for (const c of chars) {
    const v = BASE32.indexOf(c)
    if (v < 0) throw `candid: '${textForm}' is not a principal`
    value = ((value << 5) | v) & 0xffff
    bits += 5
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff)
      bits -= 8
    }
  }
  const bytes = Uint8Array.from(out.slice(4))
  if (out.length < 4 || principalToText(bytes) !== textForm.toLowerCase())
    throw `candid: '${textForm}' is not a principal (bad checksum or grouping)`
  return bytes
}

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff
  for (const b of bytes) {
    crc ^= b
    for (let i = 0; i < 8; i++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1))
  }
  return (crc ^ 0xffffffff) >>> 0
}
