// The calls a plugin makes, against the local replica (replica/, real HTTP, real certificates):
// icp-cli's routing table, its error texts, rejects, proxy errors, metadata, the running check,
// retries, and an update whose connection is lost (never executed twice).
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals'
import { tmpdir } from 'node:os'
import { IDL } from '@icp-sdk/core/candid'
import { Principal } from '@icp-sdk/core/principal'
import { startReplica, demoCanister, DEMO_CANDID, type Replica } from '../../replica/index.js'
import { loadIdentity, type LoadedIdentity } from '../../src/identity/index.js'
import {
  canisterCaller,
  checkCanisterRunning,
  connect,
  createCallRecorder,
  type IcConnection,
  type PluginCallRequest,
} from '../../src/ic/index.js'
import { closedPort } from '../helpers/http-server.js'
import { ecPkcs8 } from '../identity/keygen.js'
import { runIcpAsync } from '../helpers/icp.js'

const FAST = { baseDelayMs: 10, pollIntervalMs: 100, maxPollIntervalMs: 200 }

let replica: Replica
let me: LoadedIdentity
let stranger: LoadedIdentity
let conn: IcConnection
let demo: string
let proxy: string

beforeAll(async () => {
  replica = await startReplica()
  me = await loadIdentity({ pem: ecPkcs8('secp256k1') })
  stranger = await loadIdentity({ pem: ecPkcs8('secp256k1') })
  proxy = replica.installProxy({ controllers: [me.principal] })
  demo = replica.createCanister({ controllers: [me.principal, proxy] })
  replica.installJsCanister(demo, demoCanister())
  conn = await connect({ apiUrl: replica.url, rootKey: replica.rootKeyHex, identity: me, retry: FAST })
})

afterAll(async () => {
  await replica?.stop()
})

beforeEach(() => {
  replica.setFaults({})
  replica.clearCallLog()
})

const text = (value: string): Uint8Array => new Uint8Array(IDL.encode([IDL.Text], [value]))
const noArgs = (): Uint8Array => new Uint8Array(IDL.encode([], []))

function call(over: Partial<PluginCallRequest>): PluginCallRequest {
  return {
    targetCanisterId: demo,
    method: 'greet',
    arg: text('world'),
    callType: 'query',
    direct: false,
    cycles: 0n,
    ...over,
  }
}

const ingress = (method: string) => replica.callLog().filter((entry) => entry.method === method)

describe("routing: icp-cli's table (queries direct; updates direct when `direct` or no proxy; else via proxy)", () => {
  test('query with a proxy set and direct=false still goes direct, bytes unchanged both ways', async () => {
    const caller = canisterCaller(conn, { proxy })
    const arg = text('wörld ✓')
    const outcome = await caller.canisterCall(call({ arg }))
    expect(outcome).toHaveProperty('ok')
    const [entry] = ingress('greet')
    expect(entry).toMatchObject({
      callType: 'query',
      route: 'direct',
      sender: me.principal,
      canisterId: demo,
    })
    expect(Buffer.from(entry!.arg)).toEqual(Buffer.from(arg))
    const ok = (outcome as { ok: Uint8Array }).ok
    expect(Buffer.from(ok)).toEqual(Buffer.from(entry!.reply!))
    expect(IDL.decode([IDL.Text], ok)).toEqual(['Hello, wörld ✓!'])
  })

  test.each([
    ['direct=true with a proxy', true, true],
    ['direct=false without a proxy', false, false],
  ])('update, %s → direct', async (_name, direct, withProxy) => {
    const caller = canisterCaller(conn, withProxy ? { proxy } : {})
    const outcome = await caller.canisterCall(
      call({ method: 'whoami_update', arg: noArgs(), callType: 'update', direct }),
    )
    expect(IDL.decode([IDL.Principal], (outcome as { ok: Uint8Array }).ok)[0]).toEqual(
      Principal.fromText(me.principal),
    )
    expect(ingress('whoami_update')).toEqual([
      expect.objectContaining({ route: 'direct', sender: me.principal }),
    ])
    expect(ingress('proxy')).toEqual([])
  })

  test('update, direct=false with a proxy → proxy(ProxyArgs), Ok.result handed back', async () => {
    const recorder = createCallRecorder()
    const caller = canisterCaller(conn, { proxy, recorder })
    const outcome = await caller.canisterCall(
      call({ method: 'whoami_update', arg: noArgs(), callType: 'update', cycles: 7n }),
    )
    expect(IDL.decode([IDL.Principal], (outcome as { ok: Uint8Array }).ok)[0]).toEqual(
      Principal.fromText(proxy),
    )
    const [outer] = ingress('proxy')
    expect(outer).toMatchObject({ canisterId: proxy, sender: me.principal, callType: 'update' })
    const ProxyArgs = IDL.Record({
      canister_id: IDL.Principal,
      method: IDL.Text,
      args: IDL.Vec(IDL.Nat8),
      cycles: IDL.Nat,
    })
    const [sent] = IDL.decode([ProxyArgs], outer!.arg) as unknown as [
      { canister_id: Principal; method: string; cycles: bigint },
    ]
    expect(sent.canister_id.toText()).toBe(demo)
    expect(sent.method).toBe('whoami_update')
    expect(sent.cycles).toBe(7n)
    expect(ingress('whoami_update')).toEqual([expect.objectContaining({ sender: proxy, route: 'proxy' })])
    expect(recorder.records).toEqual([
      expect.objectContaining({
        method: 'whoami_update',
        route: 'proxy',
        target: demo,
        callType: 'update',
        outcome: 'ok',
        attempts: 1,
      }),
    ])
  })
})

