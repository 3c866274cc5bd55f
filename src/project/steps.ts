// Build and sync steps as icp-cli 1.5.0 deserializes them (crates/icp/src/manifest/canister.rs and
// adapter/{script,plugin,prebuilt}.rs), with serde's error wording. Build steps are only validated:
// a sync needs their count, not their content.

import type { Scalar, YAMLMap } from 'yaml'
import type { NamedPath, PlannedStep } from './types.js'
import {
  asString,
  entries,
  fieldValue,
  isMap,
  isNull,
  isScalar,
  isSeq,
  lastByKey,
  oneOf,
  unexpected,
  type Entry,
} from './values.js'
import type { Src, YNode } from './yaml.js'

export const ASSETS_RETIRED =
  'icp-cli no longer supports the `assets` sync step type. Switch to a `script` or `plugin` sync step. If this step ' +
  'comes from a recipe, check whether a newer version of the recipe uses a plugin-based solution.'

/** Reports one serde-level problem: `inner` is serde's text, the caller wraps it the way icp does. */
export type Fail = (node: unknown, inner: string) => never

export class StepParser {
  constructor(
    private readonly src: Src,
    private readonly fail: Fail,
    /** serde_yaml straight from text (recipe output) rather than via a buffered `Value`. */
    private readonly streaming = false,
  ) {}

  /** `build:`, validated; returns the number of steps. */
  build(node: YNode | null, at: unknown): number {
    const fields = this.struct(node, at, 'BuildSteps')
    const steps = fields.get('steps')
    if (!steps) this.fail(at, 'missing field `steps`')
    const items = this.seq(steps.value, steps.at)
    if (items.length === 0) this.fail(steps.at, 'Array must not be empty')
    for (const item of items) this.buildStep(item.node, item.at)
    return items.length
  }

  /** `sync:`; null means no steps. */
  sync(node: YNode | null, at: unknown): PlannedStep[] {
    if (isNull(node)) return []
    const fields = this.struct(node, at, 'SyncSteps')
    const steps = fields.get('steps')
    if (!steps) this.fail(at, 'missing field `steps`')
    return this.seq(steps.value, steps.at).map((item) => this.syncStep(item.node, item.at))
  }

  private buildStep(node: YNode | null, at: unknown): void {
    const { kind, fields } = this.tagged(node, at, 'BuildStep', ['script', 'pre-built'])
    if (kind === 'script') this.commands(fields, at)
    else this.source(fields, at, true)
  }

  private syncStep(node: YNode | null, at: unknown): PlannedStep {
    const { kind, fields } = this.tagged(node, at, 'SyncStep', ['script', 'plugin', 'assets'])
    const position = this.src.pos(at as YNode)
    if (kind === 'assets') this.fail(at, ASSETS_RETIRED)
    if (kind === 'script') {
      const commands = this.commands(fields, at)
      return { kind: 'script', commands, label: `script ${commands.join('\n')}`, position }
    }
    return this.plugin(fields, at, position)
  }

  private plugin(fields: Map<string, Entry>, at: unknown, position: PlannedStep['position']): PlannedStep {
    let sha256: string | undefined
    let dirs: { list: NamedPath[]; form: 'list' | 'map' } | undefined
    let files: { list: NamedPath[]; form: 'list' | 'map' } | undefined
    let values: Array<{ name: string; value: string }> = []
    let canisters: string[] = []
    // serde visits the named fields in document order; the flattened source is resolved last.
    for (const [key, entry] of fields) {
      if (key === 'sha256') sha256 = this.optString(entry)
      else if (key === 'dirs') dirs = this.namedPaths(entry)
      else if (key === 'files') files = this.namedPaths(entry)
      else if (key === 'fields') values = this.fields(entry)
      else if (key === 'canisters') canisters = isNull(entry.value) ? [] : this.strings(entry.value, entry.at)
    }
    const source = this.source(fields, at, false)
    if ('url' in source && sha256 === undefined) {
      this.fail(at, 'plugin with `url` requires `sha256` for integrity verification')
    }
    const label = 'path' in source ? `plugin path: ${source.path}` : `plugin url: ${source.url}`
    return {
      kind: 'plugin',
      source,
      ...(sha256 === undefined ? {} : { sha256 }),
      dirs: dirs?.list ?? [],
      files: files?.list ?? [],
      fields: values,
      canisters,
      ...(dirs ? { dirsForm: dirs.form } : {}),
      ...(files ? { filesForm: files.form } : {}),
      label,
      position,
    }
  }

  /** Flattened `CommandField`: the first of `command` / `commands` in document order. */
  private commands(fields: Map<string, Entry>, at: unknown): string[] {
    for (const [key, entry] of fields) {
      if (key === 'command') return [this.string(entry.value, entry.at)]
      if (key === 'commands') return this.strings(entry.value, entry.at)
    }
    this.fail(at, 'no variant of enum CommandField found in flattened data')
  }

