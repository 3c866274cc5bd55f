// The sync-plugin worlds' function types (wit/deps/icp-sync-plugin-*/sync-plugin.wit), and the check
// wasmtime makes when icp-cli instantiates a plugin: `exec` and the `canister-call` /
// `canister-metadata-section` imports must have exactly these types (record field names and order,
// case and enum names included; parameter names are not compared).
import { readComponentSignatures, type FuncType, type ValType } from './component-types.js'
import type { InterfaceVersion } from './types.js'

const prim = (name: string): ValType => ({ kind: 'prim', name })
const string = prim('string')
const u8 = prim('u8')
const record = (...fields: Array<[string, ValType]>): ValType => ({ kind: 'record', fields })
const list = (of: ValType): ValType => ({ kind: 'list', of })
const option = (of: ValType): ValType => ({ kind: 'option', of })
const func = (params: Array<[string, ValType]>, result?: ValType): FuncType => ({
  kind: 'func',
  params,
  result,
})
const callType: ValType = { kind: 'enum', names: ['update', 'query'] }
const bytesOrError: ValType = { kind: 'result', ok: list(u8), err: string }
const unitOrError: ValType = { kind: 'result', err: string }

const V1 = {
  exec: func(
    [
      [
        'input',
        record(
          ['canister-id', string],
          ['environment', string],
          ['dirs', list(string)],
          ['files', list(record(['name', string], ['content', string]))],
          ['identity-principal', string],
          ['proxy-canister-id', option(string)],
        ),
      ],
    ],
    unitOrError,
  ),
  'canister-call': func(
    [
      [
        'req',
        record(
          ['method', string],
          ['arg', list(u8)],
          ['call-type', callType],
          ['direct', prim('bool')],
          ['cycles', prim('u64')],
        ),
      ],
    ],
    bytesOrError,
  ),
}

const target: ValType = {
  kind: 'variant',
  cases: [
    ['host', undefined],
    ['name', string],
  ],
}
const V2 = {
  exec: func(
    [
      [
        'input',
        record(
          ['canister-id', string],
          ['environment', string],
          ['api-url', string],
          ['gateway-url', option(string)],
          ['dirs', list(record(['key', string], ['path', string]))],
          ['files', list(record(['key', string], ['name', string], ['content', string]))],
          ['fields', list(record(['name', string], ['value', string]))],
          ['identity-principal', string],
          ['proxy-canister-id', option(string)],
          ['canister-ids', list(record(['name', string], ['id', string]))],
        ),
      ],
    ],
    unitOrError,
  ),
  'canister-call': func(
    [
      [
        'req',
        record(
          ['target', target],
          ['method', string],
          ['arg', list(u8)],
          ['call-type', callType],
          ['direct', prim('bool')],
          ['cycles', prim('u64')],
        ),
      ],
    ],
    bytesOrError,
  ),
  'canister-metadata-section': func(
    [['req', record(['target', target], ['name', string], ['direct', prim('bool')])]],
    { kind: 'result', ok: option(list(u8)), err: string },
  ),
}

/**
 * What does not match the world of `version`, one message per function, wasmtime-like:
 * "type mismatch for export `exec`: expected func(record {…}) -> result<_, string>, found func(u32) -> u32".
 */
export function worldTypeMismatches(bytes: Uint8Array, version: InterfaceVersion): string[] {
  const world: Record<string, FuncType> = version === '0.1.0' ? V1 : V2
  const { imports, exports } = readComponentSignatures(bytes)
  const problems: string[] = []
  const check = (direction: 'import' | 'export', name: string, found: unknown) => {
    const expected = world[name]!
    const why = funcMismatch(expected, found)
    if (why)
      problems.push(
        `type mismatch for ${direction} \`${name}\`: ${why}; expected ${render(expected)}, found ${renderItem(found)}`,
      )
  }
  const exec = exports.get('exec')
  if (exec !== undefined) check('export', 'exec', exec)
  for (const name of Object.keys(world))
    if (name !== 'exec' && imports.has(name)) check('import', name, imports.get(name))
  return problems
}

function funcMismatch(expected: FuncType, found: unknown): string | undefined {
  const item = found as { kind?: string }
  if (item?.kind !== 'func') return `expected a function, found ${item?.kind ?? 'nothing'}`
  const actual = found as FuncType
  if (actual.params.length !== expected.params.length)
    return `expected ${expected.params.length} parameter(s), found ${actual.params.length}`
  for (const [i, [, type]] of expected.params.entries()) {
    const why = mismatch(type, actual.params[i]![1])
    if (why) return `parameter ${i + 1}: ${why}`
  }
  if ((expected.result === undefined) !== (actual.result === undefined))
    return expected.result === undefined ? 'expected no result' : 'expected a result'
  if (expected.result && actual.result) {
    const why = mismatch(expected.result, actual.result)
    if (why) return `result: ${why}`
  }
  return undefined
}

