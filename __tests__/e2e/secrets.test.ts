// The ways a pull request or a cache writer could get the signing key next to a plugin, each through the
// bundled Action on Node 24 in a simulated runner against the local replica (SECURITY.md):
// - declared paths that reach the Action's own environment or a host directory through a symlink;
// - generated JavaScript planted in the Actions cache or under RUNNER_TEMP, which would run next to the key;
// - and, for the record, what a script step can read (its parent's environment: not protected).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { type Replica, startReplica } from '../../replica/index.js'
import { sha256Hex } from '../../src/store/layout.js'
import { TRANSPILER_VERSION, transpileCacheKey } from '../../src/store/transpile.js'
import type { SyncResult } from '../../src/report/result.js'
import { buildJsPlugin } from '../helpers/build-plugin.js'
import { FakeCacheServer } from '../helpers/cache-server.js'
import {
  type TestIdentity,
  canisterYaml,
  demoCanisterOn,
  newIdentity,
  writeIds,
  writeProject,
} from '../helpers/e2e-project.js'
import { NODE24, REPO_ROOT } from '../helpers/paths.js'
import { plantedTar, toolkitCacheVersion } from '../helpers/tar-entry.js'
import { type ActionRun, runAction } from '../helpers/runner.js'

const ACTION = join(REPO_ROOT, 'dist/index.js')

let replica: Replica
let identity: TestIdentity
let seedWasm: string
let seedSha: string
const scratch = mkdtempSync(join(tmpdir(), 'icp-sync-secrets-'))
/** A file outside the project that no plugin may read. */
const hostDir = join(scratch, 'host')
const CANARY = `CANARY-${randomBytes(8).toString('hex')}`

beforeAll(async () => {
  seedWasm = await buildJsPlugin(join(REPO_ROOT, '__tests__/fixtures/plugins/e2e-seed.js'), { world: 'v1' })
  seedSha = sha256Hex(readFileSync(seedWasm))
  mkdirSync(hostDir)
  writeFileSync(join(hostDir, 'canary.txt'), CANARY)
  replica = await startReplica()
  identity = newIdentity()
}, 300_000)

afterAll(async () => {
  await replica?.stop()
})

/** A project whose canisters each run the seed plugin (it uploads every file it is given) with `steps`. */
function project(canisters: Record<string, string>, links: Record<string, string> = {}) {
  const body = Object.entries(canisters)
    .map(([name, steps]) => canisterYaml(name, steps))
    .join('')
  const { dir } = writeProject(
    replica,
    `canisters:\n${body}`,
    { 'data/a.txt': 'a' },
    { 'plugins/seed.wasm': seedWasm },
  )
  for (const [link, target] of Object.entries(links)) symlinkSync(target, join(dir, link))
  const ids = Object.fromEntries(
    Object.keys(canisters).map((name) => [name, demoCanisterOn(replica, identity.principal)]),
  )
  writeIds(dir, 'e2e', ids)
  return { dir, ids }
}

async function sync(dir: string, env: NodeJS.ProcessEnv = {}): Promise<ActionRun & { result: SyncResult }> {
  const run = await runAction(
    NODE24,
    ACTION,
    { 'project-dir': dir, environment: 'e2e', 'identity-pem': identity.pem },
    { GITHUB_WORKSPACE: dir, ...env },
  )
  return { ...run, result: JSON.parse(run.outputs.result ?? '{}') as SyncResult }
}

/** Pieces of the secret worth looking for: each base64 line of the PEM body, and the variable's name. */
function secretNeedles(): string[] {
  const lines = identity.pem.split('\n').filter((line) => line && !line.startsWith('-----'))
  return [...lines, 'INPUT_IDENTITY-PEM', CANARY]
}

/** Everything the outside world gets from a run: the replica's calls, the log, summary and outputs. */
function expectNoSecretIn(run: ActionRun, canisterIds: string[]): void {
  const args = replica
    .callLog()
    .filter((call) => canisterIds.includes(call.canisterId))
    .map((call) => Buffer.from(call.arg).toString('latin1'))
    .join('\n')
  const places = {
    replica: args,
    // `::add-mask::` lines are how an Action asks the runner to mask; the runner never prints them.
    stdout: run.stdout
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n'),
    stderr: run.stderr,
    summary: run.summary,
    outputs: JSON.stringify(run.outputs),
  }
  for (const needle of secretNeedles())
    for (const [place, text] of Object.entries(places))
      expect({ place, found: text.includes(needle) }).toEqual({ place, found: false })
}

