// The job summary: a table per canister, failures with their cause chain and last output, and the
// call trace folded away. Kept well under the runner's 1 MiB per-step limit.
//
// Every text a plugin, a canister, a remote or the manifest chose goes through markdown.ts (inline
// code or a fenced block), so it renders as text: no heading, link, image or HTML can come from it.
// When the summary is too large, detail goes first, row by row and level by level; every canister
// keeps its line with its verdict and the cause of a failure.
import type { CapabilityRow, GrantedPath } from '../report/capabilities.js'
import type { CanisterResult, ErrorInfo, StepChange, StepResult, SyncResult } from '../report/result.js'
import { TRACE_HEAD } from '../report/call-trace.js'
import { formatSeconds } from '../util/units.js'
import { codeBlock, cut, inlineCode, oneLine } from './markdown.js'

/** Our budget; the runner refuses summaries over 1 MiB. */
export const SUMMARY_BUDGET_BYTES = 512 * 1024

/** How much of each kind of detail a rendering keeps. */
interface Detail {
  /** Call-trace rows per step (0: no trace). */
  traceRows: number
  /** Output lines of a failed step, stderr lines of a synced canister. */
  outputLines: number
  stderrLines: number
  /** Characters kept of a table cell, an output line, one part of an error chain. */
  cell: number
  line: number
  errorPart: number
  causes: number
  warnings: number
}

const LEVELS: Detail[] = [
  {
    traceRows: 200,
    outputLines: 20,
    stderrLines: 100,
    cell: 300,
    line: 500,
    errorPart: 2000,
    causes: 20,
    warnings: 20,
  },
  {
    traceRows: 20,
    outputLines: 10,
    stderrLines: 20,
    cell: 120,
    line: 200,
    errorPart: 1000,
    causes: 10,
    warnings: 10,
  },
  {
    traceRows: 0,
    outputLines: 5,
    stderrLines: 5,
    cell: 80,
    line: 120,
    errorPart: 500,
    causes: 5,
    warnings: 5,
  },
  { traceRows: 0, outputLines: 0, stderrLines: 0, cell: 60, line: 0, errorPart: 300, causes: 3, warnings: 3 },
]

export function renderSummary(result: SyncResult, budget = SUMMARY_BUDGET_BYTES): string {
  for (const [level, detail] of LEVELS.entries()) {
    const parts = [
      header(result, detail),
      ...reviewSection(result.capabilities ?? [], detail),
      ...changesSection(result.baselineChanges, detail),
      ...result.canisters.map((canister) => canisterSection(canister, detail)),
    ]
    if (level > 0)
      parts.push(`_Detail left out to stay under the summary size limit; see the \`result\` output._\n`)
    const text = parts.join('\n')
    if (Buffer.byteLength(text) <= budget) return text
  }
  return compactSummary(result, budget)
}

function header(result: SyncResult, detail: Detail): string {
  const status = result.ok ? '✅ synced' : '❌ failed'
  const facts = [
    result.network ? `network ${inlineCode(result.network, detail.cell)}` : undefined,
    result.identityPrincipal ? `identity ${inlineCode(result.identityPrincipal, detail.cell)}` : undefined,
    `${result.synced.length} synced, ${result.failed.length} failed`,
    formatSeconds(result.durationMs),
  ].filter(Boolean)
  const parts = [
    `## ICP sync: ${inlineCode(result.environment, detail.cell)} — ${status}\n`,
    facts.join(' · ') + '\n',
  ]
  if (result.error) parts.push(errorBlock(result.error, detail))
  parts.push(...warningBlocks(result.warnings, detail))
  const scriptsRan = result.canisters.some((c) =>
    c.steps.some((s) => s.kind === 'script' && s.status !== 'skipped'),
  )
  if (scriptsRan) parts.push(SCRIPT_NOTE)
  return parts.join('\n')
}

/** Said wherever script steps ran (SECURITY.md): withholding the Action's inputs is hygiene, not a wall. */
export const SCRIPT_NOTE =
  "> [!NOTE]\n> Script steps ran with this job's privileges: like any step of the job, a script can read the job's secrets, the signing identity included.\n"

function warningBlocks(warnings: string[], detail: Detail): string[] {
  const shown = warnings
    .slice(0, detail.warnings)
    .map((w) => `> [!WARNING]\n> ${inlineCode(w, detail.errorPart)}\n`)
  const more = warnings.length - shown.length
  if (more > 0) shown.push(`_${more} more warnings left out._\n`)
  return shown
}

