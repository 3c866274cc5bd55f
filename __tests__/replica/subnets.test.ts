// The replica's mainnet shape on the wire: application subnets behind an NNS delegation, the IC's
// texts for a non-controller's management call by ingress and by a canister, and a boundary node's
// faults. The independent clients (icp-cli 1.5.0's ic-agent, the JS agent) accept the delegated
// certificates and node-signed queries with every check on.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { tmpdir } from 'node:os'
import { Actor, Cbor, HttpAgent } from '@icp-sdk/core/agent'
import { IDL } from '@icp-sdk/core/candid'
import { Ed25519KeyIdentity } from '@icp-sdk/core/identity'
import { Principal } from '@icp-sdk/core/principal'
import { demoCanister, startReplica, type Replica } from '../../replica/index.js'
import { ProxyArgs, ProxyResult } from '../../replica/proxy.js'
import { runIcpAsync } from '../helpers/icp.js'
import { demoIdl, type DemoActor } from './demo-idl.js'

const owner = Ed25519KeyIdentity.generate()
const stranger = Ed25519KeyIdentity.generate()

describe.each([
  ['flat', { canisterRanges: 'flat' as const }],
  ['sharded (pruned)', { canisterRanges: 'sharded' as const }],
])('application subnets, %s canister ranges', (_name, shape) => {
  let replica: Replica
  let demo: string
  beforeAll(async () => {
    replica = await startReplica({ appSubnets: 2, controllers: [owner.getPrincipal().toText()], ...shape })
    demo = replica.createCanister()
    replica.installJsCanister(demo, demoCanister())
  })
  afterAll(async () => replica?.stop())

  test('the NNS subnet holds the root key; canisters live on the first application subnet', () => {
    expect(replica.subnets.map((s) => s.kind)).toEqual(['nns', 'application', 'application'])
    expect(replica.subnets[0]!.id).toBe(replica.subnetId)
    const [low, high] = replica.subnets[1]!.range.map((t) =>
      Buffer.from(Principal.fromText(t).toUint8Array()),
    )
    const id = Buffer.from(Principal.fromText(demo).toUint8Array())
    expect(Buffer.compare(low!, id)).toBeLessThan(0)
    expect(Buffer.compare(id, high!)).toBeLessThan(0)
  })

  test('the JS agent (verification on) calls and queries through the delegation', async () => {
    const agent = await HttpAgent.create({
      host: replica.url,
      identity: owner,
      rootKey: replica.rootKey,
      retryTimes: 0,
    })
    const actor = Actor.createActor(demoIdl, { agent, canisterId: demo }) as unknown as DemoActor
    expect(await actor.greet('nns')).toBe('Hello, nns!')
    await actor.put('k', 'v')
    expect(await actor.get('k')).toEqual(['v'])
    const { certificate } = await agent.readState(
      { canisterId: Principal.fromText(demo) },
      { paths: [[new TextEncoder().encode('time')]] },
    )
    const decoded = Cbor.decode(certificate) as { delegation?: { subnet_id: Uint8Array } }
    expect(Principal.fromUint8Array(decoded.delegation!.subnet_id).toText()).toBe(replica.subnets[1]!.id)
  })

  test('icp-cli 1.5.0 (ic-agent) calls and queries through the delegation', async () => {
    const base = ['-n', replica.url, '-k', replica.rootKeyHex, '--identity', 'anonymous']
    const query = await runIcpAsync(
      ['canister', 'call', demo, 'greet', '("icp")', '--query', ...base],
      tmpdir(),
    )
    expect(query.stderr).not.toMatch(/Error/)
    expect(query.stdout).toContain('Hello, icp!')
    const update = await runIcpAsync(['canister', 'call', demo, 'whoami_update', '()', ...base], tmpdir())
    expect(update.stdout).toContain('principal "2vxsx-fae"')
  })
})

