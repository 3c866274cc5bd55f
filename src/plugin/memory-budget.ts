// The plugin's memory budget, enforced in the core modules themselves. V8 has no budget across wasm
// memories (worker resourceLimits do not cover them, --wasm-max-mem-pages bounds each memory and the
// whole process), and `memory.grow` inside wasm never calls JS. So before compiling, every memory and
// table a core module defines gets a maximum from one shared budget (each gets its minimum, the rest
// is shared out fairly up to what each declares), and is exported under a reserved name so the worker
// can see and report it. The sum of all maxima never exceeds the budget, so no combination of grows
// can go over it, however many memories a component has.
export const WASM_PAGE = 65_536
/** What one table element is counted as (V8 keeps a dispatch entry beside each reference). */
export const TABLE_ELEMENT_BYTES = 16
export const EXPORT_PREFIX = 'icp-sync:'

export class MemoryLimitError extends Error {
  override name = 'MemoryLimitError'
}

export class CoreModuleFormatError extends Error {
  override name = 'CoreModuleFormatError'
}

/** The text every memory-limit failure starts with. */
export function memoryLimitText(memoryMb: number): string {
  return `memory limit (${memoryMb} MiB) exceeded`
}

interface Limits {
  /** Offset of the limits' flags byte in the module. */
  at: number
  /** Bytes the limits take (flags, min, optional max). */
  length: number
  flags: number
  min: bigint
  max?: bigint
}

interface Defined {
  kind: 'memory' | 'table'
  /** Index in the module's memory or table index space (imports first). */
  index: number
  limits: Limits
  unit: number
}

export interface ModuleLayout {
  bytes: Uint8Array
  sections: Array<{ id: number; start: number; contentStart: number; end: number }>
  defined: Defined[]
}

/** Reads what the budget needs from a core module: its sections and the memories/tables it defines. */
export function readModuleLayout(bytes: Uint8Array): ModuleLayout {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d)
    throw new CoreModuleFormatError('not a WebAssembly module')
  const r = new Reader(bytes, 8)
  const sections: ModuleLayout['sections'] = []
  const defined: Defined[] = []
  let importedMemories = 0
  let importedTables = 0
  while (r.pos < bytes.length) {
    const start = r.pos
    const id = r.byte()
    const size = r.u32()
    const contentStart = r.pos
    const end = contentStart + size
    if (end > bytes.length) throw new CoreModuleFormatError(`section ${id} runs past the end`)
    sections.push({ id, start, contentStart, end })
    if (id === 2) {
      for (let n = r.u32(); n > 0; n--) {
        r.name()
        r.name()
        const kind = r.byte()
        if (kind === 0x00) r.u32()
        else if (kind === 0x01) {
          readTableType(r)
          importedTables++
        } else if (kind === 0x02) {
          readLimits(r)
          importedMemories++
        } else if (kind === 0x03) {
          readValType(r)
          r.byte()
        } else if (kind === 0x04) {
          r.byte()
          r.u32()
        } else throw new CoreModuleFormatError(`unknown import kind 0x${kind.toString(16)}`)
      }
    } else if (id === 4) {
      for (let n = r.u32(), i = 0; i < n; i++) {
        let limits: Limits
        if (bytes[r.pos] === 0x40) {
          r.byte()
          if (r.byte() !== 0x00) throw new CoreModuleFormatError('unknown table form')
          limits = readTableType(r)
          skipConstExpr(r)
        } else limits = readTableType(r)
        defined.push({ kind: 'table', index: importedTables + i, limits, unit: TABLE_ELEMENT_BYTES })
      }
    } else if (id === 5) {
      for (let n = r.u32(), i = 0; i < n; i++)
        defined.push({ kind: 'memory', index: importedMemories + i, limits: readLimits(r), unit: WASM_PAGE })
    } else if (id === 7) {
      // The reserved names are how the worker finds what to count: a module may not export them itself.
      for (let n = r.u32(); n > 0; n--) {
        const name = r.text()
        if (name.startsWith(EXPORT_PREFIX))
          throw new CoreModuleFormatError(
            `a core module exports '${name.length > 80 ? `${name.slice(0, 80)}…` : name}'; export names starting with '${EXPORT_PREFIX}' are reserved for the host`,
          )
        r.byte()
        r.u32()
      }
    }
    r.pos = end
  }
  return { bytes, sections, defined }
}

/**
 * Shares `budgetBytes` among every memory and table of the given modules: each gets its minimum, then
 * the rest is filled evenly, never above what it declares. Throws MemoryLimitError when the minimums
 * alone do not fit. Returns the maximum (in its own units: pages or elements) per module and item.
 */
export function allot(layouts: ModuleLayout[], budgetBytes: number, memoryMb: number): bigint[][] {
  const items = layouts.flatMap((layout, m) => layout.defined.map((item, i) => ({ m, i, item })))
  let remaining = BigInt(budgetBytes)
  const caps = layouts.map((layout) => layout.defined.map(() => 0n))
  for (const { m, i, item } of items) {
    caps[m]![i] = item.limits.min
    remaining -= item.limits.min * BigInt(item.unit)
  }
  if (remaining < 0n)
    throw new MemoryLimitError(
      `${memoryLimitText(memoryMb)}: the plugin's memories and tables need ${mib(BigInt(budgetBytes) - remaining)} MiB at start`,
    )
  // Water-filling: smallest wants first, each takes at most an even share of what is left.
  const wants = items
    .map(({ m, i, item }) => ({
      m,
      i,
      unit: BigInt(item.unit),
      more: item.limits.max === undefined ? undefined : item.limits.max - item.limits.min,
    }))
    .sort((a, b) =>
      a.more === undefined ? 1 : b.more === undefined ? -1 : Number(a.more * a.unit - b.more * b.unit),
    )
  wants.forEach((want, k) => {
    const share = remaining / BigInt(wants.length - k) / want.unit
    const more = want.more === undefined || want.more > share ? share : want.more
    caps[want.m]![want.i] = caps[want.m]![want.i]! + more
    remaining -= more * want.unit
  })
  return caps
}