/** What each plugin step is given (src/report/capabilities.ts), before the run tables. */
function reviewSection(rows: CapabilityRow[], detail: Detail): string[] {
  if (rows.length === 0) return []
  const cell = (text: string | undefined) => inlineCode(text ?? '', detail.cell, { cell: true })
  // Import lists and grants are what a reviewer reads: they get the longer limit.
  const long = (text: string) => inlineCode(text, detail.errorPart, { cell: true })
  const list = (items: string[] | undefined) => (items === undefined ? '?' : items.join(', '))
  const grants = (paths: GrantedPath[]) =>
    paths
      .map((p) => {
        const size = p.bytes === undefined ? '?' : `${p.bytes}${p.bytesPartial ? '+' : ''} B`
        return `${p.name !== undefined ? `${p.name}=` : ''}${p.path} (${size})`
      })
      .join(', ')
  const first = rows[0]!
  const lines = [
    '### Capability review\n',
    `Every plugin acts as identity ${cell(first.identityPrincipal ?? 'anonymous')}` +
      (first.proxy ? `, through proxy ${cell(first.proxy)}` : '') +
      '. `?`: not read (the step did not get that far).\n',
    '| canister | step | source | sha256 | interface | WASI imports | host imports | dirs | files | canisters |',
    '| -------- | ---- | ------ | ------ | --------- | ------------ | ------------ | ---- | ----- | --------- |',
  ]
  for (const row of rows)
    lines.push(
      `| ${cell(row.canister)} | ${row.step} | ${cell(`${row.source}: ${row.location}`)} | ${cell(row.sha256)} | ${cell(
        row.interfaceVersion ?? '?',
      )} | ${long(list(row.wasi))} | ${long(list(row.host))} | ${long(grants(row.dirs))} | ${long(
        grants(row.files),
      )} | ${cell(row.canisters.join(', '))} |`,
    )
  return [lines.join('\n') + '\n']
}

/** Steps that differ from the baseline checkout (src/policy/baseline.ts). */
function changesSection(changes: StepChange[] | undefined, detail: Detail): string[] {
  if (changes === undefined) return []
  if (changes.length === 0) return ['No plugin or script step changed against the baseline.\n']
  const lines = [
    '### Changes against the baseline\n',
    '| canister | step | type | changes |',
    '| -------- | ---- | ---- | ------- |',
  ]
  for (const change of changes)
    lines.push(
      `| ${inlineCode(change.canister, detail.cell, { cell: true })} | ${change.step} | ${change.kind} | ${inlineCode(
        change.changes.join('; '),
        detail.errorPart,
        { cell: true },
      )} |`,
    )
  return [lines.join('\n') + '\n']
}

function canisterSection(canister: CanisterResult, detail: Detail): string {
  const icon = canister.status === 'synced' ? '✅' : '❌'
  const lines = [
    `### ${icon} ${inlineCode(canister.name, detail.cell)} ${inlineCode(canister.id, detail.cell)}\n`,
  ]
  lines.push('| # | step | plugin source | sha256 | interface | duration | calls | status |')
  lines.push('| - | ---- | ------------- | ------ | --------- | -------- | ----- | ------ |')
  for (const step of canister.steps) {
    const cell = (text: string | undefined) => inlineCode(text ?? '', detail.cell, { cell: true })
    lines.push(
      `| ${step.index} | ${cell(step.label)} | ${cell(step.plugin?.location)} | ${cell(step.plugin?.sha256.slice(0, 12))} | ${cell(
        step.plugin?.interfaceVersion,
      )} | ${(step.durationMs / 1000).toFixed(2)} s | ${step.kind === 'plugin' ? step.calls : ''} | ${step.status} |`,
    )
  }
  lines.push('')
  lines.push(...warningBlocks(canister.warnings, detail))
  if (canister.error) lines.push(errorBlock(canister.error, detail))
  const failed = canister.steps.find((step) => step.status === 'failed')
  if (failed && failed.output.length > 0 && detail.outputLines > 0) {
    lines.push(`<details><summary>Last output of step ${failed.index}</summary>\n`)
    lines.push(codeBlock(failed.output.slice(-detail.outputLines), detail.line))
    lines.push('</details>\n')
  }
  const persistent = canister.steps.flatMap((step) => step.persistentStderr)
  if (canister.status === 'synced' && persistent.length > 0 && detail.stderrLines > 0) {
    lines.push('<details><summary>Plugin messages (stderr)</summary>\n')
    lines.push(codeBlock(persistent.slice(-detail.stderrLines), detail.line))
    lines.push('</details>\n')
  }
  for (const step of canister.steps) {
    const recorded = step.callTrace.length + (step.callTraceOmitted ?? 0)
    if (recorded === 0) continue
    if (detail.traceRows > 0) lines.push(traceBlock(step, detail))
    else
      lines.push(
        `_Call trace of step ${step.index} (${recorded} calls) left out; see the \`result\` output._\n`,
      )
  }
  return lines.join('\n') + '\n'
}