  /** Untagged `SourceField`: `path` wins over `url` when both are present. */
  private source(
    fields: Map<string, Entry>,
    at: unknown,
    prebuilt: boolean,
  ): { path: string } | { url: string } {
    if (prebuilt) {
      const sha = fields.get('sha256')
      if (sha) this.optString(sha)
    }
    const path = fields.get('path')
    const pathText = path && asString(path.value, this.streaming)
    if (pathText !== undefined) return { path: pathText }
    const url = fields.get('url')
    const urlText = url && asString(url.value, this.streaming)
    if (urlText !== undefined) return { url: urlText }
    this.fail(at, 'data did not match any variant of untagged enum SourceField')
  }

  private namedPaths(entry: Entry): { list: NamedPath[]; form: 'list' | 'map' } | undefined {
    const node = entry.value
    if (isNull(node)) return undefined
    const mismatch = (): never =>
      this.fail(entry.at, 'data did not match any variant of untagged enum NamedPaths')
    if (isSeq(node)) {
      return {
        list: this.seqItems(node).map((item) => ({ path: this.stringOr(item.node, mismatch) })),
        form: 'list',
      }
    }
    if (!isMap(node)) mismatch()
    const list: NamedPath[] = []
    for (const e of this.mapEntries(node as YAMLMap)) {
      if (e.keyNode === null || asString(e.keyNode, this.streaming) === undefined) mismatch()
      if (isSeq(e.value)) {
        for (const item of this.seqItems(e.value))
          list.push({ key: e.key, path: this.stringOr(item.node, mismatch) })
      } else {
        list.push({ key: e.key, path: this.stringOr(e.value, mismatch) })
      }
    }
    return { list, form: 'map' }
  }

  /** `fields: {k: scalar}`; icp keeps them in a BTreeMap, so they come out sorted by name. */
  private fields(entry: Entry): Array<{ name: string; value: string }> {
    const node = entry.value
    if (isNull(node)) return []
    if (!isMap(node)) this.fail(entry.at, `invalid type: ${unexpected(node)}, expected a map`)
    const byName = new Map<string, string>()
    for (const e of this.mapEntries(node as YAMLMap)) {
      const name = e.keyNode ? asString(e.keyNode, this.streaming) : undefined
      if (name === undefined)
        this.fail(e.keyNode ?? e.at, `invalid type: ${unexpected(e.keyNode)}, expected a string`)
      const value = e.value && isScalar(e.value) ? fieldValue(e.value as Scalar) : undefined
      if (value === undefined) {
        this.fail(e.at, `invalid type: ${unexpected(e.value)}, expected a string, number, or boolean`)
      }
      byName.set(name, value)
    }
    return [...byName.keys()].sort(compareUtf8).map((name) => ({ name, value: byName.get(name)! }))
  }

  private tagged(
    node: YNode | null,
    at: unknown,
    enumName: string,
    variants: string[],
  ): { kind: string; fields: Map<string, Entry> } {
    if (!isMap(node))
      this.fail(at, `invalid type: ${unexpected(node)}, expected internally tagged enum ${enumName}`)
    const fields = lastByKey(this.mapEntries(node as YAMLMap))
    const tag = fields.get('type')
    if (!tag) this.fail(at, 'missing field `type`')
    const kind = asString(tag.value, true)
    if (kind === undefined)
      this.fail(tag.at, `invalid type: ${unexpected(tag.value)}, expected variant identifier`)
    if (!variants.includes(kind))
      this.fail(tag.at, `unknown variant \`${kind}\`, expected ${oneOf(variants)}`)
    fields.delete('type')
    return { kind, fields }
  }

  private struct(node: YNode | null, at: unknown, name: string): Map<string, Entry> {
    if (!isMap(node)) this.fail(at, `invalid type: ${unexpected(node)}, expected struct ${name}`)
    return lastByKey(this.mapEntries(node as YAMLMap))
  }

  private mapEntries(map: YAMLMap): Entry[] {
    return entries(this.src, map)
  }

  private seq(node: YNode | null, at: unknown): Array<{ node: YNode | null; at: unknown }> {
    if (!isSeq(node)) this.fail(at, `invalid type: ${unexpected(node)}, expected a sequence`)
    return node.items.map((item) => ({ node: this.src.resolve(item), at: item }))
  }

  private seqItems(node: YNode & { items: unknown[] }): Array<{ node: YNode | null; at: unknown }> {
    return node.items.map((item) => ({ node: this.src.resolve(item), at: item }))
  }

  private string(node: YNode | null, at: unknown): string {
    const text = asString(node, this.streaming)
    if (text === undefined) this.fail(at, `invalid type: ${unexpected(node)}, expected a string`)
    return text
  }

  private stringOr(node: YNode | null, mismatch: () => never): string {
    const text = asString(node, this.streaming)
    return text === undefined ? mismatch() : text
  }

  private strings(node: YNode | null, at: unknown): string[] {
    return this.seq(node, at).map((item) => this.string(item.node, item.at))
  }

  private optString(entry: Entry): string | undefined {
    return isNull(entry.value) ? undefined : this.string(entry.value, entry.at)
  }
}

/** Rust's String ordering (bytewise UTF-8), which BTreeMap uses. */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}
