// The small outputs made from a run's result (the `result` JSON is result-output.ts).
import type { SyncResult } from '../report/result.js'

/** `canister-ids`: JSON name → principal of every canister this run synced or tried to ({} when none ran). */
export function canisterIdsOutput(result: SyncResult): string {
  return JSON.stringify(Object.fromEntries(result.canisters.map((c) => [c.name, c.id])))
}

/**
 * `cache-hit`: 'true' when every URL plugin's bytes came from a cache (the Actions cache, or an earlier
 * step of this run) and nothing was downloaded. 'false' when a URL plugin was downloaded, or no URL
 * plugin ran. Transpiled modules never cross runs (SECURITY.md), so they do not count.
 */
export function cacheHitOutput(result: SyncResult): 'true' | 'false' {
  const urlPlugins = result.canisters
    .flatMap((c) => c.steps.flatMap((s) => (s.plugin ? [s.plugin] : [])))
    .filter((p) => p.source !== 'path')
  return urlPlugins.length > 0 && urlPlugins.every((p) => p.downloadCacheHit) ? 'true' : 'false'
}
