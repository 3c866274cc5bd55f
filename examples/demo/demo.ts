// `npm run demo`: the seed-data example end to end, on this machine, with nothing to set up.
// Starts the local replica in this process, builds the TypeScript plugin (cached by content), generates
// an identity, runs the bundled Action (dist/index.js, Node 24) in a simulated GitHub runner, then
// checks with a `show` query through @icp-sdk/core that every seed file arrived.
// The replica lives in this process, so everything else runs asynchronously (spawn, never spawnSync).
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, copyFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'

import { Actor, HttpAgent } from '@icp-sdk/core/agent'
import type { IDL } from '@icp-sdk/core/candid'
import type { Principal } from '@icp-sdk/core/principal'
import { parse } from 'yaml'

import { buildPlugin } from '../../__tests__/helpers/build-plugin.js'
import { newIdentity } from '../../__tests__/helpers/e2e-project.js'
import { NODE24, REPO_ROOT } from '../../__tests__/helpers/paths.js'
import { type ActionRun, runAction } from '../../__tests__/helpers/runner.js'
import { startReplica } from '../../replica/index.js'
import { SHOW_TYPES, seedDataCanister } from '../seed-data/canister.js'

export const EXAMPLE_DIR = join(REPO_ROOT, 'examples/seed-data')
const ACTION = join(REPO_ROOT, 'dist/index.js')

export interface DemoOptions {
  /** Where progress goes (default: stdout). */
  log?: (line: string) => void
}

export interface DemoResult {
  ok: boolean
  failures: string[]
  action: ActionRun
  canisterId: string
  identityPrincipal: string
  proxyId: string
  /** What `show` returned after the sync. */
  uploader?: string
  entries: [string, string][]
  /** What the seed-data directory holds: guest path → trimmed content. */
  expected: [string, string][]
  timings: { buildMs: number; buildCached: boolean; actionMs: number; totalMs: number }
}

