// Keeps downloaded plugins and transpiled output between workflow runs with @actions/cache 6.3.0.
// Caching is an optimisation: nothing here throws, and every failure becomes a warning (or the
// toolkit's own log line) and a result the summary can show.
//
// One Actions cache entry per content-addressed directory, keyed by content:
//   plugin     `icp-sync-plugin-<sha256>`            → <pluginCacheDir>/wasms/<sha256>
//   transpile  `icp-sync-transpiled-<transpile key>` → <transpileCacheDir>/<transpileCacheKey(sha256)>
// Entries are immutable, so a key never needs refreshing and a hit is never stale.
//
// Traps in the toolkit this module works around (actions-conventions.md §2.2, read from its source):
// - restoreCache swallows every error except ValidationError and returns undefined, so a failed
//   restore looks like a miss; saveCache returns -1 for "not saved" (already exists, refused, failed).
//   Both log the reason themselves through @actions/core.
// - An entry's version hashes the exact `paths` list: save and restore must pass the same absolute
//   path, so the cache directories must sit at the same place in every run (RUNNER_TEMP or
//   RUNNER_TOOL_CACHE do on hosted runners). Archive members are relative to GITHUB_WORKSPACE.
// - v1 or v2 protocol is chosen per call from the environment (ACTIONS_CACHE_SERVICE_V2, and v1 on
//   GHES); isFeatureAvailable() checks ACTIONS_RESULTS_URL (v2) or ACTIONS_CACHE_URL (v1).
// - `tar` must be on PATH (zstd is used when present, gzip otherwise).
// - The toolkit (with its Azure and HTTP clients, ~1.9 MB of bundled JS) is loaded only when the
//   environment names a cache service: elsewhere it cannot be available, and loading it costs ~100 ms.
// - The v2 client retries 5xx answers 5 times with 3 s × 1.5 backoff, so a failing service costs ~30 s
//   per call (measured). Calls here run concurrently, and a miss that slow marks the service unhealthy
//   for the rest of the run, so that cost is paid once, not per entry and again when saving.
//
// Restored plugin bytes are hashed before they count as a hit (a bad entry is deleted), and
// resolvePluginSource hashes every cache hit again before use.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'

import * as core from '@actions/core'

import { pluginCacheEntryDir, sha256Hex } from '../plugin/source.js'

export interface CacheLog {
  info(message: string): void
  warning(message: string): void
}

export type CacheOutcome =
  /** restored from the Actions cache (plugins: and verified) */
  | 'hit'
  /** not in the Actions cache, or the restore failed (the toolkit logged why) */
  | 'miss'
  /** already on disk before any restore (a self-hosted runner keeps its disk) */
  | 'local'
  /** restored, but the bytes did not match the sha256; deleted */
  | 'rejected'
  | 'saved'
  /** the service did not keep it (exists already, refused, failed; the toolkit logged why) */
  | 'not-saved'
  /** caching off or unavailable, nothing to save, or restored in this run already */
  | 'skipped'

export interface CacheEntryResult {
  kind: 'plugin' | 'transpile'
  key: string
  outcome: CacheOutcome
  ms: number
  detail?: string
}

export interface ActionsCacheOptions {
  /** Root given to resolvePluginSource as `cacheDir`. */
  pluginCacheDir: string
  /** Root given to transpilePlugin. */
  transpileCacheDir: string
  /** The `cache` input. Default true. */
  enabled?: boolean
  /** Default: core.info / core.warning. */
  log?: CacheLog
}

export function pluginCacheKey(sha256: string): string {
  return `icp-sync-plugin-${sha256}`
}

/** `transpileKey` is transpileCacheKey(componentSha256) from src/plugin/transpile.ts. */
export function transpileActionsCacheKey(transpileKey: string): string {
  return `icp-sync-transpiled-${transpileKey}`
}

/** A healthy miss answers in well under a second; one this slow was the client retrying 5xx answers. */
const SLOW_MISS_MS = 15_000
const SHA256 = /^[0-9a-f]{64}$/
const TRANSPILE_KEY = /^[0-9a-f]{64}-[0-9A-Za-z.+-]+$/

