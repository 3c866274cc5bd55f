// Raw requests against the replica: request ids, sender authentication, expiry, dedup, polling,
// read_state path rules, absence proofs, metadata visibility and HTTP-level faults.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { decode, encodeWithSelfDescribedTag } from '@dfinity/cbor'
import { Certificate, requestIdOf, lookupResultToBuffer } from '@icp-sdk/core/agent'
import { IDL } from '@icp-sdk/core/candid'
import { Ed25519KeyIdentity } from '@icp-sdk/core/identity'
import { Principal } from '@icp-sdk/core/principal'
import { p256 } from '@noble/curves/nist.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { concat, toHex, utf8 } from '../../replica/bytes.js'
import { requestId } from '../../replica/hash.js'
import { demoCanister, startReplica, type Replica } from '../../replica/index.js'
import { selfAuthenticating } from '../../replica/principal.js'
import { lookupPath, reconstruct, type HashTree } from '../../replica/tree.js'
import { verifyStateRoot } from '../../replica/crypto.js'

let replica: Replica
let demo: string
const owner = Ed25519KeyIdentity.generate()
const DOMAIN_REQUEST = concat(Uint8Array.of(10), utf8('ic-request'))

beforeAll(async () => {
  replica = await startReplica({ seed: 'wire-test', controllers: [owner.getPrincipal().toText()] })
  demo = replica.createCanister()
  replica.installJsCanister(demo, demoCanister())
})
afterAll(async () => replica.stop())

interface Signer {
  der: Uint8Array
  sign(msg: Uint8Array): Promise<Uint8Array> | Uint8Array
}
const edSigner = (id: Ed25519KeyIdentity): Signer => ({
  der: new Uint8Array(id.getPublicKey().toDer()),
  sign: async (m) => new Uint8Array(await id.sign(m)),
})

const nowNs = (): bigint => BigInt(Date.now()) * 1_000_000n
const expiryIn = (ms: number): bigint => nowNs() + BigInt(ms) * 1_000_000n
const noArgs = new Uint8Array(IDL.encode([], []))

function callContent(sender: Uint8Array, method: string, arg = noArgs, extra: Record<string, unknown> = {}) {
  return {
    request_type: 'call',
    canister_id: Principal.fromText(demo).toUint8Array(),
    method_name: method,
    arg,
    sender,
    ingress_expiry: expiryIn(3 * 60_000),
    nonce: crypto.getRandomValues(new Uint8Array(16)),
    ...extra,
  }
}

async function envelope(
  content: Record<string, unknown>,
  signer?: Signer,
  tamper?: (c: Record<string, unknown>) => void,
) {
  const rid = requestId(content)
  const env: Record<string, unknown> = { content: { ...content } }
  if (signer) {
    env.sender_pubkey = signer.der
    env.sender_sig = await signer.sign(concat(DOMAIN_REQUEST, rid))
  }
  tamper?.(env.content as Record<string, unknown>)
  return { rid, body: encodeWithSelfDescribedTag(env) }
}

async function post(path: string, body: Uint8Array) {
  const res = await fetch(replica.url + path, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/cbor' },
  })
  const bytes = new Uint8Array(await res.arrayBuffer())
  const isCbor = (res.headers.get('content-type') ?? '').includes('cbor')
  return {
    status: res.status,
    text: isCbor ? '' : Buffer.from(bytes).toString(),
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    cbor: isCbor ? (decode(bytes) as any) : undefined,
  }
}

const callPath = (v = 'v4', cid = demo) => `/api/${v}/canister/${cid}/call`

