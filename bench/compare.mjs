#!/usr/bin/env node
// icp-cli 1.5.0 vs our pipeline (bundled Action in a simulated runner, bundled CLI), side by side in one
// run against one replica in its own process. Prints a table, writes JSON to bench/results/.
// Usage: npm run bench  (= compile + bundle + this)   or   node bench/compare.mjs [--runs 3]
//   [--multi-runs 2] [--query-calls 1000] [--update-calls 200] [--compute 40]
//   [--only cold,warm,actions-cache,calls,multi,compute,sizes,whole-job] [--node <path>]
// The size series alone (plugins of ~140 KB, ~1.4 MB, ~5.5 MB and the 12.7 MB JS one; a few minutes):
//   node bench/compare.mjs --only sizes --runs 3
// The whole-job row (npm i -g icp-cli + icp identity import + icp sync vs the Action; needs the npm registry):
//   node bench/compare.mjs --only whole-job --runs 3
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const helpers = (file) => import(pathToFileURL(join(ROOT, 'build/__tests__/helpers', file)).href)
const { buildJsPlugin } = await helpers('build-plugin.js')
const { newIdentity } = await helpers('e2e-project.js')
const { runAction, runProcess } = await helpers('runner.js')
const { NODE24 } = await helpers('paths.js')
const { componentFromWat } = await helpers('wat.js')
const { FakeCacheServer } = await helpers('cache-server.js')
const { runPlugin } = await import(pathToFileURL(join(ROOT, 'build/src/plugin/index.js')).href)
const { transpilerAt } = await import(pathToFileURL(join(ROOT, 'build/src/store/index.js')).href)

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? process.argv[i + 1] : dflt
}
const RUNS = Number(arg('runs', 3))
const QUERY_CALLS = Number(arg('query-calls', 1000))
const UPDATE_CALLS = Number(arg('update-calls', 200))
const COMPUTE = Number(arg('compute', 40))
const MULTI_RUNS = Number(arg('multi-runs', 2))
const ONLY = new Set(arg('only', 'cold,warm,actions-cache,calls,multi,compute,sizes').split(','))
const work = mkdtempSync(join(tmpdir(), 'icp-sync-bench-'))
const ICP = join(ROOT, 'node_modules/@icp-sdk/icp-cli-linux-x64/bin/icp')
// A copy of dist/, so rebundling while the bench runs changes nothing under it.
const DIST = join(work, 'dist')
const ACTION = join(DIST, 'index.js')
const CLI = join(DIST, 'cli.js')
const NODE = arg('node', NODE24)
cpSync(join(ROOT, 'dist'), DIST, { recursive: true })
const ENV_NAME = 'bench'
const MULTI = 8

const loadAtStart = loadavg()[0]
const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (s.length === 0) return NaN
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
const log = (...a) => console.error('[bench]', ...a)

// ---- plugins ----
const bigWasm = await buildJsPlugin(join(ROOT, 'bench/plugins/bench-plugin.js'), { world: 'v1' })
const smallWasm = join(work, 'noop.wasm')
writeFileSync(smallWasm, await componentFromWat(readFileSync(join(ROOT, 'bench/plugins/noop.wat'), 'utf8')))
const bigBytes = readFileSync(bigWasm).length

// ---- identity: the same key for icp (imported, plaintext) and for us (PEM) ----
const identity = newIdentity()
const pemFile = join(work, 'identity.pem')
writeFileSync(pemFile, identity.pem)
const icpHome = join(work, 'icp-home')
mkdirSync(icpHome)
const icpEnv = {
  PATH: process.env.PATH,
  HOME: icpHome,
  ICP_HOME: join(icpHome, '.icp'),
  DO_NOT_TRACK: '1',
  NO_COLOR: '1',
}
const imported = await runProcess(
  ICP,
  ['identity', 'import', 'bench', '--from-pem', pemFile, '--storage', 'plaintext'],
  { env: icpEnv },
)
if (imported.status !== 0) throw new Error(`icp identity import: ${imported.stderr}`)

