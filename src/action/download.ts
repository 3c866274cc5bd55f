// The Action's plugin download: the bounded loop of src/plugin/download.ts over @actions/http-client,
// which honours the runner's proxy settings (https_proxy, no_proxy) as @actions/tool-cache did. Same
// retry pattern as tool-cache (3 attempts; here 10 s, then 20 s apart), all within one deadline.
// Loaded on the first download: most runs use path plugins or find URL plugins in the cache.
import type { IncomingMessage } from 'node:http'

import { type DownloadFn, createDownload } from '../plugin/download.js'
import type { HttpOpen } from '../util/bounded-download.js'

export function createHttpClientDownload(options: { retryDelayMs?: number } = {}): DownloadFn {
  let download: DownloadFn | undefined
  return async (url, dest) => {
    download ??= createDownload(await httpClientOpen(), {
      attempts: 3,
      retryDelayMs: options.retryDelayMs ?? 10_000,
    })
    return download(url, dest)
  }
}

/** @actions/http-client as an HttpOpen: no redirects followed, no decoding, torn down on abort. */
export async function httpClientOpen(): Promise<HttpOpen> {
  const { HttpClient } = await import('@actions/http-client')
  return async (url, signal) => {
    // One client per request: dispose() is how an abort tears down its sockets.
    const client = new HttpClient('icp-sync-action', [], {
      allowRedirects: false,
      allowRetries: false,
      keepAlive: false,
      socketTimeout: 60_000,
    })
    const onAbort = () => client.dispose()
    signal.addEventListener('abort', onAbort, { once: true })
    let message: IncomingMessage
    try {
      // The body is taken as sent: a content-encoding would only make the checksum fail.
      const response = await Promise.race([
        client.get(url.href, { 'accept-encoding': 'identity' }),
        new Promise<never>((_, reject) => {
          if (signal.aborted) reject(signal.reason)
          signal.addEventListener('abort', () => reject(signal.reason), { once: true })
        }),
      ])
      message = response.message
    } catch (error) {
      signal.removeEventListener('abort', onAbort)
      client.dispose()
      throw error
    }
    signal.addEventListener('abort', () => message.destroy(signal.reason as Error), { once: true })
    const done = () => {
      signal.removeEventListener('abort', onAbort)
      client.dispose()
    }
    message.once('close', done)
    return {
      status: message.statusCode ?? 0,
      header: (name) => {
        const value = message.headers[name.toLowerCase()]
        return Array.isArray(value) ? value.join(', ') : value
      },
      body: message,
      discard: () => message.destroy(),
    }
  }
}
