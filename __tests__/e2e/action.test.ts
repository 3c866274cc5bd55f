// The bundled Action and CLI, end to end: Node 24, a simulated runner, the local replica, real plugins.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { createHash } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { type Replica, startReplica } from '../../replica/index.js'
import type { SyncResult } from '../../src/report/result.js'
import { buildJsPlugin } from '../helpers/build-plugin.js'
import {
  type TestIdentity,
  canisterYaml,
  demoCanisterOn,
  newIdentity,
  writeIds,
  writeProject,
} from '../helpers/e2e-project.js'
import { PluginHttpServer } from '../helpers/http-server.js'
import { NODE24, REPO_ROOT } from '../helpers/paths.js'
import { type ActionRun, runAction, runProcess } from '../helpers/runner.js'

const FIXTURES = join(REPO_ROOT, '__tests__/fixtures/plugins')
const ACTION = join(REPO_ROOT, 'dist/index.js')
const CLI = join(REPO_ROOT, 'dist/cli.js')

let replica: Replica
let http: PluginHttpServer
let identity: TestIdentity
let ids: Record<string, string>
let project: { dir: string; manifest: string }
let action: ActionRun
let seedUrl: string

const SEED_FILES = {
  'seed-data/apple.txt': 'apple\n',
  'seed-data/banana.txt': ' banana ',
  'seed-data/more/cherry.txt': 'cherry',
}

beforeAll(async () => {
  const [seedWasm, failWasm] = await Promise.all([
    buildJsPlugin(join(FIXTURES, 'e2e-seed.js'), { world: 'v1' }),
    buildJsPlugin(join(FIXTURES, 'e2e-fail.js'), { world: 'v1' }),
  ])
  replica = await startReplica()
  http = await PluginHttpServer.start()
  identity = newIdentity()
  ids = {
    alpha: demoCanisterOn(replica, identity.principal),
    beta: demoCanisterOn(replica, identity.principal),
    gamma: demoCanisterOn(replica, identity.principal),
  }
  const seedBytes = readFileSync(seedWasm)
  // The first download attempt gets a 500: the Action must retry.
  seedUrl = http.route('/seed.wasm', { body: seedBytes, failTimes: 1, failStatus: 500 })
  project = writeProject(
    replica,
    'canisters:\n' +
      canisterYaml(
        'alpha',
        `- type: script
  command: echo "script saw $ICP_CLI_CID in $ICP_CLI_ENVIRONMENT" > script-ran.txt
- type: plugin
  path: plugins/seed.wasm
  dirs: [seed-data]
  files: [config.txt]`,
      ) +
      canisterYaml(
        'beta',
        `- type: plugin
  url: ${seedUrl}
  sha256: ${createHash('sha256').update(seedBytes).digest('hex')}
  dirs: [seed-data]`,
      ) +
      canisterYaml('gamma', '- type: plugin\n  path: plugins/fail.wasm'),
    { ...SEED_FILES, 'config.txt': 'dev\n' },
    { 'plugins/seed.wasm': seedWasm, 'plugins/fail.wasm': failWasm },
  )
  writeIds(project.dir, 'e2e', { alpha: ids.alpha!, beta: ids.beta! })
  action = await runAction(
    NODE24,
    ACTION,
    {
      'project-dir': project.dir,
      environment: 'e2e',
      'identity-pem': identity.pem,
      'canister-ids': JSON.stringify({ gamma: ids.gamma }),
      parallel: '2',
    },
    { GITHUB_WORKSPACE: project.dir },
  )
}, 600_000)

afterAll(async () => {
  await replica?.stop()
  await http?.stop()
})

function result(run: { outputs: Record<string, string> }): SyncResult {
  return JSON.parse(run.outputs.result!) as SyncResult
}

