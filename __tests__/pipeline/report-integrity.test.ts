// The job summary and the `result` output as a report you can trust: text a plugin or a canister chose
// renders as text (checked on the Markdown and on its HTML through a GFM renderer), trimming never
// hides a canister or its verdict and cause, and `result` is always valid JSON under its budget.
import { describe, expect, test } from '@jest/globals'
import { marked } from 'marked'

import { resultOutputJson } from '../../src/action/result-output.js'
import { SUMMARY_BUDGET_BYTES, renderSummary } from '../../src/action/summary.js'
import { redactDeep } from '../../src/action/redact.js'
import type { CanisterResult, StepResult, SyncResult } from '../../src/report/result.js'

/** Text that would be markup if it were not escaped: every trick the review used, and a few more. */
export const HOSTILE = [
  'ok\r### Fake heading after a lone CR',
  'line\u2028# heading after LS\u2029## after PS\n#### after LF',
  '![](https://tracker.example/pixel.png)',
  '[click me](https://evil.example/)',
  '<img src=x onerror=alert(1)>',
  '</details><script>alert(1)</script>',
  '```\n# out of the fence\n```',
  '| a | b |\n| - | - |\n| c | d |',
  '*emphasis* _under_ ~~struck~~ **bold**',
  'https://evil.example/autolink www.evil.example mail@evil.example',
  '&lt;img src=x&gt; &#60;b&#62;',
  '`` ` ``` ````',
  '\u202eevil\u202c bidi',
].join(' \n')

function step(overrides: Partial<StepResult> = {}): StepResult {
  return {
    index: 1,
    kind: 'plugin',
    label: 'plugin path: p.wasm',
    status: 'ok',
    durationMs: 1200,
    calls: 0,
    callTrace: [],
    persistentStderr: [],
    output: [],
    ...overrides,
  }
}

function canister(name: string, overrides: Partial<CanisterResult> = {}): CanisterResult {
  return {
    name,
    id: 'rwlgt-iiaaa-aaaaa-aaaaa-cai',
    status: 'synced',
    durationMs: 1300,
    steps: [step()],
    warnings: [],
    ...overrides,
  }
}

function run(canisters: CanisterResult[], overrides: Partial<SyncResult> = {}): SyncResult {
  return {
    ok: canisters.every((c) => c.status === 'synced'),
    environment: 'e2e',
    network: 'replica',
    durationMs: 1500,
    canisters,
    synced: canisters.filter((c) => c.status === 'synced').map((c) => c.name),
    failed: canisters.filter((c) => c.status === 'failed').map((c) => c.name),
    warnings: [],
    ...overrides,
  }
}

function call(method: string, error?: string) {
  return {
    method,
    route: 'direct' as const,
    target: 'rwlgt-iiaaa-aaaaa-aaaaa-cai',
    callType: 'query' as const,
    argBytes: 4,
    replyBytes: 0,
    ms: 1,
    outcome: error === undefined ? ('ok' as const) : ('error' as const),
    ...(error === undefined ? {} : { error }),
    attempts: 1,
    polled: false,
  }
}

/** A run where hostile text sits in every field a plugin, a canister or the manifest controls. */
function hostileRun(): SyncResult {
  return run(
    [
      canister('hostile', {
        warnings: [HOSTILE],
        steps: [
          step({
            label: HOSTILE,
            calls: 2,
            callTrace: [call(HOSTILE), call('greet', HOSTILE)],
            persistentStderr: HOSTILE.split('\n'),
            plugin: {
              source: 'url',
              location: HOSTILE,
              sha256: 'ab'.repeat(32),
              interfaceVersion: HOSTILE,
              downloadCacheHit: false,
              transpileCacheHit: false,
              transpileMs: 0,
              instantiateMs: 0,
              execMs: 0,
              computeMs: 0,
              callMs: 0,
            },
          }),
        ],
      }),
      canister('broken', {
        status: 'failed',
        error: { message: 'failed to run plugin', causes: [HOSTILE, `plugin returned error: ${HOSTILE}`] },
        steps: [step({ status: 'failed', output: HOSTILE.split('\n') })],
      }),
    ],
    { warnings: [HOSTILE], network: HOSTILE },
  )
}

/** Elements in the rendered HTML, by tag name. */
function tags(html: string): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const match of html.matchAll(/<([a-zA-Z][a-zA-Z0-9]*)\b/g)) {
    const name = match[1]!.toLowerCase()
    counts[name] = (counts[name] ?? 0) + 1
  }
  return counts
}

