// The plugin authoring kit: both templates and the error rules, built from TypeScript with the shared
// builder and run through the bundled Action against the local replica.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { join } from 'node:path'

import { Actor, HttpAgent } from '@icp-sdk/core/agent'

import { type Replica, startReplica } from '../../replica/index.js'
import type { SyncResult } from '../../src/report/result.js'
import { buildPlugin } from '../helpers/build-plugin.js'
import { type TestIdentity, demoCanisterOn, newIdentity, writeProject } from '../helpers/e2e-project.js'
import { NODE24, REPO_ROOT } from '../helpers/paths.js'
import { type ActionRun, runAction, runProcess } from '../helpers/runner.js'
import { type DemoActor, demoIdl } from '../replica/demo-idl.js'

const TEMPLATE = join(REPO_ROOT, 'examples/plugin-template/src')
const FILES = {
  'seed-data/a.txt': ' alpha \n',
  'seed-data/deep/b.txt': 'beta',
  'config.txt': 'dev\n',
  'modes/throw.txt': '',
  'modes/call.txt': '',
}

let replica: Replica
let identity: TestIdentity
let ids: Record<string, string>
let action: ActionRun

beforeAll(async () => {
  const [v1, v2, errors] = await Promise.all([
    buildPlugin(join(TEMPLATE, 'v1.ts'), { world: 'v1' }),
    buildPlugin(join(TEMPLATE, 'v2.ts'), { world: 'v2' }),
    buildPlugin(join(REPO_ROOT, '__tests__/fixtures/plugins/ts/kit-errors.ts'), { world: 'v1' }),
  ])
  replica = await startReplica()
  identity = newIdentity()
  ids = Object.fromEntries(
    ['one', 'two', 'throws', 'badcall'].map((name) => [name, demoCanisterOn(replica, identity.principal)]),
  )
  const canisters = Object.keys(ids).map(
    (name) =>
      `  - name: ${name}\n    build:\n      steps:\n        - type: script\n          command: echo build\n${SYNC[name]}\n`,
  )
  const project = writeProject(replica, `canisters:\n${canisters.join('')}`, FILES, {
    'plugins/v1.wasm': v1.wasm,
    'plugins/v2.wasm': v2.wasm,
    'plugins/errors.wasm': errors.wasm,
  })
  action = await runAction(
    NODE24,
    join(REPO_ROOT, 'dist/index.js'),
    {
      'project-dir': project.dir,
      environment: 'e2e',
      'identity-pem': identity.pem,
      'canister-ids': JSON.stringify(ids),
      cache: 'false',
      parallel: '2',
    },
    { GITHUB_WORKSPACE: project.dir },
  )
}, 600_000)

const SYNC: Record<string, string> = {
  one: `    sync:
      steps:
        - type: plugin
          path: plugins/v1.wasm
          dirs: [seed-data]
          files: [config.txt]`,
  two: `    sync:
      steps:
        - type: plugin
          path: plugins/v2.wasm
          files: { content: seed-data, settings: config.txt }
          fields: { prefix: kit }`,
  throws: `    sync:
      steps:
        - type: plugin
          path: plugins/errors.wasm
          files: [modes/throw.txt]`,
  badcall: `    sync:
      steps:
        - type: plugin
          path: plugins/errors.wasm
          files: [modes/call.txt]`,
}

afterAll(async () => {
  await replica?.stop()
})

async function get(canister: string, key: string): Promise<string | undefined> {
  const agent = await HttpAgent.create({
    host: replica.url,
    rootKey: replica.rootKey,
    shouldFetchRootKey: false,
  })
  const actor = Actor.createActor(demoIdl, { agent, canisterId: ids[canister]! }) as unknown as DemoActor
  const [value] = (await actor.get!(key)) as [string?]
  return value
}

function canister(name: string): SyncResult['canisters'][number] {
  return (JSON.parse(action.outputs.result!) as SyncResult).canisters.find((c) => c.name === name)!
}

describe('plugin template', () => {
  test('v1 uploads every file of its dirs and its files, untouched', async () => {
    expect(canister('one').error).toBeUndefined()
    expect(canister('one').status).toBe('synced')
    expect(await get('one', 'seed-data/a.txt')).toBe(' alpha \n')
    expect(await get('one', 'seed-data/deep/b.txt')).toBe('beta')
    expect(await get('one', 'config.txt')).toBe('dev\n')
    expect(canister('one').steps[0]!.persistentStderr).toEqual([`uploaded 3 item(s) to ${ids.one}`])
    expect(canister('one').steps[0]!.plugin!.interfaceVersion).toBe('0.1.0')
  })

  test('v2 reads keys and fields and checks the metadata section', async () => {
    expect(canister('two').error).toBeUndefined()
    expect(canister('two').status).toBe('synced')
    expect(canister('two').steps[0]!.plugin!.interfaceVersion).toBe('0.2.0')
    expect(await get('two', 'kit/seed-data/a.txt')).toBe(' alpha \n')
    expect(await get('two', 'kit/settings')).toBe('dev\n')
    expect(canister('two').steps[0]!.persistentStderr).toEqual([
      `uploaded 3 item(s) under kit/ to ${ids.two}`,
    ])
  })
})

describe('the kit keeps error messages', () => {
  test('an Error thrown inside entryPoint arrives with its message (not an opaque trap)', () => {
    expect(canister('throws').status).toBe('failed')
    expect(canister('throws').error!.causes[0]).toMatch(
      new RegExp(`^plugin returned error: kaboom from ${ids.throws}`),
    )
  })

  test('a failed canister call is thrown as "<method>: <host error>"', () => {
    expect(canister('badcall').status).toBe('failed')
    expect(canister('badcall').error!.causes[0]).toMatch(
      /^plugin returned error: no_such_method: .*no_such_method/s,
    )
  })
})

describe('the kit build script', () => {
  test('refuses a plugin whose exec does not match the world, naming the type error', async () => {
    const run = await runProcess(
      process.execPath,
      [join(REPO_ROOT, 'scripts/build-plugin.mjs'), join(TEMPLATE, 'v1.ts'), '--world', 'v2'],
      { env: { PATH: process.env.PATH }, cwd: REPO_ROOT },
    )
    expect(run.status).toBe(1)
    expect(run.stderr).toContain('type errors (v2)')
    expect(run.stderr).toContain("Cannot find module 'icp:sync-plugin/types@0.1.0'")
  })

  test('the committed bindings are what jco generates from wit/ today', async () => {
    const run = await runProcess(process.execPath, [join(REPO_ROOT, 'scripts/plugin-types.mjs'), '--check'], {
      env: { PATH: process.env.PATH },
      cwd: REPO_ROOT,
    })
    expect(run.stderr).toBe('')
    expect(run.stdout).toBe('plugin types are up to date\n')
    expect(run.status).toBe(0)
  })
})
