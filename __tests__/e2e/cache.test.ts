// The bundled Action with the Actions cache: a loopback service speaking the cache v2 wire protocol
// (no stubbed functions), a URL plugin served on loopback, the local replica.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

import { type Replica, startReplica } from '../../replica/index.js'
import { pluginCacheKey, pluginCacheVersion } from '../../src/action/cache.js'
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
import { PluginHttpServer, closedPort } from '../helpers/http-server.js'
import { NODE24, REPO_ROOT } from '../helpers/paths.js'
import { runAction } from '../helpers/runner.js'
import { plantedTar, toolkitCacheVersion } from '../helpers/tar-entry.js'

const ACTION = join(REPO_ROOT, 'dist/index.js')

let replica: Replica
let http: PluginHttpServer
let cacheService: FakeCacheServer
let identity: TestIdentity
let sha: string
let projectFor: (url: string, sha256: string) => string
/** Hosted runners keep RUNNER_TEMP at one path; the cache entry version hashes it, so keep it fixed. */
const runnerTemp = join(mkdtempSync(join(tmpdir(), 'icp-sync-cache-e2e-')), '_temp')

beforeAll(async () => {
  const wasm = await buildJsPlugin(join(REPO_ROOT, '__tests__/fixtures/plugins/e2e-seed.js'), { world: 'v1' })
  const bytes = readFileSync(wasm)
  sha = createHash('sha256').update(bytes).digest('hex')
  replica = await startReplica()
  http = await PluginHttpServer.start()
  http.route('/seed.wasm', { body: bytes })
  cacheService = await FakeCacheServer.start()
  identity = newIdentity()
  const id = demoCanisterOn(replica, identity.principal)
  projectFor = (url, sha256) => {
    const project = writeProject(
      replica,
      'canisters:\n' +
        canisterYaml('alpha', `- type: plugin\n  url: ${url}\n  sha256: ${sha256}\n  dirs: [seed-data]`),
      { 'seed-data/a.txt': 'apple' },
    )
    writeIds(project.dir, 'e2e', { alpha: id })
    return project.dir
  }
}, 300_000)

afterAll(async () => {
  await replica?.stop()
  await http?.stop()
  await cacheService?.stop()
})

async function sync(projectDir: string, cacheEnv: Record<string, string>) {
  rmSync(runnerTemp, { recursive: true, force: true })
  mkdirSync(runnerTemp, { recursive: true })
  const run = await runAction(
    NODE24,
    ACTION,
    { 'project-dir': projectDir, environment: 'e2e', 'identity-pem': identity.pem },
    { RUNNER_TEMP: runnerTemp, GITHUB_WORKSPACE: projectDir, ...cacheEnv },
  )
  return { ...run, result: JSON.parse(run.outputs.result ?? '{}') as SyncResult }
}

describe('plugins kept in the Actions cache', () => {
  test('a miss downloads and saves the plugin; the next run restores it, downloads nothing and transpiles again', async () => {
    const projectDir = projectFor(http.url('/seed.wasm'), sha)
    const first = await sync(projectDir, cacheService.env())
    expect(first.status).toBe(0)
    expect(http.requests('/seed.wasm')).toBe(1)
    expect(first.outputs['cache-hit']).toBe('false')
    // Plugin bytes only: generated JavaScript never crosses runs.
    expect(cacheService.keys()).toEqual([`icp-sync-plugin-${sha}`])
    expect(first.result.canisters[0]!.steps[0]!.plugin).toMatchObject({
      downloadCacheHit: false,
      transpileCacheHit: false,
    })

    const second = await sync(projectDir, cacheService.env())
    expect(second.status).toBe(0)
    expect(http.requests('/seed.wasm')).toBe(1) // served from the restored cache
    expect(second.outputs['cache-hit']).toBe('true')
    expect(second.result.canisters[0]!.steps[0]!.plugin).toMatchObject({
      downloadCacheHit: true,
      transpileCacheHit: false,
    })
    expect(cacheService.calls().filter((c) => c.startsWith('blob-get')).length).toBe(1)
  })

  test('a planted tar archive writes nothing anywhere: the entry is rejected and the plugin downloaded', async () => {
    // A writer of the cache scope plants, under this plugin's key, an archive whose members the
    // toolkit's `tar -xf … -P -C $GITHUB_WORKSPACE` would write outside any cache directory: once under
    // the version @actions/cache 6.3.0 used for the old staging path, once under ours.
    const scratch = mkdtempSync(join(tmpdir(), 'icp-sync-planted-'))
    const projectDir = projectFor(http.url('/seed.wasm'), sha)
    const absolute = join(scratch, 'outside/absolute-member')
    // The toolkit unpacks relative to GITHUB_WORKSPACE; give it one whose parent is ours alone.
    const workspace = join(scratch, 'workspace')
    mkdirSync(workspace)
    const dotdot = join(scratch, 'dotdot-member')
    const tar = plantedTar({ [absolute]: 'planted', '../dotdot-member': 'planted' })
    const service = await FakeCacheServer.start()
    try {
      const staging = join(runnerTemp, 'icp-sync-cache/plugins/wasms', sha)
      service.plant(pluginCacheKey(sha), toolkitCacheVersion([staging]), tar)
      service.plant(pluginCacheKey(sha), pluginCacheVersion(sha), tar)
      const before = http.requests('/seed.wasm')
      const run = await sync(projectDir, { ...service.env(), GITHUB_WORKSPACE: workspace })
      expect(existsSync(absolute)).toBe(false)
      expect(existsSync(dirname(absolute))).toBe(false)
      expect(existsSync(dotdot)).toBe(false)
      expect(run.status).toBe(0)
      expect(run.outputs.synced).toBe('alpha')
      expect(run.stdout).toContain(
        `::warning::restored plugin cache entry ${pluginCacheKey(sha)} does not match its sha256; discarded it`,
      )
      expect(http.requests('/seed.wasm')).toBe(before + 1) // downloaded from its URL instead
      expect(run.result.canisters[0]!.steps[0]!.plugin).toMatchObject({ downloadCacheHit: false })
      expect(service.calls().filter((c) => c.startsWith('blob-get'))).toEqual(['blob-get 200'])
    } finally {
      await service.stop()
      rmSync(scratch, { recursive: true, force: true })
    }
  }, 300_000)

  test('a cache service that is down costs a warning, never the sync', async () => {
    const projectDir = projectFor(http.url('/seed.wasm'), sha)
    const before = http.requests('/seed.wasm')
    const down = { ...cacheService.env(), ACTIONS_RESULTS_URL: `http://127.0.0.1:${await closedPort()}/` }
    const run = await sync(projectDir, down)
    expect(run.status).toBe(0)
    expect(run.outputs.synced).toBe('alpha')
    expect(http.requests('/seed.wasm')).toBe(before + 1)
    expect(run.stdout).toMatch(/^::warning::.*cache/im)
  })

  test('a URL plugin whose bytes do not match its sha256 fails that canister with icp’s message', async () => {
    const wrong = 'f'.repeat(64)
    const run = await sync(projectFor(http.url('/seed.wasm'), wrong), {})
    expect(run.status).toBe(1)
    const step = run.result.canisters[0]!.steps[0]!
    expect(step.status).toBe('failed')
    expect([step.error!.message, ...step.error!.causes].join('\n')).toContain(
      `checksum mismatch, expected: ${wrong}, actual: ${sha}`,
    )
    expect(run.outputs.failed).toBe('alpha')
  })
})
