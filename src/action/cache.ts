// Keeps downloaded plugins between workflow runs in the GitHub Actions cache. Caching is an optimisation:
// nothing here throws, and every failure becomes a warning and a result the summary can show.
//
// One Actions cache entry per URL plugin, keyed by content:
//   key `icp-sync-plugin-<sha256>`, version sha256("icp-sync-action plugin bytes v1|<sha256>")
//   content: the plugin's raw .wasm bytes (no archive)
// Entries are immutable, so a key never needs refreshing and a hit is never stale. The version is ours
// alone: no entry written by @actions/cache (whose versions hash paths and a compression method) can
// match it, and nothing we write is a tar archive the toolkit would unpack.
//
// Anyone who can write the cache scope of the default branch can plant an entry (pull_request_target
// jobs, a compromised step of any workflow on main), so an entry's content is data we check, never
// something that acts on the file system: it is streamed, with a size cap, into a fresh file inside the
// run's own directory (src/store/layout.ts), hashed on the way, and kept only if it matches its sha256.
// Nothing is extracted and nothing is written anywhere else. (We used to restore through @actions/cache
// 6.3.0, which unpacks entries with `tar -P`: an archive with absolute or `../` members could write any
// file the job's user can, before any check of ours ran.) Only plugin bytes cross runs, never generated
// JavaScript (src/action/README.md, "Caches and what is trusted"); resolvePluginSource hashes every hit again.
//
// The protocol client is src/action/cache-service.ts (v2 only). Where the runner offers only v1 (GHES),
// caching is off with one notice. ACTIONS_CACHE_MODE is honoured as the toolkit does (a mode that does
// not permit reads skips restores; one that does not permit writes skips saves).
// Calls here run concurrently. A call that exhausts its retries on 5xx answers (~3 s) marks the service
// unhealthy, and no further call is made in this run: the cost of a failing service is paid once, not
// per entry and again when saving. A refused connection fails at once and is not retried.
// Each restore has a total deadline (5 minutes: lookup, download and verification together) on top of the
// client's 30 s of silence per socket, so a blob that trickles a byte now and then cannot hold the run:
// past it, the entry is a miss with a warning and the plugin is downloaded from its URL.
import * as core from '@actions/core'
import { Readable } from 'node:stream'

import {
  CACHEABLE_SHA256,
  pluginEntryDir,
  readVerifiedPlugin,
  sha256Hex,
  storeVerifiedPlugin,
} from '../store/index.js'
import {
  CacheServiceClient,
  CacheServiceError,
  EntryTooLarge,
  cacheServiceFromEnv,
  messageOf,
} from './cache-service.js'

export interface CacheLog {
  info(message: string): void
  warning(message: string): void
}

export type CacheOutcome =
  /** restored from the Actions cache and verified */
  | 'hit'
  /** not in the Actions cache, or the restore failed (a warning says why) */
  | 'miss'
  /** an entry was there, but its bytes did not match the sha256 (or passed the size cap); not kept */
  | 'rejected'
  | 'saved'
  /** the service did not keep it (exists already, refused, failed) */
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
  /** The run's plugin cache root (given to resolvePluginSource as `cacheDir`): verified entries go there. */
  pluginCacheDir: string
  /** The `cache` input. Default true. */
  enabled?: boolean
  /** Default: core.info / core.warning. */
  log?: CacheLog
  /** Default: process.env (the runner's ACTIONS_* variables). */
  env?: NodeJS.ProcessEnv
  /** Default: MAX_CACHED_PLUGIN_BYTES. */
  maxBytes?: number
  /** Total time for one restore. Default: RESTORE_DEADLINE_MS. */
  restoreDeadlineMs?: number
}

/** How long one restore may take in all: 5 minutes. */
export const RESTORE_DEADLINE_MS = 5 * 60 * 1000

/** The largest plugin kept in or taken from the Actions cache: 256 MiB. */
export const MAX_CACHED_PLUGIN_BYTES = 256 * 1024 * 1024

