// The CLI's live view on a terminal, without a terminal: what ttyObserver writes is replayed on a small
// screen model (lines that wrap at the terminal width take more than one screen line; `ESC [ n A` then
// `ESC [ J` erases the last n screen lines, as the view means it to). The status block must stay one
// screen line per running canister whatever its label or output holds; a row that wrapped left a copy
// of itself behind on every redraw.
import { describe, expect, test } from '@jest/globals'

import { fitRow, plainObserver, ttyObserver } from '../../src/cli/terminal.js'

/** Screen lines as a terminal of `columns` columns shows them; wide characters take two columns. */
class Screen {
  lines: string[] = []
  constructor(readonly columns: number) {}

  write(text: string): void {
    let rest = text
    const move = /^\x1b\[(\d+)A\x1b\[J/.exec(rest) // eslint-disable-line no-control-regex
    if (move) {
      this.lines.splice(this.lines.length - Number(move[1]))
      rest = rest.slice(move[0].length)
    }
    expect(rest).not.toContain('\x1b')
    for (const line of rest.split('\n').slice(0, -1)) {
      const wraps = Math.max(1, Math.ceil(displayWidth(line) / this.columns))
      this.lines.push(line, ...Array<string>(wraps - 1).fill('(wrapped)'))
    }
  }
}

function displayWidth(text: string): number {
  let width = 0
  for (const char of text) {
    if (char === '\t') width += 8 - (width % 8)
    else width += /\p{Extended_Pictographic}|[\u3040-\u9fff\uac00-\ud7a3\uff00-\uff60]/u.test(char) ? 2 : 1
  }
  return width
}

const canister = { name: 'demo', id: 'rwlgt-iiaaa-aaaaa-aaaaa-cai' }
const other = { name: 'other', id: 'rrkah-fqaaa-aaaaa-aaaaq-cai' }
const script = { index: 1, total: 2, label: 'script sleep 2\necho done' }

describe('the live view', () => {
  test('a script step whose label spans lines keeps one row per canister across refreshes', () => {
    const screen = new Screen(80)
    const observer = ttyObserver({ write: (text: string) => screen.write(text), columns: 80 })
    observer.stepStarted(canister, script)
    observer.stepStarted(other, script)
    for (let i = 0; i < 5; i++) observer.line(canister, script, 'stdout', `tick ${i}`)
    observer.line(other, script, 'stdout', 'done')
    expect(screen.lines).toEqual([
      '⏳ demo 1/2 script sleep 2; echo done — tick 4',
      '⏳ other 1/2 script sleep 2; echo done — done',
    ])
  })

  test('rows are clipped to the terminal by display width: tabs, wide characters, emoji', () => {
    for (const columns of [20, 40, 57, 80]) {
      const screen = new Screen(columns)
      const observer = ttyObserver({ write: (text: string) => screen.write(text), columns })
      observer.stepStarted(canister, { ...script, label: 'script ' + 'echo 漢字漢字\n'.repeat(20) })
      observer.line(canister, script, 'stdout', '\tcolumn\tafter\ttabs\t' + '🚀'.repeat(50))
      observer.line(canister, script, 'stdout', '全角'.repeat(60))
      observer.info('a permanent line')
      observer.line(canister, script, 'stdout', 'last')
      expect(screen.lines).toEqual(['a permanent line', expect.stringMatching(/^⏳ demo 1\/2 scri/)])
      expect(displayWidth(screen.lines[1]!)).toBeLessThan(columns)
    }
  })

  test('fitRow leaves short rows alone and marks a cut with an ellipsis', () => {
    expect(fitRow('⏳ a 1/1 plugin', 80)).toBe('⏳ a 1/1 plugin')
    const cut = fitRow('x'.repeat(200), 40)
    expect(cut).toBe('x'.repeat(37) + '…')
  })

  test('plain output names a multi-line script step on one line', () => {
    let text = ''
    const observer = plainObserver({ write: (chunk: string) => (text += chunk) })
    observer.stepStarted(canister, script)
    expect(text).toBe('[demo] Syncing: script sleep 2; echo done 1 of 2\n')
  })
})
