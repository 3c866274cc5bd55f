#!/usr/bin/env node
// Where a fresh runner's time goes: runs the bundled Action (`node --cpu-prof dist/index.js`) in a
// simulated fresh runner against an in-process replica, for sized WAT plugins (bench/plugins/sized.mjs),
// and prints wall time, the Action's own step timings and the CPU profile grouped by what ran.
// Usage: npm run compile && npm run bundle && node bench/profile-action.mjs [--runs 3] [--keep <dir>]
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const load = (file) => import(pathToFileURL(join(ROOT, 'build', file)).href)
const { componentFromWat } = await load('__tests__/helpers/wat.js')
const { newIdentity } = await load('__tests__/helpers/e2e-project.js')
const { runAction } = await load('__tests__/helpers/runner.js')
const { NODE24 } = await load('__tests__/helpers/paths.js')
const { startReplica, demoCanister } = await load('replica/index.js')
const { sizedComponent } = await import('./plugins/sized.mjs')

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? process.argv[i + 1] : dflt
}
const RUNS = Number(arg('runs', 3))
const KEEP = arg('keep', undefined)
const work = mkdtempSync(join(tmpdir(), 'icp-sync-profile-'))
const identity = newIdentity()
const replica = await startReplica({ controllers: [identity.principal] })
const canister = replica.createCanister()
replica.installJsCanister(canister, demoCanister())

const noopWat = readFileSync(join(ROOT, 'bench/plugins/noop.wat'), 'utf8')
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/** Self time per group: our code, each package in the bundle, wasm, V8/Node internals. */
function groups(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const self = new Map()
  const dt = profile.timeDeltas
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i])
    const { url, functionName } = node.callFrame
    let key
    if (!url) key = functionName.startsWith('(') ? functionName : `native ${functionName}`
    else if (url.startsWith('wasm://')) key = 'wasm'
    else if (url.startsWith('node:')) key = 'node internals'
    else key = `${url.split('/').pop()} ${functionName || '(anonymous)'}`
    self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0) / 1000)
  }
  return [...self.entries()].sort((a, b) => b[1] - a[1])
}

for (const [label, bytes] of [
  ['~140 KB', 140_000],
  ['~1.4 MB', 1_400_000],
]) {
  const dir = join(work, `p-${bytes}`)
  mkdirSync(join(dir, 'plugins'), { recursive: true })
  writeFileSync(join(dir, 'plugins/plugin.wasm'), await sizedComponent(componentFromWat, noopWat, bytes))
  writeFileSync(
    join(dir, 'icp.yaml'),
    `networks:
  - name: local
    mode: connected
    url: ${replica.url}
    root-key: ${replica.rootKeyHex}
environments:
  - name: bench
    network: local
canisters:
  - name: demo
    build:
      steps:
        - type: script
          command: echo build
    sync:
      steps:
        - type: plugin
          path: plugins/plugin.wasm
`,
  )
  mkdirSync(join(dir, '.icp/data/mappings'), { recursive: true })
  writeFileSync(join(dir, '.icp/data/mappings/bench.ids.json'), JSON.stringify({ demo: canister }))

  const walls = []
  const totals = new Map()
  let timings
  for (let i = 0; i < RUNS; i++) {
    const profDir = join(work, `prof-${bytes}-${i}`)
    const node = join(work, 'node-prof.sh')
    // bash, not sh: dash drops INPUT_PROJECT-DIR and other names with hyphens from the environment.
    writeFileSync(
      node,
      `#!/bin/bash\nexec ${JSON.stringify(NODE24)} --cpu-prof --cpu-prof-dir=${JSON.stringify(profDir)} "$@"\n`,
    )
    chmodSync(node, 0o755)
    const runnerTemp = join(work, `temp-${bytes}-${i}`)
    mkdirSync(runnerTemp)
    const t = performance.now()
    const run = await runAction(
      node,
      join(ROOT, 'dist/index.js'),
      { 'project-dir': dir, environment: 'bench', 'identity-pem': identity.pem },
      { GITHUB_WORKSPACE: dir, RUNNER_TEMP: runnerTemp },
    )
    walls.push(performance.now() - t)
    rmSync(run.runnerDir, { recursive: true, force: true })
    if (run.status !== 0) throw new Error(`action failed:\n${run.stdout}\n${run.stderr}`)
    const step = JSON.parse(run.outputs.result).canisters[0]
    timings = { canisterMs: step.durationMs, ...step.steps[0].plugin, stepMs: step.steps[0].durationMs }
    for (const file of readdirSync(profDir)) {
      const profile = JSON.parse(readFileSync(join(profDir, file), 'utf8'))
      const thread = file.includes('.0.') ? 'main' : 'worker'
      const span = (profile.endTime - profile.startTime) / 1000
      totals.set(`${thread} profile span`, [...(totals.get(`${thread} profile span`) ?? []), span])
      for (const [key, ms] of groups(profile))
        totals.set(`${thread}: ${key}`, [...(totals.get(`${thread}: ${key}`) ?? []), ms])
    }
    if (KEEP) {
      mkdirSync(KEEP, { recursive: true })
      for (const file of readdirSync(profDir))
        writeFileSync(join(KEEP, `${bytes}-${i}-${file}`), readFileSync(join(profDir, file)))
    }
  }
  console.log(
    `\n${label}: wall median ${median(walls).toFixed(0)} ms of ${RUNS} (${walls.map((w) => w.toFixed(0)).join(', ')})`,
  )
  console.log(`  last run's own timings: ${JSON.stringify(timings)}`)
  const rows = [...totals.entries()]
    .map(([k, v]) => [k, v.reduce((a, b) => a + b, 0) / RUNS])
    .sort((a, b) => b[1] - a[1])
    .slice(0, 30)
  for (const [k, ms] of rows) console.log(`  ${ms.toFixed(1).padStart(8)} ms  ${k}`)
}
await replica.stop?.()
rmSync(work, { recursive: true, force: true })
process.exit(0)
