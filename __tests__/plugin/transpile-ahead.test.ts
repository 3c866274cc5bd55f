// A transpile started ahead (while identity, agent and canister_status run) is the step's own: same
// bytes only, reported as this run's transpile, its errors left for the step.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, describe, expect, test } from '@jest/globals'

import { TranspileError, pretranspilePlugin, sha256Hex, transpilePlugin } from '../../src/plugin/transpile.js'
import { ANSWER_COMPONENT_WAT, componentFromWat } from '../helpers/wat.js'

const work = mkdtempSync(join(tmpdir(), 'transpile-ahead-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** The answer component returning `n` instead of 42: same shape, other bytes. */
const answer = (n: number) => componentFromWat(ANSWER_COMPONENT_WAT.replace('i32.const 42', `i32.const ${n}`))

/** Waits until the transpile started ahead has written its entry (it finished before the step asked). */
async function finished(cache: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (existsSync(cache) && readdirSync(cache).some((n) => !n.includes('.tmp-'))) return
    await new Promise((done) => setTimeout(done, 50))
  }
  throw new Error('the transpile started ahead never finished')
}

describe('transpiling ahead', () => {
  test('the step takes the transpile started ahead for its bytes, reported as a transpile, not a cache hit', async () => {
    const cache = join(work, 'same')
    const bytes = await answer(1)
    pretranspilePlugin(bytes, cache, sha256Hex(bytes))
    await finished(cache)
    const result = await transpilePlugin(bytes, cache)
    expect(result.cacheHit).toBe(false)
    expect(result.transpileMs).toBeGreaterThan(0)
    expect(result.sha256).toBe(sha256Hex(bytes))
    // A second step with the same bytes finds the entry on disk, as before.
    expect((await transpilePlugin(bytes, cache)).cacheHit).toBe(true)
  })

  test('bytes that changed after the early read are transpiled on their own', async () => {
    const cache = join(work, 'changed')
    const early = await answer(2)
    const late = await answer(3)
    pretranspilePlugin(early, cache, sha256Hex(early))
    const result = await transpilePlugin(late, cache)
    expect(result.sha256).toBe(sha256Hex(late))
    expect(result.cacheHit).toBe(false)
    expect(readdirSync(cache).filter((n) => !n.includes('.tmp-'))).toHaveLength(2)
  })

  test('invalid bytes fail at the step with the transpile error, never as an unhandled rejection', async () => {
    const cache = join(work, 'invalid')
    const bytes = new TextEncoder().encode('not a component')
    const rejections: unknown[] = []
    const onRejection = (reason: unknown) => rejections.push(reason)
    process.on('unhandledRejection', onRejection)
    pretranspilePlugin(bytes, cache, sha256Hex(bytes))
    await expect(transpilePlugin(bytes, cache)).rejects.toBeInstanceOf(TranspileError)
    await new Promise((done) => setTimeout(done, 50))
    process.off('unhandledRejection', onRejection)
    expect(rejections).toEqual([])
  })
})
