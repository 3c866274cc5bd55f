// The types of a component's top-level function imports and exports, read from its binary (the
// component-model binary format's type, import, alias, instance, canon and export sections), so that
// `exec`, `canister-call` and `canister-metadata-section` can be checked against the world of the
// plugin's interface version before anything is instantiated, as wasmtime checks them in icp-cli.
import { ComponentFormatError } from './interface.js'

export type ValType =
  | { kind: 'prim'; name: string }
  | { kind: 'record'; fields: Array<[string, ValType]> }
  | { kind: 'variant'; cases: Array<[string, ValType | undefined]> }
  | { kind: 'list'; of: ValType; length?: number }
  | { kind: 'tuple'; of: ValType[] }
  | { kind: 'flags' | 'enum'; names: string[] }
  | { kind: 'option'; of: ValType }
  | { kind: 'result'; ok?: ValType; err?: ValType }
  | { kind: 'own' | 'borrow' | 'stream' | 'future' | 'resource' | 'error-context'; of?: ValType }

export interface FuncType {
  kind: 'func'
  params: Array<[string, ValType]>
  result?: ValType
}

interface InstanceType {
  kind: 'instance'
  exports: Map<string, Item>
}

type Item = FuncType | InstanceType | ValType | { kind: 'component' | 'module' | 'value' | 'unknown' }

const PRIMITIVES: Record<number, string> = {
  0x7f: 'bool',
  0x7e: 's8',
  0x7d: 'u8',
  0x7c: 's16',
  0x7b: 'u16',
  0x7a: 's32',
  0x79: 'u32',
  0x78: 's64',
  0x77: 'u64',
  0x76: 'f32',
  0x75: 'f64',
  0x74: 'char',
  0x73: 'string',
  0x64: 'error-context',
}

const utf8 = new TextDecoder('utf-8', { fatal: true })
const UNKNOWN = { kind: 'unknown' } as const
const NOT_VALUES = new Set(['func', 'instance', 'component', 'module', 'value', 'unknown'])

function isValType(item: Item): item is ValType {
  return !NOT_VALUES.has(item.kind)
}

export interface ComponentSignatures {
  /** Top-level function imports by name (interface imports are instances and not listed). */
  imports: Map<string, Item>
  /** Top-level exports by name. */
  exports: Map<string, Item>
}

/** Reads the types of a component's top-level imports and exports. */
export function readComponentSignatures(bytes: Uint8Array): ComponentSignatures {
  return new ComponentReader(bytes, 0, bytes.length).read()
}

class ComponentReader {
  private pos: number
  private readonly types: Item[] = []
  private readonly funcs: Item[] = []
  private readonly instances: Item[] = []
  private readonly components: Array<{ start: number; end: number }> = []
  private readonly imports = new Map<string, Item>()
  private readonly exports = new Map<string, Item>()

  constructor(
    private readonly bytes: Uint8Array,
    start: number,
    private readonly end: number,
  ) {
    this.pos = start
  }

  read(): ComponentSignatures {
    if (this.bytes[this.pos] !== 0 || this.bytes[this.pos + 1] !== 0x61 || this.bytes[this.pos + 6] !== 1)
      throw new ComponentFormatError('not a component')
    this.pos += 8
    while (this.pos < this.end) {
      const id = this.byte()
      const size = this.u32()
      const end = this.pos + size
      if (end > this.end) throw new ComponentFormatError(`section ${id} runs past the end`)
      const count = () => this.u32()
      switch (id) {
        case 4:
          this.components.push({ start: this.pos, end })
          break
        case 5:
          for (let n = count(); n > 0; n--) this.instances.push(this.instance())
          break
        case 6:
          for (let n = count(); n > 0; n--) this.alias(this.types, undefined)
          break
        case 7:
          for (let n = count(); n > 0; n--) this.types.push(this.type(this.types, undefined))
          break
        case 8:
          for (let n = count(); n > 0; n--) this.canon()
          break
        case 10:
          for (let n = count(); n > 0; n--) {
            const name = this.externName()
            const item = this.externDesc(this.types)
            this.add(item.sort, item.item)
            this.imports.set(name, item.item)
          }
          break
        case 11:
          for (let n = count(); n > 0; n--) {
            const name = this.externName()
            const sort = this.sort()
            const index = this.u32()
            let item = this.lookup(sort, index)
            if (this.byte() === 0x01) item = this.externDesc(this.types).item
            this.add(sort, item)
            this.exports.set(name, item)
          }
          break
        // 0 custom, 1 core module, 2 core instance, 3 core type, 9 start, 12 value: no effect here.
      }
      this.pos = end
    }
    return { imports: this.imports, exports: this.exports }
  }

