// Keeps downloaded plugins between workflow runs with @actions/cache 6.3.0.
// Caching is an optimisation: nothing here throws, and every failure becomes a warning (or the
// toolkit's own log line) and a result the summary can show.
//
// One Actions cache entry per URL plugin, keyed by content:
//   `icp-sync-plugin-<sha256>` → <stagingDir>/plugins/wasms/<sha256>/module.wasm
// Entries are immutable, so a key never needs refreshing and a hit is never stale.
//
// Only plugin bytes cross runs, never generated JavaScript: anyone who can write the cache scope could
// plant code that would run next to the signing key, and plugin bytes are the one thing a cache writer
// cannot forge (they are checked against the sha256 in icp.yaml). Each run transpiles again (measured
// in DESIGN.md, "Caches and what is trusted"). The staging directory sits at a fixed path (see below)
// and is removed and made again before the first restore, so a directory planted there is never read;
// a restored plugin is moved into the run's own directory (src/cache-layout.ts) once it matches its
// sha256, and saved from a copy of the verified bytes.
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
// - The toolkit extracts an archive with `tar -P` (absolute names and `..` kept), so an entry planted by
//   someone who can write the cache scope can write files outside the staging directory. Checking what
//   we read cannot help there; SECURITY.md says so, and `cache: false` is the way out.
//
// Restored plugin bytes are hashed before they count as a hit (a bad entry is deleted), and
// resolvePluginSource hashes every cache hit again before use.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { copyFile, mkdir, rename, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'

import * as core from '@actions/core'

import { CACHEABLE_SHA256, PLUGIN_FILE, pluginEntryDir, readVerifiedPlugin } from '../cache-layout.js'

export interface CacheLog {
  info(message: string): void
  warning(message: string): void
}

export type CacheOutcome =
  /** restored from the Actions cache and verified */
  | 'hit'
  /** not in the Actions cache, or the restore failed (the toolkit logged why) */
  | 'miss'
  /** restored, but the bytes did not match the sha256; deleted */
  | 'rejected'
  | 'saved'
  /** the service did not keep it (exists already, refused, failed; the toolkit logged why) */
  | 'not-saved'
  /** caching off or unavailable, nothing to save, or restored in this run already */
  | 'skipped'

export interface CacheEntryResult {
  kind: 'plugin'
  key: string
  outcome: CacheOutcome
  ms: number
  detail?: string
}

export interface ActionsCacheOptions {
  /**
   * Where entries are restored to and saved from: the same absolute path in every run (entry versions
   * hash it), e.g. `$RUNNER_TEMP/icp-sync-cache`. Removed and made again before use.
   */
  stagingDir: string
  /** The run's plugin cache root (given to resolvePluginSource as `cacheDir`): verified entries go there. */
  pluginCacheDir: string
  /** The `cache` input. Default true. */
  enabled?: boolean
  /** Default: core.info / core.warning. */
  log?: CacheLog
}

export function pluginCacheKey(sha256: string): string {
  return `icp-sync-plugin-${sha256}`
}

/** A healthy miss answers in well under a second; one this slow was the client retrying 5xx answers. */
const SLOW_MISS_MS = 15_000

