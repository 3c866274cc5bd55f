// The real icp-cli 1.5.0 against the replica, in an isolated HOME/ICP_HOME: calls with each identity
// kind, IC reject texts, refusal of corrupted/stale replies, `icp sync` with a script step, and
// `icp deploy` of a linked canister.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { execFile } from 'node:child_process'
import { createHash, generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { DEMO_CANDID, demoCanister, startReplica, type Replica } from '../../replica/index.js'
import { ICP_BIN, isolatedIcpEnv } from '../helpers/icp.js'

const run = promisify(execFile)

let home: string
let project: string
let replica: Replica
let demo: string
let proxy: string
const principals: Record<string, string> = {}
const KINDS = ['secp', 'ed', 'p256'] as const

function env(): NodeJS.ProcessEnv {
  return isolatedIcpEnv(home)
}

async function icp(args: string[], cwd = project): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(ICP_BIN, args, { cwd, env: env(), timeout: 60_000 })
    return { code: 0, stdout, stderr }
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string }
    return {
      code: typeof err.code === 'number' ? err.code : 1,
      stdout: err.stdout ?? '',
      stderr: err.stderr ?? '',
    }
  }
}

/** A tiny Wasm module whose only content is an `icp:public note` custom section. */
function wasmWithNote(note: string): Buffer {
  const name = Buffer.from('icp:public note')
  const payload = Buffer.concat([Buffer.from([name.length]), name, Buffer.from(note)])
  return Buffer.concat([Buffer.from('0061736d01000000', 'hex'), Buffer.from([0, payload.length]), payload])
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'replica-icp-'))
  project = join(home, 'project')
  await run('mkdir', ['-p', project])
  expect((await icp(['identity', 'new', 'secp', '--storage', 'plaintext'], home)).code).toBe(0)
  for (const [name, type, opts] of [
    ['ed', 'ed25519', {}],
    ['p256', 'ec', { namedCurve: 'prime256v1' }],
  ] as const) {
    const { privateKey } = generateKeyPairSync(type as 'ec', opts as { namedCurve: string })
    const pem = join(home, `${name}.pem`)
    writeFileSync(pem, privateKey.export({ format: 'pem', type: 'pkcs8' }))
    const r = await icp(['identity', 'import', name, '--from-pem', pem, '--storage', 'plaintext'], home)
    expect(r.stderr + r.stdout).not.toMatch(/error/i)
  }
  for (const k of KINDS)
    principals[k] = (await icp(['identity', 'principal', '--identity', k], home)).stdout.trim()

  replica = await startReplica({
    seed: 'icp-cli-test',
    controllers: [principals.secp, principals.ed, principals.p256],
  })
  demo = replica.createCanister()
  replica.installJsCanister(demo, demoCanister())
  proxy = replica.installProxy({ controllers: [principals.secp] })
  replica.setControllers(demo, [principals.secp, principals.ed, principals.p256, proxy])

  writeFileSync(join(home, 'demo.did'), DEMO_CANDID)
  writeFileSync(join(project, 'demo.wasm'), wasmWithNote('installed by icp deploy'))
  writeFileSync(
    join(project, 'icp.yaml'),
    `canisters:
  - name: demo
    build:
      steps:
        - type: pre-built
          path: demo.wasm
    sync:
      steps:
        - type: script
          command: echo "env=$ICP_CLI_ENVIRONMENT network=$ICP_CLI_NETWORK cid=$ICP_CLI_CID" > synced.txt
networks:
  - name: proto
    mode: connected
    url: ${replica.url}
    root-key: ${replica.rootKeyHex}
environments:
  - name: proto
    network: proto
    canisters: [demo]
`,
  )
  const link = await icp(['canister', 'link', 'demo', demo, '-e', 'proto'])
  expect(link.stdout + link.stderr).toContain(`Linked canister 'demo' to ID ${demo} in environment 'proto'`)
})

afterAll(async () => {
  await replica?.stop()
  if (home) rmSync(home, { recursive: true, force: true })
})