  private add(sort: string, item: Item): void {
    if (sort === 'func') this.funcs.push(item)
    else if (sort === 'type') this.types.push(item)
    else if (sort === 'instance') this.instances.push(item)
    else if (sort === 'component') this.components.push({ start: -1, end: -1 })
  }

  private lookup(sort: string, index: number): Item {
    if (sort === 'func') return this.funcs[index] ?? UNKNOWN
    if (sort === 'type') return this.types[index] ?? UNKNOWN
    if (sort === 'instance') return this.instances[index] ?? UNKNOWN
    return UNKNOWN
  }

  /** sort ::= 0x00 core-sort | 0x01 func | 0x02 value | 0x03 type | 0x04 component | 0x05 instance */
  private sort(): string {
    const sort = this.byte()
    if (sort === 0x00) {
      this.byte()
      return 'core'
    }
    return ['', 'func', 'value', 'type', 'component', 'instance'][sort] ?? 'unknown'
  }

  private instance(): Item {
    const form = this.byte()
    if (form === 0x00) {
      const component = this.components[this.u32()]
      for (let n = this.u32(); n > 0; n--) {
        this.string()
        this.sort()
        this.u32()
      }
      if (!component || component.start < 0) return UNKNOWN
      const nested = new ComponentReader(this.bytes, component.start, component.end).read()
      return { kind: 'instance', exports: nested.exports }
    }
    if (form === 0x01) {
      const exports = new Map<string, Item>()
      for (let n = this.u32(); n > 0; n--) {
        const name = this.string()
        const sort = this.sort()
        exports.set(name, this.lookup(sort, this.u32()))
      }
      return { kind: 'instance', exports }
    }
    throw new ComponentFormatError(`unknown instance form 0x${form.toString(16)}`)
  }

  /** An alias at the top level (into this component's spaces) or inside a type (`scope`). */
  private alias(types: Item[], outer: Item[] | undefined): void {
    const sort = this.sort()
    const target = this.byte()
    if (target === 0x00) {
      const instance = this.instances[this.u32()]
      const name = this.string()
      const item = instance?.kind === 'instance' ? (instance.exports.get(name) ?? UNKNOWN) : UNKNOWN
      if (outer === undefined) this.add(sort, item)
    } else if (target === 0x01) {
      this.u32()
      this.string()
    } else if (target === 0x02) {
      const count = this.u32()
      const index = this.u32()
      // Inside a type, count 1 is the enclosing scope; at the top level we do not track parents.
      const item = outer !== undefined && count >= 1 ? (outer[index] ?? UNKNOWN) : UNKNOWN
      if (outer !== undefined) {
        if (sort === 'type') types.push(item)
      } else this.add(sort, item)
    } else throw new ComponentFormatError(`unknown alias target 0x${target.toString(16)}`)
  }

  private canon(): void {
    const op = this.byte()
    if (op === 0x00) {
      this.byte() // 0x00
      this.u32() // core func
      this.canonOptions()
      this.funcs.push(this.types[this.u32()] ?? UNKNOWN)
    } else if (op === 0x01) {
      this.byte()
      this.u32()
      this.canonOptions()
    } else if (op === 0x02 || op === 0x03 || op === 0x04 || op === 0x07) this.u32()
    else throw new ComponentFormatError(`unsupported canonical function 0x${op.toString(16)}`)
  }

  private canonOptions(): void {
    for (let n = this.u32(); n > 0; n--) {
      const option = this.byte()
      if (option >= 0x03 && option <= 0x05)
        this.u32() // memory, realloc, post-return
      else if (option === 0x07) this.u32() // callback
    }
  }

  /** A type definition, in `types` (the scope it is defined in); `outer` is the enclosing scope. */
  private type(types: Item[], outer: Item[] | undefined): Item {
    const form = this.byte()
    if (form === 0x40 || form === 0x43) {
      const params: Array<[string, ValType]> = []
      for (let n = this.u32(); n > 0; n--) params.push([this.string(), this.valType(types)])
      const results = this.byte()
      if (results === 0x00) return { kind: 'func', params, result: this.valType(types) }
      if (this.u32() !== 0) throw new ComponentFormatError('named function results are not supported')
      return { kind: 'func', params }
    }
    if (form === 0x41 || form === 0x42) {
      const scope: Item[] = []
      const exports = new Map<string, Item>()
      for (let n = this.u32(); n > 0; n--) {
        const decl = this.byte()
        if (decl === 0x01) scope.push(this.type(scope, types))
        else if (decl === 0x02) this.alias(scope, types)
        else if (decl === 0x03 || decl === 0x04) {
          const name = this.externName()
          const { sort, item } = this.externDesc(scope)
          if (sort === 'type') scope.push(item)
          if (decl === 0x04) exports.set(name, item)
        } else throw new ComponentFormatError(`unsupported declaration 0x${decl.toString(16)} in a type`)
      }
      return form === 0x42 ? { kind: 'instance', exports } : { kind: 'component' }
    }
    if (form === 0x3f || form === 0x3e) {
      this.byte() // 0x7f: rep i32
      if (form === 0x3e || this.byte() === 0x01) this.u32() // destructor (and callback when async)
      return { kind: 'resource' }
    }
    void outer
    this.pos--
    return this.defValType(types)
  }

