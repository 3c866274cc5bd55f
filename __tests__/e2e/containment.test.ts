// Containment through the bundled Action (Node 24, simulated runner, local replica): what a hostile
// plugin cannot do to the job log, the process's memory and descriptors, or the job's time. After each
// hostile plugin, a normal plugin in the same run still syncs.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { type Replica, startReplica } from '../../replica/index.js'
import { buildJsPlugin } from '../helpers/build-plugin.js'
import {
  type TestIdentity,
  canisterYaml,
  demoCanisterOn,
  newIdentity,
  writeIds,
  writeProject,
} from '../helpers/e2e-project.js'
import { manyMemoriesWat } from '../helpers/hostile-fixtures.js'
import { NODE24, REPO_ROOT } from '../helpers/paths.js'
import { runActionMeasured } from '../helpers/peak-rss.js'
import { type ActionRun, runAction } from '../helpers/runner.js'
import { componentFromWat } from '../helpers/wat.js'
import { runnerCommands } from '../helpers/workflow-commands.js'

const FIXTURES = join(REPO_ROOT, '__tests__/fixtures/plugins')
const ACTION = join(REPO_ROOT, 'dist/index.js')
const ENVIRONMENTS = ['e2e', 'forge', 'handles']

let replica: Replica
let identity: TestIdentity
let project: { dir: string; manifest: string }

beforeAll(async () => {
  const [suiteWasm, seedWasm] = await Promise.all([
    buildJsPlugin(join(FIXTURES, 'suite-v1.js'), { world: 'v1' }),
    buildJsPlugin(join(FIXTURES, 'e2e-seed.js'), { world: 'v1' }),
  ])
  replica = await startReplica()
  identity = newIdentity()
  const names = ['forger', 'failer', 'hog', 'handles', 'seeded']
  const ids = Object.fromEntries(names.map((name) => [name, demoCanisterOn(replica, identity.principal)]))
  const suite = '- type: plugin\n  path: plugins/suite.wasm\n  dirs: [seed-data]'
  project = writeProject(
    replica,
    `  - name: forge
    network: replica
  - name: handles
    network: replica
canisters:
` +
      canisterYaml('forger', suite) +
      canisterYaml('failer', `${suite}\n  files: [fail.txt]`) +
      canisterYaml('hog', '- type: plugin\n  path: plugins/hog.wasm') +
      canisterYaml('handles', suite) +
      canisterYaml('seeded', '- type: plugin\n  path: plugins/seed.wasm\n  dirs: [seed-data]'),
    { 'seed-data/apple.txt': 'apple\n', 'seed-data/more/cherry.txt': 'cherry', 'fail.txt': 'yes\n' },
    { 'plugins/suite.wasm': suiteWasm, 'plugins/seed.wasm': seedWasm },
  )
  writeFileSync(join(project.dir, 'plugins/hog.wasm'), await componentFromWat(manyMemoriesWat(24, 125)))
  for (const environment of ENVIRONMENTS) writeIds(project.dir, environment, ids)
}, 240_000)

afterAll(async () => {
  await replica?.stop()
})

function run(
  environment: string,
  canisters: string,
  inputs: Record<string, string> = {},
): Promise<ActionRun> {
  return runAction(NODE24, ACTION, {
    'project-dir': project.dir,
    environment,
    canisters,
    'identity-pem': identity.pem,
    cache: 'false',
    ...inputs,
  })
}

