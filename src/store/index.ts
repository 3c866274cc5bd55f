// Plugin bytes and the modules made from them, behind one door. A run gets one PluginStore
// (openPluginStore): it resolves each plugin step's bytes (a path, or a URL pinned by sha256 and kept in
// a content-addressed cache: source.ts, download.ts), turns them into the module the sandbox runs
// (transpile.ts, cached on disk by content), and, where the edge plugs one in, keeps URL plugins in a
// remote cache between runs (the Action's Actions cache: src/action/cache.ts). Where all of it lives on
// disk, and what is trusted there: layout.ts.
import type { Transpile } from '../plugin/index.js'
import type { DownloadFn } from './download.js'
import { cacheLayout } from './layout.js'
import { type ResolvePluginSourceRequest, type ResolvedPluginSource, resolvePluginSource } from './source.js'
import { transpilerAt } from './transpile.js'

export {
  CACHEABLE_SHA256,
  cacheLayout,
  makeRunDir,
  pluginEntryDir,
  readVerifiedPlugin,
  removeRunDir,
  sha256Hex,
  storeVerifiedPlugin,
} from './layout.js'
export { MAX_PLUGIN_BYTES, createDownload, createFetchDownload, type DownloadFn } from './download.js'
export { PluginSourceError, type PluginSource, type ResolvedPluginSource } from './source.js'
export { TRANSPILER_VERSION, transpilePlugin, transpilerAt } from './transpile.js'

/**
 * A cache that outlives the run, for URL plugins' bytes only (keyed by sha256; never generated code,
 * see layout.ts). Restores happen before the files are needed; saves after the sync.
 */
export interface RemoteCache {
  restorePlugins(sha256s: string[]): Promise<unknown>
  save(pluginSha256s: string[]): Promise<unknown>
}

export interface PluginStoreOptions {
  /** Root of the run's on-disk caches (layout.ts): plugins and transpiled modules go under it. */
  cacheDir: string
  /** Downloads a URL to a file (bounded, download.ts): fetch in the CLI, @actions/http-client in the Action. */
  download: DownloadFn
  /** Keeps downloaded plugins between runs (the Action's Actions cache); optional. */
  remote?: RemoteCache
}

/** What a plugin step asks for; where the cache is and how to download are the store's. */
export type PluginRequest = Omit<ResolvePluginSourceRequest, 'cacheDir' | 'download'>

/** The one object the pipeline gets for plugin bytes and the modules the sandbox runs. */
export interface PluginStore {
  /** Fetches URL plugins from the remote cache before the run needs them (no-op without one). */
  restore(urlSha256s: string[]): Promise<void>
  /** A step's plugin bytes, read from its path or downloaded, verified against its sha256. */
  resolve(request: PluginRequest): Promise<ResolvedPluginSource>
  /** Component bytes → the module the sandbox runs (passed to runPlugin). */
  transpile: Transpile
  /** Keeps the URL plugins this run resolved in the remote cache (no-op without one). */
  save(): Promise<void>
}

export function openPluginStore(options: PluginStoreOptions): PluginStore {
  const layout = cacheLayout(options.cacheDir)
  const { remote } = options
  /** URL plugins resolved in this run, for the remote cache. */
  const used = new Set<string>()
  return {
    async restore(urlSha256s) {
      if (remote && urlSha256s.length > 0) await remote.restorePlugins(urlSha256s)
    },
    async resolve(request) {
      const source = await resolvePluginSource({
        ...request,
        cacheDir: layout.plugins,
        download: options.download,
      })
      if ('url' in request.source) used.add(source.sha256)
      return source
    },
    transpile: transpilerAt(layout.transpiled),
    async save() {
      if (remote) await remote.save([...used])
    },
  }
}