export function pluginCacheKey(sha256: string): string {
  return `icp-sync-plugin-${sha256}`
}

/** The entry version: ours alone (see the header), and tied to the content it must hold. */
export function pluginCacheVersion(sha256: string): string {
  return sha256Hex(new TextEncoder().encode(`icp-sync-action plugin bytes v1|${sha256}`))
}

const KNOWN_CACHE_MODES = ['none', 'read', 'write', 'write-only']

export class ActionsCache {
  /** False when caching is off or cannot work here; `reason` says why. */
  readonly available: boolean
  readonly reason?: string
  private readonly log: CacheLog
  private readonly client?: CacheServiceClient
  private readonly maxBytes: number
  private readonly mode: string
  private readonly restored = new Set<string>()
  private unhealthy?: string

  private constructor(
    private readonly options: ActionsCacheOptions,
    setup: { client?: CacheServiceClient; reason?: string },
  ) {
    this.log = options.log ?? { info: core.info, warning: core.warning }
    this.maxBytes = options.maxBytes ?? MAX_CACHED_PLUGIN_BYTES
    this.mode = ((options.env ?? process.env).ACTIONS_CACHE_MODE ?? '').trim().toLowerCase()
    this.client = setup.client
    this.reason = setup.reason
    this.available = this.client !== undefined
  }

  static async open(options: ActionsCacheOptions): Promise<ActionsCache> {
    if (options.enabled === false) return new ActionsCache(options, { reason: 'caching is turned off' })
    const config = cacheServiceFromEnv(options.env ?? process.env)
    if ('reason' in config) {
      const log = options.log ?? { info: core.info, warning: core.warning }
      const say = config.quiet ? log.info : log.warning
      say(`${config.reason}; downloaded plugins will not be kept between runs`)
      return new ActionsCache(options, { reason: config.reason })
    }
    return new ActionsCache(options, { client: await CacheServiceClient.create(config) })
  }

  restorePlugins(sha256s: string[]): Promise<CacheEntryResult[]> {
    return Promise.all(unique(sha256s).map((sha256) => this.restorePlugin(sha256)))
  }

  /** Saves plugin entries of the run that match their sha256 and were not restored in this run. */
  savePlugins(sha256s: string[]): Promise<CacheEntryResult[]> {
    return Promise.all(unique(sha256s).map((sha256) => this.savePlugin(sha256)))
  }

  /** Why a call must not be made now, if it must not. */
  private notNow(sha256: string, access: 'read' | 'write'): string | undefined {
    if (!CACHEABLE_SHA256.test(sha256)) return 'not a lowercase hex sha256'
    if (!this.client) return this.reason
    if (this.unhealthy) return this.unhealthy
    // Unset or unknown modes permit everything, as in the toolkit.
    const permits = access === 'read' ? ['read', 'write'] : ['write', 'write-only']
    if (KNOWN_CACHE_MODES.includes(this.mode) && !permits.includes(this.mode))
      return `the effective cache-mode '${this.mode}' does not permit ${access}s`
    return undefined
  }

  private async restorePlugin(sha256: string): Promise<CacheEntryResult> {
    const key = pluginCacheKey(sha256)
    const why = this.notNow(sha256, 'read')
    if (why) return skipped(key, why)
    const started = performance.now()
    const result = (outcome: CacheOutcome, detail?: string): CacheEntryResult => ({
      kind: 'plugin',
      key,
      outcome,
      ms: Math.round(performance.now() - started),
      ...(detail === undefined ? {} : { detail }),
    })
    const deadline = new Deadline(this.options.restoreDeadlineMs ?? RESTORE_DEADLINE_MS)
    try {
      const url = await deadline.race(this.client!.lookup(key, pluginCacheVersion(sha256)))
      if (!url) return result('miss')
      const body = deadline.watch(await deadline.race(this.client!.download(url, this.maxBytes)))
      const stored = await storeVerifiedPlugin(this.options.pluginCacheDir, sha256, body, this.maxBytes)
      if (stored === 'mismatch') {
        this.log.warning(`restored plugin cache entry ${key} does not match its sha256; discarded it`)
        return result('rejected', 'sha256 mismatch')
      }
      if (stored === 'too-large') throw new EntryTooLarge(this.maxBytes)
      this.restored.add(key)
      return result('hit')
    } catch (error) {
      if (error instanceof EntryTooLarge) {
        this.log.warning(`plugin cache entry ${key} is ${error.message}; discarded it`)
        return result('rejected', error.message)
      }
      this.failed(error)
      this.log.warning(`could not restore ${key} from the Actions cache: ${messageOf(error)}`)
      return result('miss', messageOf(error))
    } finally {
      deadline.clear()
    }
  }

