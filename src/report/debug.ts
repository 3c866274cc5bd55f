// The detail shown under `--debug` (CLI) or RUNNER_DEBUG (Action, as core.debug): what the run was
// asked to do, what each step found in the caches and how long its phases took, the plan it ended
// with. Nothing secret: the identity is named by where it came from, never by its text.
import type { SyncOptions } from '../options/parse.js'
import type { SyncObserver } from './observer.js'
import type { StepResult, SyncResult } from './result.js'

export type DebugSink = (line: string) => void

/** The options of a run, secrets left out. */
export function optionsDebugLines(options: SyncOptions): string[] {
  const shard = options.shard ? `${options.shard.index}/${options.shard.count}` : 'none'
  return [
    `project dir: ${options.projectDir}`,
    `environment: ${options.environment}; canisters: ${options.canisters.join(', ') || '(every one with sync steps)'}; shard: ${shard}`,
    `identity: ${options.identityPem ? `PEM${options.identityPassword ? ' (encrypted)' : ''}` : 'anonymous'}; ` +
      `network url: ${options.networkUrl || '(from the manifest)'}; root key: ${options.rootKey || '(from the manifest)'}`,
    `canister-ids given for: ${Object.keys(options.canisterIds).join(', ') || '(none)'}; proxy: ${options.proxy ?? 'none'}`,
    `limits: compute ${options.computeLimitSeconds} s, memory ${options.memoryLimitMb} MiB; parallel: ${options.parallel}; ` +
      `script steps: ${options.scriptSteps}; persistent cache: ${options.cache}`,
  ]
}

/** One line per finished step: where its plugin came from and where the time went. */
export function stepDebugLine(canister: string, step: StepResult): string {
  const head = `[${canister}] step ${step.index} (${step.kind}) ${step.status} in ${step.durationMs} ms`
  const p = step.plugin
  if (!p) return head
  const bytes = p.source === 'path' ? 'read from path' : p.downloadCacheHit ? 'cache hit' : 'downloaded'
  return (
    `${head}: plugin ${p.source} ${p.location} sha256 ${p.sha256}; bytes: ${bytes}; ` +
    `transpile: ${p.transpileCacheHit ? 'cache hit' : `${p.transpileMs} ms`}; instantiate ${p.instantiateMs} ms, ` +
    `exec ${p.execMs} ms (compute ${p.computeMs} ms, in calls ${p.callMs} ms), ${step.calls} call(s)`
  )
}

/** The plan the run ended with, and every error with its whole chain. */
export function resultDebugLines(result: SyncResult): string[] {
  const lines = [
    `plan: environment ${result.environment}, network ${result.network ?? '(none)'}, identity ${result.identityPrincipal ?? '(not loaded)'}`,
    ...result.canisters.map(
      (c) =>
        `plan: ${c.name} ${c.id}: ${c.status} in ${c.durationMs} ms, steps ${c.steps.map((s) => s.status).join(', ')}`,
    ),
    `run took ${result.durationMs} ms`,
  ]
  for (const error of [
    result.error,
    ...result.canisters.flatMap((c) => [c.error, ...c.steps.map((s) => s.error)]),
  ])
    if (error)
      lines.push(
        `error: ${[error.message, ...error.causes].join(' <- ')}${error.kind ? ` [${error.kind}]` : ''}`,
      )
  return lines
}

/** `inner`, plus a debug line as each step finishes. */
export function withStepDebug(inner: SyncObserver, debug: DebugSink): SyncObserver {
  return {
    ...inner,
    stepFinished(canister, step, result) {
      inner.stepFinished(canister, step, result)
      debug(stepDebugLine(canister.name, result))
    },
  }
}
