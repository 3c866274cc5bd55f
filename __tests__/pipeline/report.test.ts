import { describe, expect, test } from '@jest/globals'

import { resultOutputJson } from '../../src/action/result-output.js'
import { SCRIPT_NOTE, SUMMARY_BUDGET_BYTES, renderSummary } from '../../src/action/summary.js'
import {
  type CanisterResult,
  type StepResult,
  type SyncResult,
  errorInfo,
  failedCanistersMessage,
} from '../../src/report/result.js'
import { closingError, failureDump, persistentLines } from '../../src/report/text.js'
import { mapBounded } from '../../src/util/pool.js'

function step(overrides: Partial<StepResult> = {}): StepResult {
  return {
    index: 1,
    kind: 'plugin',
    label: 'plugin path: p.wasm',
    status: 'ok',
    durationMs: 1200,
    calls: 2,
    callTrace: [],
    persistentStderr: [],
    output: [],
    ...overrides,
  }
}

function canister(overrides: Partial<CanisterResult> = {}): CanisterResult {
  return {
    name: 'demo',
    id: 'rwlgt-iiaaa-aaaaa-aaaaa-cai',
    status: 'synced',
    durationMs: 1300,
    steps: [step()],
    warnings: [],
    ...overrides,
  }
}

function result(canisters: CanisterResult[]): SyncResult {
  return {
    ok: canisters.every((c) => c.status === 'synced'),
    environment: 'local',
    network: 'local',
    durationMs: 1500,
    canisters,
    synced: canisters.filter((c) => c.status === 'synced').map((c) => c.name),
    failed: canisters.filter((c) => c.status === 'failed').map((c) => c.name),
    warnings: [],
  }
}

describe('icp-style text', () => {
  test('failure dump has the error chain and the failing step’s output, as icp prints it', () => {
    const failed = canister({
      status: 'failed',
      error: { message: 'failed to run plugin', causes: ['plugin returned error: deliberate failure'] },
      steps: [
        step({ status: 'failed', output: ['error-plugin: about to fail'] }),
        step({ index: 2, status: 'skipped' }),
      ],
    })
    expect(failureDump(failed)).toEqual([
      "----- Failed to sync canister 'demo': rwlgt-iiaaa-aaaaa-aaaaa-cai -----",
      "'failed to run plugin'",
      '  caused by: plugin returned error: deliberate failure',
      '[demo] Sync output:',
      '[demo] Syncing: plugin path: p.wasm 1 of 2:',
      '[demo] > error-plugin: about to fail',
    ])
    expect(closingError(result([failed, canister({ name: 'b' })]))).toBe(
      'Canister(s) ["demo"] failed to sync.',
    )
  })

  test('a step with no output says so', () => {
    const failed = canister({ status: 'failed', steps: [step({ status: 'failed' })] })
    expect(failureDump(failed)).toContain('[demo] <no output>')
  })

  test('persistent stderr is reprinted with the canister name', () => {
    expect(
      persistentLines(canister({ steps: [step({ persistentStderr: ['registered 3 item(s)'] })] })),
    ).toEqual(['[demo] registered 3 item(s)'])
  })

  test('failedCanistersMessage quotes like icp', () => {
    expect(failedCanistersMessage(['a', 'b'])).toBe('Canister(s) ["a", "b"] failed to sync.')
  })

  test('errorInfo follows cause links and keeps a manifest position', () => {
    const inner = Object.assign(new Error('could not find ID'), { file: '/p/icp.yaml', line: 4, column: 7 })
    const info = errorInfo(new Error('failed to lookup canister ID', { cause: inner }))
    expect(info).toEqual({
      message: 'failed to lookup canister ID',
      causes: ['could not find ID'],
      position: { file: '/p/icp.yaml', line: 4, column: 7 },
    })
  })
})

describe('job summary', () => {
  test('has a row per step, the short sha256 and escapes markup', () => {
    const text = renderSummary(
      result([
        canister({
          name: 'x<script>',
          steps: [
            step({
              label: 'plugin url: https://e.test/a|b.wasm',
              plugin: {
                source: 'url',
                location: 'https://e.test/a|b.wasm',
                sha256: 'ab'.repeat(32),
                interfaceVersion: '0.1.0',
                downloadCacheHit: true,
                transpileCacheHit: true,
                transpileMs: 0,
                instantiateMs: 5,
                execMs: 50,
                computeMs: 20,
                callMs: 30,
              },
            }),
          ],
        }),
      ]),
    )
    expect(text).toContain('`x<script>`')
    expect(text).toContain('`abababababab`')
    expect(text).toContain('`https://e.test/a\\|b.wasm`')
    expect(text).toContain('| `0.1.0` |')
  })

  test('says plainly that script steps ran with the job’s privileges, only when one ran', () => {
    const script = (status: StepResult['status']) =>
      canister({ steps: [step({ kind: 'script', label: 'script', status }), step({ index: 2 })] })
    expect(renderSummary(result([script('ok')]))).toContain(SCRIPT_NOTE)
    expect(SCRIPT_NOTE).toMatch(/can read the job's secrets, the signing identity included/)
    expect(renderSummary(result([script('skipped'), canister()]))).not.toContain(SCRIPT_NOTE)
  })

  test('stays within its budget however much output there is', () => {
    const huge = Array.from({ length: 300 }, (_, i) =>
      canister({
        name: `c${i}`,
        status: 'failed',
        error: { message: 'failed to run plugin', causes: ['x'.repeat(5000)] },
        steps: [step({ status: 'failed', output: Array.from({ length: 200 }, () => 'y'.repeat(500)) })],
      }),
    )
    const text = renderSummary(result(huge))
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(SUMMARY_BUDGET_BYTES)
    expect(text).toContain('to stay under the summary size limit')
    for (const c of huge) expect(text).toContain(`\`${c.name}\``)
  })
})

describe('bounded parallelism', () => {
  test('never runs more than the limit at once and keeps input order', async () => {
    let running = 0
    let peak = 0
    const out = await mapBounded([5, 1, 4, 2, 3, 0], 2, async (ms, i) => {
      running++
      peak = Math.max(peak, running)
      await new Promise((r) => setTimeout(r, ms * 5))
      running--
      return i
    })
    expect(out).toEqual([0, 1, 2, 3, 4, 5])
    expect(peak).toBe(2)
  })
})

describe('result output', () => {
  test('is the whole result when it fits', () => {
    const r = result([canister()])
    expect(JSON.parse(resultOutputJson(r))).toEqual(r)
  })

  test('drops detail before the verdict when it does not fit, and says what it dropped', () => {
    const chatty = Array.from({ length: 50 }, (_, i) =>
      canister({
        name: `c${i}`,
        steps: [
          step({ output: Array.from({ length: 200 }, () => 'z'.repeat(100)), persistentStderr: ['kept'] }),
        ],
      }),
    )
    const json = resultOutputJson(result(chatty), 64 * 1024)
    expect(Buffer.byteLength(json)).toBeLessThanOrEqual(64 * 1024)
    const parsed = JSON.parse(json) as SyncResult & { truncated: string[] }
    expect(parsed.truncated).toEqual(['output'])
    expect(parsed.synced.length).toBe(50)
    expect(parsed.canisters[0]!.steps[0]!.persistentStderr).toEqual(['kept'])
    const tiny = JSON.parse(resultOutputJson(result(chatty), 600)) as {
      truncated: string[]
      synced: string[]
    }
    expect(tiny.truncated).toEqual(['canisters'])
    expect(tiny.synced.length).toBe(50)
  })
})
