// Where a plugin's bytes come from: a `path` next to the canister, or a `url` pinned by sha256 and kept
// in a content-addressed cache, `<cacheDir>/wasms/<sha256>/module.wasm` (icp-cli's layout, so the two
// can share a directory). Error texts and progress lines are icp-cli 1.5.0's (icp-cli-compat.md §4.6, §9).
//
// Two deliberate differences from icp-cli:
// - A cache hit is re-hashed before use. It costs milliseconds, and a cache restored from elsewhere (the
//   Actions cache, a shared runner disk) can be tampered with; a bad entry is discarded and downloaded again.
// - A URL that is not http(s) is refused before the cache is consulted, so a manifest never works only
//   because an old cache happens to hold its sha256.
import { rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'

import {
  DownloadError,
  type DownloadFn,
  MAX_PLUGIN_BYTES,
  createFetchDownload,
  errorText,
  statusLine,
} from './download.js'
import {
  CACHEABLE_SHA256,
  PLUGIN_FILE,
  StageError,
  type Staged,
  pluginEntryDir,
  readVerifiedPlugin,
  sha256Hex,
  stagePlugin,
} from './layout.js'
import { checkPath, readCheckedFile } from '../plugin/index.js'
import { readWholeFile } from '../util/read-whole.js'

export type { DownloadFn } from './download.js'

export type PluginSource = { path: string } | { url: string }

export interface ResolvePluginSourceRequest {
  source: PluginSource
  /** As written in the manifest; compared with `==` against the lowercase hex digest, like icp-cli. */
  sha256?: string
  /** Base for `path` sources. */
  canisterDir: string
  /**
   * Untrusted mode: the project directory a `path` plugin must be inside. The path is checked by the
   * rules of declared files (src/plugin/paths.ts) and read without following a link, as the very file
   * checked; otherwise it is read as icp reads it (links followed).
   */
  confineTo?: string
  /** Root of the content-addressed plugin cache (`wasms/<sha256>/module.wasm` under it). */
  cacheDir: string
  /** Defaults to a fetch-based download with retries (src/store/download.ts). */
  download?: DownloadFn
  /** icp-cli's progress lines: `Reading wasm: …`, `Fetching wasm: …`, `Verifying checksum`, `Using cached file`. */
  onProgress?: (line: string) => void
  /** Things worth a warning that do not stop the step (a damaged cache entry). Defaults to onProgress. */
  onWarning?: (message: string) => void
}

export interface ResolvedPluginSource {
  bytes: Uint8Array
  /** Lowercase hex sha256 of `bytes`. */
  sha256: string
  /** Absolute path of the file the bytes came from: the plugin file, or the cache entry for a URL. */
  location: string
  /** True when a URL plugin came from the cache without a request. */
  cacheHit: boolean
}

/** icp-style error: a one-line message plus its "caused by" chain. */
export class PluginSourceError extends Error {
  override name = 'PluginSourceError'
  constructor(
    message: string,
    readonly causes: string[] = [],
  ) {
    super(message)
  }
}

export { sha256Hex }

export async function resolvePluginSource(req: ResolvePluginSourceRequest): Promise<ResolvedPluginSource> {
  const progress = req.onProgress ?? (() => {})
  if ('path' in req.source) return readPathSource(req.source.path, req, progress)
  return resolveUrlSource(req.source.url, req, progress)
}

async function readPathSource(
  manifestPath: string,
  req: ResolvePluginSourceRequest,
  progress: (line: string) => void,
): Promise<ResolvedPluginSource> {
  const location = resolve(req.canisterDir, manifestPath)
  progress(`Reading wasm: ${location}`)
  let bytes: Uint8Array
  try {
    bytes =
      req.confineTo === undefined
        ? await readWholeFile(location, MAX_PLUGIN_BYTES)
        : readConfined(manifestPath, req.canisterDir, req.confineTo)
  } catch (error) {
    throw new PluginSourceError(`failed to read wasm file at '${manifestPath}'`, [osErrorText(error)])
  }
  const sha256 = sha256Hex(bytes)
  if (req.sha256 !== undefined) {
    progress('Verifying checksum')
    checkSha256(req.sha256, sha256)
  }
  return { bytes, sha256, location, cacheHit: false }
}

/** Untrusted mode's read: checked again now (no link anywhere, inside the project), then no-follow. */
function readConfined(manifestPath: string, canisterDir: string, projectDir: string): Buffer {
  const checked = checkPath(manifestPath, canisterDir, projectDir)
  return readCheckedFile(checked, MAX_PLUGIN_BYTES)
}

async function resolveUrlSource(
  url: string,
  req: ResolvePluginSourceRequest,
  progress: (line: string) => void,
): Promise<ResolvedPluginSource> {
  const expected = req.sha256
  if (expected === undefined)
    throw new PluginSourceError('plugin with `url` requires `sha256` for integrity verification')
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch (error) {
    throw new PluginSourceError('failed to parse wasm url', [errorText(error)])
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new PluginSourceError('failed to fetch wasm file', [
      `builder error for url (${parsed.href})`,
      'URL scheme is not allowed',
    ])

  // Only a well-formed digest can name a cache directory; anything else (an uppercase sha256, a typo)
  // is downloaded and then fails the comparison with icp's text.
  const entryDir = CACHEABLE_SHA256.test(expected) ? pluginEntryDir(req.cacheDir, expected) : undefined
  if (entryDir) {
    const hit = await readCacheEntry(entryDir, expected, progress, req.onWarning ?? progress)
    if (hit) return hit
  }

  progress(`Fetching wasm: ${url}`)
  const download = req.download ?? createFetchDownload()
  let staged: Staged
  const fill = async (dest: string): Promise<{ sha256: string }> => {
    let streamed: { sha256: string } | void
    try {
      streamed = await download(parsed.href, dest, progress)
    } catch (error) {
      throw downloadFailure(error, parsed.href)
    }
    progress('Verifying checksum')
    // Hashed while it streamed; a download function that does not hash is hashed here, once.
    if (streamed) return { sha256: streamed.sha256 }
    try {
      return { sha256: sha256Hex(await readWholeFile(dest, MAX_PLUGIN_BYTES)) }
    } catch (error) {
      throw new PluginSourceError('failed to read http response', [errorText(error)])
    }
  }
  try {
    // Into a private directory beside the entries, renamed into place only once verified.
    staged = await stagePlugin(req.cacheDir, expected, 'download', fill, { keepBytes: true })
  } catch (error) {
    if (error instanceof StageError) throw new PluginSourceError('failed to cache wasm file', [error.message])
    throw error
  }
  if (staged.outcome === 'mismatch') checkSha256(expected, staged.actual)
  if (staged.outcome !== 'stored' && staged.outcome !== 'present')
    throw new PluginSourceError('failed to read http response', ['the download is larger than allowed'])
  return {
    bytes: staged.bytes!,
    sha256: expected,
    location: join(pluginEntryDir(req.cacheDir, expected), PLUGIN_FILE),
    cacheHit: false,
  }
}

async function readCacheEntry(
  entryDir: string,
  expected: string,
  progress: (line: string) => void,
  warn: (message: string) => void,
): Promise<ResolvedPluginSource | undefined> {
  const location = join(entryDir, PLUGIN_FILE)
  const bytes = await readVerifiedPlugin(entryDir, expected)
  if (bytes === undefined) return undefined
  progress('Using cached file')
  progress('Verifying checksum')
  if (bytes !== 'mismatch') return { bytes, sha256: expected, location, cacheHit: true }
  warn(`cached plugin ${location} does not match its sha256; discarding it and downloading again`)
  await rm(entryDir, { recursive: true, force: true })
  return undefined
}

function checkSha256(expected: string, actual: string): void {
  if (expected !== actual)
    throw new PluginSourceError(`checksum mismatch, expected: ${expected}, actual: ${actual}`)
}

function downloadFailure(error: unknown, url: string): PluginSourceError {
  if (error instanceof DownloadError) {
    if (error.kind === 'status' && error.status !== undefined)
      return new PluginSourceError(`http request failed: ${statusLine(error.status)}`)
    if (error.kind === 'body') return new PluginSourceError('failed to read http response', [error.message])
    if (error.kind === 'refused')
      return new PluginSourceError('failed to fetch wasm file', [
        `request for url (${url}) refused`,
        error.message,
      ])
  }
  return new PluginSourceError('failed to fetch wasm file', [
    `error sending request for url (${url})`,
    errorText(error),
  ])
}

/** Rust's io::Error wording for the common cases, so messages read like icp-cli's. */
function osErrorText(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  if (code === 'ENOENT') return 'No such file or directory (os error 2)'
  if (code === 'EACCES') return 'Permission denied (os error 13)'
  if (code === 'EISDIR') return 'Is a directory (os error 21)'
  return errorText(error)
}
