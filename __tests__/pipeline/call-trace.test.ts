// A step's call trace keeps the first and the last calls and counts the rest, however many calls a
// plugin makes.
import { expect, test } from '@jest/globals'

import type { CallRecord } from '../../src/ic/index.js'
import { TRACE_HEAD, TRACE_TAIL, boundedTrace } from '../../src/report/call-trace.js'

const record = (n: number): CallRecord => ({
  method: `m${n}`,
  route: 'direct',
  target: 'aaaaa-aa',
  callType: 'query',
  argBytes: 0,
  replyBytes: 0,
  ms: 0,
  outcome: 'ok',
  attempts: 1,
  polled: false,
})

test('under the bound every call is kept, in order', () => {
  const trace = boundedTrace()
  for (let n = 1; n <= 150; n++) trace.record(record(n))
  expect(trace.entries().map((c) => c.method)).toEqual(Array.from({ length: 150 }, (_, i) => `m${i + 1}`))
  expect(trace.omitted()).toBe(0)
})

test('a million calls: the first and the last are kept, the middle counted', () => {
  const trace = boundedTrace()
  for (let n = 1; n <= 1_000_000; n++) trace.record(record(n))
  const kept = trace.entries().map((c) => c.method)
  expect(kept).toHaveLength(TRACE_HEAD + TRACE_TAIL)
  expect(kept.slice(0, 2)).toEqual(['m1', 'm2'])
  expect(kept[TRACE_HEAD]).toBe(`m${1_000_000 - TRACE_TAIL + 1}`)
  expect(kept.at(-1)).toBe('m1000000')
  expect(trace.omitted()).toBe(1_000_000 - TRACE_HEAD - TRACE_TAIL)
})