  private defValType(types: Item[]): ValType {
    const form = this.byte()
    const primitive = PRIMITIVES[form]
    if (primitive) return { kind: 'prim', name: primitive }
    const names = () => {
      const out: string[] = []
      for (let n = this.u32(); n > 0; n--) out.push(this.string())
      return out
    }
    const optional = () => (this.byte() === 0x01 ? this.valType(types) : undefined)
    switch (form) {
      case 0x72: {
        const fields: Array<[string, ValType]> = []
        for (let n = this.u32(); n > 0; n--) fields.push([this.string(), this.valType(types)])
        return { kind: 'record', fields }
      }
      case 0x71: {
        const cases: Array<[string, ValType | undefined]> = []
        for (let n = this.u32(); n > 0; n--) {
          const name = this.string()
          cases.push([name, optional()])
          if (this.byte() !== 0x00)
            throw new ComponentFormatError('variant case refinements are not supported')
        }
        return { kind: 'variant', cases }
      }
      case 0x70:
        return { kind: 'list', of: this.valType(types) }
      case 0x67:
        return { kind: 'list', of: this.valType(types), length: this.u32() }
      case 0x6f: {
        const of: ValType[] = []
        for (let n = this.u32(); n > 0; n--) of.push(this.valType(types))
        return { kind: 'tuple', of }
      }
      case 0x6e:
        return { kind: 'flags', names: names() }
      case 0x6d:
        return { kind: 'enum', names: names() }
      case 0x6b:
        return { kind: 'option', of: this.valType(types) }
      case 0x6a:
        return { kind: 'result', ok: optional(), err: optional() }
      case 0x69:
      case 0x68:
        this.u32()
        return { kind: form === 0x69 ? 'own' : 'borrow' }
      case 0x66:
      case 0x65:
        return { kind: form === 0x66 ? 'stream' : 'future', of: optional() }
    }
    throw new ComponentFormatError(`unknown value type 0x${form.toString(16)}`)
  }

  private valType(types: Item[]): ValType {
    const first = this.bytes[this.pos]!
    const primitive = PRIMITIVES[first]
    if (primitive) {
      this.pos++
      return { kind: 'prim', name: primitive }
    }
    const item = types[this.u32()]
    // Anything that is not a value type (or not known) stays opaque: never equal to a plain value type.
    return item && isValType(item) ? item : { kind: 'resource' }
  }

  private externDesc(types: Item[]): { sort: string; item: Item } {
    const kind = this.byte()
    switch (kind) {
      case 0x00:
        this.byte()
        this.u32()
        return { sort: 'module', item: { kind: 'module' } }
      case 0x01:
        return { sort: 'func', item: types[this.u32()] ?? UNKNOWN }
      case 0x02:
        if (this.byte() === 0x00) this.u32()
        else this.valType(types)
        return { sort: 'value', item: { kind: 'value' } }
      case 0x03:
        if (this.byte() === 0x00) return { sort: 'type', item: types[this.u32()] ?? UNKNOWN }
        return { sort: 'type', item: { kind: 'resource' } }
      case 0x04:
        this.u32()
        return { sort: 'component', item: { kind: 'component' } }
      case 0x05:
        return { sort: 'instance', item: types[this.u32()] ?? UNKNOWN }
    }
    throw new ComponentFormatError(`unknown extern kind 0x${kind.toString(16)}`)
  }

  private externName(): string {
    const form = this.byte()
    const name = this.string()
    if (form === 0x01) this.string()
    else if (form !== 0x00) throw new ComponentFormatError(`unknown name form 0x${form.toString(16)}`)
    return name
  }

  private byte(): number {
    if (this.pos >= this.end) throw new ComponentFormatError('unexpected end of component')
    return this.bytes[this.pos++]!
  }

  private u32(): number {
    let result = 0
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte()
      result += (b & 0x7f) * 2 ** shift
      if ((b & 0x80) === 0) return result
    }
    throw new ComponentFormatError('malformed LEB128 integer')
  }

  private string(): string {
    const length = this.u32()
    const end = this.pos + length
    if (end > this.end) throw new ComponentFormatError('unexpected end of component')
    const text = utf8.decode(this.bytes.subarray(this.pos, end))
    this.pos = end
    return text
  }
}
