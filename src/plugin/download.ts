// The CLI's plugin download: Node's fetch, retried with backoff on 5xx/408/429, failed connections and
// bodies that break off, and a body-length check. No @actions/* import (the CLI runs without them); the
// Action passes its own tool-cache based download instead (src/action/download.ts).
import { open, rm } from 'node:fs/promises'

import { statusLine } from '../util/node-http.js'

/** Fetches `url` into the file `dest` (which does not exist yet). Throws `DownloadError` when it can't. */
export type DownloadFn = (url: string, dest: string) => Promise<void>

/** What a `DownloadFn` throws: an HTTP status, a failed connection, or a body that broke off. */
export class DownloadError extends Error {
  override name = 'DownloadError'
  constructor(
    readonly kind: 'status' | 'connect' | 'body',
    message: string,
    readonly status?: number,
  ) {
    super(message)
  }
}

export { statusLine }

export interface FetchDownloadOptions {
  /** Total attempts, first included. Default 4. */
  attempts?: number
  /** Delay before the second attempt; doubled after each retry. Default 1000 ms. */
  retryDelayMs?: number
  /** Per attempt, headers and body together. Default 300 s. */
  timeoutMs?: number
  fetchImpl?: typeof fetch
  /** Told about each retry (the CLI prints it). */
  onRetry?: (message: string) => void
}

export function createFetchDownload(options: FetchDownloadOptions = {}): DownloadFn {
  const attempts = Math.max(1, options.attempts ?? 4)
  const fetchImpl = options.fetchImpl ?? fetch
  const timeoutMs = options.timeoutMs ?? 300_000
  return async (url, dest) => {
    let delay = options.retryDelayMs ?? 1000
    for (let attempt = 1; ; attempt++) {
      try {
        await downloadOnce(fetchImpl, url, dest, timeoutMs)
        return
      } catch (error) {
        await rm(dest, { force: true })
        if (attempt >= attempts || !isRetryable(error)) throw error
        options.onRetry?.(
          `${(error as Error).message}; retrying in ${delay} ms (attempt ${attempt + 1} of ${attempts})`,
        )
        await new Promise((done) => setTimeout(done, delay))
        delay *= 2
      }
    }
  }
}

function isRetryable(error: unknown): boolean {
  if (!(error instanceof DownloadError)) return false
  if (error.kind !== 'status') return true
  const status = error.status ?? 0
  return status >= 500 || status === 408 || status === 429
}

async function downloadOnce(fetchImpl: typeof fetch, url: string, dest: string, timeoutMs: number) {
  const signal = AbortSignal.timeout(timeoutMs)
  let response: Response
  try {
    response = await fetchImpl(url, { redirect: 'follow', signal })
  } catch (error) {
    throw new DownloadError('connect', errorText(error))
  }
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => {})
    throw new DownloadError('status', statusLine(response.status), response.status)
  }
  // fetch decodes a compressed body, so Content-Length only counts bytes when nothing was encoded.
  const encoded = (response.headers.get('content-encoding') ?? 'identity') !== 'identity'
  const lengthHeader = response.headers.get('content-length')
  const expected = lengthHeader !== null && !encoded ? Number(lengthHeader) : undefined
  const file = await open(dest, 'wx')
  let received = 0
  try {
    if (response.body) {
      for await (const chunk of response.body) {
        received += chunk.byteLength
        await file.write(chunk)
      }
    }
  } catch (error) {
    const of = expected === undefined ? '' : ` of ${expected}`
    throw new DownloadError(
      'body',
      `response body broke off after ${received}${of} bytes: ${errorText(error)}`,
    )
  } finally {
    await file.close()
  }
  if (expected !== undefined && received !== expected)
    throw new DownloadError('body', `response body has ${received} bytes but Content-Length is ${expected}`)
}

/** An error's message with its cause's, e.g. `fetch failed: connect ECONNREFUSED 127.0.0.1:9`. */
export function errorText(error: unknown): string {
  // Duck-typed: errors from fetch's internals may come from another realm (vm contexts, workers).
  const message = messageOf(error) ?? String(error)
  const cause = messageOf((error as { cause?: unknown } | undefined)?.cause)
  return cause ? `${message}: ${cause}` : message
}

function messageOf(value: unknown): string | undefined {
  const message = (value as { message?: unknown } | null | undefined)?.message
  return typeof message === 'string' ? message : undefined
}
