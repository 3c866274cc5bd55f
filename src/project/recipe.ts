// Recipes (crates/icp/src/canister/recipe/{fetch,render}.rs): fetch the Handlebars template, verify its
// sha256, render it in strict mode without HTML escaping, with a `replace` helper and the `_` context.
// Templates are cached on disk: by sha256 for the bytes, plus a URL → sha256 index.

import { createHash } from 'node:crypto'
import { readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { isAbsolute, join, relative, resolve } from 'node:path'

import {
  DownloadError,
  type HeadersFor,
  type HttpOpen,
  boundedDownload,
  fetchOpen,
} from '../util/bounded-download.js'
import { githubHeaders } from '../util/github-token.js'
import { ensureDir } from '../util/make-dir.js'
import type { RecipeDecl } from './manifest.js'
import { display, rustJsonObject } from './rust-json.js'

/**
 * How a template is fetched: resolves with the status and body, rejects on a network error. Both edges
 * use `defaultFetch` (bounded, one attempt); tests pass their own.
 */
export type FetchBytes = (url: string) => Promise<{ status: number; body: Uint8Array }>

export interface RecipeOptions {
  fetch?: FetchBytes
  /** Template cache root (a sync passes `<cache-dir>/recipes`); default `$XDG_CACHE_HOME/icp-sync-action/recipes`. */
  cacheDir?: string
  /** Base for relative `file://` paths. icp uses its process cwd; we default to the project directory. */
  fileBase?: string
  /**
   * `file://` templates only from inside the project directory (links resolved). The Action sets it: a
   * pull request's icp.yaml must not make it read other files on the runner. icp and our CLI read any path.
   */
  filesInsideProject?: boolean
}

/** Largest template, from a file or a download (counted after any content decoding). */
export const MAX_TEMPLATE_BYTES = 1024 * 1024
/** Largest rendered text (what is then parsed as build and sync steps). */
export const MAX_RENDERED_CHARS = 1024 * 1024
/**
 * Characters a render may produce in all, counting every piece each block adds to its buffer (a nested
 * block's text counts once per level). Bounds helpers such as `each` and `replace` that multiply text.
 */
export const MAX_RENDER_WORK_CHARS = 16 * 1024 * 1024
/** For the whole download, redirects included. */
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
    return {
      ...verified(readTemplateFile(path, projectDir, opts.filesInsideProject ?? false), decl.sha256),
      cacheHit: false,
    }
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

function readTemplateFile(path: string, projectDir: string, insideProject: boolean): Buffer {
  const fail = (why: string): never => {
    throw new RecipeError('failed to read local recipe template file', [why])
  }
  let real: string
  try {
    real = realpathSync(path)
    if (insideProject) {
      const inside = relative(realpathSync(projectDir), real)
      if (inside === '' || inside.startsWith('..') || isAbsolute(inside))
        fail(
          `${JSON.stringify(path)} is outside the project directory; the Action reads file:// recipe templates only from inside it`,
        )
    }
    const stat = statSync(real)
    // A device or a pipe (/dev/zero) would be read forever.
    if (!stat.isFile()) fail(`${JSON.stringify(path)} is not a regular file`)
    if (stat.size > MAX_TEMPLATE_BYTES)
      fail(`${JSON.stringify(path)} has ${stat.size} bytes, more than the ${MAX_TEMPLATE_BYTES}-byte limit`)
    return readFileSync(real)
  } catch (err) {
    if (err instanceof RecipeError) throw err
    return fail((err as Error).message)
  }
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

/**
 * Node's fetch, bounded (util/bounded-download.ts): MAX_TEMPLATE_BYTES counted after decoding (a
 * compressed body cannot expand past it), one deadline, redirects checked hop by hop; `githubToken`
 * goes to GitHub's hosts only (util/github-token.ts).
 */
export function recipeFetch(githubToken?: string, fetchImpl?: typeof fetch): FetchBytes {
  const headersFor = githubHeaders(githubToken)
  const open = fetchOpen(fetchImpl)
  return (url) => fetchTemplateBytes(url, open, headersFor)
}

export const defaultFetch: FetchBytes = recipeFetch()

async function fetchTemplateBytes(
  url: string,
  open: HttpOpen,
  headersFor: HeadersFor,
): Promise<{ status: number; body: Uint8Array }> {
  const chunks: Uint8Array[] = []
  try {
    await boundedDownload(
      url,
      { write: (chunk) => void chunks.push(chunk), reset: () => void chunks.splice(0) },
      {
        open,
        headersFor,
        maxBytes: MAX_TEMPLATE_BYTES,
        deadlineMs: FETCH_TIMEOUT_MS,
        what: 'recipe template',
      },
    )
  } catch (err) {
    // A status is the caller's to word (icp's "returned '404' status-code").
    if (err instanceof DownloadError && err.kind === 'status' && err.status !== undefined)
      return { status: err.status, body: new Uint8Array() }
    throw err
  }
  return { status: 200, body: Buffer.concat(chunks) }
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
  try {
    writeFileSync(tmp, bytes)
    renameSync(tmp, path)
  } catch (err) {
    rmSync(tmp, { force: true })
    throw err
  }
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
  countOutput(hb)
  let produced = 0
  const count = (piece: unknown): string => {
    const text = typeof piece === 'string' ? piece : String(piece)
    produced += text.length
    if (produced > MAX_RENDER_WORK_CHARS)
      throw new Error(`the template produces more than ${MAX_RENDER_WORK_CHARS} characters`)
    return text
  }
  hb.registerHelper('replace', (from: unknown, to: unknown, value: unknown) => {
    const text = display(value)
    const needle = display(from)
    const with_ = display(to)
    // Known before it is built: ten nested replaces of a short text once exhausted the heap.
    const chars = [...text].length
    const hits = needle === '' ? chars + 1 : text.split(needle).length - 1
    const size = text.length + hits * (with_.length - needle.length)
    if (size > MAX_RENDERED_CHARS)
      throw new Error(`replace would produce ${size} characters, more than ${MAX_RENDERED_CHARS}`)
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
  let rendered: string
  try {
    rendered = hb.compile(template, { strict: true, noEscape: true })(context, {
      data: { [COUNT_KEY]: count },
    })
  } catch (err) {
    throw new RecipeError('failed to render', [(err as Error).message.split('\n')[0]!.slice(0, 300)])
  }
  if (rendered.length > MAX_RENDERED_CHARS)
    throw new RecipeError('failed to render', [
      `the rendered text has ${rendered.length} characters, more than ${MAX_RENDERED_CHARS}`,
    ])
  return rendered
}

/** Where in the render's `data` (which every nested program receives) the output counter sits. */
const COUNT_KEY = 'icp-sync: count'

/** The part of a Handlebars environment this needs (its typings do not declare JavaScriptCompiler). */
type HandlebarsEnv = { JavaScriptCompiler: unknown }

/**
 * Makes every piece a template appends to its output (text, values, block results, in every nested
 * program) pass through the counter in `data[COUNT_KEY]` first, so a render is stopped as soon as it has produced too much,
 * rather than after the heap is gone.
 */
function countOutput(env: object): void {
  const hb = env as HandlebarsEnv
  type Compiler = { appendToBuffer(source: unknown, location: unknown, explicit: unknown): unknown }
  const Base = hb.JavaScriptCompiler as unknown as {
    prototype: Compiler
    apply(self: unknown, args: unknown): void
  }
  function Counting(this: unknown, ...args: unknown[]) {
    Base.apply(this, args)
  }
  Counting.prototype = Object.create(Base.prototype) as Compiler & { compiler: unknown }
  ;(Counting.prototype as { compiler: unknown }).compiler = Counting
  Counting.prototype.appendToBuffer = function (source: unknown, location: unknown, explicit: unknown) {
    const pieces = Array.isArray(source) ? source : [source]
    const counted = [`data[${JSON.stringify(COUNT_KEY)}](`, ...pieces, ')']
    return Base.prototype.appendToBuffer.call(this, counted, location, explicit)
  }
  hb.JavaScriptCompiler = Counting
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