test('every shard unpruned: icp-cli 1.5.0 (ic-agent) picks the right shard (@icp-sdk/core 6.1.0 does not)', async () => {
  const replica = await startReplica({ appSubnets: 1, canisterRanges: 'sharded', prunedRanges: false })
  try {
    const demo = replica.createCanister()
    replica.installJsCanister(demo, demoCanister())
    const base = ['-n', replica.url, '-k', replica.rootKeyHex, '--identity', 'anonymous']
    const update = await runIcpAsync(['canister', 'call', demo, 'whoami_update', '()', ...base], tmpdir())
    expect(update.stdout).toContain('principal "2vxsx-fae"')
    const agent = await HttpAgent.create({ host: replica.url, rootKey: replica.rootKey, retryTimes: 0 })
    const actor = Actor.createActor(demoIdl, { agent, canisterId: demo }) as unknown as DemoActor
    await expect(actor.increment()).rejects.toThrow(
      /does not include the canister .* in the canister_ranges field/,
    )
  } finally {
    await replica.stop()
  }
})

describe('management calls by a non-controller: the IC’s text per route', () => {
  let replica: Replica
  let demo: string
  let proxy: string
  beforeAll(async () => {
    replica = await startReplica({ appSubnets: 1 })
    proxy = replica.installProxy({ controllers: [owner.getPrincipal().toText()] })
    demo = replica.createCanister({ controllers: [owner.getPrincipal().toText()] })
    replica.installJsCanister(demo, demoCanister())
  })
  afterAll(async () => replica?.stop())
  const statusArg = () =>
    IDL.encode([IDL.Record({ canister_id: IDL.Principal })], [{ canister_id: Principal.fromText(demo) }])

  test('by ingress: the ingress filter’s text, IC0512, not certified', async () => {
    const agent = await HttpAgent.create({
      host: replica.url,
      identity: stranger,
      rootKey: replica.rootKey,
      retryTimes: 0,
    })
    const { response } = await agent.call('aaaaa-aa', {
      methodName: 'canister_status',
      arg: statusArg(),
      effectiveCanisterId: demo,
    })
    expect(response.body).toMatchObject({
      status: 'non_replicated_rejection',
      reject_code: 5,
      error_code: 'IC0512',
      reject_message: `Only controllers of canister ${demo} can call ic00 method canister_status`,
    })
  })

  test('by a canister (the proxy): execution’s text, with the controllers and the sender', async () => {
    const agent = await HttpAgent.create({
      host: replica.url,
      identity: owner,
      rootKey: replica.rootKey,
      retryTimes: 0,
    })
    const arg = IDL.encode(
      [ProxyArgs],
      [
        {
          canister_id: Principal.fromText('aaaaa-aa'),
          method: 'canister_status',
          args: statusArg(),
          cycles: 0n,
        },
      ],
    )
    const res = await agent.update(proxy, { methodName: 'proxy', arg })
    const [result] = IDL.decode([ProxyResult], res.reply) as unknown as [
      { Err: { CallFailed: { reason: string } } },
    ]
    expect(result.Err.CallFailed.reason).toBe(
      `Call Rejected, reject_code: CanisterError (5), reject_message: Only the controllers of the canister ${demo} can control it.\n` +
        `Canister's controllers: ${owner.getPrincipal().toText()}\nSender's ID: ${proxy}`,
    )
  })
})

describe('boundary-node faults', () => {
  let replica: Replica
  let demo: string
  beforeAll(async () => {
    replica = await startReplica({ appSubnets: 1 })
    demo = replica.createCanister()
    replica.installJsCanister(demo, demoCanister())
  })
  afterAll(async () => replica?.stop())

  test('429 with retry-after and the boundary node’s text body', async () => {
    replica.setFaults({ httpError: { status: 429, times: 1, retryAfter: 2 } })
    const res = await fetch(`${replica.url}/api/v2/status`)
    expect(res.status).toBe(429)
    expect(res.headers.get('retry-after')).toBe('2')
    expect(await res.text()).toBe('rate_limited_normal\n')
  })

  test('503 after acceptance: the call runs, the answer is the error', async () => {
    replica.setFaults({ httpError: { status: 503, times: 1, path: /\/call$/, afterAccept: true } })
    replica.clearCallLog()
    const agent = await HttpAgent.create({
      host: replica.url,
      identity: owner,
      rootKey: replica.rootKey,
      retryTimes: 0,
    })
    await expect(agent.call(demo, { methodName: 'increment', arg: IDL.encode([], []) })).rejects.toThrow(
      /503[\s\S]*no_healthy_nodes/,
    )
    await new Promise((r) => setTimeout(r, 50))
    expect(replica.callLog().filter((e) => e.method === 'increment')).toEqual([
      expect.objectContaining({ outcome: 'replied' }),
    ])
  })
})
