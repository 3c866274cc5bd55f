// Live log for the Actions runner: one group per canister step. With parallel canisters the runner
// cannot nest interleaved groups, so each step's lines are held and printed as a group when it ends.
// Every line a plugin or script produced (live output, stderr repeated after success, failure dumps)
// is printed inside a stop-commands block, so it can never become a workflow command.
import * as core from '@actions/core'

import type { CanisterRef, StepRef, SyncObserver } from '../report/observer.js'
import type { CanisterResult, StepResult } from '../report/result.js'
import { inertBlock } from '../report/inert.js'
import { failureDump, persistentLines, stepOutcome, stepTitle } from '../report/text.js'
import { annotateError } from './annotations.js'

export function actionObserver(parallel: number, redact: (text: string) => string): SyncObserver {
  const live = parallel <= 1
  const held = new Map<string, string[]>()
  const key = (canister: CanisterRef, step: StepRef): string => `${canister.name}\u0000${step.index}`
  const outcome = (result: StepResult): string =>
    stepOutcome(result) + (result.kind === 'plugin' ? `, ${result.calls} canister call(s)` : '')

  const printInert = (lines: string[]): void => inertBlock(lines).forEach((line) => core.info(line))

  return {
    info: (message) => core.info(message),
    warning: (message) => core.warning(message),
    stepStarted(canister, step) {
      if (live) core.startGroup(stepTitle(canister, step))
      else held.set(key(canister, step), [])
    },
    line(canister, step, _stream, line) {
      if (live) printInert([line])
      else held.get(key(canister, step))?.push(line)
    },
    stepFinished(canister, step, result) {
      if (!live) {
        core.startGroup(stepTitle(canister, step))
        printInert(held.get(key(canister, step)) ?? [])
        held.delete(key(canister, step))
      }
      core.info(`[${canister.name}] step ${step.index} ${outcome(result)}`)
      core.endGroup()
    },
    canisterFinished(result: CanisterResult) {
      if (result.status === 'synced') {
        core.info(`Synced successfully: ${result.id}`)
        printInert(persistentLines(result))
        return
      }
      printInert(failureDump(result))
      if (result.error) annotateError(result.error, `Sync of canister ${result.name} failed`, redact)
    },
  }
}
