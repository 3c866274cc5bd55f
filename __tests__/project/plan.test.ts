// planSync: names, canister IDs (files and input), the network target and sharding. Where `icp sync`
// decides offline (name checks, ID lookup, "no sync steps"), icp-cli 1.5.0 is the reference.
import { describe, expect, test } from '@jest/globals'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { OptionError } from '../../src/options/parse.js'
import {
  ManifestError,
  idsFile,
  loadProject,
  parseIdsInput,
  planSync,
  shardOf,
  sortedCanisterIds,
  type PlanRequest,
  type Project,
} from '../../src/project/index.js'
import { icpErrorChain, runIcp } from '../helpers/icp.js'

const ROOT_KEY =
  '308182301d060d2b0601040182dc7c0503010201060c2b0601040182dc7c05030201036100814c0e6ec71fab583b08bd81373c255c3c371b2e84863c98a4f1e08b74235d14fb5d9c0cd546d9685f913a0c0b2cc5341583bf4b4392e467db96d65b9bb4cb717112f8472e0d5a4d14505ffd7484b01291091c5f87b98883463f98091a0baaae'
const IDS = ['ryjl3-tyaaa-aaaaa-aaaba-cai', 'rrkah-fqaaa-aaaaa-aaaaq-cai', 'r7inp-6aaaa-aaaaa-aaabq-cai']

const MANIFEST = `canisters:
  - name: one
    build: {steps: [{type: script, command: make}]}
    sync:
      steps:
        - type: script
          command: echo one
        - type: plugin
          path: plugins/one.wasm
          dirs: [www]
  - name: two
    build: {steps: [{type: script, command: make}]}
  - name: three
    build: {steps: [{type: script, command: make}]}
    sync: {steps: [{type: plugin, url: "https://example.com/p.wasm", sha256: "${'ab'.repeat(32)}"}]}
networks:
  - name: stage
    mode: connected
    url: http://127.0.0.1:9
    root-key: mainnet
environments:
  - name: ci
    network: stage
  - name: partial
    network: stage
    canisters: [three, one]
  - name: quiet
    network: stage
    canisters: [two]
`

function makeProject(manifest = MANIFEST): string {
  const dir = mkdtempSync(join(tmpdir(), 'icp-plan-'))
  writeFileSync(join(dir, 'icp.yaml'), manifest)
  return dir
}

function writeIds(
  dir: string,
  env: string,
  mode: 'managed' | 'connected',
  ids: Record<string, string>,
): void {
  const file = idsFile(dir, env, mode)
  mkdirSync(join(file, '..'), { recursive: true })
  writeFileSync(file, JSON.stringify(ids, null, 2))
}

function planError(project: Project, req: PlanRequest): ManifestError {
  try {
    planSync(project, req)
  } catch (err) {
    expect(err).toBeInstanceOf(ManifestError)
    return err as ManifestError
  }
  throw new Error('planned without error')
}

