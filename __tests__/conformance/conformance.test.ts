// Differential conformance against icp-cli 1.5.0: every corpus entry is synced by icp and by our bundled
// CLI, each against a fresh replica with the same seed; the replicas' call logs, the canisters' final
// state, success or failure, persistent stderr and the error chains must match, except for the
// deliberate differences listed in DESIGN.md ("Differences from icp-cli"), which are asserted as such.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { readFileSync, writeFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'

import { buildJsPlugin } from '../helpers/build-plugin.js'
import { componentFromWat } from '../helpers/wat.js'
import { newIdentity } from '../helpers/e2e-project.js'
import { REPO_ROOT } from '../helpers/paths.js'
import { corpus } from './corpus.js'
import { type Comparison, type CorpusEntry, Workspace, compareEntry, icpUnavailable } from './harness.js'

const FIXTURES = join(REPO_ROOT, '__tests__/fixtures/plugins')
const unavailable = await icpUnavailable()
if (unavailable) console.warn(`conformance against icp-cli skipped: ${unavailable}`)
const describeWithIcp = unavailable ? describe.skip : describe

/** CONFORMANCE_ONLY=<regexp>: run only the entries whose names match (while working on a few). */
const only = process.env.CONFORMANCE_ONLY ? new RegExp(process.env.CONFORMANCE_ONLY) : undefined
const selected = (entry: CorpusEntry) => !only || only.test(entry.name)

let workspace: Workspace
let entries: CorpusEntry[] = []
const results = new Map<string, Comparison>()

beforeAll(async () => {
  if (unavailable) return
  const [seed, suite, v2] = await Promise.all([
    buildJsPlugin(join(FIXTURES, 'e2e-seed.js'), { world: 'v1' }),
    buildJsPlugin(join(FIXTURES, 'suite-v1.js'), { world: 'v1' }),
    buildJsPlugin(join(FIXTURES, 'suite-v2.js'), { world: 'v2' }),
  ])
  workspace = await Workspace.create(newIdentity())
  const rustShaped = join(workspace.root, 'rust-shaped.wasm')
  writeFileSync(rustShaped, await componentFromWat(readFileSync(join(FIXTURES, 'rust-shaped.wat'), 'utf8')))
  entries = corpus({ seed, seedBytes: readFileSync(seed), suite, v2, rustShaped }).filter(selected)
  // Two entries at a time (each runs icp and our CLI at once): icp compiles the 12 MB plugin for ~4.4 s
  // per run, which dominates. The first entry warms our transpile cache for the seed plugin.
  const queue = [...entries]
  const worker = async (): Promise<void> => {
    for (let entry = queue.shift(); entry; entry = queue.shift())
      results.set(entry.name, await compareEntry(entry, workspace, `conformance ${entry.name}`))
  }
  await Promise.all([worker(), worker()])
  const times = [...results].map(([name, c]) => `${name}: icp ${c.icp.ms} ms, ours ${c.ours.ms} ms`)
  console.log(`conformance run times\n${times.join('\n')}`)
  if (process.env.CONFORMANCE_DUMP)
    writeFileSync(process.env.CONFORMANCE_DUMP, JSON.stringify(Object.fromEntries(results), null, 2))
}, 600_000)

afterAll(async () => {
  if (workspace) await rm(workspace.root, { recursive: true, force: true })
})

describeWithIcp('conformance with icp-cli 1.5.0', () => {
  // Names are known before beforeAll runs: the corpus is built from placeholder plugin paths.
  const names = corpus({ seed: '', seedBytes: new Uint8Array(0), suite: '', v2: '', rustShaped: '' }).filter(
    selected,
  )

  const matching = names.filter((e) => !e.difference).map((e) => [e.name])
  const differing = names.filter((e) => e.difference).map((e) => [e.name, e.difference!.reason])
  // test.each refuses an empty table, which a CONFORMANCE_ONLY selection can leave.
  const eachMatching = matching.length > 0 ? test.each(matching) : test.skip.each([['none']])
  const eachDiffering = differing.length > 0 ? test.each(differing) : test.skip.each([['none', 'none']])
  eachMatching('%s: icp and we match', (name) => {
    const { icp, ours } = comparison(name)
    const context = `icp stderr:\n${icp.stderr.slice(-3000)}\nour stderr:\n${ours.stderr.slice(-3000)}`
    expect({ name, calls: ours.calls }).toEqual({ name, calls: icp.calls })
    expect({ name, state: ours.state }).toEqual({ name, state: icp.state })
    expect({ name, logs: ours.logs }).toEqual({ name, logs: icp.logs })
    entries.find((e) => e.name === name)!.expectIcp?.(icp)
    expect({ context, canisters: ours.canisters }).toEqual({ context, canisters: icp.canisters })
    expect([ours.exitCode, ours.runError]).toEqual([icp.exitCode, icp.runError])
  })

  eachDiffering('%s: deliberate difference (%s)', (name) => {
    entries.find((e) => e.name === name)!.difference!.check(comparison(name))
  })

  const whole = only ? test.skip : test
  whole('the corpus exercised calls, proxied calls, metadata reads and failures on both hosts', () => {
    const all = [...results.values()].flatMap((c) => [...c.icp.calls, ...c.ours.calls])
    expect(all.some((c) => c.route === 'proxy')).toBe(true)
    expect(all.some((c) => c.callType === 'read_state')).toBe(true)
    expect(all.some((c) => c.callType === 'query' && c.method === 'get')).toBe(true)
    expect([...results.values()].filter((c) => c.icp.exitCode === 1).length).toBeGreaterThanOrEqual(5)
  })
})

function comparison(name: string): Comparison {
  const found = results.get(name)
  if (!found) throw new Error(`no comparison for ${name} (did beforeAll fail?)`)
  return found
}