describe('rejects reach the plugin as one line, exactly as icp-cli hands them', () => {
  const direct = () => canisterCaller(conn, {})
  test('IC0406 canister reject', async () => {
    expect(await direct().canisterCall(call({ method: 'fail', arg: noArgs(), callType: 'update' }))).toEqual({
      err: 'canister call failed: The replica returned a rejection error: reject code CanisterReject, reject message boom from icp, error code Some("IC0406")',
    })
  })

  test('IC0503 trap and IC0536 unknown method (update and query)', async () => {
    const trap = await direct().canisterCall(call({ method: 'trap', arg: noArgs(), callType: 'update' }))
    expect((trap as { err: string }).err).toMatch(
      /^canister call failed: The replica returned a rejection error: reject code CanisterError, reject message [\s\S]*deliberate trap[\s\S]*, error code Some\("IC0503"\)$/,
    )
    for (const callType of ['update', 'query'] as const) {
      const missing = await direct().canisterCall(call({ method: 'nope', arg: noArgs(), callType }))
      expect((missing as { err: string }).err).toMatch(
        /^canister call failed: The replica returned a rejection error: reject code CanisterError, reject message [\s\S]*nope[\s\S]*, error code Some\("IC0536"\)$/,
      )
    }
  })

  test('the same reject text as icp-cli 1.5.0 itself prints for the same call', async () => {
    const ours = await direct().canisterCall(call({ method: 'fail', arg: noArgs(), callType: 'update' }))
    // Async: the replica runs in this process and must keep answering while icp waits on it.
    const icp = await runIcpAsync(
      ['canister', 'call', demo, 'fail', '()', '-n', replica.url, '-k', 'fetch', '--identity', 'anonymous'],
      tmpdir(),
    )
    const line = (ours as { err: string }).err.replace(/^canister call failed: /, '')
    expect(icp.stderr).toContain(line)
  })

  test('a reject behind the proxy comes back as `Proxy call failed: <reason>`', async () => {
    const outcome = await canisterCaller(conn, { proxy }).canisterCall(
      call({ method: 'fail', arg: noArgs(), callType: 'update' }),
    )
    expect((outcome as { err: string }).err).toMatch(/^Proxy call failed: .*boom from icp/)
  })

  test('an identity the proxy does not know: icp-cli texts, no call forwarded', async () => {
    const theirs = await connect({
      apiUrl: replica.url,
      rootKey: replica.rootKeyHex,
      identity: stranger,
      retry: FAST,
    })
    const outcome = await canisterCaller(theirs, { proxy }).canisterCall(
      call({ method: 'increment', arg: noArgs(), callType: 'update' }),
    )
    expect((outcome as { err: string }).err).toMatch(
      /^(proxy call failed: The replica returned a rejection error: .*|Unauthorized: you are not in the proxy canister's controllers list)$/,
    )
    expect(ingress('increment')).toEqual([])
  })
})

describe('metadata sections (0.2.0)', () => {
  test.each([false, true])('direct=%s: public, private (as a controller) and absent', async (direct) => {
    const caller = canisterCaller(conn, { proxy })
    const candid = await caller.metadataSection({ targetCanisterId: demo, name: 'candid:service', direct })
    expect(new TextDecoder().decode((candid as { ok: Uint8Array }).ok)).toBe(DEMO_CANDID)
    const note = await caller.metadataSection({ targetCanisterId: demo, name: 'demo:note', direct })
    expect(new TextDecoder().decode((note as { ok: Uint8Array }).ok)).toBe('a private note')
    expect(await caller.metadataSection({ targetCanisterId: demo, name: 'no:such', direct })).toEqual({
      ok: undefined,
    })
    const route = ingress('proxy').length > 0 ? 'proxy' : 'direct'
    expect(route).toBe(direct ? 'direct' : 'proxy')
  })
})

describe('running check (canister_status, direct or through the proxy)', () => {
  test('Running → no warning, either route', async () => {
    expect(await checkCanisterRunning(conn, demo, {})).toEqual({})
    expect(await checkCanisterRunning(conn, demo, { proxy })).toEqual({})
  })

  test.each([
    ['stopped', 'Stopped'],
    ['stopping', 'Stopping'],
  ] as const)('%s → icp-cli’s error', async (status, shown) => {
    replica.setStatus(demo, status)
    try {
      await expect(checkCanisterRunning(conn, demo, {})).rejects.toThrow(
        `Canister ${demo} is ${shown}; asset sync requires it to be Running. Start it with \`icp canister start ${demo}\` and retry.`,
      )
    } finally {
      replica.setStatus(demo, 'running')
    }
  })

  test('identity not a controller (IC0512) → warning, not failure', async () => {
    const theirs = await connect({
      apiUrl: replica.url,
      rootKey: replica.rootKeyHex,
      identity: stranger,
      retry: FAST,
    })
    const result = await checkCanisterRunning(theirs, demo, {})
    expect(result.warning).toMatch(
      new RegExp(`${stranger.principal} is not one of its controllers \\(IC0512\\)`),
    )
  })

  test('a proxy that is not a controller of the canister → warning, not failure', async () => {
    const other = replica.createCanister({ controllers: [me.principal] })
    replica.installJsCanister(other, demoCanister())
    const result = await checkCanisterRunning(conn, other, { proxy })
    expect(result.warning).toMatch(new RegExp(`proxy canister ${proxy} is not one of its controllers`))
  })

  test('a dead URL → icp’s "direct update call failed" / "proxy update call failed"', async () => {
    const dead = await connect({
      apiUrl: `http://127.0.0.1:${await closedPort()}`,
      rootKey: replica.rootKeyHex,
      identity: me,
      retry: { ...FAST, attempts: 2 },
    })
    await expect(checkCanisterRunning(dead, demo, {})).rejects.toThrow(
      /^direct update call failed: An error happened during communication with the replica/,
    )
    await expect(checkCanisterRunning(dead, demo, { proxy })).rejects.toThrow(/^proxy update call failed: /)
  })
})

describe('transient failures, retries and an update whose connection is lost', () => {
  const counter = async (): Promise<bigint> => {
    const outcome = await canisterCaller(conn, {}).canisterCall(call({ method: 'counter', arg: noArgs() }))
    return IDL.decode([IDL.Nat], (outcome as { ok: Uint8Array }).ok)[0] as bigint
  }

  test('503 twice on a query → retried with backoff, then ok', async () => {
    const recorder = createCallRecorder()
    replica.setFaults({ httpError: { status: 503, times: 2, path: /\/query$/ } })
    const outcome = await canisterCaller(conn, { recorder }).canisterCall(call({}))
    expect(outcome).toHaveProperty('ok')
    expect(recorder.records[0]).toMatchObject({ attempts: 3, outcome: 'ok' })
  })

  test('503 on an update (not accepted) → sent again, executed once', async () => {
    const before = await counter()
    replica.setFaults({ httpError: { status: 503, times: 2, path: /\/call$/ } })
    const recorder = createCallRecorder()
    const outcome = await canisterCaller(conn, { recorder }).canisterCall(
      call({ method: 'increment', arg: noArgs(), callType: 'update', direct: true }),
    )
    expect(IDL.decode([IDL.Nat], (outcome as { ok: Uint8Array }).ok)[0]).toBe(before + 1n)
    expect(await counter()).toBe(before + 1n)
    expect(recorder.records[0]).toMatchObject({ attempts: 3 })
  })

  test.each([
    ['direct', true],
    ['through the proxy', false],
  ] as const)(
    '503 after the replica accepted the update (%s) → the same envelope again, executed exactly once',
    async (_route, direct) => {
      const before = await counter()
      const sent: Buffer[] = []
      const recording: typeof fetch = async (input, init) => {
        if (String(input).endsWith('/call')) sent.push(Buffer.from(init!.body as Uint8Array))
        return fetch(input, init)
      }
      const watched = await connect({
        apiUrl: replica.url,
        rootKey: replica.rootKeyHex,
        identity: me,
        fetchImpl: recording,
        retry: FAST,
      })
      replica.setFaults({ httpError: { status: 503, times: 1, path: /\/call$/, afterAccept: true } })
      const recorder = createCallRecorder()
      const outcome = await canisterCaller(watched, { proxy, recorder }).canisterCall(
        call({ method: 'increment', arg: noArgs(), callType: 'update', direct }),
      )
      expect(IDL.decode([IDL.Nat], (outcome as { ok: Uint8Array }).ok)[0]).toBe(before + 1n)
      expect(await counter()).toBe(before + 1n)
      expect(ingress('increment')).toHaveLength(1)
      const outer = ingress(direct ? 'increment' : 'proxy')
      expect(outer).toHaveLength(1)
      expect(recorder.records[0]).toMatchObject({ attempts: 2, polled: false, outcome: 'ok' })
      // The second send is the first envelope, byte for byte (same request id).
      expect(sent).toHaveLength(2)
      expect(sent[1]!.equals(sent[0]!)).toBe(true)
    },
  )

  test('429 with retry-after (a boundary node’s text) → waits as told, executed exactly once', async () => {
    const before = await counter()
    replica.setFaults({ httpError: { status: 429, times: 1, path: /\/call$/, retryAfter: 1 } })
    const recorder = createCallRecorder()
    const started = Date.now()
    const outcome = await canisterCaller(conn, { recorder }).canisterCall(
      call({ method: 'increment', arg: noArgs(), callType: 'update', direct: true }),
    )
    expect(Date.now() - started).toBeGreaterThanOrEqual(950)
    expect(IDL.decode([IDL.Nat], (outcome as { ok: Uint8Array }).ok)[0]).toBe(before + 1n)
    expect(ingress('increment')).toHaveLength(1)
    expect(recorder.records[0]).toMatchObject({ attempts: 2, outcome: 'ok' })
  })

  test('429 every time → ic-agent’s text with the boundary node’s body; nothing ran, nothing polled', async () => {
    replica.setFaults({ httpError: { status: 429, times: 10, path: /\/call$/ } })
    const recorder = createCallRecorder()
    const outcome = await canisterCaller(conn, { recorder }).canisterCall(
      call({ method: 'increment', arg: noArgs(), callType: 'update', direct: true }),
    )
    expect(outcome).toEqual({
      err: 'canister call failed: The replica returned an HTTP Error: Http Error: status 429 Too Many Requests, content type "text/plain; charset=utf-8", content: rate_limited_normal\n',
    })
    expect(recorder.records[0]).toMatchObject({ attempts: 4, polled: false })
    expect(ingress('increment')).toEqual([])
  })

  test('HTTP 400 is final: one attempt, ic-agent’s text', async () => {
    replica.setFaults({ httpError: { status: 400, body: 'bad envelope', times: 5, path: /\/call$/ } })
    const recorder = createCallRecorder()
    const outcome = await canisterCaller(conn, { recorder }).canisterCall(
      call({ method: 'increment', arg: noArgs(), callType: 'update' }),
    )
    expect(outcome).toEqual({
      err: 'canister call failed: The replica returned an HTTP Error: Http Error: status 400 Bad Request, content type "text/plain; charset=utf-8", content: bad envelope',
    })
    expect(recorder.records[0]).toMatchObject({ attempts: 1 })
  })

  test('connection lost after the replica ran the update → the same envelope again, executed exactly once', async () => {
    const before = await counter()
    let dropped = 0
    const dropAfterSending: typeof fetch = async (input, init) => {
      const response = await fetch(input, init)
      if (String(input).includes('/call') && dropped++ === 0) {
        await response.arrayBuffer()
        throw new TypeError('fetch failed', {
          cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
        })
      }
      return response
    }
    const lossy = await connect({
      apiUrl: replica.url,
      rootKey: replica.rootKeyHex,
      identity: me,
      fetchImpl: dropAfterSending,
      retry: FAST,
    })
    const recorder = createCallRecorder()
    const outcome = await canisterCaller(lossy, { recorder }).canisterCall(
      call({ method: 'increment', arg: noArgs(), callType: 'update' }),
    )
    expect(IDL.decode([IDL.Nat], (outcome as { ok: Uint8Array }).ok)[0]).toBe(before + 1n)
    expect(await counter()).toBe(before + 1n)
    expect(ingress('increment').length).toBe(1)
    expect(recorder.records[0]).toMatchObject({ polled: false, attempts: 2, outcome: 'ok' })
  })

  test('connection dropped by the replica before it ran → the same envelope again, executed once', async () => {
    const before = await counter()
    replica.setFaults({ dropConnection: { times: 1, path: /\/call$/ } })
    const outcome = await canisterCaller(conn, {}).canisterCall(
      call({ method: 'increment', arg: noArgs(), callType: 'update' }),
    )
    expect(IDL.decode([IDL.Nat], (outcome as { ok: Uint8Array }).ok)[0]).toBe(before + 1n)
    expect(ingress('increment')).toHaveLength(1)
  })

  test('never delivered → polled until its ingress expiry passed, then unknown with the request id', async () => {
    const short = await connect({
      apiUrl: replica.url,
      rootKey: replica.rootKeyHex,
      identity: me,
      retry: { ...FAST, attempts: 2 },
      ingressExpiryMs: 2_000,
    })
    const before = await counter()
    replica.setFaults({ dropConnection: { times: 10, path: /\/call$/ } })
    const started = Date.now()
    const recorder = createCallRecorder()
    const outcome = await canisterCaller(short, { recorder }).canisterCall(
      call({ method: 'increment', arg: noArgs(), callType: 'update' }),
    )
    expect((outcome as { err: string }).err).toMatch(
      /^canister call failed: the outcome of request 0x[0-9a-f]{64} is unknown \(.*\)\. The replica's certified time passed its ingress expiry \(.*\) while its status was still 'unknown', so it will not run any more\. It was sent 2 time\(s\), always as the same signed request/,
    )
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000) // it waited for the expiry
    expect(recorder.records[0]).toMatchObject({ polled: true, attempts: 2 })
    expect(ingress('increment')).toEqual([])
    expect(await counter()).toBe(before)
  })

  test('a slow update (v4 answers 202) is polled to its reply', async () => {
    replica.setFaults({ syncCallTimeoutMs: 50, executionDelayMs: 300 })
    const recorder = createCallRecorder()
    const outcome = await canisterCaller(conn, { recorder }).canisterCall(
      call({ method: 'whoami_update', arg: noArgs(), callType: 'update' }),
    )
    expect(outcome).toHaveProperty('ok')
    expect(recorder.records[0]).toMatchObject({ outcome: 'ok' })
  })
})

