// The CLI's output: plain lines (pipes, CI logs) or a live view on a terminal. Every line is made
// terminal-safe (escape sequences and control characters removed: a plugin may not set the window
// title, write the clipboard with OSC 52 or overwrite earlier lines); on a GitHub runner, plugin and
// script text is also kept inert for the runner's command parser.
import { inertBlock, terminalSafe } from '../report/inert.js'
import type { CanisterRef, StepRef, SyncObserver } from '../report/observer.js'
import type { CanisterResult } from '../report/result.js'
import { failureDump, persistentLines, stepOutcome, stepTitle } from '../report/text.js'

interface Sink {
  write(text: string): unknown
  columns?: number
}

/**
 * One line per event, every plugin and script line included, prefixed with its canister. `inert`
 * (set when the CLI runs on a GitHub runner) brackets plugin-derived lines with stop-commands.
 */
export function plainObserver(out: Sink, options: { inert?: boolean } = {}): SyncObserver {
  const print = (line: string): void => void out.write(terminalSafe(line) + '\n')
  const printPlugin = (lines: string[]): void => {
    const safe = lines.map(terminalSafe)
    for (const line of options.inert ? inertBlock(safe) : safe) out.write(line + '\n')
  }
  return {
    info: print,
    warning: (message) => print(`WARN ${message}`),
    stepStarted: (canister, step) => print(oneLine(stepTitle(canister, step))),
    line: (canister, _step, _stream, line) => printPlugin([`[${canister.name}] > ${line}`]),
    stepFinished: (canister, step, result) =>
      print(`[${canister.name}] step ${step.index} ${stepOutcome(result)}`),
    canisterFinished: (result) => printPlugin(finished(result)),
  }
}

function finished(result: CanisterResult): string[] {
  if (result.status === 'synced')
    return [`[${result.name}] Synced successfully: ${result.id}`, ...persistentLines(result)]
  return failureDump(result).map((line) => `ERR ${line}`)
}

/**
 * A live view: permanent lines scroll above a block with one status row per running canister showing
 * its current step and latest output line (as icp's progress bars do).
 */
export function ttyObserver(out: Sink): SyncObserver {
  const rows = new Map<string, string>()
  let drawn = 0
  const redraw = (permanent: string[] = []): void => {
    let text = drawn > 0 ? `\x1b[${drawn}A\x1b[J` : ''
    for (const line of permanent) text += line.split('\n').map(terminalSafe).join('\n') + '\n'
    // The cursor moves up one line per row on the next redraw: so every row must be one line on screen.
    for (const row of rows.values()) text += fitRow(row, out.columns ?? 100) + '\n'
    drawn = rows.size
    out.write(text)
  }
  const status = (canister: CanisterRef, step: StepRef, detail: string): void => {
    rows.set(
      canister.name,
      `⏳ ${canister.name} ${step.index}/${step.total} ${step.label}${detail ? ` — ${detail}` : ''}`,
    )
  }
  return {
    info: (message) => redraw([message]),
    warning: (message) => redraw([`WARN ${message}`]),
    stepStarted(canister, step) {
      status(canister, step, '')
      redraw()
    },
    line(canister, step, _stream, line) {
      status(canister, step, line)
      redraw()
    },
    stepFinished(canister, step, result) {
      status(canister, step, result.status)
      redraw()
    },
    canisterFinished(result) {
      rows.delete(result.name)
      redraw(
        result.status === 'synced'
          ? [`✅ ${finished(result).join('\n')}`]
          : ['❌ ' + finished(result).join('\n')],
      )
    },
  }
}

/**
 * A status row as one screen line: line breaks become `; ` (oneLine), escapes and controls go, tabs become a space, and the row is cut to fit the terminal
 * counting display columns (a wide character or an emoji takes two), one column spare for terminals
 * that disagree on an emoji's width. A row that wrapped would leave a copy behind on every redraw.
 */
export function fitRow(text: string, columns: number): string {
  const flat = terminalSafe(oneLine(text).replace(/\t/g, ' '))
  const room = Math.max(20, columns) - 2
  if (widthOf(flat) <= room) return flat
  let used = 1 // the ellipsis
  let kept = ''
  for (const char of flat) {
    used += columnsOf(char)
    if (used > room) break
    kept += char
  }
  return kept + '…'
}

/** Line breaks as `; `: a script step's label lists its commands one a line. */
export function oneLine(text: string): string {
  return text.replace(/\r?\n/g, '; ')
}

function widthOf(text: string): number {
  let width = 0
  for (const char of text) width += columnsOf(char)
  return width
}

const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}]$/u
const WIDE =
  /^[\p{Extended_Pictographic}\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{20000}-\u{3fffd}]$/u

/** Display columns of one code point: 0 for combining marks and format characters, 2 for wide ones. */
function columnsOf(char: string): number {
  if (ZERO_WIDTH.test(char)) return 0
  return WIDE.test(char) ? 2 : 1
}
