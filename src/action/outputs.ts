// The small outputs made from a run's result (the `result` JSON is result-output.ts).
import type { SyncResult } from '../report/result.js'

/** `canister-ids`: JSON name → principal of every canister this run synced or tried to ({} when none ran). */
export function canisterIdsOutput(result: SyncResult): string {
  return JSON.stringify(Object.fromEntries(result.canisters.map((c) => [c.name, c.id])))
}

/**
 * `cache-hit`: 'true' when the run neither downloaded nor transpiled anything: every plugin step took
 * its transpiled module from a cache (the Actions cache, or this job's disk when an earlier step of
 * the run made it), and a URL plugin's bytes too. 'false' when anything was downloaded or transpiled,
 * or no plugin step ran.
 */
export function cacheHitOutput(result: SyncResult): 'true' | 'false' {
  const plugins = result.canisters.flatMap((c) => c.steps.flatMap((s) => (s.plugin ? [s.plugin] : [])))
  const hit =
    plugins.length > 0 &&
    plugins.every((p) => p.transpileCacheHit && (p.source === 'path' || p.downloadCacheHit))
  return hit ? 'true' : 'false'
}
