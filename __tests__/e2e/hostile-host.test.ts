// The bundled Action survives what a plugin, a download or a manifest throws at it, and its report stays
// true: it ends with its normal exit code, writes the summary and the outputs, the other canisters still
// sync, peak RSS stays under 1 GB, and nothing is left in RUNNER_TEMP. (Node 24, simulated runner,
// local replica, loopback servers.)
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { constants, createBrotliCompress } from 'node:zlib'

import { marked } from 'marked'

import { type Replica, startReplica } from '../../replica/index.js'
import { MAX_PLUGIN_BYTES } from '../../src/store/download.js'
import { MAX_TEMPLATE_BYTES } from '../../src/project/recipe.js'
import type { SyncResult } from '../../src/report/result.js'
import { callsPlugin } from '../helpers/calls-plugin.js'
import { canisterYaml, demoCanisterOn, newIdentity, writeIds, writeProject } from '../helpers/e2e-project.js'
import { PluginHttpServer } from '../helpers/http-server.js'
import { NODE24, REPO_ROOT } from '../helpers/paths.js'
import { runActionMeasured } from '../helpers/peak-rss.js'
import type { ActionRun } from '../helpers/runner.js'

const ACTION = join(REPO_ROOT, 'dist/index.js')
const RSS_LIMIT_BYTES = 1024 ** 3
/** The download deadline this test sets (the default is 300 s) so a trickling server is cut in time. */
const DEADLINE_MS = 20_000

/** Text that would be markup in the summary if it were not escaped. */
const HOSTILE_METHOD =
  'x\r### Fake heading\u2028![](https://tracker.example/p.png) [link](https://evil.example/) <img src=x> | a | `code` www.evil.example'

let replica: Replica
let http: PluginHttpServer

beforeAll(async () => {
  replica = await startReplica()
  http = await PluginHttpServer.start()
}, 120_000)

afterAll(async () => {
  await replica?.stop()
  await http?.stop()
})

/** Runs the bundled Action and reads back its peak RSS. */
function runMeasured(inputs: Record<string, string>, env: NodeJS.ProcessEnv = {}) {
  return runActionMeasured(NODE24, ACTION, inputs, env)
}

/** Every file under a directory, with its size. */
function filesUnder(dir: string): Array<{ path: string; size: number }> {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((path) => ({ path, size: statSync(join(dir, path)).size }))
    .filter((_, i, all) => statSync(join(dir, all[i]!.path)).isFile())
}

function elementsIn(markdown: string): Record<string, number> {
  const html = marked.parse(markdown, { gfm: true, async: false })
  const counts: Record<string, number> = {}
  for (const match of html.matchAll(/<([a-zA-Z][a-zA-Z0-9]*)\b/g))
    counts[match[1]!.toLowerCase()] = (counts[match[1]!.toLowerCase()] ?? 0) + 1
  return counts
}

