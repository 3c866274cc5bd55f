// Prints the latency of plugin calls through canisterCaller against the local replica (same process).
// Run: npm run compile && node build/bench/ic-calls.js
import { generateKeyPairSync } from 'node:crypto'
import { IDL } from '@icp-sdk/core/candid'
import { demoCanister, startReplica } from '../replica/index.js'
import { loadIdentity } from '../src/identity/index.js'
import { canisterCaller, connect, type PluginCallRequest } from '../src/ic/index.js'

const N = 30
const pem = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey.export({
  type: 'pkcs8',
  format: 'pem',
}) as string
const replica = await startReplica()
const me = await loadIdentity({ pem })
const proxy = replica.installProxy({ controllers: [me.principal] })
const demo = replica.createCanister({ controllers: [me.principal, proxy] })
replica.installJsCanister(demo, demoCanister())
const conn = await connect({ apiUrl: replica.url, rootKey: replica.rootKeyHex, identity: me })
const caller = canisterCaller(conn, { proxy })
const base = { targetCanisterId: demo, arg: new Uint8Array(IDL.encode([IDL.Text], ['x'])), cycles: 0n }

async function measure(label: string, req: PluginCallRequest): Promise<void> {
  await caller.canisterCall(req) // warm-up (node keys, first BLS verify)
  const times: number[] = []
  for (let i = 0; i < N; i++) {
    const start = performance.now()
    const outcome = await caller.canisterCall(req)
    times.push(performance.now() - start)
    if ('err' in outcome) throw new Error(outcome.err)
  }
  times.sort((a, b) => a - b)
  const at = (q: number): string => (times[Math.floor(q * (times.length - 1))] ?? 0).toFixed(1)
  console.log(`${label.padEnd(22)} n=${N} median ${at(0.5)} ms  p90 ${at(0.9)} ms`)
}

await measure('query (direct)', { ...base, method: 'greet', callType: 'query', direct: false })
await measure('update (direct)', {
  ...base,
  method: 'increment',
  arg: new Uint8Array(IDL.encode([], [])),
  callType: 'update',
  direct: true,
})
await measure('update (via proxy)', {
  ...base,
  method: 'increment',
  arg: new Uint8Array(IDL.encode([], [])),
  callType: 'update',
  direct: false,
})
await replica.stop()
