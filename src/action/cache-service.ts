// A small client of the GitHub Actions cache service, v2 protocol (the one github.com runners use), for
// entries whose content is one file's raw bytes. No archive, so nothing is ever extracted: the caller
// gets a stream of bytes and decides where they go.
//
// Wire protocol (read from @actions/cache 6.3.0, lib/internal/shared/cacheTwirpClient.js, cache.js,
// cacheHttpClient.js, downloadUtils.js and uploadUtils.js):
//   POST <origin of ACTIONS_RESULTS_URL>/twirp/github.actions.results.api.v1.CacheService/<Method>
//        Authorization: Bearer $ACTIONS_RUNTIME_TOKEN, Content-Type: application/json (Twirp JSON)
//     GetCacheEntryDownloadURL {key, restore_keys, version} → {ok, signed_download_url, matched_key}
//     CreateCacheEntry         {key, version}               → {ok, signed_upload_url, message?}
//     FinalizeCacheEntryUpload {key, version, size_bytes}   → {ok, entry_id, message?}
//     errors: JSON {code, msg} with the matching HTTP status
//   GET  <signed_download_url>   the entry's bytes (a SAS URL: no other credentials)
//   PUT  <signed_upload_url>     Azure "Put Blob": x-ms-blob-type: BlockBlob, x-ms-version as the SDK sends
//
// Retries: the toolkit retries Twirp 500/502/503/504 five times, 3 s apart growing ×1.5 (~30 s per call
// on a failing service). Caching is an optimisation, so we try three times, 1 s then 2 s apart (~3 s), and
// report a call that ran out of attempts as `unhealthy` so the caller stops using the service. Like the
// toolkit, a refused connection and 4xx answers are not retried (429 included). Blob transfers are not
// retried: a failed restore is a miss, a failed save is tried again by a later run.
// Blob transfers follow no redirect: the signed URL comes from the service and names the storage itself
// (Azure answers it directly), and a redirect would send us, and what we upload, wherever it points.
// The HTTP client is @actions/http-client, the toolkit's own: it honours the runner's proxy variables.
import type { HttpClient, HttpClientResponse } from '@actions/http-client'
import { Readable } from 'node:stream'

const SERVICE = 'github.actions.results.api.v1.CacheService'
const USER_AGENT = 'icp-sync-action'
/** What @azure/storage-blob 12.x (the toolkit's uploader) sends; Put Blob takes up to 5000 MiB at it. */
export const AZURE_STORAGE_VERSION = '2026-02-06'
const RETRYABLE = new Set([500, 502, 503, 504])
const ATTEMPTS = 3
const FIRST_RETRY_MS = 1000
/** No bytes for this long on a socket: give up (the toolkit aborts a download after 5 s of silence). */
const SOCKET_TIMEOUT_MS = 30_000

/** Why a call failed, for the caller's warning; `unhealthy` = ran out of retries on a failing service. */
export class CacheServiceError extends Error {
  constructor(
    message: string,
    readonly unhealthy = false,
  ) {
    super(message)
    this.name = 'CacheServiceError'
  }
}

/** An entry larger than the caller's cap (declared, or counted while reading). */
export class EntryTooLarge extends CacheServiceError {
  constructor(maxBytes: number, declared?: number) {
    super(declared === undefined ? `more than ${maxBytes} bytes` : `${declared} bytes, more than ${maxBytes}`)
    this.name = 'EntryTooLarge'
  }
}

export interface CacheServiceConfig {
  /** ACTIONS_RESULTS_URL */
  resultsUrl: string
  /** ACTIONS_RUNTIME_TOKEN */
  token: string
  /** Overridable for tests of the retry path. */
  retryDelayMs?: number
}

/**
 * The v2 service's configuration from a runner step's environment, or why it cannot be used. Mirrors the
 * toolkit: GHES (GITHUB_SERVER_URL other than github.com, *.ghe.com, *.localhost) only has v1.
 */
