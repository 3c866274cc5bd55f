// The job summary: a table per canister, failures with their cause chain and last output, and the
// call trace folded away. Kept well under the runner's 1 MiB per-step limit.
import type { CanisterResult, StepResult, SyncResult } from '../report/result.js'

/** Our budget; the runner refuses summaries over 1 MiB. */
export const SUMMARY_BUDGET_BYTES = 512 * 1024
const TRACE_ROWS_PER_STEP = 200
const OUTPUT_LINES_ON_FAILURE = 20

export function renderSummary(result: SyncResult): string {
  const parts: string[] = []
  const status = result.ok ? '✅ synced' : '❌ failed'
  parts.push(`## ICP sync: ${escape(result.environment)} — ${status}\n`)
  const facts = [
    result.network ? `network \`${code(result.network)}\`` : undefined,
    result.identityPrincipal ? `identity \`${code(result.identityPrincipal)}\`` : undefined,
    `${result.synced.length} synced, ${result.failed.length} failed`,
    `${(result.durationMs / 1000).toFixed(1)} s`,
  ].filter(Boolean)
  parts.push(facts.join(' · ') + '\n')
  if (result.error) parts.push(errorBlock(result.error.message, result.error.causes))
  for (const warning of result.warnings) parts.push(`> [!WARNING]\n> ${escape(warning)}\n`)
  const scripts = result.canisters
    .flatMap((c) => c.steps)
    .filter((s) => s.kind === 'script' && s.status !== 'skipped')
  if (scripts.length > 0) parts.push(SCRIPT_NOTE)
  for (const canister of result.canisters) parts.push(canisterSection(canister))
  return fitToBudget(parts)
}

/** Said wherever script steps ran (SECURITY.md): withholding the Action's inputs is hygiene, not a wall. */
export const SCRIPT_NOTE =
  "> [!NOTE]\n> Script steps ran with this job's privileges: like any step of the job, a script can read the job's secrets, the signing identity included.\n"

function canisterSection(canister: CanisterResult): string {
  const icon = canister.status === 'synced' ? '✅' : '❌'
  const lines = [`### ${icon} ${escape(canister.name)} \`${code(canister.id)}\`\n`]
  lines.push('| # | step | plugin source | sha256 | interface | duration | calls | status |')
  lines.push('| - | ---- | ------------- | ------ | --------- | -------- | ----- | ------ |')
  for (const step of canister.steps) {
    lines.push(
      `| ${step.index} | ${cell(step.label)} | ${cell(step.plugin ? step.plugin.location : '')} | ${
        step.plugin ? `\`${step.plugin.sha256.slice(0, 12)}\`` : ''
      } | ${step.plugin?.interfaceVersion ?? ''} | ${(step.durationMs / 1000).toFixed(2)} s | ${step.kind === 'plugin' ? step.calls : ''} | ${step.status} |`,
    )
  }
  lines.push('')
  for (const warning of canister.warnings) lines.push(`> [!WARNING]\n> ${escape(warning)}\n`)
  if (canister.error) lines.push(errorBlock(canister.error.message, canister.error.causes))
  const failed = canister.steps.find((step) => step.status === 'failed')
  if (failed && failed.output.length > 0) {
    lines.push(`<details><summary>Last output of step ${failed.index}</summary>\n\n\`\`\`text`)
    lines.push(...failed.output.slice(-OUTPUT_LINES_ON_FAILURE).map(fence))
    lines.push('```\n</details>\n')
  }
  const persistent = canister.steps.flatMap((step) => step.persistentStderr)
  if (canister.status === 'synced' && persistent.length > 0) {
    lines.push('<details><summary>Plugin messages (stderr)</summary>\n\n```text')
    lines.push(...persistent.slice(-OUTPUT_LINES_ON_FAILURE * 5).map(fence))
    lines.push('```\n</details>\n')
  }
  for (const step of canister.steps) if (step.callTrace.length > 0) lines.push(traceBlock(step))
  return lines.join('\n') + '\n'
}

function traceBlock(step: StepResult): string {
  const rows = step.callTrace
    .slice(0, TRACE_ROWS_PER_STEP)
    .map(
      (call, i) =>
        `| ${i + 1} | ${cell(call.method)} | ${call.callType} | ${call.route} | ${call.argBytes} | ${call.replyBytes} | ${call.ms} ms | ${
          call.outcome === 'ok' ? 'ok' : cell(call.error ?? 'error')
        } |`,
    )
  const more = step.callTrace.length - rows.length
  return [
    `<details><summary>Call trace of step ${step.index} (${step.callTrace.length} calls)</summary>\n`,
    '| # | method | type | route | arg bytes | reply bytes | time | outcome |',
    '| - | ------ | ---- | ----- | --------- | ----------- | ---- | ------- |',
    ...rows,
    more > 0 ? `\n… ${more} more calls not shown\n` : '',
    '</details>\n',
  ].join('\n')
}

function errorBlock(message: string, causes: string[]): string {
  return ['```text', fence(message), ...causes.map((cause) => fence(`  caused by: ${cause}`)), '```\n'].join(
    '\n',
  )
}

/** Drops whole sections from the end until the summary fits, and says so. */
function fitToBudget(parts: string[]): string {
  let text = parts.join('\n')
  let kept = parts.length
  while (Buffer.byteLength(text) > SUMMARY_BUDGET_BYTES && kept > 2) {
    kept--
    text =
      parts.slice(0, kept).join('\n') +
      `\n\n_${parts.length - kept} more sections left out to stay under the summary size limit; see the \`result\` output._\n`
  }
  if (Buffer.byteLength(text) > SUMMARY_BUDGET_BYTES)
    text = text.slice(0, SUMMARY_BUDGET_BYTES / 2) + '\n\n_(truncated)_\n'
  return text
}

function escape(text: string): string {
  return text.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!)
}

function cell(text: string): string {
  return escape(text).replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>')
}

function code(text: string): string {
  return text.replace(/`/g, "'")
}

/** A line inside a ``` fence must not close it. */
function fence(line: string): string {
  return line.replace(/```/g, "'''")
}