describe('icp canister call', () => {
  test.each(KINDS)('update and --query in the project environment as %s', async (kind) => {
    const q = await icp([
      'canister',
      'call',
      'demo',
      'greet',
      '("icp")',
      '--query',
      '-e',
      'proto',
      '--identity',
      kind,
    ])
    expect([q.code, q.stdout.trim()]).toEqual([0, '("Hello, icp!")'])
    replica.clearCallLog()
    const u = await icp([
      'canister',
      'call',
      'demo',
      'whoami_update',
      '()',
      '-e',
      'proto',
      '--identity',
      kind,
    ])
    expect([u.code, u.stdout.trim()]).toEqual([0, `(principal "${principals[kind]}")`])
    expect(replica.callLog().find((e) => e.method === 'whoami_update')).toMatchObject({
      sender: principals[kind],
      callType: 'update',
      outcome: 'replied',
      endpoint: `/api/v4/canister/${demo}/call`,
    })
  })

  test('icp network ping reads the status endpoint', async () => {
    const r = await icp(['network', 'ping', 'proto'])
    expect(r.code).toBe(0)
    expect(r.stdout + r.stderr).toContain('healthy')
  })

  test('arguments are typed from candid:service; replies decode', async () => {
    await icp(['canister', 'call', 'demo', 'put', '("k", "v")', '-e', 'proto', '--identity', 'secp'])
    const r = await icp([
      'canister',
      'call',
      'demo',
      'get',
      '("k")',
      '--query',
      '-e',
      'proto',
      '--identity',
      'secp',
    ])
    expect(r.stdout.trim()).toBe('(opt "v")')
    expect(r.stderr).not.toContain('no Candid interface')
  })

  test('IC reject texts reach icp verbatim', async () => {
    const fail = await icp(['canister', 'call', 'demo', 'fail', '()', '-e', 'proto', '--identity', 'secp'])
    expect(fail.code).not.toBe(0)
    expect(fail.stderr).toContain(
      'The replica returned a rejection error: reject code CanisterReject, reject message boom from icp, error code Some("IC0406")',
    )
    const trap = await icp(['canister', 'call', 'demo', 'trap', '()', '-e', 'proto', '--identity', 'secp'])
    expect(trap.stderr).toContain("Canister called `ic0.trap` with message: 'deliberate trap'.")
    expect(trap.stderr).toContain('error code Some("IC0503")')
    const missing = 'ryjl3-tyaaa-aaaaa-aaaba-cai'
    const nf = await icp([
      'canister',
      'call',
      missing,
      'x',
      '()',
      '-n',
      replica.url,
      '-k',
      replica.rootKeyHex,
    ])
    expect(nf.stderr).toContain(
      `reject code DestinationInvalid, reject message Canister ${missing} not found, error code Some("IC0301")`,
    )
  })

  test('without a project: -k fetch warns about trust-on-first-use and works', async () => {
    const r = await icp(
      ['canister', 'call', demo, 'greet', '("fetch")', '--query', '-n', replica.url, '-k', 'fetch'],
      home,
    )
    expect(r.stdout.trim()).toBe('("Hello, fetch!")')
    expect(r.stderr).toContain('its provenance is not verified (trust-on-first-use)')
  })

  test('through the proxy canister the target sees the proxy as caller', async () => {
    replica.clearCallLog()
    const r = await icp([
      'canister',
      'call',
      'demo',
      'whoami_update',
      '()',
      '--proxy',
      proxy,
      '-e',
      'proto',
      '--identity',
      'secp',
    ])
    expect(r.stdout.trim()).toBe(`(principal "${proxy}")`)
    const log = replica.callLog()
    expect(log.find((e) => e.method === 'proxy')).toMatchObject({
      canisterId: proxy,
      sender: principals.secp,
      route: 'direct',
    })
    expect(log.find((e) => e.method === 'whoami_update')).toMatchObject({
      canisterId: demo,
      sender: proxy,
      route: 'proxy',
    })
  })

  test('icp canister status: full report for a controller, public state-tree data for others', async () => {
    const mine = await icp(['canister', 'status', 'demo', '-e', 'proto', '--identity', 'ed'])
    expect(mine.stdout).toContain('Status: Running')
    expect(mine.stdout).toContain(`controller: ${principals.ed}`)
    expect((await icp(['identity', 'new', 'stranger', '--storage', 'plaintext'], home)).code).toBe(0)
    const theirs = await icp(['canister', 'status', 'demo', '-e', 'proto', '--identity', 'stranger'])
    expect(theirs.code).toBe(0)
    expect(theirs.stdout + theirs.stderr).toContain(principals.ed) // controllers from /canister/<id>/controllers
    expect(theirs.stdout).not.toContain('Status: Running')
    const refused = replica
      .callLog()
      .filter((e) => e.method === 'canister_status' && e.errorCode === 'IC0512')
    expect(refused.length).toBeGreaterThan(0)
  })

  test('icp refuses a corrupted certificate, a corrupted node signature, an unknown node and a stale certificate', async () => {
    const cases: Array<[Parameters<Replica['setFaults']>[0], string[], string]> = [
      [{ corruptCertificate: true }, ['increment', '()'], 'Certificate verification failed.'],
      [
        { corruptQuerySignature: true },
        ['greet', '("x")', '--query'],
        'Query signature verification failed.',
      ],
      [
        { unknownQueryNode: true },
        ['greet', '("x")', '--query'],
        'Certificate is not authorized to respond to queries for this canister.',
      ],
      [{ certificateTimeOffsetMs: -300_000 }, ['increment', '()'], 'Certificate is stale (over 240s).'],
    ]
    try {
      for (const [faults, call, text] of cases) {
        replica.setFaults(faults)
        const r = await icp([
          'canister',
          'call',
          'demo',
          ...call,
          '-e',
          'proto',
          '--identity',
          'ed',
          '--candid',
          join(home, 'demo.did'),
        ])
        expect([r.code === 0, r.stderr]).toEqual([false, expect.stringContaining(text)])
      }
    } finally {
      replica.setFaults({})
    }
  })
})