describe('the bundled Action against the local replica', () => {
  test('fails the job because one canister failed, and says which', () => {
    expect(action.status).toBe(1)
    expect(action.outputs.synced).toBe('alpha,beta')
    expect(action.outputs.failed).toBe('gamma')
    expect(action.stdout).toContain('::error::Canister(s) ["gamma"] failed to sync.')
  })

  test('every seed file reached both seeded canisters, signed by the identity from the secret', () => {
    for (const canister of [ids.alpha, ids.beta]) {
      const puts = replica.callLog().filter((c) => c.canisterId === canister && c.method === 'put')
      expect(puts.length).toBe(canister === ids.alpha ? 5 : 4) // uploader + 3 files (+ config.txt for alpha)
      expect(new Set(puts.map((c) => c.sender))).toEqual(new Set([identity.principal]))
      expect(puts.every((c) => c.outcome === 'replied')).toBe(true)
    }
  })

  test('the result output has per-step status, interface version, plugin source and sha256', () => {
    const r = result(action)
    expect(r.identityPrincipal).toBe(identity.principal)
    const alpha = r.canisters.find((c) => c.name === 'alpha')!
    expect(alpha.steps.map((s) => [s.kind, s.status])).toEqual([
      ['script', 'ok'],
      ['plugin', 'ok'],
    ])
    expect(alpha.steps[1]!.plugin).toMatchObject({ source: 'path', interfaceVersion: '0.1.0' })
    expect(alpha.steps[1]!.plugin!.sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(alpha.steps[1]!.calls).toBe(6)
    expect(alpha.steps[1]!.persistentStderr).toEqual([
      `registered 4 item(s) in canister ${ids.alpha} (environment: e2e)`,
    ])
    const beta = r.canisters.find((c) => c.name === 'beta')!
    expect(beta.steps[0]!.plugin).toMatchObject({ source: 'url', location: seedUrl, downloadCacheHit: false })
    const gamma = r.canisters.find((c) => c.name === 'gamma')!
    expect(gamma.status).toBe('failed')
    expect(gamma.error).toMatchObject({
      message: 'failed to run plugin',
      causes: ['plugin returned error: deliberate failure from fail-plugin'],
    })
  })

  test('the run kept its caches in a directory of its own under RUNNER_TEMP and removed it at the end', () => {
    // Generated code and V8's code cache never outlive the run (src/store/layout.ts).
    expect(readdirSync(join(action.runnerDir, 'temp'))).toEqual([])
  })

  test('the script step ran in the canister directory with the ICP_CLI_* variables', () => {
    expect(readFileSync(join(project.dir, 'script-ran.txt'), 'utf8')).toBe(`script saw ${ids.alpha} in e2e\n`)
  })

  test('the URL plugin was downloaded again after a 500, and the log says so, with progress', () => {
    expect(http.requests('/seed.wasm')).toBe(2)
    const log = action.stdout.split('\n')
    expect(log).toContain(
      'Retrying download: attempt 1/3 failed: 500 Internal Server Error; retrying in 10.0 s',
    )
    expect(log).toContainEqual(expect.stringMatching(/^Downloaded \d+\.\d MiB in \d+\.\d s$/))
    expect(log).toContainEqual(expect.stringMatching(/^Transpiling wasm component \(\d+\.\d MiB\)$/))
    expect(log).toContainEqual(expect.stringMatching(/^Transpiled in \d+\.\d s$/))
  })

  test('logs: a group per step, persistent stderr after success, icp’s failure dump, an annotation on the line', () => {
    expect(action.stdout).toContain('::group::[alpha] Syncing: plugin path: plugins/seed.wasm 2 of 2')
    expect(action.stdout).toContain(
      `[alpha] registered 4 item(s) in canister ${ids.alpha} (environment: e2e)`,
    )
    expect(action.stdout).toContain(`----- Failed to sync canister 'gamma': ${ids.gamma} -----`)
    expect(action.stdout).toContain('[gamma] > fail-plugin: about to fail')
    const line = project.manifest.split('\n').findIndex((l) => l.includes('path: plugins/fail.wasm')) // 0-based: the `- type` line above
    expect(action.stdout).toMatch(
      new RegExp(`::error title=Sync of canister gamma failed,file=icp.yaml,line=${line},col=\\d+::`),
    )
  })

  test('the job summary has a table per canister and the failure', () => {
    expect(action.summary).toContain('## ICP sync: `e2e` — ❌ failed')
    expect(action.summary).toContain(`### ✅ \`alpha\` \`${ids.alpha}\``)
    expect(action.summary).toContain('| 2 | `plugin path: plugins/seed.wasm` |')
    expect(action.summary).toContain('plugin returned error: deliberate failure from fail-plugin')
    expect(action.summary).toContain('Call trace of step 2 (6 calls)')
  })

  test('no secret reaches stdout, stderr, the summary or the outputs', () => {
    const lines = identity.pem
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('-----'))
    expect(lines.length).toBeGreaterThan(0)
    // `::add-mask::` lines are how an Action asks the runner to mask; the runner never prints them.
    const stdout = action.stdout
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n')
    const outputsFile = readFileSync(join(action.runnerDir, 'output'), 'utf8')
    for (const text of [stdout, action.stderr, action.summary, outputsFile])
      for (const line of lines) expect(text).not.toContain(line)
    expect(action.stdout).toContain(`::add-mask::${lines[0]}`)
  })

  test('the CLI gives the same result for the same scenario', async () => {
    const pemFile = join(mkdtempSync(join(tmpdir(), 'icp-sync-cli-')), 'id.pem')
    writeFileSync(pemFile, identity.pem)
    const cli = await runProcess(
      NODE24,
      [
        CLI,
        '-e',
        'e2e',
        '-p',
        project.dir,
        '--identity-pem-file',
        pemFile,
        '--canister-ids',
        JSON.stringify({ gamma: ids.gamma }),
        '--parallel',
        '2',
        '--cache-dir',
        mkdtempSync(join(tmpdir(), 'icp-sync-cli-cache-')),
        '--json',
      ],
      { env: { PATH: process.env.PATH } },
    )
    expect(cli.status).toBe(1)
    expect(cli.stderr).toContain('Error: Canister(s) ["gamma"] failed to sync.')
    // Progress on the CLI's edge too (plain lines on a pipe).
    expect(cli.stderr).toMatch(/^\[\w+\] > Downloaded \d+\.\d MiB in \d+\.\d s$/m)
    expect(cli.stderr).toMatch(/^\[\w+\] > Transpiling wasm component \(\d+\.\d MiB\)$/m)
    expect(cli.stderr).toMatch(/^\[\w+\] > Transpiled in \d+\.\d s$/m)
    expect(normalise(JSON.parse(cli.stdout) as SyncResult)).toEqual(normalise(result(action)))
  })
})

/** Progress lines: how fast, how often retried and whether transpiled differ from run to run. */
const PROGRESS = /^(Downloaded |Retrying download: |Transpiling wasm component |Transpiled in )/

/** Drops what differs between two runs of the same scenario: times, cache hits and progress lines. */
function normalise(r: SyncResult): unknown {
  return JSON.parse(
    JSON.stringify(r, (key, value: unknown) =>
      key === 'output' && Array.isArray(value)
        ? value.filter((line) => typeof line !== 'string' || !PROGRESS.test(line))
        : [
              'durationMs',
              'ms',
              'transpileMs',
              'instantiateMs',
              'execMs',
              'computeMs',
              'callMs',
              'downloadCacheHit',
              'transpileCacheHit',
            ].includes(key)
          ? undefined
          : value,
    ),
  )
}