// ---- replica in its own process: demo canister + MULTI more, all controlled by the identity ----
const canisterModules = Array.from({ length: MULTI }, (_, i) => {
  const file = join(work, `c${i + 1}.mjs`)
  writeFileSync(
    file,
    `export { demoCanister as default } from ${JSON.stringify(pathToFileURL(join(ROOT, 'build/replica/demo-canister.js')).href)}\n`,
  )
  return file
})
const infoFile = join(work, 'replica.json')
const replica = spawn(process.execPath, [join(ROOT, 'build/replica/cli.js')], {
  env: {
    ...process.env,
    REPLICA_INFO_FILE: infoFile,
    REPLICA_CONTROLLERS: identity.principal,
    REPLICA_CANISTERS: canisterModules.join(','),
  },
  stdio: ['ignore', 'pipe', 'inherit'],
})
await new Promise((resolve, reject) => {
  replica.stdout.on('data', (d) => d.toString().includes('controllers:') && resolve())
  replica.on('exit', (c) => reject(new Error(`replica exited with ${c}`)))
})
const info = JSON.parse(readFileSync(infoFile, 'utf8'))
// Never leave the replica behind, whatever fails below.
process.on('exit', () => replica.kill('SIGTERM'))
// A signal skips 'exit' handlers unless it becomes an exit.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130))
process.on('uncaughtException', (error) => {
  console.error(error)
  process.exit(1)
})
const replicaStats = async () => (await fetch(`${info.url}/_replica/stats`)).json()

// ---- projects ----
let projects = 0
/** A project whose canisters each have one plugin step running `plugin` with `command` (by `url`, {href, sha256}, if given). */
function project(plugin, command, names = ['demo'], url = undefined) {
  const dir = join(work, `p${++projects}`)
  mkdirSync(join(dir, 'plugins'), { recursive: true })
  writeFileSync(join(dir, 'plugins/plugin.wasm'), readFileSync(plugin))
  writeFileSync(join(dir, 'command.txt'), command)
  const canisters = names
    .map(
      (name) => `  - name: ${name}
    build:
      steps:
        - type: script
          command: echo build
    sync:
      steps:
        - type: plugin
${url ? `          url: ${url.href}\n          sha256: ${url.sha256}` : '          path: plugins/plugin.wasm'}
          files: [command.txt]
`,
    )
    .join('')
  writeFileSync(
    join(dir, 'icp.yaml'),
    `networks:
  - name: replica
    mode: connected
    url: ${info.url}
    root-key: ${info.rootKey}
environments:
  - name: ${ENV_NAME}
    network: replica
canisters:
${canisters}`,
  )
  mkdirSync(join(dir, '.icp/data/mappings'), { recursive: true })
  const ids = Object.fromEntries(names.map((n) => [n, n === 'demo' ? info.demoCanister : info.canisters[n]]))
  writeFileSync(join(dir, `.icp/data/mappings/${ENV_NAME}.ids.json`), JSON.stringify(ids, null, 2))
  return dir
}

// ---- the three ways to run a project; each returns wall time and what the plugin printed ----
function parsed(text, wallMs, spawnedAt, extra = {}) {
  const t0 = [...text.matchAll(/t0=(\d+)/g)].map((m) => Number(m[1]))
  const work = [...text.matchAll(/work_ms=(\d+)/g)].map((m) => Number(m[1]))
  return {
    wallMs,
    firstExecMs: t0.length ? Math.min(...t0) - spawnedAt : NaN,
    workMs: work.length ? work.reduce((a, b) => a + b, 0) : 0,
    /** Each step's own work_ms, in the order the steps ran. */
    works: work,
    ...extra,
  }
}
function check(run, what) {
  if (run.status !== 0) throw new Error(`${what} failed (${run.status}):\n${run.stdout}\n${run.stderr}`)
}

async function icpSync(dir) {
  const spawnedAt = Date.now()
  const t = performance.now()
  // icp compiles the component for every canister, one after the other: 8 canisters take minutes on a busy machine.
  const run = await runProcess(ICP, ['sync', '-e', ENV_NAME, '--identity', 'bench'], {
    env: icpEnv,
    cwd: dir,
    timeoutMs: 1_800_000,
  })
  const wall = performance.now() - t
  check(run, 'icp sync')
  return parsed(run.stdout + run.stderr, wall, spawnedAt)
}

/** Step facts from our result JSON: plugin exec, canister_status time, step overhead. */
function ours(result) {
  const canisters = result.canisters
  const steps = canisters.flatMap((c) => c.steps)
  const statusMs = median(canisters.map((c) => c.durationMs - c.steps.reduce((a, s) => a + s.durationMs, 0)))
  const execMs = steps.reduce((a, s) => a + (s.plugin?.execMs ?? 0), 0)
  return {
    execMs,
    statusMs,
    stepMs: median(steps.map((s) => s.durationMs)),
    stepOverheadMs: median(steps.map((s) => s.durationMs - (s.plugin?.execMs ?? 0))),
    transpileMs: median(steps.map((s) => s.plugin?.transpileMs ?? 0)),
    instantiateMs: median(steps.map((s) => s.plugin?.instantiateMs ?? 0)),
  }
}