describe('connect: root keys as icp-cli reads them, verification on', () => {
  test.each([
    [
      'zz',
      'invalid root key: expected "mainnet", "fetch", or a hex-encoded key, but failed to decode as hex: Invalid character \'z\' at position 0',
    ],
    [
      'abc',
      'invalid root key: expected "mainnet", "fetch", or a hex-encoded key, but failed to decode as hex: Odd number of digits',
    ],
    ['abcd', 'invalid root key: expected 133 bytes but got 2'],
  ])('%s', async (rootKey, message) => {
    await expect(connect({ apiUrl: replica.url, rootKey, identity: me })).rejects.toThrow(message)
  })

  test('fetch: works, with icp-cli’s trust-on-first-use warning', async () => {
    const fetched = await connect({ apiUrl: replica.url, rootKey: 'fetch', identity: me })
    expect(fetched.warnings).toEqual([
      `fetching the root key from ${replica.url}; its provenance is not verified (trust-on-first-use)`,
    ])
    expect(await canisterCaller(fetched, {}).canisterCall(call({}))).toHaveProperty('ok')
  })

  test('the mainnet key against a local replica: certificates are refused', async () => {
    const wrong = await connect({ apiUrl: replica.url, rootKey: 'mainnet', identity: me, retry: FAST })
    const outcome = await canisterCaller(wrong, {}).canisterCall(
      call({ method: 'whoami_update', arg: noArgs(), callType: 'update', direct: true }),
    )
    expect((outcome as { err: string }).err).toMatch(/^canister call failed: /)
  })

  test('a corrupted certificate signature is refused', async () => {
    replica.setFaults({ corruptCertificate: true })
    const outcome = await canisterCaller(conn, {}).canisterCall(
      call({ method: 'whoami_update', arg: noArgs(), callType: 'update' }),
    )
    expect((outcome as { err: string }).err).toMatch(
      /^canister call failed: .*(Certificate verification failed|signature)/i,
    )
  })
})