export class ActionsCache {
  /** False when caching is off or cannot work here; `reason` says why. */
  readonly available: boolean
  readonly reason?: string
  private readonly log: CacheLog
  private readonly restored = new Set<string>()
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
      this.log.warning(`${this.reason}; downloaded plugins will not be kept between runs`)
  }

  static async open(options: ActionsCacheOptions): Promise<ActionsCache> {
    const loaded = await loadToolkit(options.enabled ?? true)
    const reason = loaded.reason ?? (await freshStaging(options.stagingDir))
    return new ActionsCache(options, loaded.toolkit, reason)
  }

  restorePlugins(sha256s: string[]): Promise<CacheEntryResult[]> {
    return Promise.all(unique(sha256s).map((sha256) => this.restorePlugin(sha256)))
  }

  /** Saves plugin entries of the run that match their sha256 and were not restored in this run. */
  savePlugins(sha256s: string[]): Promise<CacheEntryResult[]> {
    return Promise.all(
      unique(sha256s).map(async (sha256) => {
        const key = pluginCacheKey(sha256)
        if (!CACHEABLE_SHA256.test(sha256)) return skipped(key, 'not a lowercase hex sha256')
        if (!this.available) return skipped(key, this.reason)
        if (this.unhealthy) return skipped(key, this.unhealthy)
        if (this.restored.has(key)) return skipped(key, 'restored in this run')
        const source = pluginEntryDir(this.options.pluginCacheDir, sha256)
        if (!((await readVerifiedPlugin(source, sha256)) instanceof Uint8Array))
          return skipped(key, 'not on disk, or not matching its sha256')
        const staged = this.stagedEntryDir(sha256)
        await rm(staged, { recursive: true, force: true })
        await mkdir(staged, { recursive: true })
        await copyFile(join(source, PLUGIN_FILE), join(staged, PLUGIN_FILE))
        return this.saveEntry(key, staged)
      }),
    )
  }

  private stagedEntryDir(sha256: string): string {
    return pluginEntryDir(join(this.options.stagingDir, 'plugins'), sha256)
  }

  private async restorePlugin(sha256: string): Promise<CacheEntryResult> {
    const key = pluginCacheKey(sha256)
    if (!CACHEABLE_SHA256.test(sha256)) return skipped(key, 'not a lowercase hex sha256')
    const staged = this.stagedEntryDir(sha256)
    const result = await this.restoreEntry(key, staged)
    if (result.outcome !== 'hit') return result
    if (!((await readVerifiedPlugin(staged, sha256)) instanceof Uint8Array)) {
      await rm(staged, { recursive: true, force: true })
      this.log.warning(`restored plugin cache entry ${key} does not match its sha256; discarded it`)
      return { ...result, outcome: 'rejected', detail: 'sha256 mismatch' }
    }
    // Into the run's own directory; resolvePluginSource hashes it again when it reads it.
    const target = pluginEntryDir(this.options.pluginCacheDir, sha256)
    await mkdir(dirname(target), { recursive: true })
    await rename(staged, target).catch(() => {}) // a download of the same plugin got there first
    return result
  }

  /** Stop calling a service that is failing slowly (the client's retries), once per run. */
  private markUnhealthy(why: string): void {
    if (this.unhealthy) return
    this.unhealthy = `the Actions cache service looks unhealthy (${why})`
    this.log.warning(`${this.unhealthy}; not using it for the rest of this run`)
  }

  private async restoreEntry(key: string, dir: string): Promise<CacheEntryResult> {
    if (!this.available) return skipped(key, this.reason)
    if (this.unhealthy) return skipped(key, this.unhealthy)
    const started = performance.now()
    try {
      const matched = await this.cache!.restoreCache([dir], key)
      const ms = Math.round(performance.now() - started)
      if (matched !== key || !existsSync(dir)) {
        if (ms > SLOW_MISS_MS)
          this.markUnhealthy(`a cache lookup took ${Math.round(ms / 1000)} s and found nothing`)
        return { kind: 'plugin', key, outcome: 'miss', ms }
      }
      this.restored.add(key)
      return { kind: 'plugin', key, outcome: 'hit', ms }
    } catch (error) {
      this.log.warning(`could not restore ${key} from the Actions cache: ${messageOf(error)}`)
      return {
        kind: 'plugin',
        key,
        outcome: 'miss',
        ms: Math.round(performance.now() - started),
        detail: messageOf(error),
      }
    }
  }

  private async saveEntry(key: string, dir: string): Promise<CacheEntryResult> {
    const started = performance.now()
    try {
      const id = await this.cache!.saveCache([dir], key)
      const ms = Math.round(performance.now() - started)
      return { kind: 'plugin', key, outcome: id === -1 ? 'not-saved' : 'saved', ms }
    } catch (error) {
      this.log.warning(`could not save ${key} to the Actions cache: ${messageOf(error)}`)
      return {
        kind: 'plugin',
        key,
        outcome: 'not-saved',
        ms: Math.round(performance.now() - started),
        detail: messageOf(error),
      }
    }
  }
}

/**
 * Removes whatever is at the staging path (another step may have planted files or links there; rm does
 * not follow a link) and makes the directory again, so restores land in a directory we made. Returns
 * why caching cannot be used, if it cannot.
 */
async function freshStaging(dir: string): Promise<string | undefined> {
  try {
    await rm(dir, { recursive: true, force: true })
    await mkdir(dirname(dir), { recursive: true })
    await mkdir(dir, { mode: 0o700 }) // fails if something made it again in between
    return undefined
  } catch (error) {
    return `the Actions cache cannot be used: ${dir} could not be made afresh (${messageOf(error)})`
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

function skipped(key: string, detail?: string): CacheEntryResult {
  return { kind: 'plugin', key, outcome: 'skipped', ms: 0, detail }
}

function unique(values: string[]): string[] {
  return [...new Set(values)]
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