async function cliSync(dir, cacheDir, parallel = 1) {
  const spawnedAt = Date.now()
  const t = performance.now()
  const run = await runProcess(
    NODE,
    [
      CLI,
      '-e',
      ENV_NAME,
      '-p',
      dir,
      '--identity-pem-file',
      pemFile,
      '--cache-dir',
      cacheDir,
      '--parallel',
      String(parallel),
      '--json',
    ],
    { env: { PATH: process.env.PATH, HOME: work }, cwd: dir },
  )
  const wall = performance.now() - t
  check(run, 'cli')
  const result = JSON.parse(run.stdout)
  const text = result.canisters.flatMap((c) => c.steps.flatMap((s) => s.persistentStderr)).join('\n')
  return parsed(text, wall, spawnedAt, ours(result))
}

async function actionSync(dir, runnerTemp, parallel = 1) {
  mkdirSync(runnerTemp, { recursive: true })
  const spawnedAt = Date.now()
  const t = performance.now()
  const run = await runAction(
    NODE,
    ACTION,
    { 'project-dir': dir, environment: ENV_NAME, 'identity-pem': identity.pem, parallel: String(parallel) },
    { GITHUB_WORKSPACE: dir, RUNNER_TEMP: runnerTemp },
  )
  const wall = performance.now() - t
  rmSync(run.runnerDir, { recursive: true, force: true })
  check(run, 'action')
  return parsed(run.stdout, wall, spawnedAt, ours(JSON.parse(run.outputs.result)))
}

async function repeat(n, fn) {
  const out = []
  for (let i = 0; i < n; i++) out.push(await fn(i))
  return out
}
const med = (runs, key) => median(runs.map((r) => r[key]))

// ---- scenarios ----
const rows = []
const raw = {}
function row(scenario, icpMs, ourMs, target, note = '', { lowerIsBetter = true, host = 'cli' } = {}) {
  const ratio = lowerIsBetter ? ourMs / icpMs : icpMs / ourMs
  rows.push({ scenario, host, icpMs, ourMs, ratio, target, note })
  log(
    `${scenario} [${host}]: icp ${icpMs?.toFixed?.(1)} ms, ours ${ourMs?.toFixed?.(1)} ms, ratio ${ratio.toFixed(2)}`,
  )
}

let fresh = 0
const freshDir = (kind) => join(work, `${kind}-${++fresh}`)

for (const [label, wasm] of [
  ['12 MB JS plugin', bigWasm],
  ['small WAT plugin', smallWasm],
]) {
  if (!ONLY.has('cold') && !ONLY.has('warm')) break
  const dir = project(wasm, 'noop')
  log(`${label}: icp and ours cold, interleaved ×${RUNS}`)
  const icp = []
  const cliCold = []
  const actionCold = []
  for (let i = 0; i < RUNS; i++) {
    icp.push(await icpSync(dir))
    cliCold.push(await cliSync(dir, freshDir('cache')))
    actionCold.push(await actionSync(dir, freshDir('runner')))
  }
  const cliCache = freshDir('cache')
  const actionTemp = freshDir('runner')
  await cliSync(dir, cliCache)
  await actionSync(dir, actionTemp)
  log(`${label}: ours warm ×${RUNS}`)
  const cliWarm = []
  const actionWarm = []
  for (let i = 0; i < RUNS; i++) {
    cliWarm.push(await cliSync(dir, cliCache))
    actionWarm.push(await actionSync(dir, actionTemp))
  }
  raw[label] = { icp, cliCold, actionCold, cliWarm, actionWarm }
  const icpWall = med(icp, 'wallMs')
  if (ONLY.has('cold')) {
    row(`1 cold step, ${label}`, icpWall, med(cliCold, 'wallMs'), '≤ 0.3×')
    row(`1 cold step, ${label}`, icpWall, med(actionCold, 'wallMs'), '≤ 0.3×', '', { host: 'action' })
  }
  if (ONLY.has('warm')) {
    row(
      `2 warm step, ${label}`,
      icpWall,
      med(cliWarm, 'wallMs'),
      '',
      'icp has no warm state (compiles every run)',
    )
    row(`2 warm step, ${label}`, icpWall, med(actionWarm, 'wallMs'), '', '', { host: 'action' })
    // Everything but the plugin's own work and the canister_status call the host must make.
    const overhead = (r) => r.wallMs - r.execMs - r.statusMs
    row(
      `2 warm host overhead, ${label}`,
      median(icp.map((r) => r.wallMs - r.workMs)),
      median(cliWarm.map(overhead)),
      '≤ 80 ms',
      `step overhead (no process start) ${med(cliWarm, 'stepOverheadMs').toFixed(0)} ms; canister_status ${med(cliWarm, 'statusMs').toFixed(0)} ms`,
    )
    row(
      `2 warm host overhead, ${label}`,
      NaN,
      median(actionWarm.map(overhead)),
      '≤ 80 ms',
      `step overhead ${med(actionWarm, 'stepOverheadMs').toFixed(0)} ms`,
      { host: 'action' },
    )
  }
  if (label.startsWith('12')) {
    row('6 start → first exec, cold', med(icp, 'firstExecMs'), med(cliCold, 'firstExecMs'), '')
    row('6 start → first exec, warm', med(icp, 'firstExecMs'), med(cliWarm, 'firstExecMs'), '≤ 300 ms')
    row(
      '6 start → first exec, warm',
      med(icp, 'firstExecMs'),
      med(actionWarm, 'firstExecMs'),
      '≤ 300 ms',
      '',
      {
        host: 'action',
      },
    )
  }
}