describe('hostile plugins and downloads, one run', () => {
  let run: ActionRun & { peakRss: number }
  let result: SyncResult
  let ids: Record<string, string>

  beforeAll(async () => {
    const identity = newIdentity()
    ids = Object.fromEntries(
      ['tracer', 'hostile', 'big', 'slow', 'good'].map((name) => [
        name,
        demoCanisterOn(replica, identity.principal),
      ]),
    )
    const [tracer, hostile, good] = await Promise.all([
      // 250 queries, each with a 1 MiB method name.
      callsPlugin({ calls: 250, method: { fill: 1024 * 1024 } }),
      callsPlugin({ calls: 2, method: HOSTILE_METHOD }),
      callsPlugin({ calls: 1, method: 'counter' }),
    ])
    const tmp = mkdtempSync(join(tmpdir(), 'icp-sync-hostile-plugins-'))
    const paths = {
      tracer: join(tmp, 'tracer.wasm'),
      hostile: join(tmp, 'hostile.wasm'),
      good: join(tmp, 'good.wasm'),
    }
    writeFileSync(paths.tracer, tracer)
    writeFileSync(paths.hostile, hostile)
    writeFileSync(paths.good, good)
    const anySha = createHash('sha256').update('the plugin that never arrives').digest('hex')
    // Past the real cap, without Content-Length: only counting stops it.
    const bigUrl = http.route('/big.wasm', {
      body: new Uint8Array(),
      streamBytes: MAX_PLUGIN_BYTES + 32 * 1024 * 1024,
    })
    // One byte every 5 s: the idle timeout never fires, the deadline must.
    const slowUrl = http.route('/slow.wasm', { body: new Uint8Array(1000), dripMs: 5_000 })
    const project = writeProject(
      replica,
      'canisters:\n' +
        canisterYaml('tracer', '- type: plugin\n  path: plugins/tracer.wasm') +
        canisterYaml('hostile', '- type: plugin\n  path: plugins/hostile.wasm') +
        canisterYaml('big', `- type: plugin\n  url: ${bigUrl}\n  sha256: ${anySha}`) +
        canisterYaml('slow', `- type: plugin\n  url: ${slowUrl}\n  sha256: ${anySha}`) +
        canisterYaml('good', '- type: plugin\n  path: plugins/good.wasm'),
      {},
      {
        'plugins/tracer.wasm': paths.tracer,
        'plugins/hostile.wasm': paths.hostile,
        'plugins/good.wasm': paths.good,
      },
    )
    writeIds(project.dir, 'e2e', ids)
    run = await runMeasured(
      {
        'project-dir': project.dir,
        environment: 'e2e',
        'identity-pem': identity.pem,
        parallel: '5',
        cache: 'false',
      },
      { GITHUB_WORKSPACE: project.dir, ICP_SYNC_DOWNLOAD_DEADLINE_MS: String(DEADLINE_MS) },
    )
    result = JSON.parse(run.outputs.result!) as SyncResult
  }, 300_000)

  test('the Action ends normally: exit 1 for the two failed downloads, the others synced', () => {
    expect(run.status).toBe(1)
    expect(run.outputs.synced).toBe('tracer,hostile,good')
    expect(run.outputs.failed).toBe('big,slow')
    expect(run.stdout).toContain('::error::Canister(s) ["big", "slow"] failed to sync.')
  })

  test('the good canister still made its call', () => {
    const calls = replica.callLog().filter((c) => c.canisterId === ids.good && c.method === 'counter')
    expect(calls).toHaveLength(1)
  })

  test('peak RSS stays under 1 GB (250 calls with 1 MiB method names, a download past 256 MiB)', () => {
    expect(run.peakRss).toBeGreaterThan(0)
    expect(run.peakRss).toBeLessThan(RSS_LIMIT_BYTES)
    process.stdout.write(`hostile run: peak RSS ${(run.peakRss / 1024 ** 2).toFixed(0)} MiB\n`)
  })

  test('the call trace keeps the first and last 100 calls, counts the rest, and cuts method names', () => {
    const step = result.canisters.find((c) => c.name === 'tracer')!.steps[0]!
    expect(step.calls).toBe(250)
    expect(step.callTrace).toHaveLength(200)
    expect(step.callTraceOmitted).toBe(50)
    for (const call of step.callTrace) {
      expect(call.method.length).toBeLessThan(400)
      expect(call.method).toContain('(1048576 characters in all)')
      expect(call.error).toBe(
        'canister call failed: method name of 1048576 bytes is longer than the IC allows (20000)',
      )
    }
    expect(run.summary).toContain('50 calls not shown')
  })

  test('the real plugin cap and the deadline stop the downloads, with clear causes', () => {
    const big = result.canisters.find((c) => c.name === 'big')!
    expect(big.error!.causes.join('\n')).toContain(
      `the plugin is larger than the ${MAX_PLUGIN_BYTES}-byte limit`,
    )
    const slow = result.canisters.find((c) => c.name === 'slow')!
    expect(slow.error!.causes.join('\n')).toContain(
      `the plugin download did not finish within ${DEADLINE_MS / 1000} s`,
    )
    expect(http.streamed).toBeLessThan(MAX_PLUGIN_BYTES + 24 * 1024 * 1024)
  })

  test('no temporary file is left in RUNNER_TEMP', () => {
    const left = filesUnder(join(run.runnerDir, 'temp')).filter(
      (f) => f.path.includes('.download-') || f.size > 16 * 1024 * 1024,
    )
    expect(left).toEqual([])
  })

  test('the summary renders the hostile method name and reject text as text', () => {
    const found = elementsIn(run.summary)
    expect(found.h2).toBe(1)
    expect(found.h3).toBe(6) // the capability review and the five canisters
    for (const tag of ['h1', 'h4', 'a', 'img', 'em', 'strong'])
      expect([tag, found[tag] ?? 0]).toEqual([tag, 0])
    expect(run.summary).toContain('Fake heading')
    expect(Buffer.byteLength(run.summary)).toBeLessThanOrEqual(512 * 1024)
  })
})

