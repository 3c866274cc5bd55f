// Child-process driver for the Actions cache tests: runs ActionsCache (and so the real @actions/cache
// client) in a fresh Node with the environment a runner step would have, then prints the results.
// A child keeps the toolkit's stdout workflow commands out of Jest and gives each scenario its own env.
//
//   node cache-driver.js '<json Spec>'   →  stdout: the toolkit's log lines, then `RESULT <json>`
import * as cache from '@actions/cache'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'

import { ActionsCache, type CacheEntryResult } from '../../src/action/cache.js'

export interface DriverSpec {
  stagingDir: string
  pluginCacheDir: string
  enabled?: boolean
  steps: DriverStep[]
}

export type DriverStep =
  | { op: 'restorePlugins' | 'savePlugins'; ids: string[] }
  /**
   * Straight through the toolkit, bypassing ActionsCache's checks (to plant a bad entry): writes
   * `files` (path → base64) after ActionsCache has made its staging directory afresh, then saves.
   */
  | { op: 'rawSave'; files: Record<string, string>; paths: string[]; key: string }

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
    stagingDir: spec.stagingDir,
    pluginCacheDir: spec.pluginCacheDir,
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
    if (step.op === 'rawSave') {
      for (const [path, base64] of Object.entries(step.files)) {
        mkdirSync(dirname(path), { recursive: true })
        writeFileSync(path, Buffer.from(base64, 'base64'))
      }
      output.steps.push(await cache.saveCache(step.paths, step.key))
    } else output.steps.push(await actionsCache[step.op](step.ids))
  }
  console.log(`RESULT ${JSON.stringify(output)}`)
}

await main()
process.exit(0)
