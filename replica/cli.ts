// `npm run replica`: start a replica with the demo canister (and a proxy) and print how to reach it.
// Environment: REPLICA_PORT (default 0 = any free port), REPLICA_SEED, REPLICA_CONTROLLERS
// (comma-separated principals), REPLICA_INFO_FILE (write the same facts as JSON there).
import { writeFileSync } from 'node:fs'
import { demoCanister, startReplica } from './index.js'

const controllers = (process.env.REPLICA_CONTROLLERS ?? '').split(',').filter(Boolean)
const replica = await startReplica({
  port: Number(process.env.REPLICA_PORT ?? 0),
  seed: process.env.REPLICA_SEED,
  controllers,
})
const demo = replica.createCanister()
replica.installJsCanister(demo, demoCanister())
const proxy = replica.installProxy({ controllers })
const info = {
  url: replica.url,
  rootKey: replica.rootKeyHex,
  demoCanister: demo,
  proxyCanister: proxy,
  pid: process.pid,
}
if (process.env.REPLICA_INFO_FILE)
  writeFileSync(process.env.REPLICA_INFO_FILE, JSON.stringify(info, null, 2) + '\n')
console.log(`replica listening on ${replica.url}`)
console.log(`root key: ${replica.rootKeyHex}`)
console.log(`demo canister: ${demo}`)
console.log(`proxy canister: ${proxy}`)
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