describe('icp sync and icp deploy', () => {
  test('icp sync: canister_status first, then the script step with icp’s environment', async () => {
    rmSync(join(project, 'synced.txt'), { force: true })
    replica.clearCallLog()
    const r = await icp(['sync', 'demo', '-e', 'proto', '--identity', 'secp'])
    expect(r.code).toBe(0)
    expect(readFileSync(join(project, 'synced.txt'), 'utf8').trim()).toBe(
      `env=proto network=proto cid=${demo}`,
    )
    expect(replica.callLog()[0]).toMatchObject({
      canisterId: 'aaaaa-aa',
      method: 'canister_status',
      sender: principals.secp,
    })
  })

  test('icp sync refuses a stopped canister with icp’s text', async () => {
    replica.setStatus(demo, 'stopped')
    try {
      const r = await icp(['sync', 'demo', '-e', 'proto', '--identity', 'secp'])
      expect(r.code).not.toBe(0)
      expect(r.stderr).toContain(`Canister ${demo} is Stopped; asset sync requires it to be Running.`)
    } finally {
      replica.setStatus(demo, 'running')
    }
  })

  test('icp deploy of a linked canister: settings, install_code with the module hash, start, sync', async () => {
    rmSync(join(project, 'synced.txt'), { force: true })
    replica.clearCallLog()
    const r = await icp(['deploy', '-e', 'proto', '--identity', 'p256'])
    expect(r.code).toBe(0)
    expect(r.stderr + r.stdout).toContain('All canisters already exist')
    const methods = replica
      .callLog()
      .filter((e) => e.canisterId === 'aaaaa-aa')
      .map((e) => e.method)
    for (const m of ['update_settings', 'canister_status', 'stop_canister', 'install_code', 'start_canister'])
      expect(methods).toContain(m)
    expect(methods.indexOf('install_code')).toBeGreaterThan(methods.indexOf('stop_canister'))
    expect(readFileSync(join(project, 'synced.txt'), 'utf8')).toContain(`cid=${demo}`)
    const wasmHash = createHash('sha256')
      .update(readFileSync(join(project, 'demo.wasm')))
      .digest('hex')
    const status = await icp(['canister', 'status', 'demo', '-e', 'proto', '--identity', 'p256'])
    expect(status.stdout).toContain(`Module hash: 0x${wasmHash}`)
    expect(status.stdout).toContain('Status: Running')
  })
})