export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`))
  const started = performance.now()
  const failures: string[] = []
  const rel = (path: string): string => relative(REPO_ROOT, path)

  const manifest = parse(readFileSync(join(EXAMPLE_DIR, 'icp.yaml'), 'utf8')) as {
    networks: { name: string; 'root-key': string }[]
  }
  const pinnedRootKey = manifest.networks[0]!['root-key']

  log('icp-sync-action demo: the seed-data example against a local replica')
  const plugin = await buildPlugin(join(EXAMPLE_DIR, 'plugin/seed.ts'), { world: 'v1' })
  log(
    `  plugin    examples/seed-data/plugin/seed.ts → ${rel(plugin.wasm)} ` +
      `(${plugin.cached ? 'cached' : `built in ${seconds(plugin.ms)}`})`,
  )

  const replica = await startReplica()
  const tempDirs: string[] = []
  try {
    if (replica.rootKeyHex !== pinnedRootKey)
      throw new Error(
        `examples/seed-data/icp.yaml pins a root key that is not the replica's (${replica.rootKeyHex})`,
      )
    const identity = newIdentity()
    const proxyId = replica.installProxy({ controllers: [identity.principal] })
    const canisterId = replica.createCanister({ controllers: [identity.principal, proxyId] })
    replica.installJsCanister(canisterId, seedDataCanister())
    log(`  replica   ${replica.url} (in this process; root key pinned in icp.yaml)`)
    log(`  identity  ${identity.principal} (a fresh Ed25519 key, given to the Action as identity-pem)`)
    log(`  canister  seed-data = ${canisterId} (controllers: the identity and the proxy)`)
    log(`  proxy     ${proxyId} (updates with direct: false go through it)`)

    // The project as a checkout would have it, with the built plugin where icp.yaml expects it.
    const project = mkdtempSync(join(tmpdir(), 'icp-sync-demo-'))
    tempDirs.push(project)
    copyFileSync(join(EXAMPLE_DIR, 'icp.yaml'), join(project, 'icp.yaml'))
    cpSync(join(EXAMPLE_DIR, 'seed-data'), join(project, 'seed-data'), { recursive: true })
    mkdirSync(join(project, 'plugin'))
    copyFileSync(plugin.wasm, join(project, 'plugin/seed.wasm'))

    const inputs = {
      'project-dir': project,
      environment: 'demo',
      'identity-pem': identity.pem,
      'network-url': replica.url,
      'canister-ids': JSON.stringify({ 'seed-data': canisterId }),
      proxy: proxyId,
      // No Actions cache service outside GitHub (it would keep only URL plugins; this one is a path).
      cache: 'false',
    }
    log('')
    log(`── the Action: node24 dist/index.js with ${Object.keys(inputs).join(', ')} ──`)
    const actionStarted = performance.now()
    const action = await runAction(NODE24, ACTION, inputs, { GITHUB_WORKSPACE: project })
    const actionMs = performance.now() - actionStarted
    tempDirs.push(action.runnerDir)
    for (const line of readableLog(action.stdout)) log(`  ${line}`)
    for (const line of action.stderr.split('\n').filter(Boolean)) log(`  (stderr) ${line}`)
    log(
      `── exit code ${action.status}, outputs: synced=${action.outputs.synced ?? ''} failed=${action.outputs.failed ?? ''} ──`,
    )
    if (action.status !== 0) failures.push(`the Action exited with ${action.status}`)
    if (action.outputs.synced !== 'seed-data')
      failures.push(`output 'synced' is '${action.outputs.synced ?? ''}'`)

    log('')
    log('── job summary ($GITHUB_STEP_SUMMARY) ──')
    for (const line of action.summary.trimEnd().split('\n')) log(`  ${line}`)
    if (!action.summary.includes('seed-data')) failures.push('the job summary does not mention the canister')

    log('')
    log('── verify: show() through @icp-sdk/core ──')
    const shown = await show(replica.url, replica.rootKey, canisterId)
    const expected = seedFiles(join(EXAMPLE_DIR, 'seed-data'))
    const uploader = shown.uploader
    log(`  uploader  ${uploader ?? '(none)'}`)
    if (uploader !== identity.principal)
      failures.push(`uploader is ${uploader ?? 'unset'}, not ${identity.principal}`)
    const got = new Map(shown.entries)
    for (const [path, content] of expected) {
      const actual = got.get(path)
      const ok = actual === content
      log(`  ${ok ? '✓' : '✗'} ${path} = ${JSON.stringify(actual ?? null)}`)
      if (!ok)
        failures.push(`${path}: expected ${JSON.stringify(content)}, got ${JSON.stringify(actual ?? null)}`)
    }
    for (const [path] of shown.entries)
      if (!expected.some(([p]) => p === path)) failures.push(`unexpected entry ${path}`)

    // direct: false went through the proxy; the registrations came straight from the identity.
    const calls = replica.callLog().filter((c) => c.canisterId === canisterId)
    const setUploader = calls.filter((c) => c.method === 'set_uploader')
    const registers = calls.filter((c) => c.method === 'register')
    const routed = setUploader.length === 1 && setUploader[0]!.sender === proxyId
    log(`  ${routed ? '✓' : '✗'} set_uploader arrived from the proxy (direct: false)`)
    if (!routed)
      failures.push(`set_uploader callers: ${setUploader.map((c) => c.sender).join(', ') || 'none'}`)
    const direct =
      registers.length === expected.length && registers.every((c) => c.sender === identity.principal)
    log(`  ${direct ? '✓' : '✗'} ${registers.length} register call(s) from the identity (direct: true)`)
    if (!direct)
      failures.push(
        `register calls: ${registers.length}, senders ${[...new Set(registers.map((c) => c.sender))].join(', ')}`,
      )

    const totalMs = performance.now() - started
    log('')
    log(
      failures.length === 0
        ? `demo passed in ${seconds(totalMs)} (Action ${seconds(actionMs)})`
        : `demo FAILED:\n${failures.map((f) => `  - ${f}`).join('\n')}`,
    )
    return {
      ok: failures.length === 0,
      failures,
      action,
      canisterId,
      identityPrincipal: identity.principal,
      proxyId,
      uploader,
      entries: shown.entries,
      expected,
      timings: { buildMs: plugin.ms, buildCached: plugin.cached, actionMs, totalMs },
    }
  } finally {
    await replica.stop()
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true })
  }
}

/** `show()` with an agent that trusts only the pinned root key. */
async function show(
  host: string,
  rootKey: Uint8Array,
  canisterId: string,
): Promise<{ uploader?: string; entries: [string, string][] }> {
  const agent = await HttpAgent.create({ host, rootKey, shouldFetchRootKey: false })
  const idl: IDL.InterfaceFactory = ({ IDL }) => IDL.Service({ show: IDL.Func([], SHOW_TYPES, ['query']) })
  const actor = Actor.createActor(idl, { agent, canisterId })
  const [uploader, entries] = (await actor.show!()) as [[] | [Principal], [string, string][]]
  return { uploader: uploader[0]?.toText(), entries }
}

/** Every file under `dir` as the plugin sees it: `seed-data/<relative path>` → trimmed content. */
export function seedFiles(dir: string, prefix = 'seed-data'): [string, string][] {
  const out: [string, string][] = []
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...seedFiles(path, `${prefix}/${entry.name}`))
    else if (entry.isFile()) out.push([`${prefix}/${entry.name}`, readFileSync(path, 'utf8').trim()])
  }
  return out
}

/** The Action's stdout as a person would read it in the runner's log (workflow commands rendered). */
export function readableLog(stdout: string): string[] {
  const lines: string[] = []
  for (const line of stdout.split('\n')) {
    if (line === '' || line.startsWith('::add-mask::') || line === '::endgroup::') continue
    const group = /^::group::(.*)$/.exec(line)
    if (group) {
      lines.push(`▸ ${group[1]}`)
      continue
    }
    const command = /^::(error|warning|notice)[^:]*::(.*)$/.exec(line)
    lines.push(command ? `${command[1]}: ${command[2]}` : line)
  }
  return lines
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`
}
