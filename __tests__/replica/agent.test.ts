// The real @icp-sdk/core agent, verification on, against the replica: every identity kind, fetched
// and pinned root keys, IC rejects, rollback, polling, the proxy, and refusal of corrupted replies.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { Actor, AnonymousIdentity, HttpAgent, type Identity } from '@icp-sdk/core/agent'
import { IDL } from '@icp-sdk/core/candid'
import {
  DelegationChain,
  DelegationIdentity,
  ECDSAKeyIdentity,
  Ed25519KeyIdentity,
} from '@icp-sdk/core/identity'
import { Secp256k1KeyIdentity } from '@icp-sdk/core/identity/secp256k1'
import { Principal } from '@icp-sdk/core/principal'
import { demoCanister, startReplica, type Replica } from '../../replica/index.js'
import { demoIdl, type DemoActor } from './demo-idl.js'

let replica: Replica
let demo: string
const owner = Ed25519KeyIdentity.generate()

beforeAll(async () => {
  replica = await startReplica({ seed: 'agent-test', controllers: [owner.getPrincipal().toText()] })
  demo = replica.createCanister()
  replica.installJsCanister(demo, demoCanister())
})
afterAll(async () => replica.stop())

async function actorFor(
  identity: Identity,
  opts: { pinned?: boolean; rootKey?: Uint8Array } = {},
): Promise<DemoActor> {
  const agent = await HttpAgent.create({
    host: replica.url,
    identity,
    ...(opts.pinned || opts.rootKey
      ? { rootKey: opts.rootKey ?? replica.rootKey, shouldFetchRootKey: false }
      : { shouldFetchRootKey: true }),
    retryTimes: 0,
  })
  return Actor.createActor(demoIdl, { agent, canisterId: demo }) as unknown as DemoActor
}

async function identities(): Promise<Array<[string, Identity]>> {
  const root = Ed25519KeyIdentity.generate()
  const session = Ed25519KeyIdentity.generate()
  const chain = await DelegationChain.create(root, session.getPublicKey(), new Date(Date.now() + 3_600_000), {
    targets: [Principal.fromText(demo)],
  })
  return [
    ['ed25519', Ed25519KeyIdentity.generate()],
    ['secp256k1', Secp256k1KeyIdentity.generate()],
    ['p256', await ECDSAKeyIdentity.generate()],
    ['delegation', DelegationIdentity.fromDelegation(session, chain)],
    ['anonymous', new AnonymousIdentity()],
  ]
}

describe('JS agent with default verification', () => {
  test.each([['fetched root key', false] as const, ['pinned root key', true] as const])(
    'update and query with every identity kind (%s)',
    async (_label, pinned) => {
      for (const [kind, identity] of await identities()) {
        const actor = await actorFor(identity, { pinned })
        const me = identity.getPrincipal().toText()
        // P-256 signatures from WebCrypto are high-S about half the time: several calls cover both.
        const rounds = kind === 'p256' ? 6 : 1
        for (let i = 0; i < rounds; i++) {
          expect(((await actor.whoami_update()) as Principal).toText()).toBe(me)
          expect(((await actor.whoami()) as Principal).toText()).toBe(me)
        }
        const logged = replica.callLog().filter((e) => e.method === 'whoami_update' && e.sender === me)
        expect(logged.length).toBeGreaterThanOrEqual(rounds)
        expect(logged.every((e) => e.outcome === 'replied' && e.route === 'direct')).toBe(true)
      }
    },
  )

  test('a certified reject, a trap and an unknown method carry the IC codes', async () => {
    const actor = await actorFor(owner)
    await expect(actor.fail()).rejects.toThrow(/boom from icp[\s\S]*IC0406/)
    await expect(actor.trap()).rejects.toThrow(
      /Canister called `ic0\.trap` with message: 'deliberate trap'[\s\S]*IC0503/,
    )
    await expect(actor.nope()).rejects.toThrow(/Canister has no update method 'nope'[\s\S]*IC0536/)
  })

  test('an unknown canister is a non-replicated IC0301 reject', async () => {
    const agent = await HttpAgent.create({ host: replica.url, identity: owner, shouldFetchRootKey: true })
    const missing = 'ryjl3-tyaaa-aaaaa-aaaba-cai'
    expect(missing).not.toBe(demo)
    const actor = Actor.createActor(demoIdl, { agent, canisterId: missing }) as unknown as DemoActor
    await expect(actor.increment()).rejects.toThrow(
      new RegExp(`Canister ${missing} not found[\\s\\S]*IC0301`),
    )
  })

  test('an update that rejects rolls its writes back; queries never persist', async () => {
    const actor = await actorFor(owner)
    await actor.put('k', 'kept')
    await expect(actor.fail_after_write('k', 'lost')).rejects.toThrow(/rolled back/)
    expect(await actor.get('k')).toEqual(['kept'])
  })

  test('40 concurrent updates all land exactly once (serial per canister)', async () => {
    const actor = await actorFor(owner)
    const before = (await actor.counter()) as bigint
    const results = (await Promise.all(Array.from({ length: 40 }, () => actor.increment()))) as bigint[]
    expect(new Set(results.map(String)).size).toBe(40)
    expect(await actor.counter()).toBe(before + 40n)
  })

  test('a slow update answers 202 and the agent polls read_state for the certified reply', async () => {
    const actor = await actorFor(owner)
    replica.setFaults({ syncCallTimeoutMs: 50, executionDelayMs: 400 })
    try {
      const n = (await actor.increment()) as bigint
      expect(n).toBeGreaterThan(0n)
      expect(
        replica.callLog().some((e) => e.callType === 'read_state' && e.method.startsWith('request_status/')),
      ).toBe(true)
    } finally {
      replica.setFaults({})
    }
  })

  test('without /api/v4 the agent falls back to a v2 call and polls', async () => {
    const actor = await actorFor(owner)
    replica.setFaults({ disableV4: true })
    replica.clearCallLog()
    try {
      await actor.put('v2', 'yes')
    } finally {
      replica.setFaults({})
    }
    expect(replica.callLog().find((e) => e.method === 'put')?.endpoint).toMatch(
      /^\/api\/v2\/canister\/.*\/call$/,
    )
    expect(await actor.get('v2')).toEqual(['yes'])
  })

  test('one clock: shifted 3 min ahead, certificates, expiry checks and ctx.time all follow it', async () => {
    replica.setFaults({ clockOffsetMs: 3 * 60_000 })
    try {
      const actor = await actorFor(owner)
      await actor.increment()
      const t = Number(((await actor.time()) as bigint) / 1_000_000n)
      expect(t).toBeGreaterThan(Date.now() + 2 * 60_000)
      expect(t).toBeLessThan(Date.now() + 4 * 60_000)
    } finally {
      replica.setFaults({})
    }
  })
})

