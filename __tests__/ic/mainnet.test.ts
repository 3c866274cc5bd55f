// Mainnet-shaped calls against the replica with application subnets: certificates with an NNS
// delegation and canister ranges (flat; sharded, pruned and unpruned), query responses signed by
// the application subnet's node. Calls, queries, metadata and the running check succeed through a
// delegated subnet, direct and through the proxy; forged delegations, a subnet answering for a
// canister outside its ranges, and a node of another subnet are refused.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals'
import { Certificate } from '@icp-sdk/core/agent'
import { IDL } from '@icp-sdk/core/candid'
import { Principal } from '@icp-sdk/core/principal'
import { demoCanister, DEMO_CANDID, startReplica, type Replica } from '../../replica/index.js'
import { loadIdentity, type LoadedIdentity } from '../../src/identity/index.js'
import {
  canisterCaller,
  checkCanisterRunning,
  connect,
  type IcConnection,
  type PluginCallRequest,
} from '../../src/ic/index.js'
import { readState } from '../../src/ic/call.js'
import { verifyCertificate } from '../../src/ic/certificate.js'
import { ecPkcs8 } from '../identity/keygen.js'

const FAST = { baseDelayMs: 10, pollIntervalMs: 100, maxPollIntervalMs: 200 }
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)
const noArgs = (): Uint8Array => new Uint8Array(IDL.encode([], []))

function call(demo: string, over: Partial<PluginCallRequest>): PluginCallRequest {
  return {
    targetCanisterId: demo,
    method: 'greet',
    arg: new Uint8Array(IDL.encode([IDL.Text], ['world'])),
    callType: 'query',
    direct: false,
    cycles: 0n,
    ...over,
  }
}

const shapes = [
  ['flat ranges', { canisterRanges: 'flat' as const }],
  ['sharded ranges, pruned to the canister’s shard', { canisterRanges: 'sharded' as const }],
  ['sharded ranges, every shard unpruned', { canisterRanges: 'sharded' as const, prunedRanges: false }],
] as const

