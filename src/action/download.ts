// The Action's plugin download: the bounded loop of src/store/download.ts over @actions/http-client,
// which honours the runner's proxy settings (https_proxy, no_proxy) as @actions/tool-cache did. Same
// retry pattern as tool-cache (3 attempts; here 10 s, then 20 s apart), all within one deadline.
// Loaded on the first download: most runs use path plugins or find URL plugins in the cache.
import type { IncomingMessage } from 'node:http'

import { type DownloadFn, createDownload } from '../store/index.js'
import type { HttpOpen } from '../util/bounded-download.js'

export function createHttpClientDownload(
  options: { retryDelayMs?: number; githubToken?: string } = {},
): DownloadFn {
  let download: DownloadFn | undefined
  return async (url, dest, report) => {
    download ??= createDownload(await httpClientOpen(), {
      attempts: 3,
      retryDelayMs: options.retryDelayMs ?? 10_000,
      githubToken: options.githubToken,
    })
    return download(url, dest, report)
  }
}

/**
 * @actions/http-client as an HttpOpen: no redirects followed, no decoding, torn down on abort. The
 * deadline signal is shared by every attempt and hop of a download, so each request removes the one
 * abort listener it added when it is over (else they pile up, one per request, until the deadline).
 */
export async function httpClientOpen(): Promise<HttpOpen> {
  const { HttpClient } = await import('@actions/http-client')
  return async (url, signal, headers = {}) => {
    // One client per request: dispose() is how an abort tears down its sockets.
    const client = new HttpClient('icp-sync-action', [], {
      allowRedirects: false,
      allowRetries: false,
      keepAlive: false,
      socketTimeout: 60_000,
    })
    let message: IncomingMessage | undefined
    let rejectPending: ((reason: unknown) => void) | undefined
    const onAbort = () => {
      rejectPending?.(signal.reason)
      message?.destroy(signal.reason as Error)
      client.dispose()
    }
    const done = () => {
      signal.removeEventListener('abort', onAbort)
      client.dispose()
    }
    if (signal.aborted) throw signal.reason
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      // The body is taken as sent: a content-encoding would only make the checksum fail.
      const response = await Promise.race([
        client.get(url.href, { ...headers, 'accept-encoding': 'identity' }),
        new Promise<never>((_, reject) => (rejectPending = reject)),
      ])
      message = response.message
    } catch (error) {
      done()
      throw error
    }
    const answer = message
    answer.once('close', done)
    return {
      status: answer.statusCode ?? 0,
      header: (name) => {
        const value = answer.headers[name.toLowerCase()]
        return Array.isArray(value) ? value.join(', ') : value
      },
      body: answer,
      discard: () => answer.destroy(),
    }
  }
}
