// What a first user meets, through the bundled Action and CLI (Node 24, simulated runner, local
// replica): --version, the debug detail only when asked for, the canister-ids and cache-hit outputs,
// the hint for a missing canister ID, and the refusal on Windows.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { type Replica, startReplica } from '../../replica/index.js'
import { unsupportedPlatform } from '../../src/util/platform.js'
import { buildJsPlugin } from '../helpers/build-plugin.js'
import {
  type TestIdentity,
  canisterYaml,
  demoCanisterOn,
  newIdentity,
  writeIds,
  writeProject,
} from '../helpers/e2e-project.js'
import { NODE24, REPO_ROOT } from '../helpers/paths.js'
import { type ActionRun, runAction, runProcess } from '../helpers/runner.js'

const ACTION = join(REPO_ROOT, 'dist/index.js')
const CLI = join(REPO_ROOT, 'dist/cli.js')
const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string })
  .version
/** Makes the bundle believe it runs on Windows: process.platform is read at the entry. */
const AS_WINDOWS = `--import=data:text/javascript,Object.defineProperty(process,'platform',{value:'win32'})`

function cli(args: string[], nodeArgs: string[] = []) {
  return spawnSync(NODE24, [...nodeArgs, CLI, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, ICP_SYNC_CACHE_DIR: mkdtempSync(join(tmpdir(), 'icp-sync-first-')) },
  })
}

describe('platforms', () => {
  test('Windows is refused with the reason and what to use instead; Linux and macOS are not', () => {
    expect(unsupportedPlatform('linux', 'action')).toBeUndefined()
    expect(unsupportedPlatform('darwin', 'cli')).toBeUndefined()
    expect(unsupportedPlatform('win32', 'action')).toBe(
      "icp-sync-action does not run on Windows runners yet: the sandbox's path rules (drive letters, '\\' " +
        'separators, junctions, case-insensitive names) are implemented and tested for Linux and macOS only; ' +
        "use a Linux or macOS runner (e.g. 'runs-on: ubuntu-latest')",
    )
    expect(unsupportedPlatform('win32', 'cli')).toMatch(
      /^icp-sync does not run on Windows yet: .*; run it on Linux, macOS or in WSL$/,
    )
  })

  test('the bundled CLI refuses on Windows before doing anything, but still says its version', () => {
    const sync = cli(['-p', REPO_ROOT], [AS_WINDOWS])
    expect(sync.status).toBe(1)
    expect(sync.stderr).toBe(`Error: ${unsupportedPlatform('win32', 'cli')}\n`)
    expect(cli(['--version'], [AS_WINDOWS]).stdout).toBe(`icp-sync ${VERSION}\n`)
  })

  test('the bundled Action fails the step on Windows with the reason', () => {
    const run = spawnSync(NODE24, [AS_WINDOWS, ACTION], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, GITHUB_ACTIONS: 'true' },
    })
    expect(run.status).toBe(1)
    expect(run.stdout).toContain(`::error::${unsupportedPlatform('win32', 'action')}`)
  })
})

describe('the bundled CLI', () => {
  test('--version and -V print the version of the package.json it was bundled from', () => {
    for (const flag of ['--version', '-V']) {
      const run = cli([flag])
      expect(run.status).toBe(0)
      expect(run.stdout).toBe(`icp-sync ${VERSION}\n`)
    }
    expect(cli(['--help']).stdout).toMatch(/--debug .*\n\s+-V, --version/)
  })

  test('a missing canister ID: one error, one cause, and how to provide the ID', () => {
    const dir = mkdtempSync(join(tmpdir(), 'icp-sync-noid-'))
    writeFileSync(
      join(dir, 'icp.yaml'),
      'networks:\n  - name: prod\n    mode: connected\n    url: http://127.0.0.1:9\n    root-key: mainnet\n' +
        'environments:\n  - name: staging\n    network: prod\n' +
        'canisters:\n  - name: backend\n    build:\n      steps:\n        - type: script\n          command: echo build\n    sync:\n      steps:\n        - type: script\n          command: "true"\n',
    )
    const run = cli(['-p', dir, '-e', 'staging'])
    expect(run.status).toBe(1)
    expect(run.stderr).toBe(
      "Error: failed to lookup canister ID for canister 'backend' in environment 'staging'\n" +
        "  caused by: could not find ID for canister 'backend' in environment 'staging': commit its ID to " +
        ".icp/data/mappings/staging.ids.json, or pass it with canister-ids (the Action's input, the CLI's " +
        '--canister-ids), e.g. {"backend": "<principal>"}\n',
    )
  })
})