if (ONLY.has('calls')) {
  const cache = freshDir('cache')
  for (const [kind, n] of [
    ['update', UPDATE_CALLS],
    ['query', QUERY_CALLS],
  ]) {
    if (n <= 0) continue
    const dir = project(bigWasm, `calls ${n} ${kind}`)
    await cliSync(project(bigWasm, 'noop'), cache) // transpile once, outside the measurement
    const endpoint = kind === 'update' ? 'call' : 'query'
    const measure = async (fn) => {
      const before = await replicaStats()
      const r = await fn()
      const after = await replicaStats()
      const e0 = before.endpoints?.[endpoint]
      const e1 = after.endpoints?.[endpoint]
      return {
        ...r,
        perCallMs: r.workMs / n,
        replicaMedianMs: e1?.medianMs,
        replicaCalls: (e1?.n ?? 0) - (e0?.n ?? 0),
      }
    }
    log(`${n} ${kind} calls: icp, ours`)
    const icp = await measure(() => icpSync(dir))
    const cli = await measure(() => cliSync(dir, cache))
    raw[`calls-${kind}`] = { icp, cli }
    row(
      `3 ${kind} call latency (${n} calls)`,
      icp.perCallMs,
      cli.perCallMs,
      kind === 'update' ? '≤ 1.5×' : '',
      `replica-side median ${icp.replicaMedianMs ?? '?'} ms; beyond it: icp ${(icp.perCallMs - (icp.replicaMedianMs ?? 0)).toFixed(2)} ms, ours ${(cli.perCallMs - (cli.replicaMedianMs ?? 0)).toFixed(2)} ms`,
    )
  }
  // The bridge alone, in-process with a host that answers at once: first with a guest that has no JS
  // engine (bench/plugins/calls.wat: a loop of canister-calls), then with the JS plugin (its own
  // StarlingMonkey work per call included, which icp's host pays too).
  const bridgeDir = join(work, 'bridge')
  mkdirSync(bridgeDir)
  const inProcess = (component, file) =>
    runPlugin({
      component,
      pluginLabel: 'bench',
      pluginPath: join(bridgeDir, 'plugin.wasm'),
      canisterDir: bridgeDir,
      projectDir: bridgeDir,
      dirs: [],
      files: [{ path: file }],
      fields: [],
      callable: [],
      input: {
        canisterId: 'aaaaa-aa',
        environment: 'x',
        identityPrincipal: '2vxsx-fae',
        apiUrl: 'http://127.0.0.1',
        canisterIds: [],
      },
      canisterCall: async () => ({ ok: new Uint8Array(16) }),
      metadataSection: async () => ({ ok: undefined }),
      limits: { computeSeconds: 600, memoryMb: 2048 },
      transpile: transpilerAt(join(work, 'bridge-transpiled')),
    }).then((r) => {
      if (!r.ok) throw new Error(JSON.stringify(r.error))
      return r
    })
  const callsWat = await componentFromWat(readFileSync(join(ROOT, 'bench/plugins/calls.wat'), 'utf8'))
  const WAT_CALLS = QUERY_CALLS * 10
  writeFileSync(join(bridgeDir, 'none.txt'), '0')
  writeFileSync(join(bridgeDir, 'many.txt'), String(WAT_CALLS))
  await inProcess(callsWat, 'many.txt') // compile and warm up once
  const watPerCall = []
  for (let i = 0; i < RUNS; i++) {
    const none = (await inProcess(callsWat, 'none.txt')).timings.execMs
    const many = await inProcess(callsWat, 'many.txt')
    if (many.calls !== WAT_CALLS) throw new Error(`calls.wat made ${many.calls} calls`)
    watPerCall.push((many.timings.execMs - none) / WAT_CALLS)
  }
  raw.bridgeWat = watPerCall
  row(
    '3 bridge + jco glue per call, no guest JS (calls.wat)',
    NaN,
    median(watPerCall),
    '≤ 0.1 ms',
    `in-process, ${WAT_CALLS} calls`,
    {
      host: 'worker',
    },
  )
  writeFileSync(join(bridgeDir, 'command.txt'), `calls ${QUERY_CALLS} query`)
  const perCall = []
  for (let i = 0; i < RUNS; i++) {
    const r = await inProcess(readFileSync(bigWasm), 'command.txt')
    const m = /work_ms=(\d+)/.exec(r.persistentStderr.join('\n'))
    perCall.push(Number(m[1]) / QUERY_CALLS)
  }
  raw.bridge = perCall
  row(
    "3 bridge + glue + the JS guest's own work per call",
    NaN,
    median(perCall),
    '',
    `in-process, ${QUERY_CALLS} calls`,
    {
      host: 'worker',
    },
  )
}

