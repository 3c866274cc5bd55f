// Plugin runtime benchmark: cold transpile, warm start, per-call bridge cost, 2,000-file walk.
// Usage: npm run compile && node bench/runtime.mjs   (and with the Node 24 binary from __tests__/helpers/paths.ts)
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { runPlugin } from '../build/src/plugin/index.js'
import { transpilePlugin, transpilerAt } from '../build/src/store/index.js'
import { suiteV1 } from '../build/__tests__/helpers/plugin-fixtures.js'

const RUNS = 5
const wasmPath = await suiteV1()
const component = readFileSync(wasmPath)
const work = mkdtempSync(join(tmpdir(), 'icp-plugin-bench-'))
const cacheDir = join(work, 'transpile')

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return `min ${s[0].toFixed(1)} / median ${s[Math.floor(s.length / 2)].toFixed(1)}`
}

function request(environment, extra = {}) {
  return {
    component,
    pluginLabel: 'plugin path: bench.wasm',
    pluginPath: wasmPath,
    canisterDir: work,
    projectDir: work,
    dirs: [],
    files: [],
    fields: [],
    callable: [],
    input: {
      canisterId: 'aaaaa-aa',
      environment,
      identityPrincipal: '2vxsx-fae',
      apiUrl: 'http://127.0.0.1',
      canisterIds: [],
    },
    canisterCall: async () => ({ ok: new Uint8Array(64) }),
    metadataSection: async () => ({ ok: undefined }),
    limits: { computeSeconds: 600, memoryMb: 2048 },
    transpile: transpilerAt(cacheDir),
    ...extra,
  }
}

async function run(environment, extra) {
  const started = performance.now()
  const result = await runPlugin(request(environment, extra))
  if (!result.ok) throw new Error(`${environment}: ${JSON.stringify(result.error)}`)
  return { ms: performance.now() - started, result }
}

// Cold transpile: a fresh cache directory each time (same process; the first is the true cold one).
const transpile = []
for (let i = 0; i < 3; i++) {
  const started = performance.now()
  await transpilePlugin(component, join(work, `cold-${i}`))
  transpile.push(performance.now() - started)
}
await transpilePlugin(component, cacheDir)

// Warm start: transpile cache hit. The first run in a process also compiles the core modules.
writeFileSync(join(work, 'n.txt'), '0')
const first = await run('calls', { files: [{ path: 'n.txt' }] })
const warm = []
for (let i = 0; i < RUNS; i++) warm.push((await run('calls', { files: [{ path: 'n.txt' }] })).ms)
const zeroExec = []
for (let i = 0; i < RUNS; i++)
  zeroExec.push((await run('calls', { files: [{ path: 'n.txt' }] })).result.timings.execMs)

// Per call: exec time with 10,000 calls minus exec time with none.
writeFileSync(join(work, 'n.txt'), '10000')
const perCall = []
for (let i = 0; i < 3; i++) {
  const { result } = await run('calls', { files: [{ path: 'n.txt' }] })
  perCall.push(((result.timings.execMs - Math.min(...zeroExec)) * 1000) / 10000)
}

// 2,000-file walk (each file opened, stat'ed and read; no calls).
const tree = join(work, 'tree')
for (let d = 0; d < 20; d++) {
  mkdirSync(join(tree, `d${d}`), { recursive: true })
  for (let f = 0; f < 100; f++) writeFileSync(join(tree, `d${d}`, `f${f}.txt`), 'x'.repeat(1024))
}
const walk = []
for (let i = 0; i < 3; i++) {
  const { result } = await run('count', { dirs: [{ path: 'tree' }] })
  if (result.persistentStderr[0] !== 'files: 2000') throw new Error(`walk saw ${result.persistentStderr[0]}`)
  walk.push(result.timings.execMs)
}

console.log(`node ${process.version}, component ${(component.length / 1e6).toFixed(1)} MB`)
console.log(`cold transpile (ms):                 ${stats(transpile)} (first ${transpile[0].toFixed(0)})`)
console.log(`warm start, first in process (ms):   ${first.ms.toFixed(1)} (compiles core modules)`)
console.log(`warm start, runPlugin total (ms):    ${stats(warm)}`)
console.log(`  of which instantiate (ms):         ${first.result.timings.instantiateMs.toFixed(1)} first run`)
console.log(`per canister-call, 10,000 calls (µs): ${stats(perCall)}`)
console.log(`2,000-file walk, exec (ms):          ${stats(walk)}`)
rmSync(work, { recursive: true, force: true })
