// Untrusted mode through the bundled Action (Node 24, simulated runner, local replica, loopback server):
// a script step, a recipe, a symlinked plugin path and an unlisted URL plugin are each refused with their
// own message and an annotation on their manifest line, before any request to the replica or any
// download; a URL plugin listed in `trusted-plugins` and a path plugin still run.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { type Replica, startReplica } from '../../replica/index.js'
import { readComponentImports } from '../../src/plugin/interface.js'
import type { SyncResult } from '../../src/report/result.js'
import { callsPlugin } from '../helpers/calls-plugin.js'
import { canisterYaml, demoCanisterOn, newIdentity, writeIds, writeProject } from '../helpers/e2e-project.js'
import { PluginHttpServer } from '../helpers/http-server.js'
import { suiteV2 } from '../helpers/plugin-fixtures.js'
import { NODE24, REPO_ROOT } from '../helpers/paths.js'
import { type ActionRun, runAction } from '../helpers/runner.js'

const ACTION = join(REPO_ROOT, 'dist/index.js')

let replica: Replica
let http: PluginHttpServer
let plugin: Uint8Array
let pluginSha: string
const identity = newIdentity()

beforeAll(async () => {
  replica = await startReplica()
  http = await PluginHttpServer.start()
  plugin = await callsPlugin({ calls: 1, method: 'counter' })
  pluginSha = createHash('sha256').update(plugin).digest('hex')
}, 120_000)

afterAll(async () => {
  await replica?.stop()
  await http?.stop()
})

/** The bundled Action on `dir` with `untrusted: true` and the given `trusted-plugins`. */
function runUntrusted(
  dir: string,
  trustedPlugins: string,
  more: Record<string, string> = {},
): Promise<ActionRun> {
  return runAction(
    NODE24,
    ACTION,
    {
      'project-dir': dir,
      environment: 'e2e',
      'identity-pem': identity.pem,
      untrusted: 'true',
      'trusted-plugins': trustedPlugins,
      cache: 'false',
      ...more,
    },
    { GITHUB_WORKSPACE: dir },
  )
}

/** `::error title=…,file=…,line=…` annotations the run printed, as {title, file, line, text}. */
function annotations(run: ActionRun): Array<{ title?: string; file?: string; line?: number; text: string }> {
  return [...run.stdout.matchAll(/^::error (.*?)::(.*)$/gm)].map((match) => {
    const unescape = (text: string) => text.replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%')
    const props = Object.fromEntries(
      match[1]!.split(',').map((pair) => pair.split('=').map(unescape) as [string, string]),
    )
    return {
      title: props.title,
      file: props.file,
      line: props.line === undefined ? undefined : Number(props.line),
      text: match[2]!.replace(/%0A/g, '\n'),
    }
  })
}