describe('the job log stays the Action’s', () => {
  for (const parallel of ['1', '2'])
    test(`forged commands in plugin output are inert, on stdout and stderr, after a bare CR too (parallel ${parallel})`, async () => {
      const action = await run('forge', 'forger,failer', { parallel })
      expect(action.outputs.synced).toBe('forger')
      expect(action.outputs.failed).toBe('failer')
      for (const stream of [action.stdout, action.stderr]) {
        const { commands, stoppedAtEnd } = runnerCommands(stream)
        expect(stoppedAtEnd).toBe(false)
        // The failure's annotation carries the plugin's error text as (escaped) data: that one is ours.
        const ours = (c: { properties: string }) =>
          c.properties.startsWith('title=Sync of canister failer failed,')
        expect(
          commands.filter((c) => !ours(c) && /forged|plugin-token|Syncing$/i.test(c.data + c.properties)),
        ).toEqual([])
        // The Action masks the identity's forms; the plugin's `::add-mask::Syncing` must not count.
        expect(commands.filter((c) => c.command === 'add-mask' && c.data === 'Syncing')).toEqual([])
        expect(commands.filter((c) => c.command === 'warning')).toEqual([])
      }
      const { commands } = runnerCommands(action.stdout)
      // The Action's own commands after all that: a group per step, and the failure's annotation.
      // (With parallel 2 the steps finish in either order.)
      expect(
        commands
          .filter((c) => c.command === 'group')
          .map((c) => c.data)
          .sort(),
      ).toEqual([
        '[failer] Syncing: plugin path: plugins/suite.wasm 1 of 1',
        '[forger] Syncing: plugin path: plugins/suite.wasm 1 of 1',
      ])
      expect(commands.filter((c) => c.command === 'endgroup')).toHaveLength(2)
      const errors = commands.filter((c) => c.command === 'error')
      expect(errors.map((c) => c.properties)).toEqual([
        expect.stringMatching(/^title=Sync of canister failer failed,file=.*icp.yaml,line=\d+/),
        '',
      ])
      // The text itself is still shown: a bare CR as ␍, escape sequences gone, their text kept.
      expect(action.stdout).toContain('ok␍::error::forged after a bare CR')
      expect(action.stdout).toContain('[forger] osc text kept done')
      expect(action.stdout).not.toContain('\x1b')
      expect(action.stdout).toContain('[failer] > ::stop-commands::plugin-token')
    }, 120_000)
})

describe('resources a plugin cannot exhaust', () => {
  test('24 memories × 125 MiB under memory-limit-mb 256: that plugin fails, peak RSS stays low, the next canister syncs', async () => {
    const action = await runActionMeasured(NODE24, ACTION, {
      'project-dir': project.dir,
      environment: 'e2e',
      canisters: 'hog,seeded',
      'identity-pem': identity.pem,
      cache: 'false',
      'memory-limit-mb': '256',
    })
    if (action.outputs.failed !== 'hog') console.log(action.stdout, action.stderr)
    expect(action.outputs.failed).toBe('hog')
    expect(action.outputs.synced).toBe('seeded')
    expect(action.stdout).toContain('memory limit (256 MiB) exceeded')
    const peakMb = action.peakRss / 2 ** 20
    console.log(`peak RSS of the Action: ${peakMb.toFixed(0)} MB`)
    expect(peakMb).toBeLessThan(600)
  }, 120_000)

  test('50,000 directory streams hit the handle cap (the plugin is told insufficient-memory); the next canister syncs', async () => {
    const action = await run('handles', 'handles,seeded')
    expect(action.outputs.synced).toBe('handles,seeded')
    expect(action.stdout).toContain('[handles] opened 10000; then insufficient-memory')
  }, 120_000)

  test('timeout-seconds: a slow canister trips the wall clock, with its own message', async () => {
    replica.setFaults({ executionDelayMs: 2500 })
    try {
      const action = await run('e2e', 'seeded', { 'timeout-seconds': '2' })
      expect(action.outputs.failed).toBe('seeded')
      expect(action.stdout).toContain(
        'plugin exceeded the 2s wall-clock limit of a plugin step (time waiting for canister calls included); raise timeout-seconds (--timeout-seconds) if it legitimately needs longer',
      )
      expect(action.stdout).not.toContain('compute-time limit')
    } finally {
      replica.setFaults({})
    }
  }, 120_000)

  test('memory-limit-mb below the floor and timeout-seconds 0 are refused, naming the input', async () => {
    const low = await run('e2e', 'seeded', { 'memory-limit-mb': '1' })
    expect(low.status).toBe(1)
    expect(low.stdout).toContain(
      "input 'memory-limit-mb': expected a whole number of MiB from 16 to 4096, got '1'",
    )
    const zero = await run('e2e', 'seeded', { 'timeout-seconds': '0' })
    expect(zero.stdout).toContain(
      "input 'timeout-seconds': expected a whole number of seconds from 1 to 21600, got '0'",
    )
  }, 60_000)
})