function traceBlock(step: StepResult, detail: Detail): string {
  const omitted = step.callTraceOmitted ?? 0
  const total = step.callTrace.length + omitted
  // Call numbers: the trace holds the first TRACE_HEAD calls, then the last ones after the omitted run.
  const numbered = step.callTrace.map((call, i) => ({
    call,
    n: omitted > 0 && i >= TRACE_HEAD ? i + 1 + omitted : i + 1,
  }))
  const half = Math.ceil(detail.traceRows / 2)
  const shown =
    numbered.length <= detail.traceRows
      ? numbered
      : [...numbered.slice(0, half), ...numbered.slice(-(detail.traceRows - half))]
  const rows: string[] = []
  for (const [i, { call, n }] of shown.entries()) {
    const previous = i === 0 ? 0 : shown[i - 1]!.n
    if (n - previous > 1) rows.push(`| … | ${n - previous - 1} calls not shown | | | | | | |`)
    const cell = (text: string) => inlineCode(text, detail.cell, { cell: true })
    rows.push(
      `| ${n} | ${cell(call.method)} | ${call.callType} | ${call.route} | ${call.argBytes} | ${call.replyBytes} | ${call.ms} ms | ${
        call.outcome === 'ok' ? 'ok' : cell(call.error ?? 'error')
      } |`,
    )
  }
  const last = shown.at(-1)?.n ?? 0
  if (total > last) rows.push(`| … | ${total - last} calls not shown | | | | | | |`)
  return [
    `<details><summary>Call trace of step ${step.index} (${total} calls)</summary>\n`,
    '| # | method | type | route | arg bytes | reply bytes | time | outcome |',
    '| - | ------ | ---- | ----- | --------- | ----------- | ---- | ------- |',
    ...rows,
    '',
    '</details>\n',
  ].join('\n')
}

function errorBlock(error: ErrorInfo, detail: Detail): string {
  const causes = error.causes.slice(0, detail.causes).map((cause) => `  caused by: ${cause}`)
  if (error.causes.length > causes.length)
    causes.push(`  (${error.causes.length - causes.length} more causes)`)
  return codeBlock(
    [error.message, ...causes].map((part) => cut(part, detail.errorPart)),
    detail.errorPart,
  )
}

/**
 * The last resort: one row per canister with its verdict and the first line of its cause, failed
 * canisters first; cells shrink before any canister is left out.
 */
function compactSummary(result: SyncResult, budget: number): string {
  const ordered = [
    ...result.canisters.filter((c) => c.status === 'failed'),
    ...result.canisters.filter((c) => c.status !== 'failed'),
  ]
  const top = [
    `## ICP sync: ${inlineCode(result.environment, 60)} — ${result.ok ? '✅ synced' : '❌ failed'}\n`,
    `${result.synced.length} synced, ${result.failed.length} failed · only the verdicts fit the summary size limit; see the \`result\` output.\n`,
    ...(result.error
      ? [inlineCode(`${result.error.message}: ${result.error.causes.join(': ')}`, 300) + '\n']
      : []),
    '| canister | status | cause |',
    '| -------- | ------ | ----- |',
  ].join('\n')
  for (const causeChars of [300, 80, 0]) {
    const rows = ordered.map((c) => {
      const cause =
        c.error && causeChars > 0
          ? inlineCode(
              oneLine([c.error.message, ...c.error.causes].join(': '), causeChars),
              causeChars + 40,
              {
                cell: true,
              },
            )
          : ''
      return `| ${inlineCode(c.name, 80, { cell: true })} | ${c.status} | ${cause} |`
    })
    const text = `${top}\n${rows.join('\n')}\n`
    if (Buffer.byteLength(text) <= budget) return text
  }
  // More canisters than rows fit (tens of thousands): failed ones first, then a count of the rest.
  let text = `${top}\n`
  let listed = 0
  for (const c of ordered) {
    const row = `| ${inlineCode(c.name, 80, { cell: true })} | ${c.status} | |\n`
    if (Buffer.byteLength(text) + Buffer.byteLength(row) + 200 > budget) break
    text += row
    listed++
  }
  return (
    text + `\n_${ordered.length - listed} more canisters not listed (all of them after the failed ones)._\n`
  )
}
