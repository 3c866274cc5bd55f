// Recipes (crates/icp/src/canister/recipe/{fetch,render}.rs): fetch the Handlebars template, verify its
// sha256, render it in strict mode without HTML escaping, with a `replace` helper and the `_` context.
// Templates are cached on disk: by sha256 for the bytes, plus a URL → sha256 index.

import { createHash } from 'node:crypto'
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'
import { ensureDir } from '../util/make-dir.js'
import type { RecipeDecl } from './manifest.js'

/** What the Action may wrap with retries; resolves with the status and body, rejects on a network error. */
export type FetchBytes = (url: string) => Promise<{ status: number; body: Uint8Array }>

export interface RecipeOptions {
  fetch?: FetchBytes
  /** Template cache root (a sync passes `<cache-dir>/recipes`); default `$XDG_CACHE_HOME/icp-sync-action/recipes`. */
  cacheDir?: string
  /** Base for relative `file://` paths. icp uses its process cwd; we default to the project directory. */
  fileBase?: string
}

export const MAX_TEMPLATE_BYTES = 1024 * 1024
const FETCH_TIMEOUT_MS = 30_000

export class RecipeError extends Error {
  constructor(
    message: string,
    readonly causes: string[] = [],
  ) {
    super(message)
  }
}

export function registryUrl(name: string, version: string): string {
  return `https://github.com/dfinity/icp-cli-recipes/releases/download/${name}-${version}/recipe.hbs`
}

/** icp's Debug form of the recipe type, used in "failed to fetch canister recipe: …". */
export function recipeTypeDebug(decl: RecipeDecl): string {
  const s = decl.source
  if ('file' in s) return `File(${JSON.stringify(s.file)})`
  if ('url' in s) return `Url(${JSON.stringify(s.url)})`
  return `Registry { name: ${JSON.stringify(s.registry)}, recipe: ${JSON.stringify(s.name)}, version: ${JSON.stringify(s.version)} }`
}

export function defaultRecipeCacheDir(): string {
  const base = process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache')
  return join(base, 'icp-sync-action', 'recipes')
}

export interface FetchedTemplate {
  text: string
  sha256: string
  cacheHit: boolean
  /** Set for an unpinned download: call after the template rendered (icp caches those only then). */
  commit?: () => void
}

export async function fetchTemplate(
  decl: RecipeDecl,
  opts: RecipeOptions,
  projectDir: string,
): Promise<FetchedTemplate> {
  const s = decl.source
  if ('file' in s) {
    const path = isAbsolute(s.file) ? s.file : resolve(opts.fileBase ?? projectDir, s.file)
    let bytes: Buffer
    try {
      bytes = readFileSync(path)
    } catch (err) {
      throw new RecipeError('failed to read local recipe template file', [(err as Error).message])
    }
    return { ...verified(bytes, decl.sha256), cacheHit: false }
  }
  let url: string
  if ('url' in s) url = s.url
  else {
    // icp panics on any other registry; we say the same thing as an error.
    if (s.registry !== 'dfinity') throw new RecipeError('only the dfinity registry is currently supported')
    url = registryUrl(s.name, s.version)
  }
  const cache = new TemplateCache(opts.cacheDir ?? defaultRecipeCacheDir())
  const hit = decl.sha256 === undefined ? cache.byUrl(url) : cache.bySha(decl.sha256)
  if (hit !== undefined) return { ...verified(hit, decl.sha256), cacheHit: true }
  const bytes = await download(url, opts.fetch ?? defaultFetch)
  const result = verified(bytes, decl.sha256)
  const store = () => cache.store(url, result.sha256, bytes)
  if (decl.sha256 !== undefined) {
    store()
    return { ...result, cacheHit: false }
  }
  return { ...result, cacheHit: false, commit: store }
}

function verified(bytes: Uint8Array, expected: string | undefined): { text: string; sha256: string } {
  const actual = createHash('sha256').update(bytes).digest('hex')
  // icp compares lowercase hex with `==`: an uppercase pin never matches.
  if (expected !== undefined && actual !== expected) {
    throw new RecipeError(
      `sha256 checksum mismatch for recipe template: expected ${expected}, actual ${actual}`,
    )
  }
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new RecipeError('failed to decode UTF-8 string')
  }
  return { text, sha256: actual }
}

async function download(url: string, fetchBytes: FetchBytes): Promise<Uint8Array> {
  try {
    new URL(url)
  } catch (err) {
    throw new RecipeError('failed to parse user-provided url', [(err as Error).message])
  }
  let response: { status: number; body: Uint8Array }
  try {
    response = await fetchBytes(url)
  } catch (err) {
    throw new RecipeError('failed to execute http request', [(err as Error).message])
  }
  if (response.status < 200 || response.status > 299) {
    throw new RecipeError(`request to '${url}' returned '${response.status}' status-code`)
  }
  if (response.body.length > MAX_TEMPLATE_BYTES) {
    throw new RecipeError(`recipe template at '${url}' is larger than ${MAX_TEMPLATE_BYTES} bytes`)
  }
  return response.body
}

/** Node's fetch with a timeout and a size cap. */
export const defaultFetch: FetchBytes = async (url) => {
  const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'follow' })
  const length = Number(response.headers.get('content-length') ?? '0')
  if (length > MAX_TEMPLATE_BYTES) {
    await response.body?.cancel()
    throw new Error(`response is ${length} bytes, more than ${MAX_TEMPLATE_BYTES}`)
  }
  return { status: response.status, body: new Uint8Array(await response.arrayBuffer()) }
}

class TemplateCache {
  constructor(private readonly root: string) {}

  private shaPath(sha: string): string {
    return join(this.root, 'sha256', `${sha}.hbs`)
  }

