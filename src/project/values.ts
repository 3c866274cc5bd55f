// How serde_yaml 0.9 (icp-cli's parser) sees a YAML node: its scalar resolution, its "invalid type"
// wording, and the Rust formatting of numbers turned into strings. Only what icp's manifest types need.

import { Scalar, YAMLMap, YAMLSeq, isMap, isScalar, isSeq } from 'yaml'
import type { Src, YNode } from './yaml.js'

export type Resolved =
  | { kind: 'null' }
  | { kind: 'bool'; value: boolean }
  | { kind: 'int'; value: bigint }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string }

const NULLS = new Set(['~', 'null', 'Null', 'NULL', ''])
const TRUES = new Set(['true', 'True', 'TRUE'])
const FALSES = new Set(['false', 'False', 'FALSE'])

/** serde_yaml's resolution of an untagged scalar (YAML 1.2 core, plus its own rules for leading zeros). */
export function resolveScalar(node: Scalar): Resolved {
  const text = scalarText(node)
  const plain = node.type === undefined || node.type === Scalar.PLAIN
  const tag = node.tag
  if (!plain || tag === 'tag:yaml.org,2002:str') return { kind: 'string', value: text }
  if (NULLS.has(text)) return { kind: 'null' }
  if (TRUES.has(text)) return { kind: 'bool', value: true }
  if (FALSES.has(text)) return { kind: 'bool', value: false }
  // serde_yaml: a leading zero followed by digits only ("00012", "0000") is a string, not a number.
  const unsigned = text.replace(/^[-+]/, '')
  if (unsigned.length > 1 && /^0[0-9]+$/.test(unsigned)) return { kind: 'string', value: text }
  const int = parseInt(text)
  if (int !== undefined) return { kind: 'int', value: int }
  const float = parseFloat(text.startsWith('0') && /^0[xob]/.test(text) ? '' : text)
  if (float !== undefined) return { kind: 'float', value: float }
  return { kind: 'string', value: text }
}

function parseInt(text: string): bigint | undefined {
  const m = /^([-+]?)(0x[0-9a-fA-F]+|0o[0-7]+|0b[01]+|[0-9]+)$/.exec(text)
  if (!m) return undefined
  const digits = m[2]!
  const value = m[1] === '-' ? -BigInt(digits) : BigInt(digits)
  // Beyond i128/u128 serde_yaml falls back to f64 (decimal) or leaves the text a string (radix forms).
  if (value < -(2n ** 127n) || value > 2n ** 128n - 1n) return undefined
  return value
}

function parseFloat(text: string): number | undefined {
  if (/^[-+]?\.(inf|Inf|INF)$/.test(text)) return text.startsWith('-') ? -Infinity : Infinity
  if (/^\.(nan|NaN|NAN)$/.test(text)) return NaN
  if (!/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(text)) return undefined
  return Number(text)
}

export function scalarText(node: Scalar): string {
  if (typeof node.source === 'string') return node.source
  const value = node.value
  return value === null || value === undefined ? '' : String(value)
}

/** serde's words for the value it got ("invalid type: <this>, expected …"). */
export function unexpected(node: YNode | null): string {
  if (node === null || isScalar(node) === false) {
    if (isSeq(node)) return 'sequence'
    if (isMap(node)) return 'map'
    return 'unit value'
  }
  const r = resolveScalar(node)
  switch (r.kind) {
    case 'null':
      return 'unit value'
    case 'bool':
      return `boolean \`${r.value}\``
    case 'int':
      return `integer \`${r.value}\``
    case 'float':
      // serde's Unexpected::Float keeps a decimal point on integral values.
      return `floating point \`${rustFloat(r.value)}${Number.isInteger(r.value) ? '.0' : ''}\``
    case 'string':
      return `string ${quoteExcerpt(r.value)}`
  }
}

/** Longest string an error quotes whole; longer ones are quoted in part (a whole file once was). */
const QUOTED_CHARS = 120

/** A string as serde quotes it, escaped; past QUOTED_CHARS only its start and its length. */
export function quoteExcerpt(value: string): string {
  if (value.length <= QUOTED_CHARS) return JSON.stringify(value)
  return `${JSON.stringify(value.slice(0, QUOTED_CHARS))}… (${value.length} characters)`
}

/** Rust's `f64` Display: no exponent, integral values without a fraction, `inf`/`NaN`. */
export function rustFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Infinity) return 'inf'
  if (value === -Infinity) return '-inf'
  if (Object.is(value, -0)) return '-0'
  const text = String(value)
  const m = /^(-?)(\d)(?:\.(\d+))?e([-+]\d+)$/.exec(text)
  if (!m) return text
  const [, sign, lead, frac = '', expText] = m
  const exp = Number(expText)
  const digits = lead! + frac
  if (exp >= 0) {
    const intLen = 1 + exp
    return digits.length <= intLen
      ? sign + digits + '0'.repeat(intLen - digits.length)
      : `${sign}${digits.slice(0, intLen)}.${digits.slice(intLen)}`
  }
  return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`
}

/** A scalar as icp's `FieldValue`: strings as written, numbers and booleans stringified the Rust way. */
export function fieldValue(node: Scalar): string | undefined {
  const r = resolveScalar(node)
  switch (r.kind) {
    case 'null':
      return undefined
    case 'bool':
      return String(r.value)
    case 'int':
      return r.value.toString()
    case 'float':
      return rustFloat(r.value)
    case 'string':
      return r.value
  }
}

export interface Entry {
  key: string
  keyNode: Scalar | null
  value: YNode | null
  /** The raw value node (an alias stays an alias), for positions. */
  at: unknown
}

/** Map entries in document order, aliases resolved. Non-scalar keys keep a printable form. */
export function entries(src: Src, map: YAMLMap): Entry[] {
  return map.items.map((pair) => {
    const keyNode = src.resolve(pair.key)
    const key = keyNode && isScalar(keyNode) ? scalarText(keyNode) : String(pair.key)
    return {
      key,
      keyNode: keyNode && isScalar(keyNode) ? keyNode : null,
      value: src.resolve(pair.value),
      at: pair.value ?? pair.key,
    }
  })
}

/** serde_yaml's Mapping semantics: duplicate keys, the last one wins. */
export function lastByKey(list: Entry[]): Map<string, Entry> {
  const map = new Map<string, Entry>()
  for (const e of list) {
    map.delete(e.key)
    map.set(e.key, e)
  }
  return map
}

/** serde's "expected" list for enum variants / known fields. */
export function oneOf(names: string[]): string {
  const quoted = names.map((n) => `\`${n}\``)
  if (quoted.length === 1) return quoted[0]!
  if (quoted.length === 2) return `${quoted[0]} or ${quoted[1]}`
  return `one of ${quoted.join(', ')}`
}

/** The node itself if it is a string scalar as serde_yaml sees it; `streaming` allows any non-null
 * plain scalar (serde_yaml's `deserialize_str` on the event stream takes numbers as their text, but a
 * value first buffered into `serde_yaml::Value` does not). */
export function asString(node: YNode | null, streaming: boolean): string | undefined {
  if (node === null || !isScalar(node)) return undefined
  const r = resolveScalar(node)
  if (r.kind === 'string') return r.value
  if (streaming && r.kind !== 'null') return scalarText(node)
  return undefined
}

export function isNull(node: YNode | null): boolean {
  return node === null || (isScalar(node) && resolveScalar(node).kind === 'null')
}

export { isMap, isScalar, isSeq }
export type { YAMLMap, YAMLSeq }
