// YAML with positions, hardened against hostile input. Everything above this module sees yaml AST
// nodes (aliases resolved) and reports errors through `Src.fail(node, message)`, which names the file,
// line and column of that node.

import { readFileSync, statSync } from 'node:fs'
import {
  Alias,
  Document,
  LineCounter,
  Scalar,
  YAMLMap,
  YAMLSeq,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parseDocument,
} from 'yaml'
import { ManifestError, type SourcePosition } from './errors.js'

/** icp.yaml files are small; this bounds parse time (~2 s per MiB with yaml 2.9 on a slow core). */
export const MAX_MANIFEST_BYTES = 1024 * 1024
/** yaml 2.9 aborts the process (V8 regexp OOM) on ~3000 nested flow collections: refuse long before. */
export const MAX_FLOW_DEPTH = 100
/** Block nesting is bounded by the column where a line's content starts. */
export const MAX_BLOCK_COLUMN = 400
/** Per alias, relative to the anchored node (yaml's billion-laughs guard). */
export const MAX_ALIAS_COUNT = 100

export type YNode = Scalar | YAMLMap | YAMLSeq

export class Src {
  constructor(
    readonly file: string,
    readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** 1-based line and column of a node (or of the file start). */
  pos(node?: { range?: [number, number, number] | null } | null): SourcePosition {
    const offset = node?.range?.[0]
    if (offset === undefined) return { file: this.file, line: 1, column: 1 }
    const { line, col } = this.lines.linePos(offset)
    return { file: this.file, line, column: col }
  }

  fail(
    node: { range?: [number, number, number] | null } | null | undefined,
    message: string,
    causes?: string[],
  ): never {
    throw new ManifestError(message, this.pos(node), causes)
  }

  /** Dereference an alias (anchors were bounded by the toJS guard in parseYaml). */
  resolve(node: unknown): YNode | null {
    let current = node
    for (let hops = 0; isAlias(current); hops++) {
      if (hops > 64) return null
      current = (current as Alias).resolve(this.doc)
    }
    if (isScalar(current) || isMap(current) || isSeq(current)) return current
    return null
  }

  root(): YNode | null {
    return this.resolve(this.doc.contents)
  }
}

export function readYamlFile(file: string): Src {
  let size: number
  try {
    size = statSync(file).size
  } catch (err) {
    throw new ManifestError(`failed to read manifest at '${file}': ${(err as Error).message}`, { file })
  }
  if (size > MAX_MANIFEST_BYTES) {
    throw new ManifestError(
      `manifest at '${file}' is ${size} bytes; icp-sync-action reads manifests up to ${MAX_MANIFEST_BYTES} bytes`,
      { file },
    )
  }
  return parseYaml(readFileSync(file), file)
}

export function parseYaml(input: Uint8Array | string, file: string): Src {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input
  if (bytes.length > MAX_MANIFEST_BYTES) {
    throw new ManifestError(
      `manifest at '${file}' is ${bytes.length} bytes; icp-sync-action reads manifests up to ${MAX_MANIFEST_BYTES} bytes`,
      { file },
    )
  }
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    const bad = firstInvalidUtf8(bytes)
    throw new ManifestError(`invalid UTF-8 at byte ${bad}`, { file, ...lineColumnOfByte(bytes, bad) }, [
      `failed to parse manifest at '${file}'`,
    ])
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  checkNesting(text, file)
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, {
    lineCounter,
    uniqueKeys: false, // serde_yaml keeps the last of duplicate keys; yaml's check is also O(n²)
    prettyErrors: false,
    version: '1.2',
    merge: false, // serde_yaml 0.9 treats `<<` as an ordinary key
    strict: true,
  })
  const src = new Src(file, doc, lineCounter)
  const problem = doc.errors[0]
  if (problem) {
    const { line, col } = lineCounter.linePos(problem.pos[0])
    throw new ManifestError(firstLine(problem.message), { file, line, column: col }, [
      `failed to parse manifest at '${file}'`,
    ])
  }
  try {
    doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT })
  } catch (err) {
    throw new ManifestError(
      `${firstLine((err as Error).message)} (aliases may expand to at most ${MAX_ALIAS_COUNT} times their anchor)`,
      { file },
      [`failed to parse manifest at '${file}'`],
    )
  }
  return src
}

/** A cheap lexical bound on nesting, run before the parser ever sees the text. */
function checkNesting(text: string, file: string): void {
  let depth = 0
  let quote: '' | '"' | "'" = ''
  let lineStart = true
  let column = 0
  let line = 1
  let inComment = false
  let prev = '\n'
  // Last non-blank character: `[`/`{` only opens a collection where a value can start.
  let lastSolid = '\n'
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (ch === '\n') {
      lastSolid = '\n'
      line++
      lineStart = true
      column = 0
      inComment = false
      prev = ch
      continue
    }
    column++
    if (inComment) continue
    if (lineStart) {
      // Indentation plus block indicators (`- `, `? `, `: `) is where this line's content starts.
      if (
        ch === ' ' ||
        ((ch === '-' || ch === '?' || ch === ':') && (text[i + 1] === ' ' || text[i + 1] === '\n'))
      ) {
        if (column > MAX_BLOCK_COLUMN) {
          throw new ManifestError(
            `YAML nesting is too deep (content starts beyond column ${MAX_BLOCK_COLUMN})`,
            {
              file,
              line,
              column,
            },
          )
        }
        prev = ch
        continue
      }
      lineStart = false
    }
    if (quote) {
      if (ch === quote) quote = ''
      else if (ch === '\\' && quote === '"') i++
    } else if (ch === '#' && (prev === ' ' || prev === '\t' || prev === '\n')) {
      inComment = true
    } else if ((ch === '"' || ch === "'") && /[\s,[{:]/.test(prev)) {
      quote = ch
    } else if ((ch === '[' || ch === '{') && (lastSolid === '\n' || ':-?,[{'.includes(lastSolid))) {
      if (++depth > MAX_FLOW_DEPTH) {
        throw new ManifestError(
          `YAML nesting is too deep (more than ${MAX_FLOW_DEPTH} nested flow collections)`,
          {
            file,
            line,
            column,
          },
        )
      }
    } else if ((ch === ']' || ch === '}') && depth > 0) {
      depth--
    }
    prev = ch
    if (ch !== ' ' && ch !== '\t' && !inComment) lastSolid = ch
  }
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim()
}

/** Offset of the first byte that does not start or continue a well-formed UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0
  while (i < bytes.length) {
    const b = bytes[i]!
    const need =
      b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1
    if (need < 0) return i
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k]
      if (c === undefined || (c & 0xc0) !== 0x80) return i
    }
    i += need + 1
  }
  return i
}

function lineColumnOfByte(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1
  let start = 0
  for (let i = 0; i < offset && i < bytes.length; i++) {
    if (bytes[i] === 0x0a) {
      line++
      start = i + 1
    }
  }
  return { line, column: offset - start + 1 }
}
