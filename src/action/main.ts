// The Action: inputs → sync → outputs, summary and annotations. A thin edge over the pipeline the CLI
// also uses; the only module that knows about GitHub.
import { tmpdir } from 'node:os'

import * as core from '@actions/core'

import { cacheLayout, makeRunDir, removeRunDir } from '../cache-layout.js'
import { type SyncResult, failedCanistersMessage } from '../report/result.js'
import { runSync } from '../sync.js'
import { annotateError } from './annotations.js'
import { resultOutputJson } from './result-output.js'
import { ActionsCache } from './cache.js'
import { createToolCacheDownload } from './download.js'
import { getInputs, identitySecrets } from './inputs.js'
import { actionObserver } from './observer.js'
import { renderSummary } from './summary.js'

export async function run(): Promise<void> {
  const fail = (message: string): never => {
    core.setFailed(message)
    process.exit(1)
  }
  process.on('unhandledRejection', (reason) =>
    fail(`unhandled rejection: ${reason instanceof Error ? reason.message : String(reason)}`),
  )
  process.on('uncaughtException', (error) => fail(`uncaught exception: ${error.message}`))

  let secrets: string[] = []
  let runDir: string | undefined
  try {
    const options = getInputs()
    secrets = identitySecrets(options.identityPem ?? '', options.identityPassword ?? '')
    // This run's caches live in a directory made now (earlier steps can write RUNNER_TEMP; nothing
    // they left there is read). Only plugin bytes come from the Actions cache, verified by sha256.
    const temp = process.env.RUNNER_TEMP ?? tmpdir()
    runDir = await makeRunDir(temp)
    const actionsCache = await ActionsCache.open({
      pluginCacheDir: cacheLayout(runDir).plugins,
      enabled: options.cache,
    })
    const result = await runSync(options, {
      observer: actionObserver(options.parallel, (text) => redact(text, secrets)),
      cacheDir: runDir,
      download: createToolCacheDownload(),
      caches: actionsCache.available
        ? {
            restorePlugins: (shas) => actionsCache.restorePlugins(shas),
            save: (shas) => actionsCache.savePlugins(shas),
          }
        : undefined,
      processEnv: process.env,
      identitySource: "input 'identity-pem'",
    })
    await publish(result, options.summary, secrets)
  } catch (error) {
    core.setFailed(redact(error instanceof Error ? error.message : String(error), secrets))
  }
  if (runDir) await removeRunDir(runDir)
  // Agents, sockets and workers must not keep the runner's Node alive.
  process.exit(process.exitCode ?? 0)
}

async function publish(result: SyncResult, summary: boolean, secrets: string[]): Promise<void> {
  if (result.error) annotateError(result.error, 'icp-sync', (text) => redact(text, secrets))
  core.setOutput('result', redact(resultOutputJson(result), secrets))
  core.setOutput('synced', result.synced.join(','))
  core.setOutput('failed', result.failed.join(','))
  if (summary && process.env.GITHUB_STEP_SUMMARY) {
    await core.summary.addRaw(redact(renderSummary(result), secrets)).write()
  }
  if (result.error)
    process.exitCode = 1 // already annotated above, with its position
  else if (result.failed.length > 0) core.setFailed(failedCanistersMessage(result.failed))
}

/**
 * Defence in depth: nothing we write to a file the runner does not mask (the result output, the
 * summary) may carry a secret. The same forms as the runner masks (identitySecrets), longest first.
 */
export function redact(text: string, secrets: string[]): string {
  let out = text
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) out = out.split(secret).join('***')
  return out
}