describe('the bundled Action and CLI against the local replica', () => {
  let replica: Replica
  let identity: TestIdentity
  let ids: Record<string, string>
  let project: { dir: string }
  let cold: ActionRun
  let warm: ActionRun

  beforeAll(async () => {
    const seedWasm = await buildJsPlugin(join(REPO_ROOT, '__tests__/fixtures/plugins/e2e-seed.js'), {
      world: 'v1',
    })
    replica = await startReplica()
    identity = newIdentity()
    ids = {
      alpha: demoCanisterOn(replica, identity.principal),
      beta: demoCanisterOn(replica, identity.principal),
    }
    const step = '- type: plugin\n  path: plugins/seed.wasm\n  dirs: [seed-data]'
    project = writeProject(
      replica,
      'canisters:\n' + canisterYaml('alpha', step) + canisterYaml('beta', step),
      { 'seed-data/a.txt': 'a' },
      { 'plugins/seed.wasm': seedWasm },
    )
    writeIds(project.dir, 'e2e', { alpha: ids.alpha! })
    const inputs = {
      'project-dir': project.dir,
      environment: 'e2e',
      'identity-pem': identity.pem,
      'canister-ids': JSON.stringify({ beta: ids.beta }),
    }
    cold = await runAction(NODE24, ACTION, inputs, { GITHUB_WORKSPACE: project.dir })
    // The same job's RUNNER_TEMP: nothing the first run left there is reused.
    warm = await runAction(NODE24, ACTION, inputs, {
      GITHUB_WORKSPACE: project.dir,
      RUNNER_TEMP: join(cold.runnerDir, 'temp'),
      RUNNER_DEBUG: '1',
    })
  }, 600_000)

  afterAll(async () => {
    await replica?.stop()
  })

  test('both runs synced both canisters', () => {
    for (const run of [cold, warm]) {
      expect(run.stderr).toBe('')
      expect(run.status).toBe(0)
      expect(run.outputs.synced).toBe('alpha,beta')
    }
  })

  test('canister-ids: name → principal of the synced environment, from the mapping file and the input', () => {
    expect(JSON.parse(cold.outputs['canister-ids']!)).toEqual({ alpha: ids.alpha, beta: ids.beta })
  })

  test('cache-hit: false when no URL plugin ran (true when one is restored: e2e/cache.test.ts)', () => {
    expect(cold.outputs['cache-hit']).toBe('false')
    expect(warm.outputs['cache-hit']).toBe('false')
  })

  test('debug lines only under RUNNER_DEBUG: options, each step’s cache use and timings, the plan', () => {
    expect(cold.stdout).not.toContain('::debug::')
    const debug = warm.stdout.split('\n').filter((l) => l.startsWith('::debug::'))
    expect(debug).toEqual(
      expect.arrayContaining([
        `::debug::environment: e2e; canisters: (every one with sync steps); shard: none`,
        `::debug::canister-ids given for: beta; proxy: none`,
        expect.stringMatching(
          /^::debug::\[alpha\] step 1 \(plugin\) ok in \d+ ms: plugin path plugins\/seed\.wasm sha256 [0-9a-f]{64}; bytes: read from path; transpile: [^;]+; instantiate \d+ ms/,
        ),
        `::debug::plan: ${'beta'} ${ids.beta}: synced in ${JSON.parse(warm.outputs.result!).canisters[1].durationMs} ms, steps ok`,
      ]),
    )
    // Not a trace of the secret in them.
    const keyLine = identity.pem.split('\n')[1]!
    expect(debug.join('\n')).not.toContain(keyLine)
  })

  test('the CLI prints debug lines with --debug only', async () => {
    const pemFile = join(mkdtempSync(join(tmpdir(), 'icp-sync-first-cli-')), 'id.pem')
    writeFileSync(pemFile, identity.pem)
    const args = [
      CLI,
      '-p',
      project.dir,
      '-e',
      'e2e',
      '--identity-pem-file',
      pemFile,
      '--canister-ids',
      JSON.stringify({ beta: ids.beta }),
    ]
    const env = { PATH: process.env.PATH, CI: 'true', ICP_SYNC_CACHE_DIR: join(cold.runnerDir, 'cli-cache') }
    const plain = await runProcess(NODE24, args, { env, cwd: project.dir })
    const debug = await runProcess(NODE24, [...args, '--debug'], { env, cwd: project.dir })
    expect([plain.status, debug.status]).toEqual([0, 0])
    expect(plain.stderr).not.toContain('debug:')
    expect(debug.stderr).toContain(`debug: icp-sync ${VERSION} on Node v24.`)
    expect(debug.stderr).toMatch(/^debug: \[beta\] step 1 \(plugin\) ok in \d+ ms: .*transpile: cache hit/m) // the CLI keeps its cache
    expect(debug.stderr).toContain(`debug: plan: alpha ${ids.alpha}: synced`)
  })
})