describe('untrusted: true refuses, before anything runs', () => {
  let run: ActionRun
  let result: SyncResult
  let manifestLines: string[]
  let requestsBefore: number

  beforeAll(async () => {
    const unlistedSha = createHash('sha256').update('a plugin nobody vouched for').digest('hex')
    const unlistedUrl = http.route('/unlisted.wasm', { body: plugin })
    const recipeUrl = http.route('/recipe.hbs', { body: new TextEncoder().encode('build: {steps: []}\n') })
    const project = writeProject(
      replica,
      'canisters:\n' +
        canisterYaml('scripted', '- type: script\n  command: echo from-the-pull-request') +
        `  - name: templated\n    recipe:\n      type: ${recipeUrl}\n` +
        canisterYaml('linked', '- type: plugin\n  path: plugins/link.wasm') +
        canisterYaml('leaky', '- type: plugin\n  path: plugins/real.wasm\n  dirs:\n    - assets') +
        canisterYaml('unlisted', `- type: plugin\n  url: ${unlistedUrl}\n  sha256: ${unlistedSha}`),
      {},
      { 'plugins/real.wasm': writeTemp(plugin) },
    )
    symlinkSync('real.wasm', join(project.dir, 'plugins/link.wasm'))
    symlinkSync(tmpdir(), join(project.dir, 'assets'))
    writeIds(
      project.dir,
      'e2e',
      Object.fromEntries(
        ['scripted', 'templated', 'linked', 'leaky', 'unlisted'].map((name) => [
          name,
          demoCanisterOn(replica, identity.principal),
        ]),
      ),
    )
    manifestLines = project.manifest.split('\n')
    requestsBefore = replica.requestCount()
    // The listed sha256 is another plugin's: listing some plugins never lets others through.
    run = await runUntrusted(project.dir, pluginSha)
    result = JSON.parse(run.outputs.result!) as SyncResult
  }, 120_000)

  test('the run fails, and nothing reached the replica or the download server', () => {
    expect(run.status).toBe(1)
    expect(replica.requestCount()).toBe(requestsBefore)
    expect(http.requests('/unlisted.wasm')).toBe(0)
    expect(http.requests('/recipe.hbs')).toBe(0)
    expect(run.stdout).not.toContain('from-the-pull-request\n')
    expect(result.canisters).toEqual([])
    expect(result.error!.message).toBe('untrusted mode refused 5 steps; nothing was run')
  })

  test('each refusal has its own message and an annotation on its manifest line', () => {
    const refused = annotations(run).filter((a) => a.title === 'icp-sync: untrusted mode')
    expect(refused).toHaveLength(5)
    const expected: Array<[string, RegExp, string]> = [
      ['recipe', /^canister 'templated': recipe '.*' refused in untrusted mode/, 'type: http'],
      ['script', /^canister 'scripted', sync step 1 \(script\): script steps are refused/, 'type: script'],
      [
        'symlink',
        /^canister 'linked', sync step 1 \(plugin\): plugin path 'plugins\/link.wasm' refused in untrusted mode[^]*symlink/,
        'type: plugin',
      ],
      [
        'symlinked dirs entry',
        /^canister 'leaky', sync step 1 \(plugin\): declared path 'assets' refused in untrusted mode[^]*symlink/,
        'type: plugin',
      ],
      [
        'unlisted url',
        /^canister 'unlisted', sync step 1 \(plugin\): plugin url .* refused in untrusted mode: its sha256 [0-9a-f]{64} is not listed in trusted-plugins/,
        'type: plugin',
      ],
    ]
    for (const [what, message, lineText] of expected) {
      const annotation = refused.find((a) => message.test(a.text))
      expect({ what, found: annotation !== undefined }).toEqual({ what, found: true })
      expect(annotation!.file).toBe('icp.yaml')
      expect(manifestLines[annotation!.line! - 1]).toContain(lineText)
    }
    expect(result.refusals).toHaveLength(5)
  })
})

describe('untrusted: true still runs what it can vouch for', () => {
  test('a URL plugin listed in trusted-plugins and a path plugin run and make their calls', async () => {
    const url = http.route('/trusted.wasm', { body: plugin })
    const project = writeProject(
      replica,
      'canisters:\n' +
        canisterYaml('fromurl', `- type: plugin\n  url: ${url}\n  sha256: ${pluginSha}`) +
        canisterYaml('frompath', '- type: plugin\n  path: plugins/p.wasm'),
      {},
      { 'plugins/p.wasm': writeTemp(plugin) },
    )
    const ids = {
      fromurl: demoCanisterOn(replica, identity.principal),
      frompath: demoCanisterOn(replica, identity.principal),
    }
    writeIds(project.dir, 'e2e', ids)
    const run = await runUntrusted(project.dir, `\n  ${'0'.repeat(64)},\n${pluginSha.toUpperCase()}\n`)
    expect(run.stderr + run.stdout).not.toContain('::error')
    expect(run.status).toBe(0)
    expect(run.outputs.synced).toBe('fromurl,frompath')
    expect(http.requests('/trusted.wasm')).toBe(1)
    for (const id of Object.values(ids))
      expect(replica.callLog().filter((c) => c.canisterId === id && c.method === 'counter')).toHaveLength(1)
  }, 120_000)
})