describe('hostile recipes, each through the bundled Action', () => {
  const identity = newIdentity()

  /** A project with a recipe canister and a plain one; the manifest error stops the run as in icp. */
  async function recipeRun(type: string, files: Record<string, string> = {}) {
    const project = writeProject(
      replica,
      'canisters:\n  - name: r\n    recipe:\n      type: ' +
        type +
        '\n' +
        canisterYaml('plain', '- type: script\n  command: echo hi'),
      files,
    )
    writeIds(project.dir, 'e2e', {
      r: demoCanisterOn(replica, identity.principal),
      plain: demoCanisterOn(replica, identity.principal),
    })
    const run = await runMeasured(
      { 'project-dir': project.dir, environment: 'e2e', 'identity-pem': identity.pem, cache: 'false' },
      { GITHUB_WORKSPACE: project.dir },
    )
    const result = JSON.parse(run.outputs.result!) as SyncResult
    expect(run.status).toBe(1)
    expect(run.summary).toContain('ICP sync')
    expect(run.peakRss).toBeLessThan(RSS_LIMIT_BYTES)
    expect(filesUnder(join(run.runnerDir, 'temp')).filter((f) => f.size > 1024 * 1024)).toEqual([])
    return { run, result }
  }

  test('a brotli bomb (1 GiB of zeros in a few KB) is stopped at 1 MiB while decoding', async () => {
    const chunk = Buffer.alloc(1024 * 1024)
    const zeros = Readable.from(
      (function* () {
        for (let i = 0; i < 1024; i++) yield chunk
      })(),
    )
    const parts: Buffer[] = []
    for await (const part of zeros.pipe(
      createBrotliCompress({ params: { [constants.BROTLI_PARAM_QUALITY]: 4 } }),
    ))
      parts.push(part as Buffer)
    const bomb = Buffer.concat(parts)
    expect(bomb.length).toBeLessThan(1024 * 1024)
    const url = http.route('/bomb.hbs', { body: bomb, headers: { 'content-encoding': 'br' } })
    const { run, result } = await recipeRun(url)
    expect(result.error!.message).toContain(
      `the recipe template is larger than the ${MAX_TEMPLATE_BYTES}-byte limit`,
    )
    process.stdout.write(
      `brotli bomb (${bomb.length} bytes): peak RSS ${(run.peakRss / 1024 ** 2).toFixed(0)} MiB\n`,
    )
  }, 120_000)

  test('a small template nesting replace ten times fails with a clear error', async () => {
    let nested = 'replace "r" "rrrrrrrrrrrrrrrrrrrrrrrr" _.canister.name'
    for (let i = 0; i < 9; i++) nested = `replace "r" "rrrrrrrrrrrrrrrrrrrrrrrr" (${nested})`
    const { run, result } = await recipeRun('file://bomb.hbs', { 'bomb.hbs': `build: {{${nested}}}\n` })
    expect(result.error!.message).toMatch(
      /failed to render: replace would produce \d+ characters, more than 1048576/,
    )
    process.stdout.write(`replace bomb: peak RSS ${(run.peakRss / 1024 ** 2).toFixed(0)} MiB\n`)
  }, 120_000)

  test('file:// outside the project is refused, and a file is quoted only in a short excerpt', async () => {
    const outside = await recipeRun('file:///etc/passwd')
    expect(outside.result.error!.message).toContain('"/etc/passwd" is outside the project directory')
    expect(outside.run.summary).not.toContain('root:x:0:0')
    const line = 'q'.repeat(200_000)
    const inside = await recipeRun('file://line.txt', { 'line.txt': line })
    expect(inside.result.error!.message).toContain('(200000 characters)')
    expect(inside.run.outputs.result!.length).toBeLessThan(4000)
    expect(Buffer.byteLength(inside.run.summary)).toBeLessThan(8000)
  }, 120_000)
})