export function cacheServiceFromEnv(
  env: NodeJS.ProcessEnv,
): CacheServiceConfig | { reason: string; quiet?: true } {
  const resultsUrl = env.ACTIONS_RESULTS_URL
  if (!resultsUrl && !env.ACTIONS_CACHE_URL)
    return {
      reason:
        'the Actions cache service is not available (ACTIONS_RESULTS_URL or ACTIONS_CACHE_URL is not set)',
    }
  let host: string
  try {
    host = new URL(env.GITHUB_SERVER_URL || 'https://github.com').hostname.toLowerCase()
  } catch {
    return { reason: `the Actions cache cannot be configured: GITHUB_SERVER_URL is not a URL` }
  }
  const ghes = host !== 'github.com' && !host.endsWith('.ghe.com') && !host.endsWith('.localhost')
  if (ghes || !env.ACTIONS_CACHE_SERVICE_V2 || !resultsUrl)
    return {
      reason:
        'this runner offers only the v1 Actions cache protocol (GHES), which this Action does not speak',
      quiet: true,
    }
  if (!env.ACTIONS_RUNTIME_TOKEN)
    return { reason: 'the Actions cache service is not available (ACTIONS_RUNTIME_TOKEN is not set)' }
  try {
    new URL(resultsUrl)
  } catch {
    return { reason: 'the Actions cache cannot be configured: ACTIONS_RESULTS_URL is not a URL' }
  }
  return { resultsUrl, token: env.ACTIONS_RUNTIME_TOKEN }
}

export class CacheServiceClient {
  /**
   * The HTTP client (and the undici it brings) is loaded only here, when a cache service is named:
   * runs without one never pay for loading it.
   */
  static async create(config: CacheServiceConfig): Promise<CacheServiceClient> {
    const [{ HttpClient }, { BearerCredentialHandler }] = await Promise.all([
      import('@actions/http-client'),
      import('@actions/http-client/lib/auth'),
    ])
    const options = { allowRetries: false, socketTimeout: SOCKET_TIMEOUT_MS, keepAlive: true }
    return new CacheServiceClient(
      config,
      // No redirects for the service: http-client's credential handler would put the runtime token
      // back on a request redirected to another host (it drops the header, then re-adds it).
      new HttpClient(USER_AGENT, [new BearerCredentialHandler(config.token)], {
        ...options,
        allowRedirects: false,
      }),
      // Signed URLs carry their own credentials; the runtime token must never reach blob storage.
      new HttpClient(USER_AGENT, [], { ...options, allowRedirects: false }),
    )
  }

  private constructor(
    private readonly config: CacheServiceConfig,
    private readonly twirp: HttpClient,
    private readonly blobs: HttpClient,
  ) {}

  /** The entry stored under exactly `key` and `version`, as a signed URL; undefined if there is none. */
  async lookup(key: string, version: string): Promise<string | undefined> {
    const reply = await this.call('GetCacheEntryDownloadURL', { key, restore_keys: [], version })
    if (reply.ok !== true || field(reply, 'matched_key') !== key) return undefined
    return httpUrl(field(reply, 'signed_download_url'), 'signed_download_url')
  }

  /**
   * Starts downloading a signed URL. Refuses (and never reads) a body whose Content-Length exceeds
   * `maxBytes`; the caller must still count, since a body need not declare its length.
   */
  async download(url: string, maxBytes: number): Promise<Readable> {
    const response = await this.blobs.get(url).catch((error: unknown) => {
      throw new CacheServiceError(`downloading the entry failed: ${messageOf(error)}`)
    })
    const status = response.message.statusCode ?? 0
    const declared = Number(response.message.headers['content-length'] ?? Number.NaN)
    if (status !== 200) {
      response.message.destroy()
      throw new CacheServiceError(`downloading the entry failed: ${statusText(status)}`)
    }
    if (declared > maxBytes) {
      response.message.destroy()
      throw new EntryTooLarge(maxBytes, declared)
    }
    return response.message
  }