/** Structural equality as wasmtime's typecheck; the first difference, in words. */
function mismatch(expected: ValType, actual: ValType): string | undefined {
  if (expected.kind !== actual.kind) return `expected ${expected.kind}, found ${describe(actual)}`
  switch (expected.kind) {
    case 'prim':
      return expected.name === (actual as typeof expected).name
        ? undefined
        : `expected ${expected.name}, found ${describe(actual)}`
    case 'record': {
      const fields = (actual as typeof expected).fields
      if (fields.length !== expected.fields.length)
        return `expected a record of ${expected.fields.length} fields, found ${fields.length}`
      for (const [i, [name, type]] of expected.fields.entries()) {
        if (fields[i]![0] !== name)
          return `expected record field named \`${name}\`, found \`${fields[i]![0]}\``
        const why = mismatch(type, fields[i]![1])
        if (why) return `field \`${name}\`: ${why}`
      }
      return undefined
    }
    case 'variant': {
      const cases = (actual as typeof expected).cases
      if (cases.length !== expected.cases.length)
        return `expected a variant of ${expected.cases.length} cases, found ${cases.length}`
      for (const [i, [name, type]] of expected.cases.entries()) {
        if (cases[i]![0] !== name) return `expected variant case named \`${name}\`, found \`${cases[i]![0]}\``
        const why = optionalMismatch(type, cases[i]![1])
        if (why) return `case \`${name}\`: ${why}`
      }
      return undefined
    }
    case 'enum':
    case 'flags': {
      const names = (actual as typeof expected).names
      return names.join(',') === expected.names.join(',')
        ? undefined
        : `expected ${expected.kind} { ${expected.names.join(', ')} }, found ${expected.kind} { ${names.join(', ')} }`
    }
    case 'list':
    case 'option': {
      const other = actual as typeof expected
      if (expected.kind === 'list' && expected.length !== (other as { length?: number }).length)
        return 'expected a list of any length'
      return mismatch(expected.of, other.of)
    }
    case 'result': {
      const other = actual as typeof expected
      return optionalMismatch(expected.ok, other.ok) ?? optionalMismatch(expected.err, other.err)
    }
    default:
      return `expected ${expected.kind}, found ${describe(actual)}`
  }
}

function optionalMismatch(expected: ValType | undefined, actual: ValType | undefined): string | undefined {
  if (expected === undefined && actual === undefined) return undefined
  if (expected === undefined || actual === undefined)
    return `expected ${expected ? describe(expected) : 'no payload'}, found ${actual ? describe(actual) : 'no payload'}`
  return mismatch(expected, actual)
}

function describe(type: ValType): string {
  return type.kind === 'prim' ? type.name : type.kind
}

function render(type: FuncType): string {
  const result = type.result ? ` -> ${renderVal(type.result)}` : ''
  return `func(${type.params.map(([name, t]) => `${name}: ${renderVal(t)}`).join(', ')})${result}`
}

function renderItem(item: unknown): string {
  const kind = (item as { kind?: string })?.kind
  return kind === 'func' ? render(item as FuncType) : (kind ?? 'nothing')
}

function renderVal(type: ValType): string {
  switch (type.kind) {
    case 'prim':
      return type.name
    case 'record':
      return `record { ${type.fields.map(([n, t]) => `${n}: ${renderVal(t)}`).join(', ')} }`
    case 'variant':
      return `variant { ${type.cases.map(([n, t]) => (t ? `${n}(${renderVal(t)})` : n)).join(', ')} }`
    case 'list':
      return `list<${renderVal(type.of)}${type.length === undefined ? '' : `, ${type.length}`}>`
    case 'tuple':
      return `tuple<${type.of.map(renderVal).join(', ')}>`
    case 'flags':
    case 'enum':
      return `${type.kind} { ${type.names.join(', ')} }`
    case 'option':
      return `option<${renderVal(type.of)}>`
    case 'result':
      return `result<${type.ok ? renderVal(type.ok) : '_'}, ${type.err ? renderVal(type.err) : '_'}>`
    default:
      return type.kind
  }
}
