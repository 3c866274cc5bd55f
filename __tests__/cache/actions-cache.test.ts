// The Actions cache layer through the real @actions/cache 6.3.0 client, talking to a loopback fake of
// the cache service (v2 wire protocol). Each scenario runs in a child Node (the runner's Node 24) with
// the environment of a runner step, because the toolkit reads its configuration from the environment
// and logs through stdout workflow commands.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { pluginCacheKey } from '../../src/action/cache.js'
import { resolvePluginSource, sha256Hex } from '../../src/plugin/source.js'
import type { DriverOutput, DriverStep } from '../helpers/cache-driver.js'
import { FakeCacheServer } from '../helpers/cache-server.js'
import { PluginHttpServer, closedPort } from '../helpers/http-server.js'
import { NODE24, REPO_ROOT } from '../helpers/paths.js'
import { ANSWER_COMPONENT_WAT, componentFromWat } from '../helpers/wat.js'

const DRIVER = join(REPO_ROOT, 'build/__tests__/helpers/cache-driver.js')

interface Runner {
  root: string
  /** The fixed path entries are restored to and saved from (as $RUNNER_TEMP/icp-sync-cache). */
  stagingDir: string
  /** The run's own plugin cache (the Action makes a fresh one per run). */
  pluginCacheDir: string
}

/** A fresh runner layout: workspace, temp, the staging path and the run's plugin cache. */
function runner(): Runner {
  const root = mkdtempSync(join(tmpdir(), 'icp-sync-cache-'))
  for (const dir of ['workspace', 'temp']) mkdirSync(join(root, dir))
  return {
    root,
    stagingDir: join(root, 'temp/icp-sync-cache'),
    pluginCacheDir: join(root, 'run/plugins'),
  }
}

/** The staging path of a plugin entry: what a cache writer's archive unpacks to. */
const staged = (r: Runner, sha256: string) => join(r.stagingDir, 'plugins/wasms', sha256)

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
  enabled?: boolean,
): Promise<DriverRun> {
  const spec = { stagingDir: r.stagingDir, pluginCacheDir: r.pluginCacheDir, enabled, steps }
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
  return (run.result.steps[step] as Array<{ outcome: string }>).map((r) => r.outcome)
}

