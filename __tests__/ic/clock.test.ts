// A local clock that is off. The IC accepts an ingress expiry only within [now, now + 5 min 30 s];
// @icp-sdk/core 6.1.0's syncTime answered a refusal with agents refused alike: a request storm
// (28,000–44,000 requests in 16 s for the offsets below). Ours measures the replica's certified
// time once, corrects within 15 minutes and otherwise says how far off the clock is — within
// seconds and a handful of requests.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { IDL } from '@icp-sdk/core/candid'
import { demoCanister, startReplica, type Replica } from '../../replica/index.js'
import { loadIdentity, type LoadedIdentity } from '../../src/identity/index.js'
import { canisterCaller, checkCanisterRunning, connect, type PluginCallRequest } from '../../src/ic/index.js'
import { replicaNowFromRefusal } from '../../src/ic/clock.js'
import { ecPkcs8 } from '../identity/keygen.js'

const FAST = { baseDelayMs: 10, pollIntervalMs: 100, maxPollIntervalMs: 200 }
const MINUTE = 60_000

let replica: Replica
let me: LoadedIdentity
let demo: string
let proxy: string

beforeAll(async () => {
  replica = await startReplica({ appSubnets: 1, canisterRanges: 'sharded' })
  me = await loadIdentity({ pem: ecPkcs8('secp256k1') })
  proxy = replica.installProxy({ controllers: [me.principal] })
  demo = replica.createCanister({ controllers: [me.principal, proxy] })
  replica.installJsCanister(demo, demoCanister())
})
afterAll(async () => replica?.stop())

const noArgs = (): Uint8Array => new Uint8Array(IDL.encode([], []))
const req = (over: Partial<PluginCallRequest>): PluginCallRequest => ({
  targetCanisterId: demo,
  method: 'greet',
  arg: new Uint8Array(IDL.encode([IDL.Text], ['clock'])),
  callType: 'query',
  direct: false,
  cycles: 0n,
  ...over,
})

/** Runs one kind of call on a fresh connection with the replica's clock moved by `offsetMs`. */
async function underOffset(
  offsetMs: number,
  run: (
    caller: ReturnType<typeof canisterCaller>,
    conn: Awaited<ReturnType<typeof connect>>,
  ) => Promise<unknown>,
) {
  replica.setFaults({ clockOffsetMs: offsetMs })
  try {
    const conn = await connect({
      apiUrl: replica.url,
      rootKey: replica.rootKeyHex,
      identity: me,
      retry: FAST,
    })
    const before = replica.requestCount()
    const started = Date.now()
    const outcome = await run(canisterCaller(conn, { proxy }), conn)
    return { outcome, ms: Date.now() - started, requests: replica.requestCount() - before, conn }
  } finally {
    replica.setFaults({})
  }
}

// Replica clock − local clock: negative = the local clock is ahead.
describe.each([-2, 2, -5, 5, -10, 10])('local clock off by %i min (replica − local)', (minutes) => {
  const offset = minutes * MINUTE
  test.each([
    [
      'an update',
      (c: ReturnType<typeof canisterCaller>) =>
        c.canisterCall(req({ method: 'increment', arg: noArgs(), callType: 'update', direct: true })),
    ],
    [
      'an update through the proxy',
      (c: ReturnType<typeof canisterCaller>) =>
        c.canisterCall(req({ method: 'increment', arg: noArgs(), callType: 'update' })),
    ],
    ['a query', (c: ReturnType<typeof canisterCaller>) => c.canisterCall(req({}))],
    [
      'a metadata read',
      (c: ReturnType<typeof canisterCaller>) =>
        c.metadataSection({ targetCanisterId: demo, name: 'candid:service', direct: true }),
    ],
  ] as const)(
    '%s succeeds after at most one correction, within seconds and a handful of requests',
    async (_kind, run) => {
      const { outcome, ms, requests, conn } = await underOffset(offset, run)
      expect(outcome).toHaveProperty('ok')
      expect(ms).toBeLessThan(5_000)
      expect(requests).toBeLessThan(10)
      expect(conn.clock.timeReads).toBeLessThanOrEqual(2)
      // ±2 min ahead of the local clock needs no correction (the expiry still fits); the rest are corrected.
      if (conn.clock.correction) expect(Math.abs(conn.clock.offsetMs - offset)).toBeLessThan(5_000)
    },
  )

  test('the running check too', async () => {
    const { outcome } = await underOffset(offset, (_c, conn) => checkCanisterRunning(conn, demo, {}))
    expect(outcome).toEqual({})
  })
})

describe.each([-30, 30])('local clock off by %i min: beyond what is corrected', (minutes) => {
  test.each(['update', 'query'] as const)(
    '%s → the clock message, quickly, few requests',
    async (callType) => {
      const call = req(
        callType === 'update' ? { method: 'increment', arg: noArgs(), callType, direct: true } : {},
      )
      const { outcome, ms, requests, conn } = await underOffset(minutes * MINUTE, async (c) => [
        await c.canisterCall(call),
        // A later call on the same connection fails at once with the same message: no new measurement.
        await c.canisterCall(req({})),
      ])
      const side = minutes < 0 ? 'ahead of' : 'behind'
      for (const each of outcome as Array<{ err: string }>)
        expect(each.err).toMatch(
          new RegExp(
            `the local clock is about 30 minutes ${side} the Internet Computer's certified time \\(more than 15 minutes, too far to correct for\\)`,
          ),
        )
      expect(ms).toBeLessThan(5_000)
      expect(requests).toBeLessThan(8)
      expect(conn.clock.timeReads).toBeLessThanOrEqual(2)
    },
  )
})

test('an update’s certificate out of range: the clock is corrected and the same reply checked again, never re-sent', async () => {
  replica.setFaults({ certificateTimeOffsetMs: 7 * MINUTE })
  replica.clearCallLog()
  try {
    const conn = await connect({
      apiUrl: replica.url,
      rootKey: replica.rootKeyHex,
      identity: me,
      retry: FAST,
    })
    const outcome = await canisterCaller(conn, {}).canisterCall(
      req({ method: 'increment', arg: noArgs(), callType: 'update', direct: true }),
    )
    expect(outcome).toHaveProperty('ok')
    expect(replica.callLog().filter((e) => e.method === 'increment')).toHaveLength(1)
    expect(conn.clock.timeReads).toBe(1)
    expect(Math.abs(conn.clock.offsetMs - 7 * MINUTE)).toBeLessThan(5_000)
  } finally {
    replica.setFaults({})
  }
})

test("the replica's time is read from the IC's expiry refusal text", () => {
  const text =
    'Invalid request expiry: Specified ingress_expiry not within expected range: Minimum allowed expiry: 2026-11-25 15:30:00.123456789 UTC, ' +
    'Maximum allowed expiry: 2026-11-25 15:35:30.123456789 UTC, Provided expiry: 2026-11-25 15:20:00 UTC'
  expect(replicaNowFromRefusal(text)).toBe(Date.UTC(2026, 10, 25, 15, 30, 0, 123))
  expect(replicaNowFromRefusal('no_healthy_nodes\n')).toBeUndefined()
})