// The agent's own query check is off (src/ic/query-signatures.ts does it with node:crypto): these prove
// ours runs on every query, for replies and rejects, and refuses what the agent refused.
describe('query responses: node signatures checked', () => {
  const queried = async (req: PluginCallRequest) => canisterCaller(conn, {}).canisterCall(req)

  test('a signed reply and a signed reject both pass', async () => {
    expect('ok' in (await queried(call({})))).toBe(true)
    const reject = await queried(call({ method: 'no_such_method' }))
    expect((reject as { err: string }).err).toMatch(/reject code CanisterError/)
  })

  test.each([
    ['corruptQuerySignature', /bad signature by node /],
    ['unknownQueryNode', /node [a-z0-9-]+ is not in the canister's subnet/],
  ] as const)('%s → refused, not retried as transient', async (fault, why) => {
    replica.setFaults({ [fault]: true })
    for (const req of [call({}), call({ method: 'no_such_method' })]) {
      const outcome = await queried(req)
      expect((outcome as { err: string }).err).toMatch(
        /^canister call failed: Query signature verification failed\./,
      )
      expect((outcome as { err: string }).err).toMatch(why)
    }
    expect(replica.callLog().filter((entry) => entry.callType === 'query')).toHaveLength(2)
  })

  test('after a failed check the subnet keys are read again (rotation), then the query passes', async () => {
    const fresh = await connect({
      apiUrl: replica.url,
      rootKey: replica.rootKeyHex,
      identity: me,
      retry: FAST,
    })
    const subnetReads = () =>
      replica.callLog().filter((entry) => entry.callType === 'read_state' && /subnet/.test(entry.method))
        .length
    await canisterCaller(fresh, {}).canisterCall(call({}))
    const before = subnetReads()
    replica.setFaults({ corruptQuerySignature: true })
    await canisterCaller(fresh, {}).canisterCall(call({}))
    expect(subnetReads()).toBe(before + 1)
    replica.setFaults({})
    expect('ok' in (await canisterCaller(fresh, {}).canisterCall(call({})))).toBe(true)
  })
})
