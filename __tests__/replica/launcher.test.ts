// `npm run replica`'s launcher (build/replica/cli.js) as a child process: facts on stdout and in the
// info file, a stable root key for the default seed, user canister modules, clean stop on SIGTERM.
import { afterAll, expect, test } from '@jest/globals'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Actor, HttpAgent } from '@icp-sdk/core/agent'
import { startReplica } from '../../replica/index.js'
import { REPO_ROOT } from '../helpers/paths.js'

const dir = mkdtempSync(join(tmpdir(), 'replica-launcher-'))
let child: ChildProcess | undefined
afterAll(() => {
  child?.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

test('the launcher serves the demo, the proxy and a user canister module under the default seed’s root key', async () => {
  const replicaIndex = pathToFileURL(join(REPO_ROOT, 'build/replica/index.js')).href
  const mod = join(dir, 'echo.mjs')
  writeFileSync(
    mod,
    `import { candidQuery } from '${replicaIndex}'
import { IDL } from '@icp-sdk/core/candid'
export const name = 'echo'
export default () => ({
  candid: 'service : { echo : (text) -> (text) query }',
  methods: { echo: candidQuery([IDL.Text], [IDL.Text], ([s], ctx) => s + ' from ' + ctx.canisterId) },
})
`,
  )
  // The module imports @icp-sdk/core: make it resolvable from the temp dir.
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}')
  rmSync(join(dir, 'node_modules'), { force: true, recursive: true })
  ;(await import('node:fs')).symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'))

  const infoFile = join(dir, 'info.json')
  child = spawn(process.execPath, [join(REPO_ROOT, 'build/replica/cli.js')], {
    env: {
      ...process.env,
      REPLICA_INFO_FILE: infoFile,
      REPLICA_CANISTERS: mod,
      REPLICA_ADMIN_TOKEN: 'secret-token',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  await new Promise<void>((resolve, reject) => {
    child?.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes('controllers:')) resolve()
    })
    child?.on('exit', (code) => reject(new Error(`launcher exited with ${code}: ${out}`)))
  })
  const info = JSON.parse(readFileSync(infoFile, 'utf8')) as {
    url: string
    rootKey: string
    canisters: Record<string, string>
  }
  expect(out).toContain(`replica listening on ${info.url}`)
  expect(out).toContain(`root key: ${info.rootKey}`)
  expect(Object.keys(info.canisters)).toEqual(['demo', 'proxy', 'echo'])

  const same = await startReplica()
  const other = await startReplica({ seed: 'something else' })
  await Promise.all([same.stop(), other.stop()])
  expect(info.rootKey).toBe(same.rootKeyHex)
  expect(info.rootKey).not.toBe(other.rootKeyHex)

  const agent = await HttpAgent.create({ host: info.url, rootKey: Buffer.from(info.rootKey, 'hex') })
  const echo = Actor.createActor(
    ({ IDL }) => IDL.Service({ echo: IDL.Func([IDL.Text], [IDL.Text], ['query']) }),
    {
      agent,
      canisterId: info.canisters.echo,
    },
  )
  expect(await echo.echo('hi')).toBe(`hi from ${info.canisters.echo}`)

  // HTTP test control: the log and faults need the admin token; stats do not.
  const adminHeaders = { 'x-replica-admin': 'secret-token' }
  expect((await fetch(`${info.url}/_replica/log`)).status).toBe(403)
  const log = (await (await fetch(`${info.url}/_replica/log`, { headers: adminHeaders })).json()) as Array<
    Record<string, string>
  >
  expect(log.find((e) => e.method === 'echo')).toMatchObject({
    canisterId: info.canisters.echo,
    callType: 'query',
    outcome: 'replied',
  })
  const faults = await fetch(`${info.url}/_replica/faults`, {
    method: 'POST',
    headers: adminHeaders,
    body: JSON.stringify({ corruptQuerySignature: true }),
  })
  expect(faults.status).toBe(200)
  await expect(echo.echo('again')).rejects.toThrow(/Query signature verification failed/)
  await fetch(`${info.url}/_replica/faults`, { method: 'POST', headers: adminHeaders, body: '{}' })
  expect(await echo.echo('ok')).toBe(`ok from ${info.canisters.echo}`)
  const stats = (await (await fetch(`${info.url}/_replica/stats`)).json()) as { certificationRounds: number }
  expect(stats.certificationRounds).toBeGreaterThan(0)

  const exited = new Promise<number | null>((resolve) => child?.on('exit', (code) => resolve(code)))
  child.kill('SIGTERM')
  expect(await exited).toBe(0)
  child = undefined
})