if (ONLY.has('actions-cache')) {
  // GitHub's default path: a fresh runner with the Actions cache service (here a loopback service
  // speaking its v2 protocol). Only URL plugins come from it, so these path plugins are transpiled in
  // every run (generated code never crosses runs; src/action/README.md, "Caches and what is trusted").
  // RUNNER_TEMP is the same path every run, as on GitHub, and empty at the start of each.
  const service = await FakeCacheServer.start()
  for (const [label, wasm] of [
    ['12 MB JS plugin', bigWasm],
    ['small WAT plugin', smallWasm],
  ]) {
    const dir = project(wasm, 'noop')
    const runnerTemp = join(work, `runner-cached-${label.split(' ')[0]}`)
    const fresh = () => {
      rmSync(runnerTemp, { recursive: true, force: true })
      return runnerTemp
    }
    log(`${label}: Action with the Actions cache, fresh runner ×${RUNS}`)
    const first = await runAction(
      NODE,
      ACTION,
      { 'project-dir': dir, environment: ENV_NAME, 'identity-pem': identity.pem },
      { GITHUB_WORKSPACE: dir, RUNNER_TEMP: fresh(), ...service.env() },
    )
    check(first, 'action (filling the cache)')
    const runs = await repeat(RUNS, async () => {
      mkdirSync(fresh(), { recursive: true })
      const t = performance.now()
      const run = await runAction(
        NODE,
        ACTION,
        { 'project-dir': dir, environment: ENV_NAME, 'identity-pem': identity.pem },
        { GITHUB_WORKSPACE: dir, RUNNER_TEMP: runnerTemp, ...service.env() },
      )
      const wall = performance.now() - t
      rmSync(run.runnerDir, { recursive: true, force: true })
      check(run, 'action with the Actions cache')
      return { wallMs: wall }
    })
    raw[`actionsCache-${label}`] = runs
    row(
      `2 fresh runner (Actions cache on; the plugin is transpiled again), ${label}`,
      NaN,
      med(runs, 'wallMs'),
      '',
      'loopback cache service (v2 protocol)',
      { host: 'action' },
    )
  }
  await service.stop()
}

if (ONLY.has('multi')) {
  const names = Array.from({ length: MULTI }, (_, i) => `c${i + 1}`)
  const dir = project(bigWasm, 'calls 2 update', names)
  log(`${MULTI} canisters: icp and ours (parallel 4) interleaved ×${MULTI_RUNS}`)
  const icp = []
  const cold = []
  const actionCold = []
  for (let i = 0; i < MULTI_RUNS; i++) {
    icp.push(await icpSync(dir))
    cold.push(await cliSync(dir, freshDir('cache'), 4))
    actionCold.push(await actionSync(dir, freshDir('runner'), 4))
  }
  const cache = freshDir('cache')
  await cliSync(dir, cache, 4)
  const warm = await repeat(MULTI_RUNS, () => cliSync(dir, cache, 4))
  raw.multi = { icp, cold, warm, actionCold }
  row(`4 ${MULTI} canisters, parallel 4, cold`, med(icp, 'wallMs'), med(cold, 'wallMs'), '≤ 0.3×')
  row(`4 ${MULTI} canisters, parallel 4, cold`, med(icp, 'wallMs'), med(actionCold, 'wallMs'), '≤ 0.3×', '', {
    host: 'action',
  })
  row(`4 ${MULTI} canisters, parallel 4, warm`, med(icp, 'wallMs'), med(warm, 'wallMs'), '≤ 0.3×')
}