describe('job summary: foreign text renders as text', () => {
  const markdown = renderSummary(hostileRun())
  const html = marked.parse(markdown, { gfm: true, async: false })

  test('the HTML has only the elements the summary itself makes', () => {
    const found = tags(html)
    // Our headings: the run's and one per canister.
    expect(found.h2).toBe(1)
    expect(found.h3).toBe(2)
    for (const tag of ['h1', 'h4', 'h5', 'h6', 'a', 'img', 'script', 'em', 'strong', 'del'])
      expect([tag, found[tag] ?? 0]).toEqual([tag, 0])
    // Our tables: one step table per canister and one call trace.
    expect(found.table).toBe(3)
    // Our folds: the stderr of the synced canister, the call trace, the failed step's output.
    expect(found.details).toBe(3)
    expect(found.summary).toBe(3)
  })

  test('every step-table row has exactly its eight cells', () => {
    const rows = markdown.split('\n').filter((line) => line.startsWith('| 1 |'))
    expect(rows.length).toBeGreaterThanOrEqual(3)
    for (const row of rows) expect(row.split(/(?<!\\)\|/).length - 2).toBe(8)
  })

  test('no line separator of any kind survives inside a table row or a heading', () => {
    for (const line of markdown.split('\n').filter((l) => l.startsWith('|') || l.startsWith('#')))
      // eslint-disable-next-line no-control-regex -- the line separators are what is checked
      expect(line).not.toMatch(/[\r\u2028\u2029\u0085\u000b\u000c]/)
    expect(markdown).not.toMatch(/\r/)
  })

  test('the text is still there, literally, for a reader', () => {
    const text = html.replace(/<[^>]+>/g, '')
    expect(text).toContain('![](https://tracker.example/pixel.png)')
    expect(text).toContain('[click me](https://evil.example/)')
    expect(text).toContain('&lt;img src=x onerror=alert(1)&gt;')
  })

  test('plugin text in a code block cannot close it: three blocks, each holding all of its text', () => {
    const blocks = [...html.matchAll(/<pre><code[^>]*>([\s\S]*?)<\/code><\/pre>/g)].map((m) => m[1]!)
    // The failure's cause chain, the failed step's output, the synced canister's stderr.
    expect(blocks).toHaveLength(3)
    for (const block of blocks) {
      expect(block).toContain('# out of the fence')
      expect(block).toContain('bidi')
    }
  })
})

describe('job summary: trimming removes detail, never a canister or its cause', () => {
  test('one chatty canister cannot hide another one’s failure', () => {
    const chatty = Array.from({ length: 40 }, (_, i) =>
      canister(`chatty${i}`, {
        steps: [
          step({
            calls: 200,
            callTrace: Array.from({ length: 200 }, (_, n) => call(`method_${n}_${'m'.repeat(250)}`)),
            persistentStderr: Array.from({ length: 100 }, () => 's'.repeat(500)),
          }),
        ],
      }),
    )
    const failing = canister('quiet', {
      status: 'failed',
      error: { message: 'failed to run plugin', causes: ['plugin returned error: the real cause'] },
      steps: [step({ status: 'failed' })],
    })
    const result = run([...chatty, failing])
    const markdown = renderSummary(result)
    expect(Buffer.byteLength(markdown)).toBeLessThanOrEqual(SUMMARY_BUDGET_BYTES)
    expect(markdown).toContain('quiet')
    expect(markdown).toContain('plugin returned error: the real cause')
    for (const c of chatty) expect(markdown).toContain(`\`${c.name}\``)
    expect(markdown).toContain('Detail left out to stay under the summary size limit')
  })

  test('thousands of failed canisters with huge causes: every one keeps a row with its verdict', () => {
    const many = Array.from({ length: 3000 }, (_, i) =>
      canister(`c${i}`, {
        status: 'failed',
        error: { message: 'failed to run plugin', causes: ['x'.repeat(100_000)] },
        steps: [step({ status: 'failed', output: ['y'.repeat(10_000)] })],
      }),
    )
    const markdown = renderSummary(run(many))
    expect(Buffer.byteLength(markdown)).toBeLessThanOrEqual(SUMMARY_BUDGET_BYTES)
    for (const i of [0, 1500, 2999]) expect(markdown).toContain(`| \`c${i}\` | failed |`)
  })
})

describe('result output: valid JSON under the budget', () => {
  test('a short password such as `false` is redacted field by field: the JSON stays valid', () => {
    const result = run([canister('a', { warnings: ['value false was seen'] })])
    const json = resultOutputJson(redactDeep(result, ['false']))
    const parsed = JSON.parse(json) as SyncResult
    expect(parsed.ok).toBe(true)
    expect(parsed.canisters[0]!.warnings).toEqual(['value *** was seen'])
  })

  test('a 2 MB error is cut in the verdict-only fallback, and the output stays under 1 MB', () => {
    const huge = 'e'.repeat(2_000_343)
    const result = run(
      Array.from({ length: 5 }, (_, i) => canister(`c${i}`, { warnings: ['w'.repeat(300_000)] })),
      { error: { message: huge, causes: [huge, huge] } },
    )
    const json = resultOutputJson(result)
    expect(Buffer.byteLength(json)).toBeLessThanOrEqual(512 * 1024)
    const parsed = JSON.parse(json) as SyncResult & { truncated: string[] }
    expect(parsed.error!.message.startsWith('eeee')).toBe(true)
    expect(parsed.synced).toEqual(['c0', 'c1', 'c2', 'c3', 'c4'])
  })

  test('every canister keeps its verdict after long texts are cut', () => {
    const result = run(
      Array.from({ length: 100 }, (_, i) =>
        canister(`c${i}`, {
          status: 'failed',
          error: { message: 'failed', causes: ['z'.repeat(20_000)] },
        }),
      ),
    )
    const parsed = JSON.parse(resultOutputJson(result)) as SyncResult & { truncated: string[] }
    expect(parsed.truncated).toContain('long texts')
    expect(parsed.canisters).toHaveLength(100)
    expect(
      parsed.canisters.every((c) => c.status === 'failed' && c.error!.causes[0]!.startsWith('zzz')),
    ).toBe(true)
  })
})