describe('names and IDs, as icp sync checks them', () => {
  test('a bare sync needs an ID for every canister of the environment, in project order', async () => {
    const dir = makeProject()
    const project = await loadProject(dir)
    writeIds(dir, 'ci', 'connected', { one: IDS[0]!, three: IDS[2]! })
    const err = planError(project, { environment: 'ci', canisters: [] })
    const icp = runIcp(['sync', '-e', 'ci', '--identity', 'anonymous'], dir)
    expect(icp.code).not.toBe(0)
    // icp's two links, each once; the inner one then says how to provide the ID.
    const [outer, inner] = icpErrorChain(icp.stderr)
    expect(err.message).toBe(outer)
    expect(err.causes).toHaveLength(1)
    expect(err.causes[0]).toContain(
      `${inner}: commit its ID to .icp/data/mappings/ci.ids.json, or pass it with canister-ids`,
    )
    expect(err.message).toContain("canister 'two'")
    expect(err.file).toBe(idsFile(dir, 'ci', 'connected'))
  })

  test('named canisters need only their own IDs (icp then goes on to the network)', async () => {
    const dir = makeProject()
    writeIds(dir, 'ci', 'connected', { one: IDS[0]! })
    const plan = planSync(await loadProject(dir), { environment: 'ci', canisters: ['one'] })
    expect(plan.canisters.map((c) => [c.name, c.id])).toEqual([['one', IDS[0]]])
    const icp = runIcp(['sync', 'one', '-e', 'ci', '--identity', 'anonymous'], dir)
    expect(icp.code).not.toBe(0)
    expect(icp.stderr).not.toContain('failed to lookup canister ID')
    expect(icp.stderr).toContain('127.0.0.1:9')
  })

  test.each([
    [['nope'], 'ci'],
    [['two'], 'partial'],
    [['one'], 'missing-env'],
  ])('names %j in environment %s fail with icp’s text', async (names, environment) => {
    const dir = makeProject()
    const err = planError(await loadProject(dir), { environment, canisters: names })
    const icp = runIcp(['sync', ...names, '-e', environment, '--identity', 'anonymous'], dir)
    expect(err.message).toBe(icpErrorChain(icp.stderr).join(': '))
  })

  test('an environment with canisters but none with sync steps: nothing to do, like icp', async () => {
    const dir = makeProject()
    writeIds(dir, 'quiet', 'connected', { two: IDS[1]! })
    const plan = planSync(await loadProject(dir), { environment: 'quiet', canisters: [] })
    expect(plan.canisters).toEqual([])
    expect(plan.warnings).toEqual([])
    expect(plan.notice).toBe('No canisters have sync steps configured')
    const icp = runIcp(['sync', '-e', 'quiet', '--identity', 'anonymous'], dir)
    expect(icp.code).toBe(0)
    expect((icp.stdout + icp.stderr).split('No canisters have sync steps configured').length).toBe(2)
  })

  test('an environment with no canisters: icp says nothing, and neither do we', async () => {
    const dir = makeProject(MANIFEST + '  - name: none\n    network: stage\n    canisters: []\n')
    const plan = planSync(await loadProject(dir), { environment: 'none', canisters: [] })
    expect(plan.canisters).toEqual([])
    expect(plan.warnings).toEqual([])
    expect(plan.notice).toBeUndefined()
    const icp = runIcp(['sync', '-e', 'none', '--identity', 'anonymous'], dir)
    expect(icp.code).toBe(0)
    expect(
      icp.stdout + icp.stderr.replace(/^icp collects.*\n|^Run `icp settings.*\n|^Learn more.*\n/gm, ''),
    ).toBe('')
  })

  test('canister-ids for 0.2 plugins are sorted as icp’s BTreeMap sorts them (bytewise)', async () => {
    const names = ['b', '10', 'a-z', '9', 'B', 'a_z']
    expect(
      sortedCanisterIds(Object.fromEntries(names.map((n, i) => [n, IDS[i % 3]!]))).map((e) => e.name),
    ).toEqual(['10', '9', 'B', 'a-z', 'a_z', 'b'])
  })

  test('the canister-ids input wins over the mappings file; unknown names are reported, not used', async () => {
    const dir = makeProject()
    writeIds(dir, 'ci', 'connected', { one: IDS[0]!, two: IDS[1]!, three: IDS[2]! })
    const input = parseIdsInput(
      `one: ${IDS[2]}\nghost: ${IDS[1]}\n`,
      (m) => new OptionError('canister-ids', m),
    )
    const plan = planSync(await loadProject(dir), { environment: 'ci', canisters: [], canisterIds: input })
    expect(plan.canisterIds).toEqual({ one: IDS[2], two: IDS[1], three: IDS[2] })
    expect(plan.canisters.map((c) => c.id)).toEqual([IDS[2], IDS[2]])
    expect(plan.warnings.join('\n')).toContain("'ghost'")
  })

  test('managed networks read .icp/cache, connected ones .icp/data', async () => {
    const dir = makeProject()
    writeIds(dir, 'local', 'managed', { one: IDS[0]!, two: IDS[1]!, three: IDS[2]! })
    writeIds(dir, 'local', 'connected', { one: IDS[2]! })
    const plan = planSync(await loadProject(dir), { environment: 'local', canisters: [] })
    expect(plan.canisterIds['one']).toBe(IDS[0])
    expect(plan.network).toMatchObject({
      name: 'local',
      mode: 'managed',
      source: 'default',
      rootKey: 'fetch',
    })
    expect(plan.network.apiUrl).toBe('http://127.0.0.1:8000/')
  })

  test('bad IDs and bad input are named', async () => {
    const dir = makeProject()
    writeIds(dir, 'ci', 'connected', { one: 'not-a-principal' })
    const err = planError(await loadProject(dir), { environment: 'ci', canisters: ['one'] })
    expect(err.message).toMatch(/the ID of canister 'one' is not a valid principal: 'not-a-principal'/)
    expect(() => parseIdsInput('[1, 2]', (m) => new OptionError('canister-ids', m))).toThrow(
      "input 'canister-ids': expected a map of canister name to principal",
    )
    expect(parseIdsInput(`{"one": "${IDS[0]}"}`, (m) => new Error(m))).toEqual({ one: IDS[0] })
  })
})

describe('the plan', () => {
  test('ordered steps with directory, ID, label and manifest position', async () => {
    const dir = makeProject()
    writeIds(dir, 'partial', 'connected', { one: IDS[0]!, three: IDS[2]! })
    const plan = planSync(await loadProject(dir), { environment: 'partial', canisters: [] })
    expect(plan.environment).toBe('partial')
    expect(plan.network).toEqual({
      name: 'stage',
      mode: 'connected',
      apiUrl: 'http://127.0.0.1:9/',
      gatewayUrl: 'http://127.0.0.1:9/',
      rootKey: 'mainnet',
      source: 'manifest',
    })
    expect(plan.canisters.map((c) => c.name)).toEqual(['one', 'three'])
    const [one, three] = plan.canisters
    expect(one!.dir).toBe(dir)
    expect(one!.steps.map((s) => s.label)).toEqual(['script echo one', 'plugin path: plugins/one.wasm'])
    expect(one!.steps.map((s) => [s.position.line, s.position.column])).toEqual([
      [6, 11],
      [8, 11],
    ])
    expect(three!.steps[0]!.label).toBe('plugin url: https://example.com/p.wasm')
    expect(three!.steps[0]!.position.file).toBe(join(dir, 'icp.yaml'))
  })

  test('shards split the planned canisters round-robin, disjoint and complete', () => {
    const names = ['a', 'b', 'c', 'd', 'e']
    expect(shardOf(names, { index: 1, count: 2 })).toEqual(['a', 'c', 'e'])
    expect(shardOf(names, { index: 2, count: 2 })).toEqual(['b', 'd'])
    for (const count of [1, 2, 3, 4, 5, 7]) {
      const parts = Array.from({ length: count }, (_, i) => shardOf(names, { index: i + 1, count }))
      expect(parts.flat().sort()).toEqual(names)
      expect(
        Math.max(...parts.map((p) => p.length)) - Math.min(...parts.map((p) => p.length)),
      ).toBeLessThanOrEqual(1)
    }
    expect(() => shardOf(names, { index: 3, count: 2 })).toThrow(OptionError)
  })

  test('a shard of a plan keeps the full ID map', async () => {
    const dir = makeProject()
    writeIds(dir, 'ci', 'connected', { one: IDS[0]!, two: IDS[1]!, three: IDS[2]! })
    const project = await loadProject(dir)
    const second = planSync(project, { environment: 'ci', canisters: [], shard: { index: 2, count: 2 } })
    expect(second.canisters.map((c) => c.name)).toEqual(['three'])
    expect(second.allWithSteps).toEqual(['one', 'three'])
    expect(Object.keys(second.canisterIds).sort()).toEqual(['one', 'three', 'two'])
  })
})

describe('the network target', () => {
  test('a descriptor gives a managed network its real port and root key', async () => {
    const dir = makeProject()
    writeIds(dir, 'local', 'managed', { one: IDS[0]!, two: IDS[1]!, three: IDS[2]! })
    const netDir = join(dir, '.icp', 'cache', 'networks', 'local')
    mkdirSync(netDir, { recursive: true })
    writeFileSync(
      join(netDir, 'descriptor.json'),
      JSON.stringify({
        v: 1,
        gateway: { fixed: false, port: 41234, host: 'localhost' },
        'root-key': ROOT_KEY,
      }),
    )
    const plan = planSync(await loadProject(dir), { environment: 'local', canisters: [] })
    expect(plan.network).toMatchObject({
      apiUrl: 'http://localhost:41234/',
      rootKey: ROOT_KEY,
      source: 'descriptor',
    })
    expect(plan.warnings).toEqual([])
  })

  test('the network-url and root-key inputs win; a managed network then fetches its key', async () => {
    const dir = makeProject()
    writeIds(dir, 'local', 'managed', { one: IDS[0]!, two: IDS[1]!, three: IDS[2]! })
    const project = await loadProject(dir)
    const urlOnly = planSync(project, {
      environment: 'local',
      canisters: [],
      networkOverride: { url: 'http://127.0.0.1:4943' },
    })
    expect(urlOnly.network).toMatchObject({
      apiUrl: 'http://127.0.0.1:4943/',
      rootKey: 'fetch',
      source: 'override',
    })
    expect(urlOnly.warnings).toEqual([])
    const both = planSync(project, {
      environment: 'local',
      canisters: [],
      networkOverride: { url: 'http://127.0.0.1:4943', rootKey: ROOT_KEY },
    })
    expect(both.network.rootKey).toBe(ROOT_KEY)
  })

  test('a bad root-key input gets icp’s validation text', async () => {
    const dir = makeProject()
    writeIds(dir, 'ci', 'connected', { one: IDS[0]!, two: IDS[1]!, three: IDS[2]! })
    const project = await loadProject(dir)
    const plan = (rootKey: string) => () =>
      planSync(project, { environment: 'ci', canisters: [], networkOverride: { rootKey } })
    expect(plan('abc')).toThrow(
      `input 'root-key': invalid root key: expected "mainnet", "fetch", or a hex-encoded key, but failed to decode as hex: Odd number of digits`,
    )
    expect(plan('abcd')).toThrow(`input 'root-key': invalid root key: expected 133 bytes but got 2`)
    expect(plan('fetch')()).toMatchObject({ network: { rootKey: 'fetch', apiUrl: 'http://127.0.0.1:9/' } })
    expect(() =>
      planSync(project, { environment: 'ci', canisters: [], networkOverride: { url: 'not a url' } }),
    ).toThrow("input 'network-url': not a URL: 'not a url'")
  })
})

describe('names that are Object.prototype keys', () => {
  test('a canister named `constructor` or `__proto__` without an ID is not "found" on the prototype', async () => {
    for (const name of ['constructor', '__proto__', 'toString']) {
      const dir = makeProject(`canisters:
  - name: "${name}"
    build: {steps: [{type: script, command: make}]}
    sync: {steps: [{type: script, command: echo}]}
networks:
  - name: stage
    mode: connected
    url: http://127.0.0.1:9
    root-key: mainnet
environments:
  - name: ci
    network: stage
`)
      const project = await loadProject(dir)
      const error = planError(project, { environment: 'ci', canisters: [] })
      expect(error.message).toBe(`failed to lookup canister ID for canister '${name}' in environment 'ci'`)
      expect(error.causes.join('\n')).toContain(`could not find ID for canister '${name}'`)
      // …and one given by the canister-ids input is kept as its own entry.
      const plan = planSync(project, {
        environment: 'ci',
        canisters: [],
        canisterIds: parseIdsInput(`{"${name}": "${IDS[0]}"}`, (m) => new Error(m)),
      })
      expect(plan.canisters.map((c) => [c.name, c.id])).toEqual([[name, IDS[0]]])
    }
  })
})
