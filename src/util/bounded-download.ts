// One HTTP download with bounds a remote cannot stretch: a size cap on the bytes as delivered to us
// (after any decoding, so a compression bomb stops at the cap while it is being decoded), one deadline
// for the whole download (every attempt, redirect and backoff wait; a server that trickles a byte now
// and then cannot keep it going), redirects checked hop by hop (redirect-policy.ts), and the sha256
// computed while the bytes stream. The transport is injected: Node's fetch (CLI, recipes) or
// @actions/http-client (the Action, which honours the runner's proxy settings).
import { createHash } from 'node:crypto'

import { RedirectRefused, checkRedirect, isInternalHost } from './redirect-policy.js'
import { statusLine } from './node-http.js'
import { formatBytes, formatSeconds } from './units.js'

/** What a download throws: an HTTP status, a failed connection, a body that broke off, or a bound. */
export class DownloadError extends Error {
  override name = 'DownloadError'
  constructor(
    readonly kind: 'status' | 'connect' | 'body' | 'refused',
    message: string,
    readonly status?: number,
  ) {
    super(message)
  }
}

/** An answer as the download loop needs it, whatever the transport. */
export interface HttpAnswer {
  status: number
  header(name: string): string | undefined
  body: AsyncIterable<Uint8Array>
  /** Lets go of the connection without reading the body. */
  discard(): void
}

/**
 * Sends one GET without following redirects, with `headers` added. Rejects on a network error (or when
 * `signal` aborts).
 */
export type HttpOpen = (
  url: URL,
  signal: AbortSignal,
  headers?: Record<string, string>,
) => Promise<HttpAnswer>

/**
 * Extra request headers for one hop, decided from that hop's URL alone (and whether a redirect led
 * there): how credentials stay with the hosts they are meant for (util/github-token.ts).
 */
export type HeadersFor = (url: URL, redirected: boolean) => Record<string, string>

export interface DownloadBounds {
  /** Most bytes accepted, counted after decoding. */
  maxBytes: number
  /** For the whole download, all attempts included. */
  deadlineMs: number
}

export interface BoundedDownloadOptions extends DownloadBounds {
  open: HttpOpen
  /** Total attempts, first included. */
  attempts?: number
  /** Delay before the second attempt; doubled after each retry. */
  retryDelayMs?: number
  /** Told about each retry: attempt n of m, why, and the wait. */
  onRetry?: (message: string) => void
  /** Told how far the download is: at most about one line a second, or one per quarter when the size is known. */
  onProgress?: (line: string) => void
  headersFor?: HeadersFor
  /** What is being downloaded, for messages: "plugin", "recipe template". */
  what: string
}

/** Receives the body: writes it to a file or collects it. `reset` starts over for a retry. */
export interface BodySink {
  write(chunk: Uint8Array): Promise<void> | void
  reset(): Promise<void> | void
}

const MAX_REDIRECTS = 10

/** Downloads `url` into `sink`; returns the byte count and sha256 of what was delivered. */
export async function boundedDownload(
  url: string,
  sink: BodySink,
  options: BoundedDownloadOptions,
): Promise<{ bytes: number; sha256: string }> {
  const attempts = Math.max(1, options.attempts ?? 1)
  const deadline = AbortSignal.timeout(options.deadlineMs)
  const origin = new URL(url)
  const originInternal = await isInternalHost(origin)
  let delay = options.retryDelayMs ?? 1000
  for (let attempt = 1; ; attempt++) {
    try {
      return await attemptOnce(origin, originInternal, sink, options, deadline)
    } catch (error) {
      await sink.reset()
      const failure = deadline.aborted ? deadlineError(options) : toDownloadError(error)
      if (attempt >= attempts || !isRetryable(failure)) throw failure
      options.onRetry?.(
        `attempt ${attempt}/${attempts} failed: ${failure.message}; retrying in ${formatSeconds(delay)}`,
      )
      await sleep(delay, deadline).catch(() => {
        throw deadlineError(options)
      })
      delay *= 2
    }
  }
}

