// Plugin downloads: the CLI's on Node's fetch, retried with backoff on 5xx/408/429, failed connections and
// bodies that break off. No @actions/* import (the CLI runs without them); the Action passes its own
// transport (src/action/download.ts) to the same loop. Bounds (util/bounded-download.ts): 256 MiB as
// delivered (decoded), 5 minutes for the whole download, redirects checked hop by hop.
import { open, rm } from 'node:fs/promises'

import {
  type DownloadBounds,
  DownloadError,
  type HttpOpen,
  boundedDownload,
  errorText,
  fetchOpen,
} from '../util/bounded-download.js'
import { githubHeaders } from '../util/github-token.js'
import { statusLine } from '../util/node-http.js'

/**
 * Fetches `url` into the file `dest` (which does not exist yet) and returns the sha256 of what it
 * wrote. Throws `DownloadError` when it can't; `dest` is gone then. `report` is told about progress
 * and every retry, one line at a time.
 */
export type DownloadFn = (
  url: string,
  dest: string,
  report?: (line: string) => void,
) => Promise<{ sha256: string; bytes: number } | void>

export { DownloadError, errorText, statusLine }

/** The largest plugin we download (the largest published plugins are tens of MB). */
export const MAX_PLUGIN_BYTES = 256 * 1024 * 1024
/** For one download, every attempt and wait included. */
export const PLUGIN_DOWNLOAD_DEADLINE_MS = 300_000

export interface FetchDownloadOptions {
  /** Total attempts, first included. Default 4. */
  attempts?: number
  /** Delay before the second attempt; doubled after each retry. Default 1000 ms. */
  retryDelayMs?: number
  /** Smaller bounds (tests); larger ones are not accepted. */
  bounds?: Partial<DownloadBounds>
  fetchImpl?: typeof fetch
  /** Sent to GitHub's download hosts only (util/github-token.ts). */
  githubToken?: string
}

export function createFetchDownload(options: FetchDownloadOptions = {}): DownloadFn {
  return createDownload(fetchOpen(options.fetchImpl), { attempts: 4, ...options })
}

/** A DownloadFn over any transport: the file is written as it streams, and removed on any failure. */
export function createDownload(
  open_: HttpOpen,
  options: Omit<FetchDownloadOptions, 'fetchImpl'>,
): DownloadFn {
  const bounds = pluginDownloadBounds(options.bounds)
  const headersFor = githubHeaders(options.githubToken)
  return async (url, dest, report) => {
    const file = await open(dest, 'wx')
    let position = 0
    try {
      const got = await boundedDownload(
        url,
        {
          write: async (chunk) => {
            await file.write(chunk, 0, chunk.byteLength, position)
            position += chunk.byteLength
          },
          reset: async () => {
            await file.truncate(0)
            position = 0
          },
        },
        {
          ...bounds,
          open: open_,
          what: 'plugin',
          attempts: options.attempts,
          retryDelayMs: options.retryDelayMs,
          headersFor,
          onRetry: report && ((message) => report(`Retrying download: ${message}`)),
          onProgress: report,
        },
      )
      await file.close()
      return got
    } catch (error) {
      await file.close().catch(() => {})
      await rm(dest, { force: true })
      throw error
    }
  }
}

/**
 * The plugin bounds, lowered (never raised) by `overrides` or by ICP_SYNC_DOWNLOAD_MAX_BYTES /
 * ICP_SYNC_DOWNLOAD_DEADLINE_MS, which exist for tests of the bundled Action and CLI.
 */
export function pluginDownloadBounds(
  overrides: Partial<DownloadBounds> = {},
  env = process.env,
): DownloadBounds {
  const lower = (fallback: number, ...candidates: Array<number | string | undefined>) =>
    Math.min(fallback, ...candidates.map(Number).filter((n) => Number.isFinite(n) && n > 0))
  return {
    maxBytes: lower(MAX_PLUGIN_BYTES, overrides.maxBytes, env.ICP_SYNC_DOWNLOAD_MAX_BYTES),
    deadlineMs: lower(PLUGIN_DOWNLOAD_DEADLINE_MS, overrides.deadlineMs, env.ICP_SYNC_DOWNLOAD_DEADLINE_MS),
  }
}
