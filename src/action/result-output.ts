// The `result` output as JSON, kept under a budget: a job's outputs may total 1 MB, and a run with many
// canisters and chatty plugins could exceed that. Detail goes first, the verdict never.
import type { SyncResult } from '../report/result.js'

export const RESULT_OUTPUT_BUDGET_BYTES = 512 * 1024

/** Steps keep status, plugin, calls and error; what goes is, in order: output lines, call traces, stderr. */
export function resultOutputJson(result: SyncResult, budget = RESULT_OUTPUT_BUDGET_BYTES): string {
  const full = JSON.stringify(result)
  if (Buffer.byteLength(full) <= budget) return full
  const drops: Array<'output' | 'callTrace' | 'persistentStderr'> = [
    'output',
    'callTrace',
    'persistentStderr',
  ]
  for (let i = 0; i < drops.length; i++) {
    const dropped = drops.slice(0, i + 1)
    const trimmed: SyncResult = {
      ...result,
      canisters: result.canisters.map((canister) => ({
        ...canister,
        steps: canister.steps.map((step) => ({
          ...step,
          ...Object.fromEntries(dropped.map((field) => [field, []])),
        })),
      })),
    }
    const json = JSON.stringify({ ...trimmed, truncated: dropped })
    if (Buffer.byteLength(json) <= budget) return json
  }
  // Only the verdict and the names fit.
  return JSON.stringify({
    ok: result.ok,
    environment: result.environment,
    synced: result.synced,
    failed: result.failed,
    error: result.error,
    truncated: ['canisters'],
  })
}
