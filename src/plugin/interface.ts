// What a component asks for, read from its own bytes: the sync-plugin interface version (icp-cli reads
// `icp:sync-plugin/types@<v>` from the component; jco's import list is unversioned and omits type-only
// instances) and the full, versioned import list we vet before instantiating anything.
import type { InterfaceVersion } from './types.js'

export interface ComponentImport {
  /** As written in the component, e.g. `wasi:io/streams@0.2.12` or `canister-call`. */
  name: string
  kind: 'module' | 'func' | 'value' | 'type' | 'component' | 'instance'
}

export class ComponentFormatError extends Error {
  override name = 'ComponentFormatError'
}

const SECTION_IMPORT = 10

/** Reads the top-level import section(s) of a component binary. Nested components are skipped. */
export function readComponentImports(bytes: Uint8Array): ComponentImport[] {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d)
    throw new ComponentFormatError('not a WebAssembly binary (bad magic number)')
  // Core modules carry version 1 and layer 0; components use layer 1.
  if (bytes[6] !== 1 || bytes[7] !== 0)
    throw new ComponentFormatError('this is a core WebAssembly module, not a component')
  const reader = new Reader(bytes, 8)
  const imports: ComponentImport[] = []
  while (reader.pos < bytes.length) {
    const id = reader.byte()
    const size = reader.u32()
    const end = reader.pos + size
    if (end > bytes.length) throw new ComponentFormatError(`section ${id} runs past the end of the file`)
    if (id === SECTION_IMPORT) {
      const count = reader.u32()
      for (let i = 0; i < count; i++) imports.push(readImport(reader))
    }
    reader.pos = end
  }
  return imports
}

function readImport(reader: Reader): ComponentImport {
  const form = reader.byte()
  if (form !== 0x00 && form !== 0x01)
    throw new ComponentFormatError(`unknown import name form 0x${hex(form)}`)
  const name = reader.string()
  if (form === 0x01) reader.string() // version suffix of the older encoding; the name carries it too
  const sort = reader.byte()
  switch (sort) {
    case 0x00:
      reader.byte() // 0x11 = core module
      reader.u32()
      return { name, kind: 'module' }
    case 0x01:
      reader.u32()
      return { name, kind: 'func' }
    case 0x02: {
      const first = reader.byte()
      if (first < 0x64) {
        reader.pos--
        reader.u32()
      }
      return { name, kind: 'value' }
    }
    case 0x03:
      if (reader.byte() === 0x00) reader.u32()
      return { name, kind: 'type' }
    case 0x04:
      reader.u32()
      return { name, kind: 'component' }
    case 0x05:
      reader.u32()
      return { name, kind: 'instance' }
    default:
      throw new ComponentFormatError(`unknown import kind 0x${hex(sort)} for '${name}'`)
  }
}

class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public pos: number,
  ) {}
  byte(): number {
    if (this.pos >= this.bytes.length) throw new ComponentFormatError('unexpected end of component')
    return this.bytes[this.pos++]!
  }
  u32(): number {
    let result = 0
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte()
      result += (b & 0x7f) * 2 ** shift
      if ((b & 0x80) === 0) return result
    }
    throw new ComponentFormatError('malformed LEB128 integer')
  }
  string(): string {
    const length = this.u32()
    const end = this.pos + length
    if (end > this.bytes.length) throw new ComponentFormatError('unexpected end of component')
    const text = new TextDecoder('utf-8', { fatal: true }).decode(this.bytes.subarray(this.pos, end))
    this.pos = end
    return text
  }
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0')
}

export const SUPPORTED_INTERFACES_TEXT = 'Supported: icp:sync-plugin@0.1 and icp:sync-plugin@0.2.'

export type VersionDetection =
  { ok: true; version: InterfaceVersion; declared: string } | { ok: false; reason: string }

/** icp-cli picks the ABI from `icp:sync-plugin/types@<v>` matched as semver ^0.1 / ^0.2. */
export function detectInterfaceVersion(imports: ComponentImport[]): VersionDetection {
  const types = imports.filter((i) => i.name.startsWith('icp:sync-plugin/types@'))
  if (types.length === 0) return { ok: false, reason: 'no icp:sync-plugin/types@<version> import found' }
  const declared = types[0]!.name.slice('icp:sync-plugin/types@'.length)
  const match = /^0\.([12])\.\d+(?:[-+].*)?$/.exec(declared)
  if (!match || /-/.test(declared))
    return { ok: false, reason: `it imports icp:sync-plugin/types@${declared}` }
  return { ok: true, version: match[1] === '1' ? '0.1.0' : '0.2.0', declared }
}

/** Interfaces we implement (any 0.2.x WASI). Stand-ins: environment empty, exit traps, sockets denied. */
const WASI_SUPPORTED = new Set([
  'wasi:io/error',
  'wasi:io/poll',
  'wasi:io/streams',
  'wasi:clocks/monotonic-clock',
  'wasi:clocks/wall-clock',
  'wasi:cli/stdin',
  'wasi:cli/stdout',
  'wasi:cli/stderr',
  'wasi:cli/terminal-input',
  'wasi:cli/terminal-output',
  'wasi:cli/terminal-stdin',
  'wasi:cli/terminal-stdout',
  'wasi:cli/terminal-stderr',
  'wasi:cli/environment',
  'wasi:cli/exit',
  'wasi:filesystem/types',
  'wasi:filesystem/preopens',
  'wasi:random/random',
  'wasi:random/insecure',
  'wasi:random/insecure-seed',
  'wasi:sockets/network',
  'wasi:sockets/instance-network',
  'wasi:sockets/tcp',
  'wasi:sockets/tcp-create-socket',
  'wasi:sockets/udp',
  'wasi:sockets/udp-create-socket',
  'wasi:sockets/ip-name-lookup',
])

/** Unversioned names our worker supplies to jco's `instantiate(…, imports)`. */
export function providedImportNames(version: InterfaceVersion): Set<string> {
  const names = new Set(WASI_SUPPORTED)
  names.add('canister-call')
  if (version === '0.2.0') names.add('canister-metadata-section')
  return names
}

/** Returns the imports we refuse (empty when all are supported). */
export function refusedImports(imports: ComponentImport[], version: InterfaceVersion): string[] {
  const provided = providedImportNames(version)
  const refused: string[] = []
  for (const { name, kind } of imports) {
    // Type imports (the world's `use types.{…}`) grant nothing.
    if (kind === 'type' || name.startsWith('icp:sync-plugin/types@')) continue
    const at = name.indexOf('@')
    const base = at < 0 ? name : name.slice(0, at)
    const ver = at < 0 ? undefined : name.slice(at + 1)
    if (base.startsWith('wasi:')) {
      if (!WASI_SUPPORTED.has(base) || !ver || !/^0\.2\.\d+$/.test(ver)) refused.push(name)
    } else if (!provided.has(name)) refused.push(name)
  }
  return refused
}
