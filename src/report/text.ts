// Plain-text rendering in icp sync's words, shared by the CLI and the Action log.
import type { CanisterRef, StepRef } from './observer.js'
import type { CanisterResult, ErrorInfo, StepResult, SyncResult } from './result.js'
import { failedCanistersMessage } from './result.js'

/** icp's step header: `[<canister>] Syncing: <label> <i> of <n>`. */
export function stepTitle(canister: CanisterRef, step: StepRef): string {
  return `[${canister.name}] Syncing: ${step.label} ${step.index} of ${step.total}`
}

/** How a step ended and how long it took: `done in 1.23 s`. */
export function stepOutcome(result: StepResult): string {
  return `${result.status === 'ok' ? 'done' : result.status} in ${(result.durationMs / 1000).toFixed(2)} s`
}

/** After a canister synced, icp reprints each persistent plugin stderr line as `[<canister>] <line>`. */
export function persistentLines(canister: CanisterResult): string[] {
  return canister.steps.flatMap((step) => step.persistentStderr.map((line) => `[${canister.name}] ${line}`))
}

export function errorLines(error: ErrorInfo): string[] {
  return [`'${error.message}'`, ...error.causes.map((cause) => `  caused by: ${cause}`)]
}

/** icp's failure block for one canister: the error chain, then the failing step's output. */
export function failureDump(canister: CanisterResult): string[] {
  const lines = [`----- Failed to sync canister '${canister.name}': ${canister.id} -----`]
  if (canister.error) lines.push(...errorLines(canister.error))
  const failed = canister.steps.find((step) => step.status === 'failed')
  if (failed) {
    lines.push(`[${canister.name}] Sync output:`)
    lines.push(`[${canister.name}] Syncing: ${failed.label} ${failed.index} of ${canister.steps.length}:`)
    if (failed.output.length === 0) lines.push(`[${canister.name}] <no output>`)
    for (const line of failed.output) lines.push(`[${canister.name}] > ${line}`)
  }
  return lines
}

/** The closing error of a failed run, or undefined when it succeeded. */
export function closingError(result: SyncResult): string | undefined {
  if (result.error)
    return [result.error.message, ...result.error.causes.map((c) => `caused by: ${c}`)].join('\n  ')
  if (result.failed.length > 0) return failedCanistersMessage(result.failed)
  return undefined
}
