// Child-process driver for the Actions cache tests: runs ActionsCache (and so our cache service client)
// in a fresh Node with the environment a runner step would have, then prints the results. A child gives
// each scenario its own environment, as a runner step has.
//
//   node cache-driver.js '<json Spec>'   →  stdout: info lines, then `RESULT <json>`
import { ActionsCache, type CacheEntryResult } from '../../src/action/cache.js'

export interface DriverSpec {
  pluginCacheDir: string
  enabled?: boolean
  maxBytes?: number
  restoreDeadlineMs?: number
  steps: DriverStep[]
}

export type DriverStep = { op: 'restorePlugins' | 'savePlugins'; ids: string[] }

export interface DriverOutput {
  available: boolean
  reason?: string
  steps: CacheEntryResult[][]
  infos: string[]
  warnings: string[]
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2]!) as DriverSpec
  const infos: string[] = []
  const warnings: string[] = []
  const actionsCache = await ActionsCache.open({
    pluginCacheDir: spec.pluginCacheDir,
    enabled: spec.enabled,
    maxBytes: spec.maxBytes,
    restoreDeadlineMs: spec.restoreDeadlineMs,
    log: { info: (m) => infos.push(m), warning: (m) => warnings.push(m) },
  })
  const output: DriverOutput = {
    available: actionsCache.available,
    reason: actionsCache.reason,
    steps: [],
    infos,
    warnings,
  }
  for (const step of spec.steps) output.steps.push(await actionsCache[step.op](step.ids))
  console.log(`RESULT ${JSON.stringify(output)}`)
}

await main()
process.exit(0)
