// The Action's plugin download: @actions/tool-cache `downloadTool` (3 attempts, 10–20 s apart, on 5xx,
// 408, 429 and broken connections; it honours the runner's proxy settings). Its failures are mapped to
// `DownloadError` so resolvePluginSource reports them with icp-cli's texts. Loaded on the first
// download: most runs use path plugins or find URL plugins in the cache.
import { DownloadError, type DownloadFn, errorText, statusLine } from '../plugin/download.js'

export function createToolCacheDownload(): DownloadFn {
  return async (url, dest) => {
    const tc = await import('@actions/tool-cache')
    try {
      await tc.downloadTool(url, dest)
    } catch (error) {
      if (error instanceof tc.HTTPError && error.httpStatusCode !== undefined)
        throw new DownloadError('status', statusLine(error.httpStatusCode), error.httpStatusCode)
      // Node reports a body that broke off after the headers as `aborted` (code ECONNRESET).
      const broken = (error as Error).message === 'aborted'
      throw new DownloadError(broken ? 'body' : 'connect', errorText(error))
    }
  }
}