describe('request ids and sender authentication', () => {
  test('the request id is hashed generically and equals the agent’s for unknown fields too', () => {
    const content = callContent(owner.getPrincipal().toUint8Array(), 'increment', noArgs, {
      sender_info: { info: new Uint8Array([1, 2]), nested: [1n, 'x', [new Uint8Array([3])]] },
    })
    expect(toHex(requestId(content))).toBe(toHex(new Uint8Array(requestIdOf(content as never))))
  })

  test('a valid Ed25519 call is accepted; a bad signature, a tampered request and a wrong key are refused', async () => {
    const me = owner.getPrincipal().toUint8Array()
    const good = await envelope(callContent(me, 'increment'), edSigner(owner))
    expect((await post(callPath(), good.body)).cbor.status).toBe('replied')

    const bad = await envelope(callContent(me, 'increment'), {
      der: edSigner(owner).der,
      sign: async (m) => {
        const s = new Uint8Array(await owner.sign(m))
        s[5] ^= 0xff
        return s
      },
    })
    const r1 = await post(callPath(), bad.body)
    expect(r1.status).toBe(400)
    expect(r1.text).toBe(
      `Failed to authenticate request 0x${toHex(bad.rid)} due to: Invalid signature: Invalid basic signature: Ed25519 signature could not be verified`,
    )

    const tampered = await envelope(
      callContent(me, 'put', new Uint8Array(IDL.encode([IDL.Text, IDL.Text], ['a', 'b']))),
      edSigner(owner),
      (c) => {
        c.arg = new Uint8Array(IDL.encode([IDL.Text, IDL.Text], ['a', 'evil']))
      },
    )
    const r2 = await post(callPath(), tampered.body)
    expect(r2.status).toBe(400)
    expect(r2.text).toMatch(/^Failed to authenticate request 0x[0-9a-f]{64} due to: Invalid signature/)

    const other = Ed25519KeyIdentity.generate()
    const wrongKey = await envelope(callContent(me, 'increment'), edSigner(other))
    const r3 = await post(callPath(), wrongKey.body)
    expect(r3.status).toBe(400)
    expect(r3.text).toContain(`does not match the public key ${toHex(edSigner(other).der)}`)
    expect(replica.callLog().filter((e) => e.method === 'put')).toHaveLength(0)
  })

  test('expired and too-far-future requests get the IC expiry text', async () => {
    const me = owner.getPrincipal().toUint8Array()
    for (const ms of [-60_000, 10 * 60_000]) {
      const { body } = await envelope(
        callContent(me, 'increment', noArgs, { ingress_expiry: expiryIn(ms) }),
        edSigner(owner),
      )
      const r = await post(callPath(), body)
      expect(r.status).toBe(400)
      expect(r.text).toMatch(
        /^Invalid request expiry: Specified ingress_expiry not within expected range: Minimum allowed expiry: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{9})? UTC, Maximum allowed expiry: .* UTC, Provided expiry: .* UTC$/,
      )
    }
  })

  test('secp256k1 must be low-S; P-256 high-S is accepted', async () => {
    const der = (prefix: string, pub: Uint8Array) => concat(Buffer.from(prefix, 'hex'), pub)
    const highS = (curve: typeof secp256k1 | typeof p256, sk: Uint8Array) => (m: Uint8Array) => {
      const sig = curve.Signature.fromBytes(curve.sign(m, sk, { lowS: true }))
      return curve.Signature.fromBytes(
        concat(
          sig.toBytes().slice(0, 32),
          Buffer.from((curve.Point.Fn.ORDER - sig.s).toString(16).padStart(64, '0'), 'hex'),
        ),
      ).toBytes()
    }
    const kSk = secp256k1.utils.randomSecretKey()
    const kDer = der('3056301006072a8648ce3d020106052b8104000a034200', secp256k1.getPublicKey(kSk, false))
    const pSk = p256.utils.randomSecretKey()
    const pDer = der('3059301306072a8648ce3d020106082a8648ce3d030107034200', p256.getPublicKey(pSk, false))
    const send = async (pub: Uint8Array, sign: (m: Uint8Array) => Uint8Array) =>
      post(
        callPath(),
        (await envelope(callContent(selfAuthenticating(pub), 'whoami_update'), { der: pub, sign })).body,
      )
    expect((await send(kDer, (m) => secp256k1.sign(m, kSk))).cbor.status).toBe('replied')
    const refused = await send(kDer, highS(secp256k1, kSk))
    expect(refused.status).toBe(400)
    expect(refused.text).toContain('ECDSA secp256k1 signature is not in low-S form')
    expect((await send(pDer, highS(p256, pSk))).cbor.status).toBe('replied')
    // Compressed-point SPKI keys are accepted too.
    const kDerCompressed = der(
      '3036301006072a8648ce3d020106052b8104000a032200',
      secp256k1.getPublicKey(kSk, true),
    )
    expect((await send(kDerCompressed, (m) => secp256k1.sign(m, kSk))).cbor.status).toBe('replied')
    const junk = concat(kDer, Uint8Array.of(0))
    const r = await send(junk, (m) => secp256k1.sign(m, kSk))
    expect([r.status, r.text]).toEqual([400, expect.stringContaining('malformed')])
  })

  test('delegations: expiry and targets are enforced', async () => {
    const { DelegationChain, DelegationIdentity } = await import('@icp-sdk/core/identity')
    const { Actor, HttpAgent } = await import('@icp-sdk/core/agent')
    const { demoIdl } = await import('./demo-idl.js')
    const root = Ed25519KeyIdentity.generate()
    const session = Ed25519KeyIdentity.generate()
    const elsewhere = Principal.fromText('ryjl3-tyaaa-aaaaa-aaaba-cai')
    const wrongTarget = DelegationIdentity.fromDelegation(
      session,
      await DelegationChain.create(root, session.getPublicKey(), new Date(Date.now() + 60_000), {
        targets: [elsewhere],
      }),
    )
    const expired = DelegationIdentity.fromDelegation(
      session,
      await DelegationChain.create(root, session.getPublicKey(), new Date(Date.now() - 60_000)),
    )
    for (const [identity, text] of [
      [wrongTarget, `Canister ${demo} is not one of the delegation targets.`],
      [expired, 'Invalid delegation: Delegation has expired'],
    ] as const) {
      const agent = await HttpAgent.create({
        host: replica.url,
        identity,
        rootKey: replica.rootKey,
        retryTimes: 0,
      })
      const actor = Actor.createActor(demoIdl, { agent, canisterId: demo })
      await expect(actor.increment()).rejects.toThrow(text)
    }
  })
})