if (ONLY.has('compute')) {
  // Two canisters, one after the other, the same plugin: V8 compiles lazily and tiers hot functions
  // up in the background, so the first step in a process runs partly on baseline code; the second
  // finds the optimised code (icp compiles everything ahead, for every canister).
  const dir = project(bigWasm, `compute ${COMPUTE}`, ['c1', 'c2'])
  const cache = freshDir('cache')
  log(`compute ${COMPUTE} ×2 canisters: icp and ours interleaved ×${RUNS}`)
  await cliSync(dir, cache)
  const icp = []
  const cli = []
  for (let i = 0; i < RUNS; i++) {
    icp.push(await icpSync(dir))
    cli.push(await cliSync(dir, cache))
  }
  raw.compute = { icp, cli }
  const nth = (runs, n) => median(runs.map((r) => r.works[n]))
  row(
    '5 compute-bound, first step in a process (its own timing)',
    nth(icp, 0),
    nth(cli, 0),
    '≥ 0.8× speed',
    'ratio = ours/icp time',
  )
  row(
    '5 compute-bound, second step in the same process',
    nth(icp, 1),
    nth(cli, 1),
    '≥ 0.8× speed',
    'ratio = ours/icp time',
  )
}

// ---- size series: what a fresh runner costs for plugins of the sizes people ship ----
// Each round runs every row once, icp first, so the machine's load (shared, often busy) falls on all
// rows alike; medians over rounds. Peak RSS from GNU time (the process, worker threads included).
const sizeRows = []
if (ONLY.has('sizes')) {
  const { sizedComponent } = await import('./plugins/sized.mjs')
  const noopWat = readFileSync(join(ROOT, 'bench/plugins/noop.wat'), 'utf8')
  const sizes = [
    ['~140 KB WAT', 140_000],
    ['~1.4 MB WAT', 1_400_000],
    ['~5.5 MB WAT', 5_500_000],
  ]
  const plugins = []
  for (const [label, bytes] of sizes) {
    const file = join(work, `sized-${bytes}.wasm`)
    writeFileSync(file, await sizedComponent(componentFromWat, noopWat, bytes))
    plugins.push([label, file])
  }
  plugins.push(['12.7 MB JS', bigWasm])

  // URL plugins for the restore row: served once from loopback to fill the cache service, then
  // restored from it by each fresh runner (path plugins never go through the Actions cache).
  const served = new Map()
  const server = createServer((req, res) => {
    const bytes = served.get(req.url)
    res.writeHead(bytes ? 200 : 404).end(bytes)
  })
  await new Promise((done) => server.listen(0, '127.0.0.1', done))
  const origin = `http://127.0.0.1:${server.address().port}`
  const service = await FakeCacheServer.start()

  const rssFile = join(work, 'rss.txt')
  const rssNode = join(work, 'rss-node.sh')
  // bash, not sh: dash drops INPUT_PROJECT-DIR and other names with hyphens from the environment.
  writeFileSync(
    rssNode,
    `#!/bin/bash\nexec /usr/bin/time -f %M -o "${rssFile}" ${JSON.stringify(NODE)} "$@"\n`,
  )
  chmodSync(rssNode, 0o755)
  const peakMb = () => {
    const kb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop())
    rmSync(rssFile, { force: true })
    return kb / 1024
  }
  const timedRun = async (fn) => {
    const t = performance.now()
    const run = await fn()
    const wallMs = performance.now() - t
    return { wallMs, rssMb: peakMb(), run }
  }
  const icpRun = (dir) =>
    timedRun(() =>
      runProcess(
        '/usr/bin/time',
        ['-f', '%M', '-o', rssFile, ICP, 'sync', '-e', ENV_NAME, '--identity', 'bench'],
        {
          env: icpEnv,
          cwd: dir,
          timeoutMs: 600_000,
        },
      ),
    )
  const cliRun = (dir, cacheDir) =>
    timedRun(() =>
      runProcess(
        '/usr/bin/time',
        [
          '-f',
          '%M',
          '-o',
          rssFile,
          NODE,
          CLI,
          '-e',
          ENV_NAME,
          '-p',
          dir,
          '--identity-pem-file',
          pemFile,
          '--cache-dir',
          cacheDir,
        ],
        { env: { PATH: process.env.PATH, HOME: work }, cwd: dir },
      ),
    )
  const actionRun = (dir, runnerTemp, env = {}) =>
    timedRun(async () => {
      rmSync(runnerTemp, { recursive: true, force: true })
      mkdirSync(runnerTemp, { recursive: true })
      const run = await runAction(
        rssNode,
        ACTION,
        { 'project-dir': dir, environment: ENV_NAME, 'identity-pem': identity.pem },
        { GITHUB_WORKSPACE: dir, RUNNER_TEMP: runnerTemp, ...env },
      )
      rmSync(run.runnerDir, { recursive: true, force: true })
      return run
    })

  for (const [label, file] of plugins) {
    const bytes = readFileSync(file)
    const sha256 = createHash('sha256').update(bytes).digest('hex')
    served.set(`/${sha256}.wasm`, bytes)
    const pathDir = project(file, 'noop')
    const urlDir = project(file, 'noop', ['demo'], { href: `${origin}/${sha256}.wasm`, sha256 })
    const restoreTemp = join(work, `runner-restore-${sha256.slice(0, 8)}`)
    const fill = await actionRun(urlDir, restoreTemp, service.env())
    check(fill.run, `${label}: action (filling the cache service)`)
    const warmCache = freshDir('cache')
    check((await cliRun(pathDir, warmCache)).run, `${label}: cli (warming)`)

    log(`${label} (${bytes.length} bytes): icp, Action fresh, Action restore, CLI cold, CLI warm ×${RUNS}`)
    const r = { icp: [], fresh: [], restore: [], cliCold: [], cliWarm: [], load: [] }
    for (let i = 0; i < RUNS; i++) {
      r.load.push(loadavg()[0])
      const icp = await icpRun(pathDir)
      check(icp.run, `${label}: icp sync`)
      r.icp.push(icp)
      const fresh = await actionRun(pathDir, freshDir('runner'))
      check(fresh.run, `${label}: action, fresh runner`)
      r.fresh.push(fresh)
      const restore = await actionRun(urlDir, restoreTemp, service.env())
      check(restore.run, `${label}: action, restore`)
      if (restore.run.outputs['cache-hit'] !== 'true')
        throw new Error(`${label}: the restore run did not take the plugin from the cache service`)
      r.restore.push(restore)
      const cold = await cliRun(pathDir, freshDir('cache'))
      check(cold.run, `${label}: cli cold`)
      r.cliCold.push(cold)
      const warm = await cliRun(pathDir, warmCache)
      check(warm.run, `${label}: cli warm`)
      r.cliWarm.push(warm)
    }
    const strip = (runs) => runs.map(({ wallMs, rssMb }) => ({ wallMs, rssMb }))
    raw[`sizes-${label}`] = {
      bytes: bytes.length,
      load: r.load,
      ...Object.fromEntries(['icp', 'fresh', 'restore', 'cliCold', 'cliWarm'].map((k) => [k, strip(r[k])])),
    }
    const m = (k) => ({ ms: med(r[k], 'wallMs'), mb: med(r[k], 'rssMb') })
    sizeRows.push({
      label,
      bytes: bytes.length,
      load: median(r.load),
      icp: m('icp'),
      fresh: m('fresh'),
      restore: m('restore'),
      cliCold: m('cliCold'),
      cliWarm: m('cliWarm'),
    })
    log(`${label}: ${JSON.stringify(sizeRows.at(-1))}`)
  }
  await service.stop()
  server.close()
}

