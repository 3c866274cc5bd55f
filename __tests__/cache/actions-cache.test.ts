// The Actions cache layer through our own cache service client (src/action/cache-service.ts), talking
// to a loopback fake of the cache service (v2 wire protocol). Each scenario runs in a child Node (the
// runner's Node 24) with the environment of a runner step, because the configuration comes from it.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

import { AZURE_STORAGE_VERSION } from '../../src/action/cache-service.js'
import { MAX_CACHED_PLUGIN_BYTES, pluginCacheKey, pluginCacheVersion } from '../../src/action/cache.js'
import { resolvePluginSource, sha256Hex } from '../../src/store/source.js'
import type { DriverOutput, DriverStep } from '../helpers/cache-driver.js'
import { FakeCacheServer } from '../helpers/cache-server.js'
import { PluginHttpServer, closedPort } from '../helpers/http-server.js'
import { NODE24, REPO_ROOT } from '../helpers/paths.js'
import { plantedTar, toolkitCacheVersion } from '../helpers/tar-entry.js'
import { ANSWER_COMPONENT_WAT, componentFromWat } from '../helpers/wat.js'

const DRIVER = join(REPO_ROOT, 'build/__tests__/helpers/cache-driver.js')

interface Runner {
  root: string
  /** The run's own plugin cache (the Action makes a fresh one per run). */
  pluginCacheDir: string
}

/** A fresh runner layout: workspace, temp and the run's plugin cache. */
function runner(): Runner {
  const root = mkdtempSync(join(tmpdir(), 'icp-sync-cache-'))
  for (const dir of ['workspace', 'temp']) mkdirSync(join(root, dir))
  return { root, pluginCacheDir: join(root, 'run/plugins') }
}

/** What the run's plugin cache holds: entry names under wasms/ (a leftover `.restore-*` would show). */
const cached = (r: Runner) =>
  existsSync(join(r.pluginCacheDir, 'wasms')) ? readdirSync(join(r.pluginCacheDir, 'wasms')).sort() : []

interface DriverRun {
  status: number | null
  stdout: string
  result: DriverOutput
}

