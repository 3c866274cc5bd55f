// The `result` output as JSON, kept under a budget: a job's outputs may total 1 MB, and a run with many
// canisters and chatty plugins could exceed that. Detail goes first, the verdict never; the text is
// always valid JSON (redaction happens on the object, before this, never on the serialised text).
import type { ErrorInfo, SyncResult } from '../report/result.js'
import { cut } from './markdown.js'

export const RESULT_OUTPUT_BUDGET_BYTES = 512 * 1024

type Dropped = 'output' | 'callTrace' | 'persistentStderr' | 'long texts' | 'canisters' | 'names'

/**
 * Steps keep status, plugin, calls and error; what goes is, in order: output lines, call traces, stderr,
 * then every long text is cut, then only the verdict and the names are left, then only the counts.
 */
export function resultOutputJson(result: SyncResult, budget = RESULT_OUTPUT_BUDGET_BYTES): string {
  const fits = (json: string) => Buffer.byteLength(json) <= budget
  const full = JSON.stringify(result)
  if (fits(full)) return full
  const detail: Array<'output' | 'callTrace' | 'persistentStderr'> = [
    'output',
    'callTrace',
    'persistentStderr',
  ]
  let trimmed: SyncResult = result
  for (let i = 0; i < detail.length; i++) {
    const dropped = detail.slice(0, i + 1)
    trimmed = {
      ...result,
      canisters: result.canisters.map((canister) => ({
        ...canister,
        steps: canister.steps.map((step) => {
          const kept = { ...step, ...Object.fromEntries(dropped.map((field) => [field, []])) }
          if (dropped.includes('callTrace')) delete kept.callTraceOmitted
          return kept
        }),
      })),
    }
    const json = withTruncated(trimmed, dropped)
    if (fits(json)) return json
  }
  // The names stay whole: they are the verdict.
  const clipped = {
    ...(clipTexts(trimmed, 1000) as SyncResult),
    synced: result.synced,
    failed: result.failed,
  }
  const clippedJson = withTruncated(clipped, [...detail, 'long texts'])
  if (fits(clippedJson)) return clippedJson

  // Only the verdict, the names and the run's own error (cut short) fit.
  const verdict = {
    ok: result.ok,
    environment: cut(result.environment, 200),
    synced: result.synced,
    failed: result.failed,
    ...(result.error ? { error: shortError(result.error) } : {}),
  }
  const verdictJson = withTruncated(verdict, ['canisters'])
  if (fits(verdictJson)) return verdictJson
  // Tens of thousands of names: the failed ones first, then as many synced ones as fit, then the counts.
  const failed = fitNames(result.failed, budget / 2)
  const synced = fitNames(result.synced, budget / 4)
  return withTruncated(
    {
      ok: result.ok,
      environment: verdict.environment,
      synced,
      failed,
      syncedCount: result.synced.length,
      failedCount: result.failed.length,
      ...(result.error ? { error: shortError(result.error, 200) } : {}),
    },
    ['canisters', 'names'],
  )
}

function withTruncated(value: object, truncated: Dropped[]): string {
  return JSON.stringify({ ...value, truncated })
}

function shortError(error: ErrorInfo, chars = 1000): ErrorInfo {
  return {
    ...error,
    message: cut(error.message, chars),
    causes: error.causes.slice(0, 10).map((cause) => cut(cause, chars)),
  }
}

/**
 * Every string in a JSON-shaped value cut to `max` characters, and every list of strings (warnings,
 * causes, names) to its first 20 entries; lists of objects (canisters, steps) are all kept.
 */
function clipTexts(value: unknown, max: number): unknown {
  if (typeof value === 'string') return cut(value, max)
  if (Array.isArray(value)) {
    const texts = value.length > 0 && value.every((item) => typeof item === 'string')
    return (texts ? value.slice(0, 20) : value).map((item) => clipTexts(item, max))
  }
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, clipTexts(inner, max)]))
  return value
}

/** As many names (each cut to 100 characters) as fit in `bytes` of JSON. */
function fitNames(names: string[], bytes: number): string[] {
  const kept: string[] = []
  let used = 2
  for (const name of names) {
    const short = cut(name, 100)
    used += Buffer.byteLength(JSON.stringify(short)) + 1
    if (used > bytes) break
    kept.push(short)
  }
  return kept
}
