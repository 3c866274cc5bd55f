// Text a plugin (or a script step) printed must never act on the terminal or on the Actions runner.
// The runner reads a step's stdout and stderr line by line (.NET ReadLine: '\r', '\n' and "\r\n" all
// end a line) and takes `::cmd::` after leading whitespace, or `##[cmd]` anywhere in a line, as a
// workflow command; only `::stop-commands::<token>` … `::<token>::` switches both forms off.
import { randomBytes } from 'node:crypto'

export { terminalSafe } from '../util/escapes.js'

/**
 * Brackets lines with `::stop-commands::<fresh token>` … `::<token>::` so nothing inside is a workflow
 * command (a plugin's own `::stop-commands::x` included: it is inert too, so it cannot outlive the
 * block). A bare CR would end the line for the runner; it is shown as ␍ instead.
 */
export function inertBlock(lines: string[]): string[] {
  if (lines.length === 0) return []
  const token = randomBytes(16).toString('hex')
  return [`::stop-commands::${token}`, ...lines.map(showCarriageReturns), `::${token}::`]
}

export function showCarriageReturns(line: string): string {
  return line.replace(/\r\n?|\n/g, '␍')
}
