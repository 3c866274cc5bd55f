// The Action: inputs → sync → outputs, summary and annotations. A thin edge over the pipeline the CLI
// also uses. Only src/action/ imports @actions/*; the CLI loads none of it.
import { tmpdir } from 'node:os'

import * as core from '@actions/core'

import { cacheLayout, makeRunDir, openPluginStore, removeRunDir } from '../store/index.js'
import { redact, redactDeep } from './redact.js'
import { unsupportedPlatform } from '../util/platform.js'
import { optionsDebugLines, resultDebugLines, withStepDebug } from '../report/debug.js'
import { type SyncResult, failedCanistersMessage } from '../report/result.js'
import { runSync } from '../run/sync.js'
import { annotateError } from './annotations.js'
import { resultOutputJson } from './result-output.js'
import { ActionsCache } from './cache.js'
import { createHttpClientDownload } from './download.js'
import { getInputs, identitySecrets } from './inputs.js'
import { actionObserver } from './observer.js'
import { cacheHitOutput, canisterIdsOutput } from './outputs.js'
import { renderSummary } from './summary.js'

export async function run(): Promise<void> {
  const fail = (message: string): never => {
    core.setFailed(message)
    process.exit(1)
  }
  const refused = unsupportedPlatform(process.platform, 'action')
  if (refused) fail(refused)
  process.on('unhandledRejection', (reason) =>
    fail(`unhandled rejection: ${reason instanceof Error ? reason.message : String(reason)}`),
  )
  process.on('uncaughtException', (error) => fail(`uncaught exception: ${error.message}`))

  let secrets: string[] = []
  let runDir: string | undefined
  try {
    const options = getInputs()
    const githubToken = options.githubToken
    secrets = identitySecrets(options.identityPem ?? '', options.identityPassword ?? '')
    if (githubToken) secrets.push(githubToken)
    // Debug lines are built only under RUNNER_DEBUG (a re-run with debug logging), and redacted too.
    const debug = core.isDebug() ? (line: string) => core.debug(redact(line, secrets)) : undefined
    if (debug) optionsDebugLines(options).forEach(debug)
    // This run's caches live in a directory made now (earlier steps can write RUNNER_TEMP; nothing
    // they left there is read). Only plugin bytes come from the Actions cache, verified by sha256.
    const temp = process.env.RUNNER_TEMP ?? tmpdir()
    runDir = await makeRunDir(temp)
    const actionsCache = await ActionsCache.open({
      pluginCacheDir: cacheLayout(runDir).plugins,
      enabled: options.cache,
    })
    debug?.(`run dir: ${runDir}; Actions cache: ${actionsCache.available ? 'available' : 'not used'}`)
    const observer = actionObserver(options.parallel, (text) => redact(text, secrets))
    const result = await runSync(options, {
      observer: debug ? withStepDebug(observer, debug) : observer,
      cacheDir: runDir,
      store: openPluginStore({
        cacheDir: runDir,
        download: createHttpClientDownload({ githubToken }),
        remote: actionsCache.available
          ? {
              restorePlugins: (shas) =>
                traced(debug, 'restore plugins', shas, actionsCache.restorePlugins(shas)),
              save: (shas) => traced(debug, 'save plugins', shas, actionsCache.savePlugins(shas)),
            }
          : undefined,
      }),
      processEnv: process.env,
      identitySource: "input 'identity-pem'",
      recipeFilesInsideProject: true,
    })
    if (debug) resultDebugLines(result).forEach(debug)
    await publish(result, options.summary, secrets)
  } catch (error) {
    if (core.isDebug() && error instanceof Error && error.stack) core.debug(redact(error.stack, secrets))
    core.setFailed(redact(error instanceof Error ? error.message : String(error), secrets))
  }
  if (runDir) await removeRunDir(runDir)
  // Agents, sockets and workers must not keep the runner's Node alive.
  process.exit(process.exitCode ?? 0)
}

async function publish(raw: SyncResult, summary: boolean, secrets: string[]): Promise<void> {
  // Redacted field by field before anything is serialised or rendered (see action/redact.ts).
  const result = redactDeep(raw, secrets)
  if (result.error) annotateError(result.error, 'icp-sync', (text) => redact(text, secrets))
  // Each untrusted-mode refusal on its own manifest line.
  for (const refusal of result.refusals ?? [])
    annotateError(refusal, 'icp-sync: untrusted mode', (text) => redact(text, secrets))
  core.setOutput('result', resultOutputJson(result))
  core.setOutput('synced', result.synced.join(','))
  core.setOutput('failed', result.failed.join(','))
  core.setOutput('canister-ids', canisterIdsOutput(result))
  core.setOutput('cache-hit', cacheHitOutput(result))
  if (summary && process.env.GITHUB_STEP_SUMMARY) {
    await core.summary.addRaw(renderSummary(result)).write()
  }
  if (result.error)
    process.exitCode = 1 // already annotated above, with its position
  else if (result.failed.length > 0) core.setFailed(failedCanistersMessage(result.failed))
}

/** An Actions cache operation, with what it was asked and what it answered as debug lines. */
async function traced<T>(
  debug: ((line: string) => void) | undefined,
  what: string,
  keys: string[],
  operation: Promise<T>,
): Promise<T> {
  if (!debug) return operation
  const started = performance.now()
  debug(`Actions cache: ${what}: ${keys.join(', ') || '(nothing)'}`)
  const answer = await operation
  debug(
    `Actions cache: ${what} took ${Math.round(performance.now() - started)} ms: ${JSON.stringify(answer)}`,
  )
  return answer
}