describe('the client refuses what it must not trust', () => {
  test('a corrupted certificate signature', async () => {
    const actor = await actorFor(owner)
    replica.setFaults({ corruptCertificate: true })
    try {
      await expect(actor.increment()).rejects.toThrow(/signature|certificate/i)
    } finally {
      replica.setFaults({})
    }
  })

  test('a corrupted query node signature', async () => {
    const actor = await actorFor(owner)
    await actor.greet('warm up node keys')
    replica.setFaults({ corruptQuerySignature: true })
    try {
      await expect(actor.greet('x')).rejects.toThrow(/Query signature verification failed/)
    } finally {
      replica.setFaults({})
    }
  })

  test('a wrong pinned root key', async () => {
    const other = await startReplica({ seed: 'another seed' })
    await other.stop()
    expect(other.rootKeyHex).not.toBe(replica.rootKeyHex)
    const actor = await actorFor(owner, { rootKey: other.rootKey })
    await expect(actor.increment()).rejects.toThrow(/signature|certificate/i)
    await expect(actor.greet('x')).rejects.toThrow(/signature|certificate|verif/i)
  })
})

describe('proxy canister and management canister', () => {
  test('the proxy forwards with itself as caller, for controllers only', async () => {
    const proxy = replica.installProxy({ controllers: [owner.getPrincipal().toText()] })
    const agent = await HttpAgent.create({ host: replica.url, identity: owner, shouldFetchRootKey: true })
    const { ProxyArgs, ProxyResult } = await import('../../replica/proxy.js')
    const callProxy = async (method: string, args: Uint8Array) => {
      const arg = IDL.encode(
        [ProxyArgs],
        [{ canister_id: Principal.fromText(demo), method, args, cycles: 0n }],
      )
      const res = await agent.update(proxy, { methodName: 'proxy', arg })
      return IDL.decode([ProxyResult], res.reply)[0] as Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any
    }
    replica.clearCallLog()
    const ok = await callProxy('whoami_update', new Uint8Array(IDL.encode([], [])))
    expect(IDL.decode([IDL.Principal], ok.Ok.result)[0]).toEqual(Principal.fromText(proxy))
    const forwarded = replica.callLog().find((e) => e.method === 'whoami_update')
    expect(forwarded).toMatchObject({ route: 'proxy', sender: proxy, canisterId: demo, outcome: 'replied' })
    const failed = await callProxy('fail', new Uint8Array(IDL.encode([], [])))
    expect(failed.Err.CallFailed.reason).toBe(
      'Call Rejected, reject_code: CanisterReject (4), reject_message: boom from icp',
    )

    const stranger = await HttpAgent.create({
      host: replica.url,
      identity: Ed25519KeyIdentity.generate(),
      shouldFetchRootKey: true,
    })
    const arg = IDL.encode(
      [ProxyArgs],
      [
        {
          canister_id: Principal.fromText(demo),
          method: 'increment',
          args: new Uint8Array(IDL.encode([], [])),
          cycles: 0n,
        },
      ],
    )
    await expect(stranger.update(proxy, { methodName: 'proxy', arg })).rejects.toThrow(
      /Canister rejected the message/,
    )
  })

  test('metadata read through the proxy: canister_metadata on the management canister', async () => {
    const proxy = replica.installProxy({ controllers: [owner.getPrincipal().toText()] })
    const agent = await HttpAgent.create({ host: replica.url, identity: owner, shouldFetchRootKey: true })
    const { ProxyArgs, ProxyResult } = await import('../../replica/proxy.js')
    const read = async (name: string) => {
      const args = new Uint8Array(
        IDL.encode(
          [IDL.Record({ canister_id: IDL.Principal, name: IDL.Text })],
          [{ canister_id: Principal.fromText(demo), name }],
        ),
      )
      const arg = IDL.encode(
        [ProxyArgs],
        [{ canister_id: Principal.fromText('aaaaa-aa'), method: 'canister_metadata', args, cycles: 0n }],
      )
      const res = await agent.update(proxy, { methodName: 'proxy', arg })
      return IDL.decode([ProxyResult], res.reply)[0] as Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any
    }
    const pub = await read('candid:service')
    const [{ value }] = IDL.decode([IDL.Record({ value: IDL.Vec(IDL.Nat8) })], pub.Ok.result) as unknown as [
      { value: Uint8Array },
    ]
    expect(Buffer.from(value).toString()).toContain('whoami_update : () -> (principal)')
    const priv = await read('demo:note') // the proxy is not a controller of the demo canister
    expect(priv.Err.CallFailed.reason).toMatch(
      /^Call Rejected, reject_code: CanisterError \(5\), reject_message: .*is private/,
    )
    const none = await read('no:such')
    expect(none.Err.CallFailed.reason).toContain('has no metadata section with the name no:such')
  })

  test('provisional creation, update_settings and the certified controllers/module_hash/candid paths', async () => {
    const { managementTypes } = await import('../../replica/management.js')
    const { CanisterStatus } = await import('@icp-sdk/core/agent')
    const agent = await HttpAgent.create({ host: replica.url, identity: owner, shouldFetchRootKey: true })
    const createArg = IDL.encode(
      [
        IDL.Record({
          amount: IDL.Opt(IDL.Nat),
          settings: IDL.Opt(IDL.Record({})),
          specified_id: IDL.Opt(IDL.Principal),
        }),
      ],
      [{ amount: [], settings: [], specified_id: [] }],
    )
    const created = await agent.update('aaaaa-aa', {
      methodName: 'provisional_create_canister_with_cycles',
      arg: createArg,
      effectiveCanisterId: demo,
    })
    const [{ canister_id: fresh }] = IDL.decode(
      [managementTypes.CanisterIdRecordT],
      created.reply,
    ) as unknown as [{ canister_id: Principal }]
    const second = Ed25519KeyIdentity.generate().getPrincipal()
    const settingsArg = IDL.encode(
      [
        IDL.Record({
          canister_id: IDL.Principal,
          settings: IDL.Record({ controllers: IDL.Opt(IDL.Vec(IDL.Principal)) }),
        }),
      ],
      [{ canister_id: fresh, settings: { controllers: [[owner.getPrincipal(), second]] } }],
    )
    await agent.update('aaaaa-aa', {
      methodName: 'update_settings',
      arg: settingsArg,
      effectiveCanisterId: fresh,
    })
    replica.installJsCanister(fresh.toText(), demoCanister())
    const status = await CanisterStatus.request({
      agent,
      canisterId: fresh,
      paths: ['controllers', 'module_hash', 'candid'],
    })
    expect((status.get('controllers') as Principal[]).map((p) => p.toText()).sort()).toEqual(
      [owner.getPrincipal().toText(), second.toText()].sort(),
    )
    expect(typeof status.get('module_hash')).toBe('string')
    expect(status.get('candid')).toContain('service : {')
  })

  test('canister_status for controllers (decodes with the full 1.5.0 type), IC0512 for others', async () => {
    const { managementTypes } = await import('../../replica/management.js')
    const arg = IDL.encode([managementTypes.CanisterIdRecordT], [{ canister_id: Principal.fromText(demo) }])
    const agent = await HttpAgent.create({ host: replica.url, identity: owner, shouldFetchRootKey: true })
    const res = await agent.update('aaaaa-aa', {
      methodName: 'canister_status',
      arg,
      effectiveCanisterId: demo,
    })
    const status = IDL.decode([managementTypes.CanisterStatusResultT], res.reply)[0] as Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(status.status).toEqual({ running: null })
    expect(status.settings.controllers.map((p: Principal) => p.toText())).toEqual([
      owner.getPrincipal().toText(),
    ])
    const stranger = await HttpAgent.create({
      host: replica.url,
      identity: Ed25519KeyIdentity.generate(),
      shouldFetchRootKey: true,
    })
    await expect(
      stranger.update('aaaaa-aa', { methodName: 'canister_status', arg, effectiveCanisterId: demo }),
    ).rejects.toThrow(
      new RegExp(`Only controllers of canister ${demo} can call ic00 method canister_status[\\s\\S]*IC0512`),
    )
  })
})
