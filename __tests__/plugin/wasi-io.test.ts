// wasi:io poll: it returns when the earliest pollable is ready, not when the first one in the list is.
import { expect, test } from '@jest/globals'

import { Pollable, poll } from '../../src/plugin/wasi/io.js'

test('poll wakes at the earliest deadline and reports only the ready ones', () => {
  const now = process.hrtime.bigint()
  const late = new Pollable(now + 1_500_000_000n)
  const soon = new Pollable(now + 20_000_000n)
  const started = performance.now()
  expect([...poll([late, soon])]).toEqual([1])
  const waited = performance.now() - started
  expect(waited).toBeGreaterThanOrEqual(15)
  expect(waited).toBeLessThan(1_000)
  expect([...poll([new Pollable(), late])]).toEqual([0])
})
