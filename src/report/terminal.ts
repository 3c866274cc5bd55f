// The CLI's output: plain lines (pipes, CI logs) or a live view on a terminal. Every line is made
// terminal-safe (escape sequences and control characters removed: a plugin may not set the window
// title, write the clipboard with OSC 52 or overwrite earlier lines); on a GitHub runner, plugin and
// script text is also kept inert for the runner's command parser.
import { inertBlock, terminalSafe } from './inert.js'
import type { CanisterRef, StepRef, SyncObserver } from './observer.js'
import type { CanisterResult } from './result.js'
import { failureDump, persistentLines, stepOutcome, stepTitle } from './text.js'

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
    stepStarted: (canister, step) => print(stepTitle(canister, step)),
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
  const width = (): number => Math.max(20, (out.columns ?? 100) - 1)
  const clip = (text: string): string => (text.length > width() ? text.slice(0, width() - 1) + '…' : text)
  const redraw = (permanent: string[] = []): void => {
    let text = drawn > 0 ? `\x1b[${drawn}A\x1b[J` : ''
    for (const line of permanent) text += line.split('\n').map(terminalSafe).join('\n') + '\n'
    for (const row of rows.values()) text += clip(terminalSafe(row)) + '\n'
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