  private urlPath(url: string): string {
    return join(this.root, 'url', createHash('sha256').update(url).digest('hex'))
  }

  bySha(sha: string): Buffer | undefined {
    if (!/^[0-9a-f]{64}$/.test(sha)) return undefined
    const bytes = readOrUndefined(this.shaPath(sha))
    // A corrupted entry is a miss, not a failure.
    if (bytes && createHash('sha256').update(bytes).digest('hex') === sha) return bytes
    return undefined
  }

  byUrl(url: string): Buffer | undefined {
    const sha = readOrUndefined(this.urlPath(url))?.toString('utf8').trim()
    return sha ? this.bySha(sha) : undefined
  }

  store(url: string, sha: string, bytes: Uint8Array): void {
    try {
      writeAtomic(this.shaPath(sha), bytes)
      writeAtomic(this.urlPath(url), Buffer.from(sha))
    } catch {
      // A cache that cannot be written only costs a download next time.
    }
  }
}

function readOrUndefined(path: string): Buffer | undefined {
  try {
    return readFileSync(path)
  } catch {
    return undefined
  }
}

function writeAtomic(path: string, bytes: Uint8Array): void {
  ensureDir(join(path, '..'))
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`
  writeFileSync(tmp, bytes)
  renameSync(tmp, path)
}

/** Render like icp (handlebars-rust): strict, no escaping, `replace "from" "to" value`, `_ = {canister:
 * {name}}`, its built-in comparison helpers, and its strictness on `each`/`with` over a missing value
 * (handlebars.js leaves helper arguments unchecked). `configuration` should come from rustJson(). */
export async function renderTemplate(
  template: string,
  configuration: Record<string, unknown>,
  canisterName: string,
): Promise<string> {
  // Loaded only by projects that use recipes (~15 ms of start-up otherwise).
  const { default: Handlebars } = await import('handlebars')
  const hb = Handlebars.create()
  hb.registerHelper('replace', (from: unknown, to: unknown, value: unknown) => {
    const text = display(value)
    const needle = display(from)
    const with_ = display(to)
    // Rust's str::replace with an empty pattern inserts at every char boundary, both ends included.
    return needle === '' ? with_ + [...text].join(with_) + with_ : text.split(needle).join(with_)
  })
  for (const name of ['each', 'with'] as const) {
    const builtin = hb.helpers[name]!
    hb.registerHelper(name, function (this: unknown, ...args: unknown[]) {
      const options = args[args.length - 1] as { loc?: { start: { line: number; column: number } } }
      if (args.length < 2 || args[0] === undefined) {
        const at = options.loc
          ? ` (#${name} at line ${options.loc.start.line}, column ${options.loc.start.column + 1})`
          : ''
        throw new Error(`Failed to access variable in strict mode${at}`)
      }
      return (builtin as (...a: unknown[]) => unknown).apply(this, args)
    })
  }
  const compare = (name: string, test: (a: unknown, b: unknown) => boolean) =>
    hb.registerHelper(name, (...args: unknown[]) => {
      if (args.length < 3)
        throw new Error(`Helper/Decorator ${name} param at index ${args.length - 1} required but not found`)
      return test(args[0], args[1])
    })
  compare('eq', (a, b) => looseKey(a) === looseKey(b))
  compare('ne', (a, b) => looseKey(a) !== looseKey(b))
  compare('gt', (a, b) => Number(a) > Number(b))
  compare('gte', (a, b) => Number(a) >= Number(b))
  compare('lt', (a, b) => Number(a) < Number(b))
  compare('lte', (a, b) => Number(a) <= Number(b))
  hb.registerHelper('and', (...args: unknown[]) => args.slice(0, -1).every(truthy))
  hb.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(truthy))
  hb.registerHelper('not', (value: unknown) => !truthy(value))
  hb.registerHelper('len', (value: unknown) =>
    Array.isArray(value)
      ? value.length
      : typeof value === 'string'
        ? value.length
        : value && typeof value === 'object'
          ? Object.keys(value).length
          : 0,
  )
  const context = {
    ...configuration,
    _: rustJsonObject({ canister: rustJsonObject({ name: canisterName }) }),
  }
  try {
    return hb.compile(template, { strict: true, noEscape: true })(context)
  } catch (err) {
    throw new RecipeError('failed to render', [(err as Error).message.split('\n')[0]!])
  }
}

function display(value: unknown): string {
  return value === undefined || value === null ? '' : String(value)
}

function looseKey(value: unknown): string {
  return typeof value === 'bigint' || typeof value === 'number'
    ? `n:${Number(value)}`
    : `${typeof value}:${String(value)}`
}

/** handlebars-rust truthiness: empty arrays/objects and 0 are false. */
function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0
  if (value && typeof value === 'object') return Object.keys(value).length > 0
  return Boolean(value)
}

/** An array that prints the way handlebars-rust prints a JSON array: `[1, b]`. */
class RustArray extends Array<unknown> {
  override toString(): string {
    return `[${this.map((v) => display(v)).join(', ')}]`
  }
}

const RUST_OBJECT = Object.create(Object.prototype, {
  toString: { value: () => '[object]', enumerable: false },
})

/** A map as serde_json holds it (keys sorted) that prints as handlebars-rust does: `[object]`. */
export function rustJsonObject(entries: Record<string, unknown>): Record<string, unknown> {
  const out = Object.create(RUST_OBJECT) as Record<string, unknown>
  for (const key of Object.keys(entries).sort()) out[key] = entries[key]
  return out
}

export function rustJsonArray(items: unknown[]): unknown[] {
  const out = new RustArray()
  out.push(...items)
  return out
}