function mib(bytes: bigint): string {
  return (Number(bytes) / 1024 / 1024).toFixed(1)
}

/** The module with each defined memory/table capped at `caps` and exported as `icp-sync:<kind>:<i>`. */
export function applyBudget(layout: ModuleLayout, caps: bigint[]): Uint8Array {
  const { bytes, sections, defined } = layout
  if (defined.length === 0) return bytes
  // Limits are rewritten in place inside their (table or memory) section; the section is re-framed.
  const edits = new Map<number, Array<{ at: number; length: number; bytes: number[] }>>()
  defined.forEach((item, i) => {
    const { limits } = item
    const max = limits.max === undefined || limits.max > caps[i]! ? caps[i]! : limits.max
    const section = sections.findIndex((s) => s.contentStart <= limits.at && limits.at < s.end)
    const list = edits.get(section) ?? []
    list.push({
      at: limits.at,
      length: limits.length,
      bytes: [limits.flags | 0x01, ...leb(limits.min), ...leb(max)],
    })
    edits.set(section, list)
  })
  // Exports: every defined memory and table, under names no toolchain uses.
  const extra: number[] = []
  defined.forEach((item, i) => {
    const name = new TextEncoder().encode(`${EXPORT_PREFIX}${item.kind}:${i}`)
    extra.push(
      ...leb(BigInt(name.length)),
      ...name,
      item.kind === 'memory' ? 0x02 : 0x01,
      ...leb(BigInt(item.index)),
    )
  })
  const parts: Uint8Array[] = [bytes.subarray(0, 8)]
  const frame = (id: number, content: Uint8Array) =>
    parts.push(Uint8Array.from([id, ...leb(BigInt(content.length))]), content)
  let exported = false
  const newExportSection = () => frame(7, Uint8Array.from([...leb(BigInt(defined.length)), ...extra]))
  sections.forEach((section, index) => {
    // The export section goes after global (6) and before start, element, data count, code, data.
    if (!exported && [8, 9, 12, 10, 11].includes(section.id)) {
      newExportSection()
      exported = true
    }
    if (section.id === 7) {
      const r = new Reader(bytes, section.contentStart)
      const count = r.u32()
      const rest = bytes.subarray(r.pos, section.end)
      frame(7, concat([Uint8Array.from(leb(BigInt(count + defined.length))), rest, Uint8Array.from(extra)]))
      exported = true
      return
    }
    const list = edits.get(index)
    if (!list) {
      parts.push(bytes.subarray(section.start, section.end))
      return
    }
    const pieces: Uint8Array[] = []
    let pos = section.contentStart
    for (const edit of list.sort((a, b) => a.at - b.at)) {
      pieces.push(bytes.subarray(pos, edit.at), Uint8Array.from(edit.bytes))
      pos = edit.at + edit.length
    }
    pieces.push(bytes.subarray(pos, section.end))
    frame(section.id, concat(pieces))
  })
  if (!exported) newExportSection()
  return concat(parts)
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

function readLimits(r: Reader): Limits {
  const at = r.pos
  const flags = r.byte()
  // 0x01 max, 0x02 shared, 0x04 64-bit; anything else (custom page sizes) cannot be budgeted.
  if (flags & ~0x07) throw new CoreModuleFormatError(`unsupported limits flags 0x${flags.toString(16)}`)
  const min = r.u64()
  const max = flags & 0x01 ? r.u64() : undefined
  return { at, length: r.pos - at, flags, min, max }
}

function readTableType(r: Reader): Limits {
  readValType(r)
  return readLimits(r)
}

function readValType(r: Reader): void {
  const type = r.byte()
  if (type === 0x63 || type === 0x64) r.s33() // (ref null? <heaptype>)
}

/** Table initialisers: the constant forms a toolchain emits; anything else is refused. */
function skipConstExpr(r: Reader): void {
  const op = r.byte()
  if (op === 0xd0) r.s33()
  else if (op === 0xd2 || op === 0x23) r.u32()
  else throw new CoreModuleFormatError(`unsupported table initialiser 0x${op.toString(16)}`)
  if (r.byte() !== 0x0b) throw new CoreModuleFormatError('unsupported table initialiser')
}

function leb(value: bigint): number[] {
  const out: number[] = []
  let v = value
  do {
    let byte = Number(v & 0x7fn)
    v >>= 7n
    if (v !== 0n) byte |= 0x80
    out.push(byte)
  } while (v !== 0n)
  return out
}

class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public pos: number,
  ) {}
  byte(): number {
    if (this.pos >= this.bytes.length) throw new CoreModuleFormatError('unexpected end of module')
    return this.bytes[this.pos++]!
  }
  u64(): bigint {
    let result = 0n
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const b = this.byte()
      result |= BigInt(b & 0x7f) << shift
      if ((b & 0x80) === 0) return result
    }
    throw new CoreModuleFormatError('malformed LEB128 integer')
  }
  u32(): number {
    return Number(this.u64())
  }
  s33(): void {
    while (this.byte() & 0x80);
  }
  name(): void {
    const length = this.u32()
    this.pos += length
  }
  text(): string {
    const length = this.u32()
    if (this.pos + length > this.bytes.length) throw new CoreModuleFormatError('unexpected end of module')
    const text = new TextDecoder().decode(this.bytes.subarray(this.pos, this.pos + length))
    this.pos += length
    return text
  }
}