describe('request lifecycle', () => {
  test('a duplicate submission executes once and both get the certified reply', async () => {
    const me = owner.getPrincipal().toUint8Array()
    const { body } = await envelope(callContent(me, 'increment'), edSigner(owner))
    replica.clearCallLog()
    const [a, b] = await Promise.all([post(callPath(), body), post(callPath(), body)])
    expect(a.cbor.status).toBe('replied')
    expect(b.cbor.status).toBe('replied')
    expect(replica.callLog().filter((e) => e.method === 'increment')).toHaveLength(1)
  })

  test('v2 call answers 202; request_status is readable by its sender only, and certified', async () => {
    const me = owner.getPrincipal().toUint8Array()
    const { rid, body } = await envelope(callContent(me, 'fail'), edSigner(owner))
    expect((await post(callPath('v2'), body)).status).toBe(202)
    await new Promise((r) => setTimeout(r, 50))
    const readContent = {
      request_type: 'read_state',
      paths: [[utf8('request_status'), rid]],
      sender: me,
      ingress_expiry: expiryIn(60_000),
    }
    const rs = await post(
      `/api/v3/canister/${demo}/read_state`,
      (await envelope(readContent, edSigner(owner))).body,
    )
    const cert = await Certificate.create({
      certificate: rs.cbor.certificate,
      rootKey: replica.rootKey,
      principal: { canisterId: Principal.fromText(demo) },
    })
    const status = lookupResultToBuffer(cert.lookup_path(['request_status', rid, 'status']))
    expect(Buffer.from(status ?? []).toString()).toBe('rejected')
    const code = lookupResultToBuffer(cert.lookup_path(['request_status', rid, 'error_code']))
    expect(Buffer.from(code ?? []).toString()).toBe('IC0406')

    const stranger = Ed25519KeyIdentity.generate()
    const foreign = await post(
      `/api/v3/canister/${demo}/read_state`,
      (await envelope({ ...readContent, sender: stranger.getPrincipal().toUint8Array() }, edSigner(stranger)))
        .body,
    )
    expect(foreign.status).toBe(403)
  })

  test('v3 call answers like v4 (certified reply); a stopped canister is refused unreplicated', async () => {
    const me = owner.getPrincipal().toUint8Array()
    const { rid, body } = await envelope(callContent(me, 'whoami_update'), edSigner(owner))
    const r = await post(callPath('v3'), body)
    expect(r.cbor.status).toBe('replied')
    const tree = (decode(r.cbor.certificate) as { tree: HashTree }).tree
    const reply = lookupPath(tree, [utf8('request_status'), rid, utf8('reply')])
    expect('found' in reply && IDL.decode([IDL.Principal], reply.found)[0]).toEqual(owner.getPrincipal())
    replica.setStatus(demo, 'stopped')
    try {
      const stopped = await post(
        callPath('v4'),
        (await envelope(callContent(me, 'increment'), edSigner(owner))).body,
      )
      expect(stopped.cbor).toMatchObject({
        status: 'non_replicated_rejection',
        reject_code: 5,
        error_code: 'IC0508',
      })
    } finally {
      replica.setStatus(demo, 'running')
    }
  })

  test('an unknown canister is a non_replicated_rejection on v4', async () => {
    const me = owner.getPrincipal().toUint8Array()
    const missing = 'ryjl3-tyaaa-aaaaa-aaaba-cai'
    const content = callContent(me, 'increment', noArgs, {
      canister_id: Principal.fromText(missing).toUint8Array(),
    })
    const r = await post(callPath('v4', missing), (await envelope(content, edSigner(owner))).body)
    expect(r.cbor).toEqual({
      status: 'non_replicated_rejection',
      reject_code: 3,
      reject_message: `Canister ${missing} not found`,
      error_code: 'IC0301',
    })
  })

  test('an ingress message over 2 MiB is refused with 413', async () => {
    const big = new Uint8Array(IDL.encode([IDL.Text, IDL.Text], ['big', 'x'.repeat(2 * 1024 * 1024)]))
    const { rid, body } = await envelope(
      callContent(owner.getPrincipal().toUint8Array(), 'put', big),
      edSigner(owner),
    )
    const r = await post(callPath(), body)
    expect(r.status).toBe(413)
    expect(r.text).toBe(
      `Request 0x${toHex(rid)} is too large. Message byte size ${body.length} is larger than the max allowed ${2 * 1024 * 1024}.`,
    )
  })

  test('the effective canister id in the URL must match the target', async () => {
    const other = replica.createCanister()
    const r = await post(
      callPath('v4', other),
      (await envelope(callContent(owner.getPrincipal().toUint8Array(), 'increment'), edSigner(owner))).body,
    )
    expect(r.status).toBe(400)
    expect(r.text).toBe(`Specified CanisterId ${demo} does not match effective canister id in URL ${other}`)
  })
})