// ---- whole job: installing icp-cli and importing the identity are part of a fresh runner's job too ----
// icp side, timed together: `npm i -g` into an empty prefix with an empty npm cache (what a fresh runner
// has), `icp identity import`, `icp sync`. The @icp-sdk/icp-cli wrapper is not on the registry this
// machine reaches; its Linux x64 package (the same binary the wrapper installs) is. Ours: the Action on
// a fresh runner, its checkout by the runner not counted (neither is Node's setup for icp's npm).
if (ONLY.has('whole-job')) {
  const { sizedComponent } = await import('./plugins/sized.mjs')
  const noopWat = readFileSync(join(ROOT, 'bench/plugins/noop.wat'), 'utf8')
  const ICP_PACKAGE = '@icp-sdk/icp-cli-linux-x64@1.5.0'
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  async function icpWholeJob(dir) {
    const home = freshDir('icp-job')
    const prefix = join(home, 'prefix')
    mkdirSync(prefix, { recursive: true })
    const env = { ...icpEnv, HOME: home, ICP_HOME: join(home, '.icp') }
    const t = performance.now()
    const install = await runProcess(
      npm,
      [
        'i',
        '-g',
        '--prefix',
        prefix,
        '--cache',
        join(home, 'npm-cache'),
        '--no-audit',
        '--no-fund',
        ICP_PACKAGE,
      ],
      // The machine's own npm settings (registry, CA), but an empty cache and prefix.
      { env: process.env, timeoutMs: 600_000 },
    )
    check(install, 'npm i -g icp-cli')
    const icp = join(prefix, 'lib/node_modules/@icp-sdk/icp-cli-linux-x64/bin/icp')
    const installMs = performance.now() - t
    check(
      await runProcess(
        icp,
        ['identity', 'import', 'bench', '--from-pem', pemFile, '--storage', 'plaintext'],
        {
          env,
        },
      ),
      'icp identity import',
    )
    check(
      await runProcess(icp, ['sync', '-e', ENV_NAME, '--identity', 'bench'], { env, cwd: dir }),
      'icp sync',
    )
    const wallMs = performance.now() - t
    rmSync(home, { recursive: true, force: true })
    return { wallMs, installMs }
  }
  for (const [label, bytes] of [
    ['~140 KB WAT', 140_000],
    ['~1.4 MB WAT', 1_400_000],
  ]) {
    const file = join(work, `job-${bytes}.wasm`)
    writeFileSync(file, await sizedComponent(componentFromWat, noopWat, bytes))
    const dir = project(file, 'noop')
    const icp = []
    const action = []
    for (let i = 0; i < RUNS; i++) {
      icp.push(await icpWholeJob(dir))
      action.push(await actionSync(dir, freshDir('runner')))
    }
    raw[`whole-job-${label}`] = { icp, action: action.map(({ wallMs }) => ({ wallMs })) }
    row(
      `whole job, fresh runner, ${label} plugin: npm i -g icp-cli + identity import + icp sync vs the Action`,
      med(icp, 'wallMs'),
      med(action, 'wallMs'),
      'report',
      `npm install alone ${med(icp, 'installMs').toFixed(0)} ms`,
      { host: 'action' },
    )
  }
}

