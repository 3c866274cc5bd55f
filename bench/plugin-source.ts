// Prints what plugin sources and the Actions cache cost for a plugin the size of a componentize-js build
// (12.7 MB, docs/icp-cli-compat.md §9): path read + sha256, URL download over loopback, cache hit with
// re-verification, and an Actions cache save and restore through our client against the fake service.
//   npm run compile && node build/bench/plugin-source.js
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { createFetchDownload } from '../src/store/download.js'
import { resolvePluginSource, sha256Hex } from '../src/store/source.js'
import { FakeCacheServer } from '../__tests__/helpers/cache-server.js'
import { PluginHttpServer } from '../__tests__/helpers/http-server.js'
import { NODE24, REPO_ROOT } from '../__tests__/helpers/paths.js'

const SIZE = 12_700_000
const RUNS = 5

async function median(label: string, run: () => Promise<unknown>): Promise<void> {
  const times: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now()
    await run()
    times.push(performance.now() - started)
  }
  times.sort((a, b) => a - b)
  console.log(
    `${label}: median ${times[Math.floor(RUNS / 2)]!.toFixed(1)} ms (min ${times[0]!.toFixed(1)}, ${RUNS} runs)`,
  )
}

const plugin = new Uint8Array(randomBytes(SIZE))
const sha256 = sha256Hex(plugin)
const root = mkdtempSync(join(tmpdir(), 'icp-sync-bench-'))
const canisterDir = join(root, 'canister')
mkdirSync(canisterDir)
writeFileSync(join(canisterDir, 'p.wasm'), plugin)
const http = await PluginHttpServer.start()
const url = http.route('/p.wasm', { body: plugin })
const download = createFetchDownload()

console.log(`plugin: ${(SIZE / 1e6).toFixed(1)} MB`)
await median('path read + sha256', () =>
  resolvePluginSource({ source: { path: 'p.wasm' }, sha256, canisterDir, cacheDir: join(root, 'c0') }),
)
let n = 0
await median('url download (loopback) + verify + store', () =>
  resolvePluginSource({ source: { url }, sha256, canisterDir, cacheDir: join(root, `c${++n}`), download }),
)
await median('url cache hit (read + re-verify)', () =>
  resolvePluginSource({ source: { url }, sha256, canisterDir, cacheDir: join(root, 'c1'), download }),
)
await http.stop()

// Actions cache: one save and one restore of the plugin entry, each in a fresh Node 24 as in a job.
const service = await FakeCacheServer.start()
const driver = join(REPO_ROOT, 'build/__tests__/helpers/cache-driver.js')
for (const dir of ['temp', 'workspace']) mkdirSync(join(root, dir))
async function drive(op: string): Promise<number> {
  const spec = {
    pluginCacheDir: join(root, 'c1'),
    steps: [{ op, ids: [sha256] }],
  }
  const started = performance.now()
  const child = spawn(NODE24, [driver, JSON.stringify(spec)], {
    env: {
      PATH: process.env.PATH,
      RUNNER_TEMP: join(root, 'temp'),
      GITHUB_WORKSPACE: join(root, 'workspace'),
      ...service.env(),
    },
    stdio: 'ignore',
  })
  await new Promise((done) => child.on('close', done))
  return performance.now() - started
}
const saveMs = await drive('savePlugins')
rmSync(join(root, 'c1'), { recursive: true })
const restoreMs = await drive('restorePlugins')
const archive = service.entries[0]?.archive?.length ?? 0
console.log(`actions cache save (child process, upload): ${saveMs.toFixed(0)} ms, entry ${archive} B`)
console.log(`actions cache restore (child process, download + verify): ${restoreMs.toFixed(0)} ms`)
await service.stop()
rmSync(root, { recursive: true, force: true })
