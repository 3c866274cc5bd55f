// Recipes (crates/icp/src/canister/recipe/{fetch,render}.rs): fetch the Handlebars template, verify its
// sha256, render it in strict mode without HTML escaping, with a `replace` helper and the `_` context.
// Templates are cached on disk: by sha256 for the bytes, plus a URL → sha256 index.

import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'
import Handlebars from 'handlebars'
import type { RecipeDecl } from './manifest.js'

/** What the Action may wrap with retries; resolves with the status and body, rejects on a network error. */
export type FetchBytes = (url: string) => Promise<{ status: number; body: Uint8Array }>

export interface RecipeOptions {
  fetch?: FetchBytes
  /** Template cache root; default `$XDG_CACHE_HOME/icp-sync-action/recipes` (or ~/.cache/…). */
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
  mkdirSync(join(path, '..'), { recursive: true })
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`
  writeFileSync(tmp, bytes)
  renameSync(tmp, path)
}

/** Render like icp: strict, no escaping, `replace "from" "to" value`, `_ = {canister: {name}}`. */
export function renderTemplate(
  template: string,
  configuration: Record<string, unknown>,
  canisterName: string,
): string {
  const hb = Handlebars.create()
  hb.registerHelper('replace', (from: unknown, to: unknown, value: unknown) =>
    String(value ?? '')
      .split(String(from ?? ''))
      .join(String(to ?? '')),
  )
  const context = { ...configuration, _: { canister: { name: canisterName } } }
  try {
    return hb.compile(template, { strict: true, noEscape: true })(context)
  } catch (err) {
    throw new RecipeError('failed to render', [(err as Error).message.split('\n')[0]!])
  }
}