async function attemptOnce(
  origin: URL,
  originInternal: boolean,
  sink: BodySink,
  options: BoundedDownloadOptions,
  deadline: AbortSignal,
): Promise<{ bytes: number; sha256: string }> {
  let url = origin
  let answer: HttpAnswer
  for (let hops = 0; ; hops++) {
    try {
      answer = await options.open(url, deadline, options.headersFor?.(url, hops > 0) ?? {})
    } catch (error) {
      if (deadline.aborted) throw deadlineError(options)
      throw new DownloadError('connect', errorText(error))
    }
    const location = answer.header('location')
    if (answer.status < 300 || answer.status > 399 || location === undefined) break
    answer.discard()
    if (hops >= MAX_REDIRECTS) throw new DownloadError('refused', `more than ${MAX_REDIRECTS} redirects`)
    let next: URL
    try {
      next = new URL(location, url)
    } catch {
      throw new DownloadError('refused', `redirect to an invalid URL`)
    }
    try {
      await checkRedirect(url, next, originInternal)
    } catch (error) {
      if (error instanceof RedirectRefused) throw new DownloadError('refused', error.message)
      throw error
    }
    url = next
  }
  if (answer.status !== 200) {
    answer.discard()
    throw new DownloadError('status', statusLine(answer.status), answer.status)
  }
  const lengthHeader = answer.header('content-length')
  const encoded = (answer.header('content-encoding') ?? 'identity') !== 'identity'
  // Counts only bytes that were not encoded; a decoded body is bounded by the count below.
  const expected = lengthHeader !== undefined && !encoded ? Number(lengthHeader) : undefined
  if (expected !== undefined && expected > options.maxBytes) {
    answer.discard()
    throw tooLarge(options, `Content-Length is ${expected}`)
  }
  const hash = createHash('sha256')
  let received = 0
  const meter = progressMeter(expected, options.onProgress)
  try {
    for await (const chunk of answer.body) {
      received += chunk.byteLength
      if (received > options.maxBytes) {
        answer.discard()
        throw tooLarge(options, `more than ${options.maxBytes} bytes received`)
      }
      hash.update(chunk)
      await sink.write(chunk)
      meter.update(received)
    }
  } catch (error) {
    if (error instanceof DownloadError) throw error
    if (deadline.aborted) throw deadlineError(options)
    const of = expected === undefined ? '' : ` of ${expected}`
    throw new DownloadError(
      'body',
      `response body broke off after ${received}${of} bytes: ${errorText(error)}`,
    )
  }
  if (expected !== undefined && received !== expected)
    throw new DownloadError('body', `response body has ${received} bytes but Content-Length is ${expected}`)
  meter.done(received)
  return { bytes: received, sha256: hash.digest('hex') }
}

const PROGRESS_INTERVAL_MS = 1000

/**
 * Progress lines for one attempt: `Downloaded 3.0 MiB of 12.0 MiB (25%)`. With a known size, a line
 * when a quarter is crossed; without one, a line a second; never more than one a second either way.
 */
function progressMeter(total: number | undefined, report: ((line: string) => void) | undefined) {
  const started = performance.now()
  let lastAt = started
  let lastQuarter = 0
  const line = (received: number): string =>
    total === undefined || total === 0
      ? `Downloaded ${formatBytes(received)}`
      : `Downloaded ${formatBytes(received)} of ${formatBytes(total)} (${Math.floor((received / total) * 100)}%)`
  return {
    update(received: number): void {
      if (!report) return
      const now = performance.now()
      if (now - lastAt < PROGRESS_INTERVAL_MS) return
      if (total !== undefined && total > 0) {
        const quarter = Math.floor((received / total) * 4)
        if (quarter <= lastQuarter || received >= total) return
        lastQuarter = quarter
      }
      lastAt = now
      report(line(received))
    },
    done(received: number): void {
      report?.(`Downloaded ${formatBytes(received)} in ${formatSeconds(performance.now() - started)}`)
    },
  }
}

function tooLarge(options: BoundedDownloadOptions, detail: string): DownloadError {
  return new DownloadError(
    'refused',
    `the ${options.what} is larger than the ${options.maxBytes}-byte limit (${detail})`,
  )
}

function deadlineError(options: BoundedDownloadOptions): DownloadError {
  return new DownloadError(
    'refused',
    `the ${options.what} download did not finish within ${options.deadlineMs / 1000} s`,
  )
}

function toDownloadError(error: unknown): DownloadError {
  return error instanceof DownloadError ? error : new DownloadError('connect', errorText(error))
}

function isRetryable(error: DownloadError): boolean {
  if (error.kind === 'refused') return false
  if (error.kind !== 'status') return true
  const status = error.status ?? 0
  return status >= 500 || status === 408 || status === 429
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason)
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal.reason)
    }
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/** Node's fetch as an HttpOpen: redirects are ours to follow; the body comes decoded. */
export function fetchOpen(fetchImpl: typeof fetch = fetch): HttpOpen {
  return async (url, signal, headers = {}) => {
    const response = await fetchImpl(url, { redirect: 'manual', signal, headers })
    return {
      status: response.status,
      header: (name) => response.headers.get(name) ?? undefined,
      body: (response.body ?? emptyBody()) as AsyncIterable<Uint8Array>,
      discard: () => void response.body?.cancel().catch(() => {}),
    }
  }
}

async function* emptyBody(): AsyncIterable<Uint8Array> {}

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