export class ActionsCache {
  /** False when caching is off or cannot work here; `reason` says why. */
  readonly available: boolean
  readonly reason?: string
  private readonly log: CacheLog
  private readonly restored = new Set<string>()
  /** Restores under way: canisters syncing in parallel with one plugin ask for the same entry. */
  private readonly restoring = new Map<string, Promise<CacheEntryResult>>()
  private unhealthy?: string

  private constructor(
    private readonly options: ActionsCacheOptions,
    private readonly cache: Toolkit | undefined,
    reason: string | undefined,
  ) {
    this.log = options.log ?? { info: core.info, warning: core.warning }
    this.reason = reason
    this.available = reason === undefined && cache !== undefined
    if (this.reason && options.enabled !== false)
      this.log.warning(`${this.reason}; plugins and transpiled output will not be kept between runs`)
  }

  static async open(options: ActionsCacheOptions): Promise<ActionsCache> {
    const { toolkit, reason } = await loadToolkit(options.enabled ?? true)
    return new ActionsCache(options, toolkit, reason)
  }

  restorePlugins(sha256s: string[]): Promise<CacheEntryResult[]> {
    return Promise.all(unique(sha256s).map((sha256) => this.restorePlugin(sha256)))
  }

  /** `transpileKeys` are transpileCacheKey(componentSha256) values (directory names in the transpile cache). */
  restoreTranspiled(transpileKeys: string[]): Promise<CacheEntryResult[]> {
    return Promise.all(
      unique(transpileKeys).map((id) => {
        const entry = this.entry('transpile', id)
        if ('outcome' in entry) return entry
        // One restore per entry: a second one would unpack into the directory a plugin is reading.
        let restoring = this.restoring.get(entry.key)
        if (!restoring) {
          restoring = this.restoreEntry('transpile', entry.key, entry.dir)
          this.restoring.set(entry.key, restoring)
        }
        return restoring
      }),
    )
  }

  /** Saves plugin entries that are on disk, match their sha256, and were not restored in this run. */
  savePlugins(sha256s: string[]): Promise<CacheEntryResult[]> {
    return Promise.all(
      unique(sha256s).map(async (sha256) => {
        const entry = this.entry('plugin', sha256)
        if ('outcome' in entry) return entry
        if (!(await holdsPlugin(entry.dir, sha256)))
          return skipped('plugin', entry.key, 'not on disk, or not matching its sha256')
        return this.saveEntry('plugin', entry.key, entry.dir)
      }),
    )
  }

  saveTranspiled(transpileKeys: string[]): Promise<CacheEntryResult[]> {
    return Promise.all(
      unique(transpileKeys).map(async (id) => {
        const entry = this.entry('transpile', id)
        if ('outcome' in entry) return entry
        // transpile.ts renames a finished entry into place, so its manifest means it is complete.
        if (!existsSync(join(entry.dir, 'manifest.json')))
          return skipped('transpile', entry.key, 'not on disk')
        return this.saveEntry('transpile', entry.key, entry.dir)
      }),
    )
  }

  /** The Actions cache key and local directory for a sha256 or transpile key, or why there is none. */
  private entry(kind: 'plugin' | 'transpile', id: string): { key: string; dir: string } | CacheEntryResult {
    if (kind === 'plugin') {
      const key = pluginCacheKey(id)
      if (!SHA256.test(id)) return skipped(kind, key, 'not a lowercase hex sha256')
      return { key, dir: pluginCacheEntryDir(this.options.pluginCacheDir, id) }
    }
    const key = transpileActionsCacheKey(id)
    if (!TRANSPILE_KEY.test(id)) return skipped(kind, key, 'not a transpile cache key')
    return { key, dir: join(this.options.transpileCacheDir, id) }
  }

  private async restorePlugin(sha256: string): Promise<CacheEntryResult> {
    const entry = this.entry('plugin', sha256)
    if ('outcome' in entry) return entry
    const result = await this.restoreEntry('plugin', entry.key, entry.dir)
    if (result.outcome !== 'hit' || (await holdsPlugin(entry.dir, sha256))) return result
    await rm(entry.dir, { recursive: true, force: true })
    this.log.warning(`restored plugin cache entry ${entry.key} does not match its sha256; discarded it`)
    return { ...result, outcome: 'rejected', detail: 'sha256 mismatch' }
  }

