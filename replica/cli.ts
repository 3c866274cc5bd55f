// `npm run replica`: start a replica with the demo canister (and a proxy) and print how to reach it.
// Environment:
//   REPLICA_PORT         port on 127.0.0.1 (default 0 = any free port)
//   REPLICA_SEED         seed of the root key (default 'icp-sync-action': a stable key to pin)
//   REPLICA_CONTROLLERS  comma-separated principals: controllers of every canister created here
//   REPLICA_CANISTERS    comma-separated paths of ES modules that each `export default` a JsCanister
//                        (or a function returning one); optional exports `canisterId`, `name`
//   REPLICA_INFO_FILE    also write these facts as JSON to this file
//   REPLICA_ADMIN_TOKEN  enable HTTP test control (/_replica/log, /_replica/faults) for this token
//   REPLICA_APP_SUBNETS  mainnet's shape: this many application subnets behind an NNS delegation
//   REPLICA_CANISTER_RANGES  flat (default) or sharded
import { writeFileSync } from 'node:fs'
import { basename, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { demoCanister, startReplica, type JsCanister } from './index.js'

const list = (v: string | undefined): string[] =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
const controllers = list(process.env.REPLICA_CONTROLLERS)
const replica = await startReplica({
  port: Number(process.env.REPLICA_PORT ?? 0),
  seed: process.env.REPLICA_SEED,
  controllers,
  adminToken: process.env.REPLICA_ADMIN_TOKEN || undefined,
  appSubnets: Number(process.env.REPLICA_APP_SUBNETS ?? 0),
  canisterRanges: process.env.REPLICA_CANISTER_RANGES === 'sharded' ? 'sharded' : 'flat',
})
const demo = replica.createCanister()
replica.installJsCanister(demo, demoCanister())
const proxy = replica.installProxy({ controllers })
const canisters: Record<string, string> = { demo, proxy }
for (const file of list(process.env.REPLICA_CANISTERS)) {
  const mod = (await import(pathToFileURL(resolve(file)).href)) as {
    default: JsCanister | (() => JsCanister)
    canisterId?: string
    name?: string
  }
  const impl = typeof mod.default === 'function' ? mod.default() : mod.default
  const id = replica.createCanister({ id: mod.canisterId })
  replica.installJsCanister(id, impl)
  canisters[mod.name ?? basename(file).replace(/\.[cm]?js$/, '')] = id
}
const info = {
  url: replica.url,
  rootKey: replica.rootKeyHex,
  demoCanister: demo,
  proxyCanister: proxy,
  canisters,
  pid: process.pid,
}
if (process.env.REPLICA_INFO_FILE)
  writeFileSync(process.env.REPLICA_INFO_FILE, JSON.stringify(info, null, 2) + '\n')
console.log(`replica listening on ${replica.url}`)
console.log(`root key: ${replica.rootKeyHex}`)
for (const [name, id] of Object.entries(canisters)) console.log(`${name} canister: ${id}`)
console.log(
  controllers.length
    ? `controllers: ${controllers.join(', ')}`
    : 'controllers: none (set REPLICA_CONTROLLERS)',
)
const stop = (): void => {
  void replica.stop().then(() => process.exit(0))
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