describe('declared paths cannot reach the Action’s environment or the host', () => {
  let run: Awaited<ReturnType<typeof sync>>
  let ids: Record<string, string>

  beforeAll(async () => {
    const p = project(
      {
        environ: '- type: plugin\n  path: plugins/seed.wasm\n  files: [missing/../self/environ]',
        host: '- type: plugin\n  path: plugins/seed.wasm\n  dirs: [nope/../outside]',
        inside: '- type: plugin\n  path: plugins/seed.wasm\n  dirs: [data]',
      },
      { self: '/proc/self', outside: hostDir },
    )
    ids = p.ids
    run = await sync(p.dir)
  }, 300_000)

  test('each escape fails its canister with icp-cli’s symlink text; the others sync', () => {
    expect(run.outputs.synced).toBe('inside')
    expect(run.outputs.failed).toBe('environ,host')
    const causes = (name: string) => run.result.canisters.find((c) => c.name === name)!.error!.causes
    expect(causes('environ')).toEqual([
      "plugin path 'missing/../self/environ' resolves through a symlink ('self'); symlinks are not allowed in plugin paths",
    ])
    expect(causes('host')).toEqual([
      "plugin path 'nope/../outside' resolves through a symlink ('outside'); symlinks are not allowed in plugin paths",
    ])
  })

  test('neither the secret nor the canary reaches the replica, the log, the summary or the outputs', () => {
    expect(replica.callLog().some((call) => call.canisterId === ids.inside && call.method === 'put')).toBe(
      true,
    )
    expectNoSecretIn(run, Object.values(ids))
  })
})

describe('generated code from a cache is never run', () => {
  /** jco output as a cache writer would plant it: it runs as Node code when imported. */
  function poisonedEntry(marker: string): Record<string, string> {
    const module = `import { readFileSync, writeFileSync } from 'node:fs'
writeFileSync(${JSON.stringify(marker)}, readFileSync('/proc/self/environ'))
export async function instantiate() { throw new Error('poisoned') }
`
    const manifest = {
      format: 1,
      transpiler: TRANSPILER_VERSION,
      sha256: seedSha,
      coreModules: [],
      imports: [],
      exports: [['exec', 'function']],
    }
    return { 'plugin.mjs': module, 'manifest.json': JSON.stringify(manifest) }
  }

  test('an entry planted in the Actions cache (where transpiled output used to be kept)', async () => {
    const service = await FakeCacheServer.start()
    try {
      const runnerTemp = join(mkdtempSync(join(scratch, 'runner-')), '_temp')
      mkdirSync(runnerTemp, { recursive: true })
      const marker = join(scratch, 'marker-actions-cache')
      // As @actions/cache saved it when transpiled output was kept: a tar archive of the entry
      // directory, under the toolkit's version for that path.
      const entry = join(runnerTemp, 'icp-sync-cache/transpiled', transpileCacheKey(seedSha))
      const files = Object.fromEntries(
        Object.entries(poisonedEntry(marker)).map(([name, text]) => [join(entry, name), text]),
      )
      const key = `icp-sync-transpiled-${transpileCacheKey(seedSha)}`
      service.plant(key, toolkitCacheVersion([entry]), plantedTar(files))
      const p = project({ alpha: '- type: plugin\n  path: plugins/seed.wasm\n  dirs: [data]' })
      rmSync(join(runnerTemp, 'icp-sync-cache'), { recursive: true, force: true })
      const run = await sync(p.dir, { RUNNER_TEMP: runnerTemp, ...service.env() })
      expect(existsSync(marker)).toBe(false)
      expect(existsSync(join(entry, 'plugin.mjs'))).toBe(false)
      expect(run.status).toBe(0)
      expect(run.outputs.synced).toBe('alpha')
      expectNoSecretIn(run, Object.values(p.ids))
    } finally {
      await service.stop()
    }
  }, 300_000)

  test('an entry planted under RUNNER_TEMP by an earlier step', async () => {
    const runnerTemp = mkdtempSync(join(scratch, 'temp-'))
    const marker = join(scratch, 'marker-runner-temp')
    const entry = join(runnerTemp, 'icp-sync-cache/transpiled', transpileCacheKey(seedSha))
    mkdirSync(entry, { recursive: true })
    for (const [name, text] of Object.entries(poisonedEntry(marker))) writeFileSync(join(entry, name), text)

    const p = project({ alpha: '- type: plugin\n  path: plugins/seed.wasm\n  dirs: [data]' })
    const run = await sync(p.dir, { RUNNER_TEMP: runnerTemp })
    expect(existsSync(marker)).toBe(false)
    expect(run.status).toBe(0)
    expect(run.outputs.synced).toBe('alpha')
  }, 300_000)
})

describe('script steps (documented, not protected)', () => {
  test('the Action’s inputs are withheld from a script’s environment, yet it can read its parent’s', async () => {
    const script = [
      'env | grep -c "^INPUT_" > own-env.txt || true',
      `tr '\\0' '\\n' < /proc/$PPID/environ | grep -c '^INPUT_IDENTITY-PEM=' > parent-env.txt || true`,
    ]
      .map((command) => `- type: script\n  command: ${JSON.stringify(command)}`)
      .join('\n')
    const p = project({ alpha: script })
    const run = await sync(p.dir)
    expect(run.status).toBe(0)
    expect(readFileSync(join(p.dir, 'own-env.txt'), 'utf8').trim()).toBe('0')
    // This is why README.md and SECURITY.md say script steps run with the job's privileges.
    expect(readFileSync(join(p.dir, 'parent-env.txt'), 'utf8').trim()).toBe('1')
  }, 300_000)
})
