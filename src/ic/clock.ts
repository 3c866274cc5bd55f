// Our estimate of the replica's clock, corrected at most once per connection.
//
// The IC accepts an `ingress_expiry` only within [now, now + 5 min 30 s] of its own clock, and we
// refuse certificates more than 5 minutes away from ours. @icp-sdk/core 6.1.0 reacts to an expiry
// refusal by syncing time through new agents that are refused the same way and sync again: an
// unbounded request storm. Here a disagreement leads to one measurement of the replica's certified
// `/time` (at most MAX_TIME_READS requests, within MEASURE_TIMEOUT_MS); the offset is adopted if it is
// within MAX_CORRECTION_MS, and any later disagreement is reported, never corrected again.

import { IcError } from './errors.js'

/** Beyond this we refuse to trust our estimate: a clock that far off needs fixing (NTP). */
export const MAX_CORRECTION_MS = 15 * 60_000
const MAX_TIME_READS = 2
const MEASURE_TIMEOUT_MS = 10_000

/** A sign that our clock and the replica's disagree: an expiry refusal, a certificate out of range. */
export class ClockProblem extends IcError {
  override name = 'ClockProblem'
  constructor(
    message: string,
    /** The replica's "now" when its refusal text names it (`Minimum allowed expiry: …`). */
    readonly replicaNowMs?: number,
  ) {
    super(message, 'answered')
  }
}

/** The IC refused a request for its `ingress_expiry`: the request was certainly not accepted. */
export class ExpiryRefused extends ClockProblem {
  override name = 'ExpiryRefused'
}

/** The clock is off by more than we correct, or still disagrees after one correction. */
export class ClockSkewError extends IcError {
  override name = 'ClockSkewError'
  constructor(message: string) {
    super(message, 'answered')
  }
}

/** The replica's "now" from the IC's expiry refusal text, or undefined when it is not there. */
export function replicaNowFromRefusal(text: string): number | undefined {
  const m = /Minimum allowed expiry: (\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d+)? UTC/.exec(text)
  if (!m) return undefined
  const ms = Date.parse(`${m[1]}T${m[2]}Z`)
  if (Number.isNaN(ms)) return undefined
  return ms + (m[3] ? Math.floor(Number(m[3]) * 1000) : 0)
}

export function isExpiryRefusal(text: string): boolean {
  return text.includes('Invalid request expiry') || text.includes('ingress_expiry not within expected range')
}

/** "about 10 minutes ahead of": how a skew reads in a message. */
export function describeSkew(offsetMs: number): string {
  const minutes = Math.max(1, Math.round(Math.abs(offsetMs) / 60_000))
  // offset = replica − local: a negative offset means the local clock is ahead.
  const side = offsetMs < 0 ? 'ahead of' : 'behind'
  return `about ${minutes} minute${minutes === 1 ? '' : 's'} ${side}`
}

/** Reads the replica's certified time (ms) with requests whose expiry assumes `offsetMs`. */
export type ReadReplicaTime = (offsetMs: number) => Promise<number>

export class NetworkClock {
  /** Replica time − local time, in milliseconds. */
  offsetMs = 0
  /** Requests spent reading the replica's time (never more than MAX_TIME_READS). */
  timeReads = 0
  /** Set once the clock has been corrected (a note for the log). */
  correction?: string
  private measurement?: Promise<void>

  now(): number {
    return Date.now() + this.offsetMs
  }

  /**
   * Measures and adopts the replica's time the first time a disagreement is seen; later callers
   * share that one measurement. Throws a ClockSkewError when the skew is too large to trust or
   * could not be measured.
   */
  async correct(problem: ClockProblem, readTime: ReadReplicaTime): Promise<void> {
    this.measurement ??= this.measure(problem, readTime)
    await this.measurement
  }

  /** The error for a disagreement that remains after the one correction. */
  failure(problem: IcError): ClockSkewError {
    if (problem instanceof ClockSkewError) return problem
    const skew = this.correction
      ? `the local clock is ${describeSkew(this.offsetMs)} the Internet Computer's certified time and was corrected for once, but the replica still disagrees`
      : `the local clock disagrees with the Internet Computer's certified time`
    return new ClockSkewError(`${skew}: ${problem.message}. Set the clock right (e.g. with NTP) and retry.`)
  }

  private async measure(problem: ClockProblem, readTime: ReadReplicaTime): Promise<void> {
    let guess = problem.replicaNowMs !== undefined ? problem.replicaNowMs - Date.now() : this.offsetMs
    let last: unknown = problem
    const deadline = Date.now() + MEASURE_TIMEOUT_MS
    while (this.timeReads < MAX_TIME_READS && Date.now() < deadline) {
      this.timeReads++
      const sent = Date.now()
      let replicaMs: number
      try {
        replicaMs = await withTimeout(readTime(guess), deadline - Date.now())
      } catch (error) {
        last = error
        // Refused again: its text names the replica's time, which is a better guess.
        if (error instanceof ClockProblem && error.replicaNowMs !== undefined) {
          guess = error.replicaNowMs - Date.now()
          continue
        }
        break
      }
      const offset = replicaMs - (sent + Date.now()) / 2
      if (Math.abs(offset) > MAX_CORRECTION_MS) {
        throw new ClockSkewError(
          `the local clock is ${describeSkew(offset)} the Internet Computer's certified time ` +
            `(more than ${MAX_CORRECTION_MS / 60_000} minutes, too far to correct for). Set the clock right (e.g. with NTP) and retry.`,
        )
      }
      this.offsetMs = offset
      this.correction = `the local clock is ${describeSkew(offset)} the Internet Computer's certified time; requests use the replica's time`
      return
    }
    const hint =
      problem.replicaNowMs !== undefined
        ? ` (${describeSkew(problem.replicaNowMs - Date.now())} by the replica's refusal)`
        : ''
    const why = last instanceof Error ? last.message : String(last)
    throw new ClockSkewError(
      `the local clock appears to be off${hint}: the replica's certified time could not be read to correct for it (${why}). ` +
        'Set the clock right (e.g. with NTP) and retry.',
    )
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${Math.round(ms / 1000)}s`)), Math.max(0, ms))
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