describe('read_state', () => {
  async function readState(paths: Uint8Array[][], who = owner, cid = demo) {
    const content = {
      request_type: 'read_state',
      paths,
      sender: who.getPrincipal().toUint8Array(),
      ingress_expiry: expiryIn(60_000),
    }
    return post(`/api/v3/canister/${cid}/read_state`, (await envelope(content, edSigner(who))).body)
  }

  test('absence of an unknown request id is proven by neighbour labels, under a valid BLS signature', async () => {
    const unknown = crypto.getRandomValues(new Uint8Array(32))
    const r = await readState([[utf8('request_status'), unknown]])
    const cert = decode(r.cbor.certificate) as { tree: HashTree; signature: Uint8Array }
    expect(verifyStateRoot(replica.rootKey, reconstruct(cert.tree), cert.signature)).toBe(true)
    expect(lookupPath(cert.tree, [utf8('request_status'), unknown, utf8('status')])).toEqual({ absent: true })
    expect('found' in lookupPath(cert.tree, [utf8('time')])).toBe(true)
    // The agent accepts the certificate as well (BLS, subnet and canister ranges).
    await expect(
      Certificate.create({
        certificate: r.cbor.certificate,
        rootKey: replica.rootKey,
        principal: { canisterId: Principal.fromText(demo) },
      }),
    ).resolves.toBeDefined()
  })

  test('metadata visibility: public for anyone, icp:private for controllers only', async () => {
    const stranger = Ed25519KeyIdentity.generate()
    const path = (name: string) => [
      utf8('canister'),
      Principal.fromText(demo).toUint8Array(),
      utf8('metadata'),
      utf8(name),
    ]
    const pub = await readState([path('candid:service')], stranger)
    const tree = (decode(pub.cbor.certificate) as { tree: HashTree }).tree
    const found = lookupPath(tree, path('candid:service'))
    expect('found' in found && Buffer.from(found.found).toString()).toContain(
      'greet : (text) -> (text) query',
    )
    const denied = await readState([path('demo:note')], stranger)
    expect(denied.status).toBe(403)
    const allowed = await readState([path('demo:note')], owner)
    const t2 = (decode(allowed.cbor.certificate) as { tree: HashTree }).tree
    const note = lookupPath(t2, path('demo:note'))
    expect('found' in note && Buffer.from(note.found).toString()).toBe('a private note')
  })

  test('another canister’s paths are 400, unknown paths 404', async () => {
    const other = Principal.fromText('ryjl3-tyaaa-aaaaa-aaaba-cai').toUint8Array()
    expect((await readState([[utf8('canister'), other, utf8('controllers')]])).status).toBe(400)
    expect((await readState([[utf8('nothing')]])).status).toBe(404)
  })

  test('the subnet tree has public_key, canister_ranges and the node key both clients need', async () => {
    const r = await readState([[utf8('subnet')]])
    const tree = (decode(r.cbor.certificate) as { tree: HashTree }).tree
    const sid = Principal.fromText(replica.subnetId).toUint8Array()
    expect(toHex(sid)).toBe(toHex(selfAuthenticating(replica.rootKey)))
    const pk = lookupPath(tree, [utf8('subnet'), sid, utf8('public_key')])
    expect('found' in pk && toHex(pk.found)).toBe(replica.rootKeyHex)
    expect('found' in lookupPath(tree, [utf8('subnet'), sid, utf8('canister_ranges')])).toBe(true)
  })
})

describe('HTTP faults', () => {
  test('5xx, dropped connections and delays', async () => {
    replica.setFaults({ httpError: { status: 503, times: 1, body: 'overloaded' } })
    const first = await fetch(`${replica.url}/api/v2/status`)
    expect([first.status, await first.text()]).toEqual([503, 'overloaded'])
    expect((await fetch(`${replica.url}/api/v2/status`)).status).toBe(200)
    replica.setFaults({ dropConnection: { times: 1 } })
    await expect(fetch(`${replica.url}/api/v2/status`)).rejects.toThrow()
    expect((await fetch(`${replica.url}/api/v2/status`)).status).toBe(200)
    replica.setFaults({ delayMs: 200 })
    const t0 = Date.now()
    await fetch(`${replica.url}/api/v2/status`)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190)
    replica.setFaults({})
  })
})
