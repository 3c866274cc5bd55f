// A step's call trace, bounded: a plugin may make any number of calls (time spent waiting on calls is
// not compute), so the trace keeps the first and the last calls and counts the ones in between.
import type { CallRecord } from '../ic/index.js'

/** Calls kept from the start of a step, and from its end. */
export const TRACE_HEAD = 100
export const TRACE_TAIL = 100

export interface BoundedTrace {
  record(call: CallRecord): void
  /** The first TRACE_HEAD calls, then (when any were dropped) the last TRACE_TAIL. */
  entries(): CallRecord[]
  /** Calls recorded but not kept (between the head and the tail). */
  omitted(): number
}

export function boundedTrace(head = TRACE_HEAD, tail = TRACE_TAIL): BoundedTrace {
  const first: CallRecord[] = []
  // A ring of the latest calls once the head is full.
  const last: CallRecord[] = []
  let next = 0
  let seen = 0
  return {
    record(call) {
      seen++
      if (first.length < head) first.push(call)
      else if (tail > 0) {
        if (last.length < tail) last.push(call)
        else last[next] = call
        next = (next + 1) % tail
      }
    },
    entries() {
      const ordered = last.length < tail ? last : [...last.slice(next), ...last.slice(0, next)]
      return [...first, ...ordered]
    },
    omitted() {
      return seen - first.length - last.length
    },
  }
}