describe('Actions cache through @actions/cache 6.3.0 and a loopback cache service', () => {
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

    // The next run: same staging path, a new run directory.
    rmSync(join(r.root, 'run'), { recursive: true })
    const downloadsBefore = http.requests('/answer.wasm')
    const lookupsBefore = service.calls().length
    const restored = await drive(r, service.env(), [
      { op: 'restorePlugins', ids: [sha] },
      { op: 'savePlugins', ids: [sha] },
    ])
    expect(outcomes(restored, 0)).toEqual(['hit'])
    expect(
      service
        .calls()
        .slice(lookupsBefore)
        .filter((call) => call.startsWith('blob-get')),
    ).toHaveLength(1)
    expect(outcomes(restored, 1)).toEqual(['skipped']) // restored in this run: no pointless save
    expect(restored.stdout).toContain(`Cache hit for: ${pluginCacheKey(sha)}`)
    const entry = join(r.pluginCacheDir, 'wasms', sha)
    expect(readFileSync(join(entry, 'module.wasm')).equals(Buffer.from(component))).toBe(true)
    expect(existsSync(staged(r, sha))).toBe(false) // moved, not copied

    const source = await resolvePluginSource({
      source: { url },
      sha256: sha,
      canisterDir: r.root,
      cacheDir: r.pluginCacheDir,
    })
    expect(source.cacheHit).toBe(true)
    expect(http.requests('/answer.wasm')).toBe(downloadsBefore)
  })

  test('a restored plugin whose bytes do not match its sha256 is rejected and deleted', async () => {
    service.fault = 'none'
    const r = runner()
    const forged = sha256Hex(new TextEncoder().encode('forged key'))
    const plant = await drive(r, service.env(), [
      {
        op: 'rawSave',
        // bytes that hash to something else
        files: { [join(staged(r, forged), 'module.wasm')]: Buffer.from(component).toString('base64') },
        paths: [staged(r, forged)],
        key: pluginCacheKey(forged),
      },
    ])
    expect(plant.result.steps[0]).toBeGreaterThan(0)

    const run = await drive(r, service.env(), [{ op: 'restorePlugins', ids: [forged] }])
    expect(outcomes(run, 0)).toEqual(['rejected'])
    expect(run.result.warnings).toEqual([
      `restored plugin cache entry ${pluginCacheKey(forged)} does not match its sha256; discarded it`,
    ])
    expect(existsSync(staged(r, forged))).toBe(false)
    expect(existsSync(join(r.pluginCacheDir, 'wasms', forged))).toBe(false)
  })

  test('whatever is at the staging path before the run is removed unread, a planted link included', async () => {
    service.fault = 'none'
    const r = runner()
    // Right bytes even: a pre-existing directory is not ours, whatever it holds.
    mkdirSync(staged(r, otherSha), { recursive: true })
    writeFileSync(join(staged(r, otherSha), 'module.wasm'), other)
    const missed = await drive(r, service.env(), [{ op: 'restorePlugins', ids: [otherSha] }])
    expect(outcomes(missed, 0)).toEqual(['miss'])
    expect(existsSync(join(r.pluginCacheDir, 'wasms', otherSha))).toBe(false)
    expect(existsSync(staged(r, otherSha))).toBe(false)

    // The staging path as a link to a directory elsewhere: the link goes, the directory is untouched.
    const elsewhere = join(r.root, 'elsewhere')
    mkdirSync(join(elsewhere, 'plugins/wasms', otherSha), { recursive: true })
    writeFileSync(join(elsewhere, 'plugins/wasms', otherSha, 'module.wasm'), other)
    rmSync(r.stagingDir, { recursive: true, force: true })
    symlinkSync(elsewhere, r.stagingDir)
    const linked = await drive(r, service.env(), [{ op: 'restorePlugins', ids: [otherSha] }])
    expect(outcomes(linked, 0)).toEqual(['miss'])
    expect(existsSync(join(elsewhere, 'plugins/wasms', otherSha, 'module.wasm'))).toBe(true)
    expect(existsSync(join(r.pluginCacheDir, 'wasms', otherSha))).toBe(false)
  })

  test('an entry that already exists (409) is not saved, and the run goes on', async () => {
    service.fault = 'conflict'
    const r = runner()
    await fillLocalCache(r)
    const run = await drive(r, service.env(), [{ op: 'savePlugins', ids: [sha] }])
    service.fault = 'none'
    expect(run.status).toBe(0)
    expect(outcomes(run, 0)).toEqual(['not-saved'])
    expect(run.stdout).toContain(`Failed to save: Unable to reserve cache with key ${pluginCacheKey(sha)}`)
  })

  // What each refusal leaves: restore outcome (an entry that is in the service), save outcome (one that
  // is not), and the toolkit's log line.
  test.each([
    [
      'rate-limited' as const,
      'miss',
      'not-saved',
      /::warning::Failed to restore: .*\(429\) Too Many Requests/,
    ],
    ['read-denied' as const, 'miss', 'saved', /::warning::Failed to restore: .*cache read denied/],
    ['write-denied' as const, 'hit', 'not-saved', /::warning::Failed to save: .*cache write denied/],
    ['storage-error' as const, 'miss', 'not tried', /::warning::Failed to restore: .*responded with 500/],
  ])(
    'a service that refuses (%s): restore %s, save %s, exit 0',
    async (fault, restoreOutcome, saveOutcome, logLine) => {
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
      // No save under storage-error: the Azure SDK retries a 500 on upload for ~30 s.
      const steps: DriverStep[] = [{ op: 'restorePlugins', ids: [sha] }]
      if (saveOutcome !== 'not tried') steps.push({ op: 'savePlugins', ids: [otherSha] })
      const run = await drive(r, service.env(), steps)
      service.fault = 'none'
      expect(run.status).toBe(0)
      expect(outcomes(run, 0)).toEqual([restoreOutcome])
      if (saveOutcome !== 'not tried') expect(outcomes(run, 1)).toEqual([saveOutcome])
      expect(run.stdout).toMatch(logLine)
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
    expect(run.stdout).toMatch(/::warning::Failed to restore: .*ECONNREFUSED/)
    // Toolkit trap: on v2 a refused CreateCacheEntry is logged at info level as a reservation race.
    expect(run.stdout).toMatch(/^::debug::Failed to reserve cache: .*ECONNREFUSED/m)
    expect(run.stdout).toMatch(
      /^Failed to save: Unable to reserve cache with key .*another job may be creating/m,
    )
    expect(Date.now() - started).toBeLessThan(20_000) // the client does not retry a refused connection
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

    const off = await drive(r, service.env(), [{ op: 'savePlugins', ids: [sha] }], false)
    expect(outcomes(off, 0)).toEqual(['skipped'])
    expect(off.result.warnings).toEqual([])
    expect(off.result.reason).toBe('caching is turned off')
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

  // The client retries Twirp 5xx five times, 3 s apart growing ×1.5: ~25–35 s per call. Opt in.
  const slow = process.env.ICP_SYNC_SLOW_TESTS === '1' ? test : test.skip
  slow(
    'a service answering 503: the client retries (~30 s), a miss, then no more calls this run',
    async () => {
      const r = runner()
      await fillLocalCache(r)
      service.fault = 'unavailable'
      const started = Date.now()
      const run = await drive(r, service.env(), [
        { op: 'restorePlugins', ids: [otherSha] },
        { op: 'savePlugins', ids: [sha] },
      ])
      service.fault = 'none'
      expect(run.status).toBe(0)
      expect([outcomes(run, 0), outcomes(run, 1)]).toEqual([['miss'], ['skipped']])
      expect((run.result.steps[1] as Array<{ detail?: string }>)[0]!.detail).toMatch(/looks unhealthy/)
      expect(run.stdout).toMatch(/::(warning|error)::Failed to restore: .*503/)
      expect(run.result.warnings).toEqual([
        expect.stringMatching(/^the Actions cache service looks unhealthy \(a cache lookup took \d+ s/),
      ])
      console.log(`503: one slow restore, then skipped calls: ${Date.now() - started} ms`)
    },
    120_000,
  )
})