describe('the capability review', () => {
  test('rows for a 0.1 and a 0.2 plugin match what the components import and the manifest grants', async () => {
    const v2 = readFileSync(await suiteV2())
    const project = writeProject(
      replica,
      'canisters:\n' +
        canisterYaml('old', '- type: plugin\n  path: plugins/v1.wasm\n  dirs:\n    - seed') +
        canisterYaml(
          'new',
          '- type: plugin\n  path: plugins/v2.wasm\n  files:\n    notes: notes.txt\n    data: seed\n  canisters:\n    - old',
        ),
      { 'seed/a.json': 'x'.repeat(1000), 'seed/deep/b.json': 'y'.repeat(234), 'notes.txt': 'hello' },
      { 'plugins/v1.wasm': writeTemp(plugin), 'plugins/v2.wasm': writeTemp(v2) },
    )
    writeIds(project.dir, 'e2e', {
      old: demoCanisterOn(replica, identity.principal),
      new: demoCanisterOn(replica, identity.principal),
    })
    const run = await runUntrusted(project.dir, '')
    const result = JSON.parse(run.outputs.result!) as SyncResult
    const imports = (bytes: Uint8Array) => {
      const names = readComponentImports(bytes)
        .filter((entry) => entry.kind !== 'type' && !entry.name.startsWith('icp:sync-plugin/types@'))
        .map((entry) => entry.name)
      const sorted = [...new Set(names)].sort()
      return {
        wasi: sorted.filter((n) => n.startsWith('wasi:')),
        host: sorted.filter((n) => !n.startsWith('wasi:')),
      }
    }
    const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')
    expect(result.capabilities).toEqual([
      expect.objectContaining({
        canister: 'old',
        step: 1,
        source: 'path',
        location: 'plugins/v1.wasm',
        sha256: sha(plugin),
        interfaceVersion: '0.1.0',
        ...imports(plugin),
        dirs: [{ path: 'seed', bytes: 1234 }],
        files: [],
        canisters: [],
        identityPrincipal: identity.principal,
      }),
      expect.objectContaining({
        canister: 'new',
        source: 'path',
        sha256: sha(v2),
        interfaceVersion: '0.2.0',
        ...imports(v2),
        dirs: [],
        files: [
          { name: 'notes', path: 'notes.txt', bytes: 5 },
          { name: 'data', path: 'seed', bytes: 1234 },
        ],
        canisters: ['old'],
      }),
    ])
    expect(imports(plugin).host).toContain('canister-call')
    expect(imports(v2).host).toEqual(['canister-call', 'canister-metadata-section'])
    // In the summary, before the run tables.
    const review = run.summary.indexOf('### Capability review')
    expect(review).toBeGreaterThan(0)
    expect(review).toBeLessThan(run.summary.indexOf('### ✅'))
    expect(run.summary).toContain('`canister-call, canister-metadata-section`')
    expect(run.summary).toContain('`notes=notes.txt (5 B), data=seed (1234 B)`')
  }, 300_000)
})

describe('compared with a baseline checkout', () => {
  test('marks a changed sha256 and added dirs; with plugin-changes: refuse that canister is refused, the others run', async () => {
    const other = await callsPlugin({ calls: 2, method: 'counter' })
    const manifest = (swappedDirs: string) =>
      'canisters:\n' +
      canisterYaml('same', '- type: plugin\n  path: plugins/p.wasm\n  dirs:\n    - seed') +
      canisterYaml('swapped', `- type: plugin\n  path: plugins/q.wasm\n  dirs:\n${swappedDirs}`)
    const project = writeProject(
      replica,
      manifest('    - seed\n    - extra'),
      { 'seed/a': 'a', 'extra/b': 'b' },
      { 'plugins/p.wasm': writeTemp(plugin), 'plugins/q.wasm': writeTemp(other) },
    )
    // The base branch, checked out into a subfolder: the same `same`, and `swapped` with another binary
    // and one dir fewer.
    const base = writeProject(
      replica,
      manifest('    - seed'),
      { 'seed/a': 'a' },
      {
        'plugins/p.wasm': writeTemp(plugin),
        'plugins/q.wasm': writeTemp(plugin),
      },
    )
    const ids = {
      same: demoCanisterOn(replica, identity.principal),
      swapped: demoCanisterOn(replica, identity.principal),
    }
    writeIds(project.dir, 'e2e', ids)
    const touched = (id: string) =>
      replica.callLog().filter((c) => c.canisterId === id || (c.endpoint ?? '').includes(id)).length

    const allowed = await runUntrusted(project.dir, '', { 'baseline-dir': base.dir })
    expect(allowed.status).toBe(0)
    const changes = (JSON.parse(allowed.outputs.result!) as SyncResult).baselineChanges
    expect(changes).toEqual([
      expect.objectContaining({
        canister: 'swapped',
        step: 1,
        kind: 'plugin',
        changes: [
          `sha256 changed: ${createHash('sha256').update(plugin).digest('hex')} → ${createHash('sha256').update(other).digest('hex')}`,
          'dirs added: extra',
        ],
      }),
    ])
    expect(allowed.summary).toContain('### Changes against the baseline')
    expect(allowed.summary).toContain('dirs added: extra')

    const before = { same: touched(ids.same), swapped: touched(ids.swapped) }
    const refused = await runUntrusted(project.dir, '', {
      'baseline-dir': base.dir,
      'plugin-changes': 'refuse',
    })
    expect(refused.status).toBe(1)
    expect(refused.outputs.synced).toBe('same')
    expect(refused.outputs.failed).toBe('swapped')
    expect(touched(ids.swapped)).toBe(before.swapped)
    expect(touched(ids.same)).toBeGreaterThan(before.same)
    const line = project.manifest.split('\n').findIndex((l) => l.includes('path: plugins/q.wasm'))
    expect(refused.stdout).toMatch(
      new RegExp(
        `::error title=[^\\n]*swapped[^\\n]*file=icp.yaml,line=${line},[^\\n]*plugin-changes is refuse`,
      ),
    )
  }, 300_000)
})

