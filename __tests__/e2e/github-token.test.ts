// The github-token through the bundled Action and CLI on Node 24: GitHub's hosts are loopback stand-ins
// reached through their own proxy support (https_proxy; NODE_USE_ENV_PROXY for the CLI's fetch: a
// CONNECT proxy that tunnels every host to one TLS server, its throwaway certificate trusted through
// NODE_EXTRA_CA_CERTS). Nothing in the bundle
// knows about either: a pull request, which controls icp.yaml but not the job's environment, has no
// test hook to reach. The token must reach api.github.com and github.com, and nothing else: not the
// signed URL a release asset redirects to, not a host a redirect leads to, not the log, the summary or
// the result output.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { type Replica, startReplica } from '../../replica/index.js'
import { buildJsPlugin } from '../helpers/build-plugin.js'
import {
  canisterYaml,
  demoCanisterOn,
  newIdentity,
  type TestIdentity,
  writeIds,
  writeProject,
} from '../helpers/e2e-project.js'
import { GithubStandIn } from '../helpers/github-standin.js'
import { NODE24, REPO_ROOT } from '../helpers/paths.js'
import { runAction, runProcess } from '../helpers/runner.js'

const ACTION = join(REPO_ROOT, 'dist/index.js')
const TOKEN = 'ghs_e2eStandInToken9876543210'

let replica: Replica
let standIn: GithubStandIn
let identity: TestIdentity
let canisterId: string
let plugin: Uint8Array
let sha: string

beforeAll(async () => {
  const wasm = await buildJsPlugin(join(REPO_ROOT, '__tests__/fixtures/plugins/e2e-seed.js'), { world: 'v1' })
  plugin = readFileSync(wasm)
  sha = createHash('sha256').update(plugin).digest('hex')
  replica = await startReplica()
  standIn = await GithubStandIn.start()
  identity = newIdentity()
  canisterId = demoCanisterOn(replica, identity.principal)
}, 300_000)

afterAll(async () => {
  await replica?.stop()
  await standIn?.stop()
})

function projectFrom(url: string): string {
  const project = writeProject(
    replica,
    'canisters:\n' +
      canisterYaml('alpha', `- type: plugin\n  url: ${url}\n  sha256: ${sha}\n  dirs: [seed-data]`),
    { 'seed-data/a.txt': 'apple' },
  )
  writeIds(project.dir, 'e2e', { alpha: canisterId })
  return project.dir
}

async function syncFrom(url: string) {
  const dir = projectFrom(url)
  return runAction(
    NODE24,
    ACTION,
    { 'project-dir': dir, environment: 'e2e', 'identity-pem': identity.pem, 'github-token': TOKEN },
    { GITHUB_WORKSPACE: dir, https_proxy: standIn.proxyUrl, NODE_EXTRA_CA_CERTS: standIn.caFile },
  )
}

function expectTokenNowhereBut(run: Awaited<ReturnType<typeof syncFrom>>): void {
  // The one place it may appear: the mask command that tells the runner to hide it.
  const lines = run.stdout.split('\n').filter((line) => line.includes(TOKEN))
  expect(lines).toEqual([`::add-mask::${TOKEN}`])
  expect(run.stderr).not.toContain(TOKEN)
  expect(run.summary).not.toContain(TOKEN)
  expect(JSON.stringify(run.outputs)).not.toContain(TOKEN)
}

describe('github-token through the bundled Action', () => {
  test('a release asset by API URL: the token to api.github.com, not to the signed URL; progress in the log', async () => {
    standIn.route('objects.githubusercontent.com', '/signed/7?sig=abc', { body: plugin })
    const url = standIn.route('api.github.com', '/repos/o/r/releases/assets/7', {
      redirectTo: 'https://objects.githubusercontent.com/signed/7?sig=abc',
    })
    const run = await syncFrom(url)
    expect(run.status).toBe(0)
    expect(standIn.tunnels).toContain('api.github.com:443')
    const api = standIn.seen.filter((r) => r.host === 'api.github.com')
    expect(api).toEqual([
      expect.objectContaining({ authorization: `Bearer ${TOKEN}`, accept: 'application/octet-stream' }),
    ])
    const signed = standIn.seen.filter((r) => r.host === 'objects.githubusercontent.com')
    expect(signed).toHaveLength(1)
    expect(signed[0]!.authorization).toBeUndefined()
    expect(run.stdout).toMatch(/^Downloaded \d+\.\d (KiB|MiB) in \d+\.\d s$/m)
    expect(run.stdout).toMatch(/^Transpiling wasm component \(\d+\.\d MiB\)$/m)
    expect(run.stdout).toMatch(/^Transpiled in \d+\.\d s$/m)
    expectTokenNowhereBut(run)
  }, 120_000)

  test('github.com redirecting to another host: the token stays with github.com', async () => {
    standIn.route('elsewhere.example', '/mirror/p.wasm', { body: plugin })
    const url = standIn.route('github.com', '/o/r/releases/download/v1/p.wasm', {
      redirectTo: 'https://elsewhere.example/mirror/p.wasm',
    })
    const run = await syncFrom(url)
    expect(run.status).toBe(0)
    const github = standIn.seen.filter((r) => r.host === 'github.com')
    expect(github).toEqual([expect.objectContaining({ authorization: `Bearer ${TOKEN}` })])
    const elsewhere = standIn.seen.filter((r) => r.host === 'elsewhere.example')
    expect(elsewhere).toHaveLength(1)
    expect(elsewhere[0]!.authorization).toBeUndefined()
    expectTokenNowhereBut(run)
  }, 120_000)

  test('the CLI: GITHUB_TOKEN to api.github.com only, never printed', async () => {
    standIn.route('objects.githubusercontent.com', '/signed/8?sig=def', { body: plugin })
    const url = standIn.route('api.github.com', '/repos/o/r/releases/assets/8', {
      redirectTo: 'https://objects.githubusercontent.com/signed/8?sig=def',
    })
    const work = mkdtempSync(join(tmpdir(), 'icp-sync-token-cli-'))
    writeFileSync(join(work, 'id.pem'), identity.pem)
    const run = await runProcess(
      NODE24,
      [join(REPO_ROOT, 'dist/cli.js'), '-e', 'e2e', '-p', projectFrom(url)].concat([
        '--identity-pem-file',
        join(work, 'id.pem'),
        '--cache-dir',
        join(work, 'cache'),
        '--json',
      ]),
      {
        env: {
          PATH: process.env.PATH,
          GITHUB_TOKEN: TOKEN,
          // Node 24's fetch follows https_proxy only when asked to.
          NODE_USE_ENV_PROXY: '1',
          https_proxy: standIn.proxyUrl,
          NODE_EXTRA_CA_CERTS: standIn.caFile,
        },
      },
    )
    expect(run.stderr).not.toMatch(/^Error/m)
    expect(run.status).toBe(0)
    expect(standIn.seen.filter((r) => r.path === '/repos/o/r/releases/assets/8')).toEqual([
      expect.objectContaining({ authorization: `Bearer ${TOKEN}`, accept: 'application/octet-stream' }),
    ])
    const signed = standIn.seen.filter((r) => r.path === '/signed/8?sig=def')
    expect(signed).toHaveLength(1)
    expect(signed[0]!.authorization).toBeUndefined()
    expect(run.stdout + run.stderr).not.toContain(TOKEN)
  }, 120_000)
})