  /** Stop calling a service that is failing slowly (the client's retries), once per run. */
  private markUnhealthy(why: string): void {
    if (this.unhealthy) return
    this.unhealthy = `the Actions cache service looks unhealthy (${why})`
    this.log.warning(`${this.unhealthy}; not using it for the rest of this run`)
  }

  private async restoreEntry(
    kind: 'plugin' | 'transpile',
    key: string,
    dir: string,
  ): Promise<CacheEntryResult> {
    if (!this.available) return skipped(kind, key, this.reason)
    if (this.unhealthy) return skipped(kind, key, this.unhealthy)
    if (existsSync(dir)) return { kind, key, outcome: 'local', ms: 0 }
    const started = performance.now()
    try {
      const matched = await this.cache!.restoreCache([dir], key)
      const ms = Math.round(performance.now() - started)
      if (matched !== key || !existsSync(dir)) {
        if (ms > SLOW_MISS_MS)
          this.markUnhealthy(`a cache lookup took ${Math.round(ms / 1000)} s and found nothing`)
        return { kind, key, outcome: 'miss', ms }
      }
      this.restored.add(key)
      return { kind, key, outcome: 'hit', ms }
    } catch (error) {
      this.log.warning(`could not restore ${key} from the Actions cache: ${messageOf(error)}`)
      return {
        kind,
        key,
        outcome: 'miss',
        ms: Math.round(performance.now() - started),
        detail: messageOf(error),
      }
    }
  }

  private async saveEntry(kind: 'plugin' | 'transpile', key: string, dir: string): Promise<CacheEntryResult> {
    if (!this.available) return skipped(kind, key, this.reason)
    if (this.unhealthy) return skipped(kind, key, this.unhealthy)
    if (this.restored.has(key)) return skipped(kind, key, 'restored in this run')
    const started = performance.now()
    try {
      const id = await this.cache!.saveCache([dir], key)
      const ms = Math.round(performance.now() - started)
      return { kind, key, outcome: id === -1 ? 'not-saved' : 'saved', ms }
    } catch (error) {
      this.log.warning(`could not save ${key} to the Actions cache: ${messageOf(error)}`)
      return {
        kind,
        key,
        outcome: 'not-saved',
        ms: Math.round(performance.now() - started),
        detail: messageOf(error),
      }
    }
  }
}

type Toolkit = typeof import('@actions/cache')

const NO_SERVICE =
  'the Actions cache service is not available (ACTIONS_RESULTS_URL or ACTIONS_CACHE_URL is not set)'

async function loadToolkit(enabled: boolean): Promise<{ toolkit?: Toolkit; reason?: string }> {
  if (!enabled) return { reason: 'caching is turned off' }
  // isFeatureAvailable() needs one of these (v2 or v1 protocol); without both, skip loading it.
  if (!process.env.ACTIONS_RESULTS_URL && !process.env.ACTIONS_CACHE_URL) return { reason: NO_SERVICE }
  const toolkit = await import('@actions/cache')
  let available: boolean
  try {
    available = toolkit.isFeatureAvailable()
  } catch (error) {
    // It parses GITHUB_SERVER_URL to tell GHES from github.com, and throws on a malformed one.
    return { reason: `the Actions cache cannot be configured: ${messageOf(error)}` }
  }
  if (!available) return { reason: NO_SERVICE }
  if (spawnSync('tar', ['--version'], { stdio: 'ignore' }).status !== 0)
    return { reason: 'the Actions cache needs `tar` on PATH, and it is not there' }
  return { toolkit }
}

async function holdsPlugin(dir: string, sha256: string): Promise<boolean> {
  try {
    return sha256Hex(await readFile(join(dir, 'module.wasm'))) === sha256
  } catch {
    return false
  }
}

function skipped(kind: 'plugin' | 'transpile', key: string, detail?: string): CacheEntryResult {
  return { kind, key, outcome: 'skipped', ms: 0, detail }
}

function unique(values: string[]): string[] {
  return [...new Set(values)]
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
