// Child-process driver for the Actions cache tests: runs ActionsCache (and so the real @actions/cache
// client) in a fresh Node with the environment a runner step would have, then prints the results.
// A child keeps the toolkit's stdout workflow commands out of Jest and gives each scenario its own env.
//
//   node cache-driver.js '<json Spec>'   →  stdout: the toolkit's log lines, then `RESULT <json>`
import * as cache from '@actions/cache'

import { ActionsCache, type CacheEntryResult } from '../../src/action/cache.js'

export interface DriverSpec {
  pluginCacheDir: string
  transpileCacheDir: string
  enabled?: boolean
  steps: DriverStep[]
}

export type DriverStep =
  | { op: 'restorePlugins' | 'savePlugins' | 'restoreTranspiled' | 'saveTranspiled'; ids: string[] }
  /** Two restores of the same entries at once, as two canisters syncing in parallel ask for them. */
  | { op: 'restoreTranspiledTwiceAtOnce'; ids: string[] }
  /** Straight through the toolkit, bypassing ActionsCache's checks (to plant a bad entry). */
  | { op: 'rawSave'; paths: string[]; key: string }

export interface DriverOutput {
  available: boolean
  reason?: string
  steps: Array<CacheEntryResult[] | number>
  warnings: string[]
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2]!) as DriverSpec
  const warnings: string[] = []
  const actionsCache = await ActionsCache.open({
    pluginCacheDir: spec.pluginCacheDir,
    transpileCacheDir: spec.transpileCacheDir,
    enabled: spec.enabled,
    log: { info: (m) => console.log(m), warning: (m) => warnings.push(m) },
  })
  const output: DriverOutput = {
    available: actionsCache.available,
    reason: actionsCache.reason,
    steps: [],
    warnings,
  }
  for (const step of spec.steps) {
    if (step.op === 'rawSave') output.steps.push(await cache.saveCache(step.paths, step.key))
    else if (step.op === 'restoreTranspiledTwiceAtOnce') {
      const both = await Promise.all([
        actionsCache.restoreTranspiled(step.ids),
        actionsCache.restoreTranspiled(step.ids),
      ])
      output.steps.push(both.flat())
    } else output.steps.push(await actionsCache[step.op](step.ids))
  }
  console.log(`RESULT ${JSON.stringify(output)}`)
}

await main()
process.exit(0)
