// Where a run keeps what it downloads and generates, and what it may trust from where. The one place
// that knows the cache layout:
//
//   <root>/plugins/wasms/<sha256>/module.wasm   URL plugins, content-addressed (icp-cli's layout)
//   <root>/transpiled/<transpile key>/           jco output: plugin.mjs, core wasm, manifest.json
//   <root>/recipes/                              recipe templates (src/project/recipe.ts)
//   <root>/v8/                                   Node's compile cache for the JS the plugin worker loads
//
// Trust. Generated JavaScript and V8 code caches run as Node code next to the signing key, and nothing
// in them can be checked cheaply, so they are only ever read from a directory this process made:
// - The Action makes a fresh root per run (`makeRunDir`, mkdtemp, 0700) and never reads an existing
//   directory under RUNNER_TEMP, which earlier steps of the job can write. Only plugin bytes cross runs
//   (the Actions cache, src/action/cache.ts): streamed into a fresh file in this root, capped and hashed
//   on the way (`storeVerifiedPlugin`), and kept only if they match their sha256 (`stagePlugin`, the one
//   way bytes become an entry, downloads included).
// - The CLI's root is the user's own cache directory, trusted as the user's files are.
// Plugin bytes are re-hashed on every cache hit wherever they come from (`readVerifiedPlugin`).
import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, open, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'

import { MAX_PLUGIN_BYTES } from './download.js'
import { readWholeFile } from '../util/read-whole.js'

export interface CacheLayout {
  root: string
  /** Root of the plugin cache (`wasms/<sha256>/module.wasm` under it). */
  plugins: string
  transpiled: string
  recipes: string
  codeCache: string
}

export function cacheLayout(root: string): CacheLayout {
  return {
    root,
    plugins: join(root, 'plugins'),
    transpiled: join(root, 'transpiled'),
    recipes: join(root, 'recipes'),
    codeCache: join(root, 'v8'),
  }
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** A sha256 we are willing to use as a directory name: exactly what `sha256Hex` produces. */
export const CACHEABLE_SHA256 = /^[0-9a-f]{64}$/

export const PLUGIN_FILE = 'module.wasm'

/** `<pluginsRoot>/wasms/<sha256>`; throws for anything but a lowercase hex sha256. */
export function pluginEntryDir(pluginsRoot: string, sha256: string): string {
  if (!CACHEABLE_SHA256.test(sha256)) throw new Error(`not a lowercase hex sha256: '${sha256}'`)
  return join(pluginsRoot, 'wasms', sha256)
}

/** The plugin bytes in a cache entry if they match `sha256`; 'mismatch' if not; undefined if absent. */
export async function readVerifiedPlugin(
  entryDir: string,
  sha256: string,
): Promise<Uint8Array | 'mismatch' | undefined> {
  let bytes: Uint8Array
  try {
    bytes = await readWholeFile(join(entryDir, PLUGIN_FILE), MAX_PLUGIN_BYTES)
  } catch {
    return undefined
  }
  return sha256Hex(bytes) === sha256 ? bytes : 'mismatch'
}

/** Why staging a plugin failed after its bytes were verified (rename into place, reading it back). */
export class StageError extends Error {
  override name = 'StageError'
}

export type Staged =
  /** renamed into place; `bytes` when asked for */
  | { outcome: 'stored'; bytes?: Uint8Array }
  /** an entry for the same sha256 got there first and is kept; `bytes` (ours, verified) when asked for */
  | { outcome: 'present'; bytes?: Uint8Array }
  | { outcome: 'mismatch'; actual: string }
  | { outcome: 'too-large' }

/**
 * The one way plugin bytes become a cache entry. `sha256` is what they must match (any string: only a
 * lowercase hex digest can). `fill` writes them to `dest`, a fresh path in a private
 * directory beside the entries (mkdtemp), and returns their sha256 as it hashed them on the way (or
 * 'too-large'); the directory is renamed into `wasms/<sha256>` only if that matches `sha256`, so a wrong
 * or broken file never becomes an entry, and the bytes are hashed as written. With `keepBytes` the verified file
 * is read back (from the private directory, before the rename), hashed again and returned. A rename onto an existing
 * entry is 'present' (the same content, stored by another download first); any other rename error is
 * thrown (StageError), never reported as stored. The private directory is always removed.
 */
export async function stagePlugin(
  pluginsRoot: string,
  sha256: string,
  purpose: 'download' | 'restore',
  fill: (dest: string) => Promise<{ sha256: string } | 'too-large'>,
  { keepBytes = false } = {},
): Promise<Staged> {
  const wasms = join(pluginsRoot, 'wasms')
  await mkdir(wasms, { recursive: true })
  const staging = await mkdtemp(join(wasms, `.${purpose}-`))
  try {
    const dest = join(staging, PLUGIN_FILE)
    const filled = await fill(dest)
    if (filled === 'too-large') return { outcome: 'too-large' }
    if (filled.sha256 !== sha256) return { outcome: 'mismatch', actual: filled.sha256 }
    // Only now: `sha256` may be anything a manifest says (an uppercase digest never matches).
    const target = pluginEntryDir(pluginsRoot, sha256)
    let bytes: Uint8Array | undefined
    if (keepBytes) {
      bytes = await readWholeFile(dest, MAX_PLUGIN_BYTES).catch((error: unknown) => {
        throw new StageError(`reading the verified plugin back failed: ${messageOf(error)}`)
      })
      // These are the bytes that run: checked as read, not only as streamed (a few ms for 5 MB).
      if (sha256Hex(bytes) !== sha256)
        throw new StageError('the plugin changed on disk after it was verified')
    }
    try {
      await rename(staging, target)
      return { outcome: 'stored', bytes }
    } catch (error) {
      // Rename onto a non-empty directory fails: another run or step stored the same content first.
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOTEMPTY' || code === 'EEXIST') return { outcome: 'present', bytes }
      throw new StageError(`storing the plugin at ${target} failed: ${messageOf(error)}`)
    }
  } finally {
    await rm(staging, { recursive: true, force: true })
  }
}

/**
 * Stages plugin bytes from an untrusted stream (an Actions cache entry) as the entry for `sha256`: written
 * to a fresh file (exclusive create, 0600), hashed as they arrive, reading stopped past `maxBytes`.
 * Nothing is written anywhere else, whatever the bytes are.
 */
export async function storeVerifiedPlugin(
  pluginsRoot: string,
  sha256: string,
  body: AsyncIterable<Uint8Array> & { destroy?(): void },
  maxBytes: number,
): Promise<Staged['outcome']> {
  const staged = await stagePlugin(pluginsRoot, sha256, 'restore', async (dest) => {
    const file = await open(dest, 'wx', 0o600)
    const hash = createHash('sha256')
    let size = 0
    try {
      for await (const chunk of body) {
        size += chunk.byteLength
        if (size > maxBytes) {
          body.destroy?.()
          return 'too-large'
        }
        hash.update(chunk)
        await file.write(chunk)
      }
    } finally {
      await file.close()
    }
    return { sha256: hash.digest('hex') }
  })
  return staged.outcome
}

function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | undefined)?.message
  return typeof message === 'string' ? message : String(error)
}

/**
 * A new directory for one run's caches under `parent`, made by this process (mode 0700, random name),
 * so nothing another step planted can be in it.
 */
export function makeRunDir(parent: string): Promise<string> {
  return mkdtemp(join(parent, 'icp-sync-run-'))
}

/** Removes a run directory at the end (best effort: the runner empties RUNNER_TEMP after the job anyway). */
export async function removeRunDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true }).catch(() => {})
}
