#!/usr/bin/env node
// Benchmark of the local replica: JS agent (@icp-sdk/core, verification on) and icp-cli 1.5.0 update
// and query latency and throughput. The replica runs in its own process, as in real use.
// Usage: npm run compile && node bench/replica.mjs [--n 50] [--concurrent 200] [--icp 10]
import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { Actor, HttpAgent } from '@icp-sdk/core/agent'
import { Ed25519KeyIdentity } from '@icp-sdk/core/identity'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : dflt
}
const N = arg('n', 50)
const CONC = arg('concurrent', 200)
const ICP_RUNS = arg('icp', 10)
const ICP = join(root, 'node_modules/@icp-sdk/icp-cli-linux-x64/bin/icp')
const run = promisify(execFile)

const { demoIdl } = await import(join(root, 'build/__tests__/replica/demo-idl.js'))
const home = mkdtempSync(join(tmpdir(), 'replica-bench-'))
const icpEnv = { ...process.env, HOME: home, ICP_HOME: join(home, '.icp'), DO_NOT_TRACK: '1', NO_COLOR: '1' }
delete icpEnv.RUST_BACKTRACE
await run(ICP, ['identity', 'new', 'bench', '--storage', 'plaintext'], { env: icpEnv })
const icpPrincipal = (
  await run(ICP, ['identity', 'principal', '--identity', 'bench'], { env: icpEnv })
).stdout.trim()

const identity = Ed25519KeyIdentity.generate()
const infoFile = join(home, 'replica.json')
const child = spawn(process.execPath, [join(root, 'build/replica/cli.js')], {
  env: {
    ...process.env,
    REPLICA_INFO_FILE: infoFile,
    REPLICA_CONTROLLERS: `${identity.getPrincipal().toText()},${icpPrincipal}`,
  },
  stdio: ['ignore', 'pipe', 'inherit'],
})
await new Promise((resolve, reject) => {
  child.stdout.on('data', (d) => d.toString().includes('controllers:') && resolve())
  child.on('exit', (c) => reject(new Error(`replica exited with ${c}`)))
})
const info = JSON.parse(readFileSync(infoFile, 'utf8'))

const summary = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))]
  return `median ${q(0.5).toFixed(1)} ms, p90 ${q(0.9).toFixed(1)} ms, min ${s[0].toFixed(1)} ms (n=${s.length})`
}
async function timed(fn, n) {
  const out = []
  for (let i = 0; i < n; i++) {
    const t = performance.now()
    await fn(i)
    out.push(performance.now() - t)
  }
  return out
}

try {
  console.log(
    `replica ${info.url} (separate process), Node ${process.version}, ${N} sequential / ${CONC} concurrent`,
  )
  const t0 = performance.now()
  const agent = await HttpAgent.create({
    host: info.url,
    identity,
    rootKey: Buffer.from(info.rootKey, 'hex'),
  })
  const actor = Actor.createActor(demoIdl, { agent, canisterId: info.demoCanister })
  await actor.greet('first')
  console.log(
    `JS first query of a new agent (node keys, first BLS verify): ${(performance.now() - t0).toFixed(1)} ms`,
  )
  await actor.increment()
  console.log(
    `JS update (v4 call, certificate verified):   ${summary(await timed(() => actor.increment(), N))}`,
  )
  console.log(
    `JS query (v3, node signature verified):     ${summary(await timed((i) => actor.greet(`q${i}`), N))}`,
  )
  let t = performance.now()
  await Promise.all(Array.from({ length: CONC }, () => actor.increment()))
  let s = (performance.now() - t) / 1000
  console.log(`JS ${CONC} concurrent updates: ${s.toFixed(2)} s = ${(CONC / s).toFixed(0)}/s`)
  t = performance.now()
  await Promise.all(Array.from({ length: CONC }, (_, i) => actor.greet(`c${i}`)))
  s = (performance.now() - t) / 1000
  console.log(`JS ${CONC} concurrent queries: ${s.toFixed(2)} s = ${(CONC / s).toFixed(0)}/s`)

  // The replica's own capacity: pre-signed v4 calls, responses not verified (no client BLS cost).
  const { encodeWithSelfDescribedTag } = await import('@dfinity/cbor')
  const { requestId } = await import(join(root, 'build/replica/hash.js'))
  const { Principal } = await import('@icp-sdk/core/principal')
  const prefix = new Uint8Array([10, ...new TextEncoder().encode('ic-request')])
  const bodies = await Promise.all(
    Array.from({ length: CONC }, async () => {
      const content = {
        request_type: 'call',
        canister_id: Principal.fromText(info.demoCanister).toUint8Array(),
        method_name: 'increment',
        arg: new Uint8Array([0x44, 0x49, 0x44, 0x4c, 0, 0]),
        sender: identity.getPrincipal().toUint8Array(),
        ingress_expiry: BigInt(Date.now() + 120_000) * 1_000_000n,
        nonce: crypto.getRandomValues(new Uint8Array(8)),
      }
      const rid = requestId(content)
      const sig = new Uint8Array(await identity.sign(new Uint8Array([...prefix, ...rid])))
      return encodeWithSelfDescribedTag({
        content,
        sender_pubkey: new Uint8Array(identity.getPublicKey().toDer()),
        sender_sig: sig,
      })
    }),
  )
  const before = await (await fetch(`${info.url}/_replica/stats`)).json()
  t = performance.now()
  await Promise.all(
    bodies.map((body) =>
      fetch(`${info.url}/api/v4/canister/${info.demoCanister}/call`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/cbor' },
      }).then((r) => r.arrayBuffer()),
    ),
  )
  s = (performance.now() - t) / 1000
  const after = await (await fetch(`${info.url}/_replica/stats`)).json()
  console.log(
    `raw ${CONC} concurrent v4 calls (pre-signed, replies not verified): ${s.toFixed(2)} s = ${(CONC / s).toFixed(0)}/s, ` +
      `${after.certificationRounds - before.certificationRounds} certification rounds`,
  )

  const icp = (args) =>
    run(ICP, [...args, '-n', info.url, '-k', info.rootKey, '--identity', 'bench'], { env: icpEnv, cwd: home })
  const did = join(home, 'demo.did')
  const { DEMO_CANDID } = await import(join(root, 'build/replica/demo-canister.js'))
  ;(await import('node:fs')).writeFileSync(did, DEMO_CANDID)
  const cid = info.demoCanister
  await icp(['canister', 'call', cid, 'increment', '()'])
  console.log(
    `icp canister call update (process):         ${summary(await timed(() => icp(['canister', 'call', cid, 'increment', '()']), ICP_RUNS))}`,
  )
  console.log(
    `icp canister call update --candid (process): ${summary(await timed(() => icp(['canister', 'call', cid, 'increment', '()', '--candid', did]), ICP_RUNS))}`,
  )
  console.log(
    `icp canister call --query (process):        ${summary(await timed(() => icp(['canister', 'call', cid, 'greet', '("b")', '--query']), ICP_RUNS))}`,
  )
  const stats = await (await fetch(`${info.url}/_replica/stats`)).json()
  console.log(
    `replica process: ${stats.certificationRounds} certification rounds, ${stats.signMsTotal} ms BLS signing in total`,
  )
  for (const [kind, e] of Object.entries(stats.endpoints))
    console.log(`  replica time per ${kind}: median ${e.medianMs} ms, p90 ${e.p90Ms} ms (n=${e.n})`)
} finally {
  child.kill('SIGTERM')
  rmSync(home, { recursive: true, force: true })
}