/** Runs the driver asynchronously: the fake servers live in this process and must keep answering. */
async function drive(
  r: Runner,
  serviceEnv: Record<string, string>,
  steps: DriverStep[],
  {
    enabled,
    maxBytes,
    restoreDeadlineMs,
  }: { enabled?: boolean; maxBytes?: number; restoreDeadlineMs?: number } = {},
): Promise<DriverRun> {
  const spec = { pluginCacheDir: r.pluginCacheDir, enabled, maxBytes, restoreDeadlineMs, steps }
  const child = spawn(NODE24, [DRIVER, JSON.stringify(spec)], {
    // Built from scratch: a CI job running this suite has ACTIONS_* variables of its own.
    env: {
      PATH: process.env.PATH,
      HOME: join(r.root, 'workspace'),
      RUNNER_TEMP: join(r.root, 'temp'),
      GITHUB_WORKSPACE: join(r.root, 'workspace'),
      ...serviceEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const status = await new Promise<number | null>((done) => child.on('close', done))
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '))
  if (!line) throw new Error(`driver printed no result (status ${status})\n${stdout}\n${stderr}`)
  return { status, stdout, result: JSON.parse(line.slice('RESULT '.length)) as DriverOutput }
}

function outcomes(run: DriverRun, step: number): string[] {
  return run.result.steps[step]!.map((r) => r.outcome)
}

describe('Actions cache through our v2 client and a loopback cache service', () => {
  let service: FakeCacheServer
  let http: PluginHttpServer
  let component: Uint8Array
  let sha: string
  let url: string
  /** A second "plugin" (any bytes: only the sha256 is checked here) that is never in the service. */
  const other = new TextEncoder().encode('another plugin')
  const otherSha = sha256Hex(other)
  let otherUrl: string

  beforeAll(async () => {
    service = await FakeCacheServer.start()
    http = await PluginHttpServer.start()
    component = await componentFromWat(ANSWER_COMPONENT_WAT)
    sha = sha256Hex(component)
    url = http.route('/answer.wasm', { body: component })
    otherUrl = http.route('/other.wasm', { body: other })
  })
  afterAll(async () => {
    await service.stop()
    await http.stop()
  })

  /** Fills the run's plugin cache the way a sync does: a real download. */
  async function fillLocalCache(r: Runner, which: 'answer' | 'other' = 'answer'): Promise<void> {
    const canisterDir = join(r.root, 'workspace')
    const [source, sha256] = which === 'answer' ? [url, sha] : [otherUrl, otherSha]
    await resolvePluginSource({ source: { url: source }, sha256, canisterDir, cacheDir: r.pluginCacheDir })
  }

  test('miss, save, then a later run restores the plugin into its own directory, without a request', async () => {
    service.fault = 'none'
    const r = runner()
    const first = await drive(r, service.env(), [{ op: 'restorePlugins', ids: [sha] }])
    expect(first.status).toBe(0)
    expect(first.result.available).toBe(true)
    expect(outcomes(first, 0)).toEqual(['miss'])

    await fillLocalCache(r)
    const saved = await drive(r, service.env(), [{ op: 'savePlugins', ids: [sha] }])
    expect(outcomes(saved, 0)).toEqual(['saved'])
    expect(service.keys()).toEqual([pluginCacheKey(sha)]) // plugin bytes only, never generated code
    // The entry is the raw plugin, under our own version: no archive, nothing to unpack.
    const entry = service.entries.find((e) => e.key === pluginCacheKey(sha))!
    expect(entry.version).toBe(pluginCacheVersion(sha))
    expect(entry.version).not.toBe(sha)
    expect(entry.archive!.equals(Buffer.from(component))).toBe(true)
    expect(service.lastPutHeaders).toMatchObject({
      'x-ms-blob-type': 'BlockBlob',
      'x-ms-version': AZURE_STORAGE_VERSION,
      'content-length': String(component.byteLength),
    })
    expect(service.lastPutHeaders.authorization).toBeUndefined() // the runtime token stays with the service

    // The next run: a new run directory.
    rmSync(join(r.root, 'run'), { recursive: true })
    const downloadsBefore = http.requests('/answer.wasm')
    const lookupsBefore = service.calls().length
    const restored = await drive(r, service.env(), [
      { op: 'restorePlugins', ids: [sha] },
      { op: 'savePlugins', ids: [sha] },
    ])
    expect(outcomes(restored, 0)).toEqual(['hit'])
    expect(service.calls().slice(lookupsBefore)).toEqual(['GetCacheEntryDownloadURL 200', 'blob-get 200'])
    expect(outcomes(restored, 1)).toEqual(['skipped']) // restored in this run: no pointless save
    expect(restored.result.warnings).toEqual([])
    expect(cached(r)).toEqual([sha]) // and nothing else: the private download directory is gone
    expect(
      readFileSync(join(r.pluginCacheDir, 'wasms', sha, 'module.wasm')).equals(Buffer.from(component)),
    ).toBe(true)

    const source = await resolvePluginSource({
      source: { url },
      sha256: sha,
      canisterDir: r.root,
      cacheDir: r.pluginCacheDir,
    })
    expect(source.cacheHit).toBe(true)
    expect(http.requests('/answer.wasm')).toBe(downloadsBefore)
  })

  test('replies with lowerCamelCase field names (protobuf JSON allows both) work the same', async () => {
    service.fault = 'none'
    service.jsonNames = 'camel'
    try {
      const r = runner()
      const bytes = new TextEncoder().encode('a camel plugin')
      const camelSha = sha256Hex(bytes)
      mkdirSync(join(r.pluginCacheDir, 'wasms', camelSha), { recursive: true })
      writeFileSync(join(r.pluginCacheDir, 'wasms', camelSha, 'module.wasm'), bytes)
      const saved = await drive(r, service.env(), [{ op: 'savePlugins', ids: [camelSha] }])
      expect(outcomes(saved, 0)).toEqual(['saved'])
      rmSync(join(r.root, 'run'), { recursive: true })
      const restored = await drive(r, service.env(), [{ op: 'restorePlugins', ids: [camelSha] }])
      expect(outcomes(restored, 0)).toEqual(['hit'])
      expect(cached(r)).toEqual([camelSha])
    } finally {
      service.jsonNames = 'proto'
    }
  })

  test('an entry whose bytes do not match its sha256 is rejected and nothing of it is kept', async () => {
    service.fault = 'none'
    const r = runner()
    const forged = sha256Hex(new TextEncoder().encode('forged key'))
    // Right key and version, wrong bytes: what a writer of the cache scope can always do.
    service.plant(pluginCacheKey(forged), pluginCacheVersion(forged), Buffer.from(component))

    const run = await drive(r, service.env(), [{ op: 'restorePlugins', ids: [forged] }])
    expect(outcomes(run, 0)).toEqual(['rejected'])
    expect(run.result.warnings).toEqual([
      `restored plugin cache entry ${pluginCacheKey(forged)} does not match its sha256; discarded it`,
    ])
    expect(cached(r)).toEqual([])
  })

  test('a blob that trickles hits the restore deadline: a miss with a warning, nothing kept, the plugin downloads', async () => {
    service.fault = 'none'
    const r = runner()
    const slow = Buffer.from('a plugin whose cache blob trickles, one byte every 100 ms')
    const slowSha = sha256Hex(slow)
    const slowUrl = http.route('/slow.wasm', { body: slow })
    service.plant(pluginCacheKey(slowSha), pluginCacheVersion(slowSha), { trickle: slow })
    const started = performance.now()
    const run = await drive(r, service.env(), [{ op: 'restorePlugins', ids: [slowSha] }], {
      restoreDeadlineMs: 1500,
    })
    const ms = performance.now() - started
    expect(outcomes(run, 0)).toEqual(['miss'])
    expect(run.result.steps[0]![0]!.detail).toBe('the restore took longer than 2 s')
    expect(run.result.warnings).toEqual([
      `could not restore ${pluginCacheKey(slowSha)} from the Actions cache: the restore took longer than 2 s`,
    ])
    expect(ms).toBeLessThan(5_000) // the blob alone takes 5.6 s
    expect(cached(r)).toEqual([])
    // The run goes on: the plugin is downloaded from its URL.
    const canisterDir = join(r.root, 'workspace')
    await resolvePluginSource({
      source: { url: slowUrl },
      sha256: slowSha,
      canisterDir,
      cacheDir: r.pluginCacheDir,
    })
    expect(cached(r)).toEqual([slowSha])
  })

  test('a blob GET that redirects is not followed: a miss with a warning, nothing reaches the target', async () => {
    service.fault = 'none'
    const r = runner()
    const moved = Buffer.from('a plugin whose cache blob redirects')
    const movedSha = sha256Hex(moved)
    const target = http.route('/redirect-target.wasm', { body: moved })
    service.plant(pluginCacheKey(movedSha), pluginCacheVersion(movedSha), { redirect: target })
    const run = await drive(r, service.env(), [{ op: 'restorePlugins', ids: [movedSha] }])
    expect(outcomes(run, 0)).toEqual(['miss'])
    expect(run.result.warnings).toEqual([
      `could not restore ${pluginCacheKey(movedSha)} from the Actions cache: downloading the entry failed: HTTP 307, a redirect, which blob transfers do not follow`,
    ])
    expect(http.requests('/redirect-target.wasm')).toBe(0)
    expect(cached(r)).toEqual([])
  })

  test('a planted tar archive is data, never unpacked: nothing is written outside, the entry is rejected', async () => {
    service.fault = 'none'
    const r = runner()
    const outside = join(r.root, 'outside')
    const absolute = join(outside, 'absolute-member')
    const dotdot = join(r.root, 'dotdot-member') // GITHUB_WORKSPACE/../dotdot-member
    const tar = plantedTar({ [absolute]: 'planted', '../dotdot-member': 'planted' })
    // Under our version, and under the version the toolkit used for this plugin's old staging path.
    service.plant(pluginCacheKey(otherSha), pluginCacheVersion(otherSha), tar)
    const staging = join(r.root, 'temp/icp-sync-cache/plugins/wasms', otherSha)
    service.plant(pluginCacheKey(otherSha), toolkitCacheVersion([staging]), tar)

    const run = await drive(r, service.env(), [{ op: 'restorePlugins', ids: [otherSha] }])
    expect(run.status).toBe(0)
    expect(outcomes(run, 0)).toEqual(['rejected'])
    expect(existsSync(absolute)).toBe(false)
    expect(existsSync(dirname(absolute))).toBe(false)
    expect(existsSync(dotdot)).toBe(false)
    expect(cached(r)).toEqual([])
  })

  test('an entry written by a tar-unpacking client (another version) is never taken as ours', async () => {
    service.fault = 'none'
    const r = runner()
    const bytes = new TextEncoder().encode('a third plugin')
    const third = sha256Hex(bytes)
    const staging = join(r.root, 'temp/icp-sync-cache/plugins/wasms', third)
    service.plant(pluginCacheKey(third), toolkitCacheVersion([staging]), Buffer.from(bytes))
    const run = await drive(r, service.env(), [{ op: 'restorePlugins', ids: [third] }])
    expect(outcomes(run, 0)).toEqual(['miss'])
    expect(service.calls().at(-1)).toBe('GetCacheEntryDownloadURL 200')
    expect(cached(r)).toEqual([])
  })

  test.each([
    ['declares its length', true],
    ['does not declare its length', false],
  ])(
    'an entry larger than the cap that %s is refused at the cap, never read whole',
    async (_, declareLength) => {
      service.fault = 'none'
      const r = runner()
      const maxBytes = 4 * 1024 * 1024
      const size = 64 * 1024 * 1024
      const huge = sha256Hex(new TextEncoder().encode(`huge ${declareLength}`))
      service.plant(pluginCacheKey(huge), pluginCacheVersion(huge), { zeros: size, declareLength })
      const sentBefore = service.blobBytesSent
      const run = await drive(r, service.env(), [{ op: 'restorePlugins', ids: [huge] }], { maxBytes })
      expect(run.status).toBe(0)
      expect(outcomes(run, 0)).toEqual(['rejected'])
      expect(run.result.warnings).toEqual([
        expect.stringMatching(
          new RegExp(
            `^plugin cache entry ${pluginCacheKey(huge)} is (${size} bytes, )?more than ${maxBytes}`,
          ),
        ),
      ])
      // Read up to the cap (plus what sockets buffer), not the 64 MiB.
      expect(service.blobBytesSent - sentBefore).toBeLessThan(maxBytes + 16 * 1024 * 1024)
      expect(cached(r)).toEqual([])
    },
  )

  test('the cap is the plugin size cap, 256 MiB', () => {
    expect(MAX_CACHED_PLUGIN_BYTES).toBe(256 * 1024 * 1024)
  })

  test('an entry that already exists (409) is not saved, and the run goes on', async () => {
    service.fault = 'conflict'
    const r = runner()
    await fillLocalCache(r)
    const run = await drive(r, service.env(), [{ op: 'savePlugins', ids: [sha] }])
    service.fault = 'none'
    expect(run.status).toBe(0)
    expect(outcomes(run, 0)).toEqual(['not-saved'])
    // The ordinary race between runs: a notice, not a warning.
    expect(run.result.warnings).toEqual([])
    expect(run.result.infos).toContain(
      `did not save ${pluginCacheKey(sha)} to the Actions cache: already exists: cache entry with the same key, version, and scope already exists`,
    )
  })

  // What each refusal leaves: restore outcome (an entry that is in the service), save outcome (one that
  // is not), and the warnings (one per failed call, each naming the cause).
  test.each([
    ['rate-limited' as const, 'miss', 'not-saved', 2, /HTTP 429: rate limited$/],
    [
      'read-denied' as const,
      'miss',
      'saved',
      1,
      /HTTP 403: cache read denied: token has no readable cache scopes$/,
    ],
    ['write-denied' as const, 'hit', 'not-saved', 1, /: cache write denied: token is read-only$/],
    ['storage-error' as const, 'miss', 'not-saved', 2, /the entry failed: HTTP 500$/],
  ])(
    'a service that refuses (%s): restore %s, save %s, exit 0',
    async (fault, restoreOutcome, saveOutcome, warningCount, warning) => {
      service.fault = 'none'
      const r = runner()
      await fillLocalCache(r)
      await drive(r, service.env(), [{ op: 'savePlugins', ids: [sha] }])
      expect(service.keys()).toContain(pluginCacheKey(sha))
      rmSync(join(r.root, 'run'), { recursive: true })
      await fillLocalCache(r, 'other')
      const otherKey = pluginCacheKey(otherSha)
      service.entries.splice(0, service.entries.length, ...service.entries.filter((e) => e.key !== otherKey))

      service.fault = fault
      const run = await drive(r, service.env(), [
        { op: 'restorePlugins', ids: [sha] },
        { op: 'savePlugins', ids: [otherSha] },
      ])
      service.fault = 'none'
      expect(run.status).toBe(0)
      expect(outcomes(run, 0)).toEqual([restoreOutcome])
      expect(outcomes(run, 1)).toEqual([saveOutcome])
      expect(run.result.warnings).toHaveLength(warningCount)
      for (const text of run.result.warnings) expect(text).toMatch(warning)
      expect(existsSync(join(r.pluginCacheDir, 'wasms', sha))).toBe(restoreOutcome === 'hit')
      expect(service.keys().includes(otherKey)).toBe(saveOutcome === 'saved')
    },
  )

  test('a service that is down (connection refused): miss / not saved, warnings, exit 0, no delay', async () => {
    const r = runner()
    await fillLocalCache(r)
    const downEnv = { ...service.env(), ACTIONS_RESULTS_URL: `http://127.0.0.1:${await closedPort()}/` }
    const started = Date.now()
    const run = await drive(r, downEnv, [
      { op: 'restorePlugins', ids: [sha] },
      { op: 'savePlugins', ids: [sha] },
    ])
    expect(run.status).toBe(0)
    expect([outcomes(run, 0), outcomes(run, 1)]).toEqual([['miss'], ['not-saved']])
    expect(run.result.warnings).toEqual([
      expect.stringMatching(/^could not restore .* GetCacheEntryDownloadURL failed: .*ECONNREFUSED/),
      expect.stringMatching(/^could not save .* CreateCacheEntry failed: .*ECONNREFUSED/),
    ])
    expect(Date.now() - started).toBeLessThan(10_000) // a refused connection is not retried
  })

  test('without the service variables, or with caching off: skipped, one warning at most', async () => {
    const r = runner()
    await fillLocalCache(r)
    const bare = await drive(r, {}, [
      { op: 'restorePlugins', ids: [sha] },
      { op: 'savePlugins', ids: [sha] },
    ])
    expect(bare.result.available).toBe(false)
    expect([outcomes(bare, 0), outcomes(bare, 1)]).toEqual([['skipped'], ['skipped']])
    expect(bare.result.warnings).toHaveLength(1)
    expect(bare.result.warnings[0]).toMatch(/Actions cache service is not available/)

    const off = await drive(r, service.env(), [{ op: 'savePlugins', ids: [sha] }], { enabled: false })
    expect(outcomes(off, 0)).toEqual(['skipped'])
    expect(off.result.warnings).toEqual([])
    expect(off.result.reason).toBe('caching is turned off')
  })

  test('GHES (v1 protocol only): caching off with one notice, no request', async () => {
    const r = runner()
    const before = service.requests.length
    for (const env of [
      { ...service.env(), GITHUB_SERVER_URL: 'https://ghes.example.com' },
      { ...service.env(), ACTIONS_CACHE_SERVICE_V2: '' },
    ]) {
      const run = await drive(r, env, [{ op: 'restorePlugins', ids: [sha] }])
      expect(outcomes(run, 0)).toEqual(['skipped'])
      expect(run.result.warnings).toEqual([])
      expect(run.result.infos).toEqual([expect.stringMatching(/only the v1 Actions cache protocol \(GHES\)/)])
    }
    expect(service.requests.length).toBe(before)
  })

  test('ACTIONS_CACHE_MODE is honoured: no reads or no writes, as the runner says', async () => {
    const r = runner()
    await fillLocalCache(r)
    const before = service.requests.length
    const none = await drive(r, { ...service.env(), ACTIONS_CACHE_MODE: 'none' }, [
      { op: 'restorePlugins', ids: [sha] },
      { op: 'savePlugins', ids: [sha] },
    ])
    expect([outcomes(none, 0), outcomes(none, 1)]).toEqual([['skipped'], ['skipped']])
    const read = await drive(r, { ...service.env(), ACTIONS_CACHE_MODE: 'read' }, [
      { op: 'savePlugins', ids: [sha] },
    ])
    expect(read.result.steps[0]![0]!.detail).toBe(`the effective cache-mode 'read' does not permit writes`)
    expect(service.requests.length).toBe(before)
  })

  test('ids that cannot name a cache entry are skipped, never thrown', async () => {
    const r = runner()
    const run = await drive(r, service.env(), [
      { op: 'restorePlugins', ids: [sha.toUpperCase(), '../../etc'] },
      { op: 'savePlugins', ids: ['../x'] },
    ])
    expect(run.status).toBe(0)
    expect([outcomes(run, 0), outcomes(run, 1)]).toEqual([['skipped', 'skipped'], ['skipped']])
  })

  test('a service answering 503: three tries (~3 s), a miss, then no more calls this run', async () => {
    const r = runner()
    await fillLocalCache(r)
    service.fault = 'unavailable'
    const before = service.requests.length
    const started = Date.now()
    const run = await drive(r, service.env(), [
      { op: 'restorePlugins', ids: [otherSha] },
      { op: 'savePlugins', ids: [sha] },
    ])
    service.fault = 'none'
    expect(run.status).toBe(0)
    expect([outcomes(run, 0), outcomes(run, 1)]).toEqual([['miss'], ['skipped']])
    expect(run.result.steps[1]![0]!.detail).toMatch(/looks unhealthy/)
    expect(service.calls().slice(before)).toEqual(Array(3).fill('GetCacheEntryDownloadURL 503'))
    expect(run.result.warnings).toEqual([
      expect.stringMatching(
        /^the Actions cache service looks unhealthy \(GetCacheEntryDownloadURL failed 3 times: HTTP 503/,
      ),
      expect.stringMatching(/^could not restore .*: GetCacheEntryDownloadURL failed 3 times/),
    ])
    expect(Date.now() - started).toBeLessThan(15_000)
  }, 30_000)
})