replica.kill('SIGTERM')

// ---- report ----
const icpVersion = (await runProcess(ICP, ['--version'], { env: icpEnv })).stdout.trim()
const nodeVersion = (await runProcess(NODE, ['--version'], {})).stdout.trim()
const machine = {
  cpu: cpus()[0]?.model,
  cores: cpus().length,
  memGiB: Math.round(totalmem() / 2 ** 30),
  icp: icpVersion,
  node: nodeVersion,
  harnessNode: process.version,
  bigPluginBytes: bigBytes,
  runs: RUNS,
  loadAverage: { start: loadAtStart, end: loadavg()[0] },
}
const fmt = (ms) => (Number.isFinite(ms) ? (ms >= 100 ? ms.toFixed(0) : ms.toFixed(2)) : '—')
const lines = [
  `machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memGiB} GiB, load average ${loadAtStart.toFixed(1)} → ${loadavg()[0].toFixed(1)}; ${icpVersion}; ours on Node ${nodeVersion}; medians of ${RUNS} (8 canisters: ${MULTI_RUNS})`,
  '',
  ...(rows.length
    ? ['| scenario | ours | icp-cli (ms) | ours (ms) | ours/icp | target |', '|---|---|---|---|---|---|']
    : []),
  ...rows.map(
    (r) =>
      `| ${r.scenario} | ${r.host} | ${fmt(r.icpMs)} | ${fmt(r.ourMs)} | ${Number.isFinite(r.ratio) ? r.ratio.toFixed(2) : '—'} | ${r.target}${r.note ? ` (${r.note})` : ''} |`,
  ),
]
if (sizeRows.length) {
  const cell = (x, icp) => `${fmt(x.ms)} (${(x.ms / icp.ms).toFixed(2)}×) · ${x.mb.toFixed(0)} MB`
  lines.push(
    '',
    `Size series: wall ms (ratio to icp sync) · peak RSS; medians of ${RUNS} interleaved rounds`,
    '',
    '| plugin | icp sync | Action, fresh runner, no cache service | Action, fresh runner, restore from cache service | CLI cold | CLI warm | load avg |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...sizeRows.map(
      (r) =>
        `| ${r.label} (${(r.bytes / 1e6).toFixed(2)} MB) | ${fmt(r.icp.ms)} · ${r.icp.mb.toFixed(0)} MB | ${cell(r.fresh, r.icp)} | ${cell(r.restore, r.icp)} | ${cell(r.cliCold, r.icp)} | ${cell(r.cliWarm, r.icp)} | ${r.load.toFixed(1)} |`,
    ),
  )
}
console.log(lines.join('\n'))
mkdirSync(join(ROOT, 'bench/results'), { recursive: true })
const out = join(ROOT, 'bench/results', `compare-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
writeFileSync(out, JSON.stringify({ machine, rows, sizeRows, raw }, null, 2))
log(`wrote ${out}`)
rmSync(work, { recursive: true, force: true })