describe.each(shapes)('application subnets with %s', (_name, shape) => {
  let replica: Replica
  let me: LoadedIdentity
  let conn: IcConnection
  let demo: string
  let proxy: string

  beforeAll(async () => {
    replica = await startReplica({ appSubnets: 2, ...shape })
    me = await loadIdentity({ pem: ecPkcs8('secp256k1') })
    proxy = replica.installProxy({ controllers: [me.principal] })
    demo = replica.createCanister({ controllers: [me.principal, proxy] })
    replica.installJsCanister(demo, demoCanister())
    conn = await connect({ apiUrl: replica.url, rootKey: replica.rootKeyHex, identity: me, retry: FAST })
  })
  afterAll(async () => replica?.stop())
  beforeEach(() => replica.setFaults({}))

  test('certificates come from the application subnet, delegated by the NNS (root key) subnet', async () => {
    const [nns, app] = replica.subnets
    expect(nns!.kind).toBe('nns')
    expect(app!.kind).toBe('application')
    const cert = await readState(conn, Principal.fromText(demo), [[utf8('time')]])
    expect(cert.delegated).toBe(true)
    expect(cert.subnetId.toText()).toBe(app!.id)
    expect(cert.subnetId.toText()).not.toBe(replica.subnetId)
  })

  test('update (direct and through the proxy), query, metadata and the running check succeed', async () => {
    for (const proxied of [false, true]) {
      const caller = canisterCaller(conn, proxied ? { proxy } : {})
      const who = await caller.canisterCall(
        call(demo, { method: 'whoami_update', arg: noArgs(), callType: 'update' }),
      )
      expect(IDL.decode([IDL.Principal], (who as { ok: Uint8Array }).ok)[0]).toEqual(
        Principal.fromText(proxied ? proxy : me.principal),
      )
      const greeting = await caller.canisterCall(call(demo, {}))
      expect(IDL.decode([IDL.Text], (greeting as { ok: Uint8Array }).ok)).toEqual(['Hello, world!'])
      const candid = await caller.metadataSection({
        targetCanisterId: demo,
        name: 'candid:service',
        direct: !proxied,
      })
      expect(new TextDecoder().decode((candid as { ok: Uint8Array }).ok)).toBe(DEMO_CANDID)
      expect(
        await caller.metadataSection({ targetCanisterId: demo, name: 'no:such', direct: !proxied }),
      ).toEqual({
        ok: undefined,
      })
      expect(await checkCanisterRunning(conn, demo, proxied ? { proxy } : {})).toEqual({})
    }
  })

  test('a proxy that is not a controller gets the IC’s inter-canister text → a warning, not a failure', async () => {
    const other = replica.createCanister({ controllers: [me.principal] })
    replica.installJsCanister(other, demoCanister())
    const result = await checkCanisterRunning(conn, other, { proxy })
    expect(result.warning).toMatch(
      new RegExp(
        `proxy canister ${proxy} is not one of its controllers \\(.*Only the controllers of the canister ${other} can control it\\.`,
      ),
    )
    const stranger = await loadIdentity({ pem: ecPkcs8('secp256k1') })
    const theirs = await connect({
      apiUrl: replica.url,
      rootKey: replica.rootKeyHex,
      identity: stranger,
      retry: FAST,
    })
    expect((await checkCanisterRunning(theirs, demo, {})).warning).toMatch(
      /is not one of its controllers \(IC0512\)/,
    )
  })

  test.each([
    ['forgedDelegation', /Certificate verification failed\. \(invalid signature\)/],
    [
      'wrongSubnet',
      /Certificate is not authorized to respond to queries for this canister\. \(canister .* is not in the canister ranges of subnet/,
    ],
  ] as const)('%s → updates, queries and metadata reads are refused', async (fault, why) => {
    const fresh = await connect({
      apiUrl: replica.url,
      rootKey: replica.rootKeyHex,
      identity: me,
      retry: FAST,
    })
    replica.setFaults({ [fault]: true })
    const caller = canisterCaller(fresh, {})
    const outcomes = [
      await caller.canisterCall(call(demo, { method: 'whoami_update', arg: noArgs(), callType: 'update' })),
      await caller.canisterCall(call(demo, {})),
      await caller.metadataSection({ targetCanisterId: demo, name: 'candid:service', direct: true }),
    ]
    for (const outcome of outcomes) expect((outcome as { err: string }).err).toMatch(why)
  })

  test('a query signed by a node of another subnet is refused', async () => {
    replica.setFaults({ foreignQueryNode: true })
    const outcome = await canisterCaller(conn, {}).canisterCall(call(demo, {}))
    expect((outcome as { err: string }).err).toMatch(
      /^canister call failed: Query signature verification failed\. \(node [a-z0-9-]+ is not in the canister's subnet\)/,
    )
  })
})

describe('the canister_ranges shard guard (@icp-sdk/core 6.1.0 takes the first shard)', () => {
  let replica: Replica
  let demo: string
  beforeAll(async () => {
    replica = await startReplica({ appSubnets: 1, canisterRanges: 'sharded', prunedRanges: false })
    demo = replica.createCanister()
    replica.installJsCanister(demo, demoCanister())
  })
  afterAll(async () => replica?.stop())

  test('three unpruned shards, the canister in the second: ours accepts, the agent’s own lookup refuses', async () => {
    const me = await loadIdentity({ pem: ecPkcs8('secp256k1') })
    const conn = await connect({
      apiUrl: replica.url,
      rootKey: replica.rootKeyHex,
      identity: me,
      retry: FAST,
    })
    const cert = await readState(conn, Principal.fromText(demo), [[utf8('time')]])
    expect(cert.delegated).toBe(true)
    // The same certificate through the agent: its partition point picks the first shard.
    const raw = await fetchCertificate(replica, demo)
    await expect(
      verifyCertificate(raw, replica.rootKey, { canisterId: Principal.fromText(demo) }),
    ).resolves.toBeDefined()
    await expect(
      Certificate.create({
        certificate: raw,
        rootKey: replica.rootKey,
        principal: { canisterId: Principal.fromText(demo) },
      }),
    ).rejects.toThrow(/delegation that does not include the canister .* in the canister_ranges field/)
  })
})

/** A raw read_state certificate for `/time`, sent anonymously. */
async function fetchCertificate(replica: Replica, canister: string): Promise<Uint8Array> {
  const { signRequest } = await import('../../src/ic/envelope.js')
  const { AnonymousIdentity, Cbor } = await import('@icp-sdk/core/agent')
  const request = await signRequest(
    new AnonymousIdentity(),
    { request_type: 'read_state', paths: [[utf8('time')]] },
    60_000,
    0,
  )
  const response = await fetch(`${replica.url}/api/v3/canister/${canister}/read_state`, {
    method: 'POST',
    headers: { 'content-type': 'application/cbor' },
    body: request.body,
  })
  const body = Cbor.decode(new Uint8Array(await response.arrayBuffer())) as { certificate: Uint8Array }
  return body.certificate
}