  private async savePlugin(sha256: string): Promise<CacheEntryResult> {
    const key = pluginCacheKey(sha256)
    const why = this.notNow(sha256, 'write')
    if (why) return skipped(key, why)
    if (this.restored.has(key)) return skipped(key, 'restored in this run')
    const bytes = await readVerifiedPlugin(pluginEntryDir(this.options.pluginCacheDir, sha256), sha256)
    if (!(bytes instanceof Uint8Array)) return skipped(key, 'not on disk, or not matching its sha256')
    if (bytes.byteLength > this.maxBytes) return skipped(key, `more than ${this.maxBytes} bytes`)
    const started = performance.now()
    const ms = () => Math.round(performance.now() - started)
    try {
      const { saved, why: refused } = await this.client!.save(key, pluginCacheVersion(sha256), bytes)
      if (saved) return { kind: 'plugin', key, outcome: 'saved', ms: ms() }
      // Another run saving the same plugin first is the ordinary race, not worth a warning.
      const say = /^already exists/.test(refused ?? '') ? this.log.info : this.log.warning
      say(`did not save ${key} to the Actions cache: ${refused}`)
      return { kind: 'plugin', key, outcome: 'not-saved', ms: ms(), detail: refused }
    } catch (error) {
      this.failed(error)
      this.log.warning(`could not save ${key} to the Actions cache: ${messageOf(error)}`)
      return { kind: 'plugin', key, outcome: 'not-saved', ms: ms(), detail: messageOf(error) }
    }
  }

  /** Stop calling a service that ran out of retries, once per run. */
  private failed(error: unknown): void {
    if (this.unhealthy || !(error instanceof CacheServiceError && error.unhealthy)) return
    this.unhealthy = `the Actions cache service looks unhealthy (${error.message})`
    this.log.warning(`${this.unhealthy}; not using it for the rest of this run`)
  }
}

/** One restore's total deadline: races the client's promises and destroys the body stream when it passes. */
class Deadline {
  private readonly expired: Promise<never>
  private timer?: NodeJS.Timeout
  private readonly onExpiry = new Set<(error: Error) => void>()

  constructor(ms: number) {
    this.expired = new Promise<never>((_, reject) => {
      this.timer = setTimeout(() => {
        this.timer = undefined
        const error = new CacheServiceError(`the restore took longer than ${Math.round(ms / 1000)} s`)
        for (const act of this.onExpiry) act(error)
        reject(error)
      }, ms)
    })
    this.expired.catch(() => {})
  }

  /** `promise`, or the deadline's error if it passes first; a stream that arrives late is destroyed. */
  race<T>(promise: Promise<T>): Promise<T> {
    promise
      .then((value) => {
        if (this.timer === undefined && value instanceof Readable) value.destroy()
      })
      .catch(() => {})
    return Promise.race([promise, this.expired])
  }

  /** Ends `body` with the deadline's error when it passes. */
  watch<T extends Readable>(body: T): T {
    this.onExpiry.add((error) => body.destroy(error))
    return body
  }

  clear(): void {
    clearTimeout(this.timer)
    this.onExpiry.clear()
  }
}

function skipped(key: string, detail?: string): CacheEntryResult {
  return { kind: 'plugin', key, outcome: 'skipped', ms: 0, detail }
}

function unique(values: string[]): string[] {
  return [...new Set(values)]
}