  /**
   * Reserves `key`/`version`, uploads `bytes` in one Put Blob and commits the entry. False if the service
   * did not take it (`why` says why: exists already, writes denied).
   */
  async save(key: string, version: string, bytes: Uint8Array): Promise<{ saved: boolean; why?: string }> {
    const reserved = await this.call('CreateCacheEntry', { key, version }, { conflictIsAnswer: true })
    if (reserved.ok !== true)
      return {
        saved: false,
        why: String(reserved.message || reserved.msg || 'the service refused to reserve it'),
      }
    const url = httpUrl(field(reserved, 'signed_upload_url'), 'signed_upload_url')
    const response = await this.blobs
      .request('PUT', url, Readable.from([Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)]), {
        'content-type': 'application/octet-stream',
        'content-length': String(bytes.byteLength),
        'x-ms-blob-type': 'BlockBlob',
        'x-ms-version': AZURE_STORAGE_VERSION,
      })
      .catch((error: unknown) => {
        throw new CacheServiceError(`uploading the entry failed: ${messageOf(error)}`)
      })
    await drain(response)
    const status = response.message.statusCode ?? 0
    if (status !== 201 && status !== 200)
      throw new CacheServiceError(`uploading the entry failed: ${statusText(status)}`)
    const finalized = await this.call('FinalizeCacheEntryUpload', {
      key,
      version,
      size_bytes: String(bytes.byteLength),
    })
    if (finalized.ok !== true)
      return { saved: false, why: String(finalized.message || 'the service did not commit it') }
    return { saved: true }
  }

  private async call(
    method: string,
    body: Record<string, unknown>,
    { conflictIsAnswer = false } = {},
  ): Promise<Record<string, unknown>> {
    const url = new URL(`/twirp/${SERVICE}/${method}`, this.config.resultsUrl).href
    const delay = this.config.retryDelayMs ?? FIRST_RETRY_MS
    let last = ''
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      let response: HttpClientResponse
      try {
        response = await this.twirp.post(url, JSON.stringify(body), { 'content-type': 'application/json' })
      } catch (error) {
        // A refused connection or a dead socket: the service is not there; retrying only costs time.
        throw new CacheServiceError(`${method} failed: ${messageOf(error)}`)
      }
      const status = response.message.statusCode ?? 0
      const text = await response.readBody()
      const json = parseObject(text)
      if (status >= 200 && status < 300 && json) return json
      const detail = json && typeof json.msg === 'string' ? `: ${json.msg}` : ''
      last = `HTTP ${status}${detail}`
      if (status === 409 && conflictIsAnswer) return { ok: false, message: `already exists${detail}` }
      if (!RETRYABLE.has(status)) throw new CacheServiceError(`${method} failed: ${last}`)
      if (attempt < ATTEMPTS) await new Promise((done) => setTimeout(done, delay * 2 ** (attempt - 1)))
    }
    throw new CacheServiceError(`${method} failed ${ATTEMPTS} times: ${last}`, true)
  }
}

/**
 * A response field by its proto name or its lowerCamelCase JSON name: protobuf JSON allows either, and
 * the toolkit's generated client accepts both.
 */
function field(reply: Record<string, unknown>, protoName: string): unknown {
  return reply[protoName] ?? reply[protoName.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())]
}

function httpUrl(value: unknown, name: string): string {
  try {
    const url = new URL(String(value))
    if (url.protocol === 'https:' || url.protocol === 'http:') return url.href
  } catch {
    // reported below
  }
  throw new CacheServiceError(`the service answered without a usable ${name}`)
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** A blob answer's status for a warning; a redirect says it was not followed. */
function statusText(status: number): string {
  return status >= 300 && status < 400
    ? `HTTP ${status}, a redirect, which blob transfers do not follow`
    : `HTTP ${status}`
}

async function drain(response: HttpClientResponse): Promise<void> {
  for await (const _ of response.message) void _
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