describe('the baseline pins what it compared', () => {
  test('a path plugin rewritten by an earlier script step is refused, naming the step and both sha256', async () => {
    const evil = await callsPlugin({ calls: 3, method: 'counter' })
    const manifest =
      'canisters:\n' +
      canisterYaml(
        'rewritten',
        '- type: script\n  command: cp plugins/evil.wasm plugins/p.wasm\n- type: plugin\n  path: plugins/p.wasm',
      )
    const project = writeProject(
      replica,
      manifest,
      {},
      { 'plugins/p.wasm': writeTemp(plugin), 'plugins/evil.wasm': writeTemp(evil) },
    )
    const base = writeProject(replica, manifest, {}, { 'plugins/p.wasm': writeTemp(plugin) })
    const id = demoCanisterOn(replica, identity.principal)
    writeIds(project.dir, 'e2e', { rewritten: id })
    const counterCalls = () =>
      replica.callLog().filter((c) => c.canisterId === id && c.method === 'counter').length
    const before = counterCalls()
    const run = await runAction(
      NODE24,
      ACTION,
      {
        'project-dir': project.dir,
        environment: 'e2e',
        'identity-pem': identity.pem,
        cache: 'false',
        'baseline-dir': base.dir,
        'plugin-changes': 'refuse',
      },
      { GITHUB_WORKSPACE: project.dir },
    )
    expect(run.status).toBe(1)
    expect(run.outputs.failed).toBe('rewritten')
    const result = JSON.parse(run.outputs.result!) as SyncResult
    // Unchanged against the baseline, so not refused up front: refused when the rewritten file is read.
    expect(result.baselineChanges).toEqual([])
    const step = result.canisters[0]!.steps[1]!
    expect(step.status).toBe('failed')
    expect(step.error).toMatchObject({
      message:
        "canister 'rewritten', sync step 2: the plugin file 'plugins/p.wasm' changed after it was compared with the baseline; it was not run",
      causes: [
        `sha256 when compared: ${pluginSha}`,
        `sha256 now: ${createHash('sha256').update(evil).digest('hex')}`,
      ],
    })
    expect(counterCalls()).toBe(before)
  }, 300_000)
})

describe('the inputs are checked', () => {
  test.each([
    [{ untrusted: 'yes' }, "input 'untrusted': expected true or false, got 'yes'"],
    [
      { untrusted: 'true', 'trusted-plugins': 'abc123' },
      "input 'trusted-plugins': 'abc123' is not a sha256 (64 hexadecimal digits)",
    ],
  ])(
    '%j',
    async (inputs, message) => {
      const project = writeProject(replica, 'canisters: []\n')
      const requestsBefore = replica.requestCount()
      const run = await runAction(NODE24, ACTION, {
        'project-dir': project.dir,
        environment: 'e2e',
        ...inputs,
      })
      expect(run.status).toBe(1)
      expect(run.stdout).toContain(`::error::${message}`)
      expect(replica.requestCount()).toBe(requestsBefore)
    },
    60_000,
  )
})

/** Writes bytes to a fresh temporary file (writeProject copies files in). */
function writeTemp(bytes: Uint8Array): string {
  const file = join(mkdtempSync(join(tmpdir(), 'icp-sync-untrusted-')), 'plugin.wasm')
  writeFileSync(file, bytes)
  return file
}
