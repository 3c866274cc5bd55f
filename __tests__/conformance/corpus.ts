// The conformance corpus: small projects that each exercise one part of icp-cli's plugin host.
// Canisters are created in the same order on both replicas, so the same seed gives the same ids.
import { expect } from '@jest/globals'

import type { Replica } from '../../replica/index.js'
import type { CorpusEntry, ReplicaSetup } from './harness.js'
import { recorderCanister } from './recorder.js'

/** The built fixture plugins an entry copies into its project. */
export interface Plugins {
  seed: string // e2e-seed.js, icp:sync-plugin@0.1.0
  seedBytes: Uint8Array
  suite: string // suite-v1.js, 0.1.0: `environment` picks the mode
  v2: string // suite-v2.js, icp:sync-plugin@0.2.0
  rustShaped: string // rust-shaped.wat: a Rust wasm32-wasip2 std plugin's import list, 0.1.0
}

const BUILD = `    build:
      steps:
        - type: script
          command: echo build
`

/** A canister with the given sync steps (YAML list items, indented for `steps:`). */
function canister(name: string, steps = ''): string {
  return `  - name: ${name}
${BUILD}${steps ? `    sync:\n      steps:\n${steps}` : ''}`
}

function recorders(replica: Replica, principal: string, names: string[]): Record<string, string> {
  const ids: Record<string, string> = {}
  for (const name of names) {
    ids[name] = replica.createCanister({ controllers: [principal] })
    replica.installJsCanister(ids[name], recorderCanister())
  }
  return ids
}

const one =
  (name = 'app') =>
  (replica: Replica, principal: string): ReplicaSetup => ({ ids: recorders(replica, principal, [name]) })

const SEED_FILES = {
  'seed-data/apple.txt': 'apple\n',
  'seed-data/banana.txt': ' banana ',
  'seed-data/more/cherry.txt': 'cherry',
  'seed-data/more/deeper/date.txt': 'date',
  'config.txt': 'dev\n',
}

const SEED_STEP = `        - type: plugin
          path: plugins/seed.wasm
          dirs: [seed-data]
          files: [config.txt]
`

/** A script step that appends `word` to the entry's log `name` (one file per host, see CorpusEntry.logs). */
const logStep = (name: string, word: string) => `        - type: script
          command: echo ${word} >> ${name}.$CONFORMANCE_HOST
`

/** A recipe whose rendered sync steps log, then (with `plugin`) run the Rust-shaped plugin on `assets`. */
const LOGGING_RECIPE = `build:
  steps:
    - type: script
      command: echo building {{ _.canister.name }}
sync:
  steps:
    - type: script
      command: echo recipe-{{ _.canister.name }} >> order-{{ _.canister.name }}.$CONFORMANCE_HOST
{{#if plugin}}
    - type: plugin
      path: plugins/rust.wasm
      dirs: [assets]
{{/if}}
`

export function corpus(plugins: Plugins): CorpusEntry[] {
  const seedWasm = { 'plugins/seed.wasm': plugins.seed }
  const suiteWasm = { 'plugins/suite.wasm': plugins.suite }
  const suiteStep = (extra = '') => `        - type: plugin
          path: plugins/suite.wasm
${extra}`
  return [
    {
      name: 'seed-data',
      environment: 'e2e',
      canisters: ['app'],
      manifest: () => canister('app', SEED_STEP),
      files: SEED_FILES,
      wasm: seedWasm,
      setup: one(),
    },
    {
      name: 'seed-data through the proxy',
      environment: 'e2e',
      canisters: ['app'],
      manifest: () => canister('app', SEED_STEP),
      files: SEED_FILES,
      wasm: seedWasm,
      useProxy: true,
      setup: (replica, principal) => {
        const ids = recorders(replica, principal, ['app'])
        const proxy = replica.installProxy({ controllers: [principal] })
        replica.setControllers(ids.app!, [principal, proxy])
        return { ids, proxy }
      },
    },
    {
      name: 'files and nested dirs',
      environment: 'walk',
      canisters: ['app'],
      manifest: () =>
        canister(
          'app',
          suiteStep(`          dirs: [assets, assets/deep, ./assets/../assets/deep/er]
          files: [config.txt, assets/deep/x.txt]
`),
        ),
      files: {
        'assets/a.txt': 'A',
        'assets/b.txt': 'B',
        'assets/deep/x.txt': 'X',
        'assets/deep/er/y.txt': 'Y',
        'assets/deep/er/z.txt': 'Z',
        'config.txt': 'mode=ci\n',
      },
      wasm: suiteWasm,
      setup: one(),
      difference: {
        reason:
          'icp 1.5.0 preopens no directory for a declared dir inside another declared dir (assets/deep under ' +
          'assets), though `dirs` still lists it; we preopen every entry, as the 0.1.0 WIT says',
        check: ({ icp, ours }) => {
          expect(icp.canisters.app).toEqual({
            status: 'failed',
            persistentStderr: [],
            error: ['failed to run plugin', 'plugin returned error: no preopen named assets/deep'],
          })
          expect(ours.canisters.app!.status).toBe('synced')
          // Up to icp's failure both made the same calls: the walk of `assets`.
          expect(icp.calls.length).toBe(6)
          expect(ours.calls.slice(0, icp.calls.length)).toEqual(icp.calls)
        },
      },
    },
    {
      name: '0.2.0: call targets, fields, metadata sections',
      environment: 'e2e',
      canisters: ['app'],
      manifest: () =>
        canister(
          'app',
          `        - type: plugin
          path: plugins/v2.wasm
          files:
            assets: assets
            config: config.txt
          fields:
            zeta: last
            count: 3
            ratio: 1.50
            enabled: true
            quoted: "42"
          canisters: [backend]
`,
        ) +
        canister('backend') +
        canister('secret'),
      files: { 'assets/a.txt': 'A', 'config.txt': 'mode=ci\n' },
      wasm: { 'plugins/v2.wasm': plugins.v2 },
      // Created (and so listed in the ids file) out of name order: icp hands a 0.2 plugin its
      // canister-ids sorted by name, which the plugin's printed input shows.
      setup: (replica, principal) => ({ ids: recorders(replica, principal, ['secret', 'backend', 'app']) }),
    },
    {
      name: 'a recipe canister with its own sync steps: the recipe’s run first',
      environment: 'e2e',
      canisters: ['app'],
      manifest: () => `  - name: app
    recipe:
      type: file://recipes/logging.hbs
      configuration:
        plugin: true
    sync:
      steps:
${logStep('order-app', 'own-1')}        - type: plugin
          path: plugins/rust.wasm
          dirs: [data]
${logStep('order-app', 'own-2')}`,
      files: { 'assets/a.txt': 'A', 'data/b.txt': 'B', 'recipes/logging.hbs': LOGGING_RECIPE },
      wasm: { 'plugins/rust.wasm': plugins.rustShaped },
      logs: ['order-app'],
      expectIcp: (icp) => {
        expect(icp.logs['order-app']).toBe('recipe-app\nown-1\nown-2\n')
        // The recipe's plugin step (put "assets") before the canister's own (put "data").
        const paths = icp.calls.filter((c) => c.method === 'put' && c.arg.length > 4).map((c) => c.arg)
        expect(paths).toEqual([Buffer.from('assets').toString('hex'), Buffer.from('data').toString('hex')])
      },
      setup: one(),
    },
    {
      name: 'upgrade_args and init_args on both canister forms',
      environment: 'e2e',
      canisters: [],
      manifest: () => `  - name: app
    build:
      steps:
        - type: script
          command: echo build
    upgrade_args: "(record { mode = 1 })"
    init_args:
      path: args/init.bin
      format: bin
    sync:
      steps:
${logStep('order-app', 'app-1')}  - name: web
    recipe:
      type: file://recipes/logging.hbs
      configuration:
        plugin: false
    upgrade_args:
      value: 4449444c0000
      format: hex
    sync:
      steps:
${logStep('order-web', 'own-1')}`,
      files: { 'recipes/logging.hbs': LOGGING_RECIPE, 'args/init.bin': 'DIDL\u0000\u0000' },
      logs: ['order-app', 'order-web'],
      expectIcp: (icp) => {
        expect(icp.logs).toEqual({ 'order-app': 'app-1\n', 'order-web': 'recipe-web\nown-1\n' })
        expect(icp.exitCode).toBe(0)
      },
      setup: (replica, principal) => ({ ids: recorders(replica, principal, ['app', 'web']) }),
    },
    {
      name: 'a Rust-shaped component (wasm32-wasip2 std imports, WASI 0.2.9)',
      environment: 'e2e',
      canisters: ['app'],
      manifest: () =>
        canister(
          'app',
          `        - type: plugin
          path: plugins/rust.wasm
          dirs: [assets, data/nested]
`,
        ),
      files: { 'assets/a.txt': 'A', 'data/nested/b.txt': 'B' },
      wasm: { 'plugins/rust.wasm': plugins.rustShaped },
      expectIcp: (icp) => {
        expect(icp.canisters.app).toEqual({ status: 'synced', persistentStderr: ['rust-shaped: done'] })
        // put(path) and put(type) per preopen, then the query.
        expect(icp.calls.map((c) => c.method)).toEqual(['canister_status', 'put', 'put', 'put', 'put', 'who'])
      },
      setup: one(),
    },
    {
      name: 'plugin returns an error',
      environment: 'error',
      canisters: ['app'],
      manifest: () => canister('app', suiteStep()),
      wasm: suiteWasm,
      setup: one(),
    },
    {
      name: 'compute limit (ICP_CLI_PLUGIN_COMPUTE_LIMIT_SECS=2)',
      environment: 'loop',
      canisters: ['app'],
      manifest: () => canister('app', suiteStep()),
      wasm: suiteWasm,
      env: { ICP_CLI_PLUGIN_COMPUTE_LIMIT_SECS: '2' },
      setup: one(),
    },
    {
      name: 'reads outside its dir at run time',
      environment: 'escape',
      canisters: ['app'],
      manifest: () => canister('app', suiteStep('          dirs: [box]\n')),
      files: { 'box/a.txt': 'inside\n', 'box/sub/b.txt': 'b', 'secret.txt': 'top secret\n' },
      symlinks: { 'box/link-out': '../secret.txt', 'box/dir-out': '..', 'box/link-in': 'a.txt' },
      wasm: suiteWasm,
      setup: one(),
    },
    {
      name: 'declares a file outside the project',
      environment: 'walk',
      canisters: ['app'],
      manifest: () => canister('app', suiteStep('          files: [../../etc/hostname]\n')),
      wasm: suiteWasm,
      setup: one(),
    },
    {
      name: 'dirs: through a symlink',
      environment: 'walk',
      canisters: ['app'],
      manifest: () => canister('app', suiteStep('          dirs: [linkdir]\n')),
      files: { 'assets/a.txt': 'A' },
      symlinks: { linkdir: 'assets' },
      wasm: suiteWasm,
      setup: one(),
    },
    // A pull request controls icp.yaml and can commit symlinks: the ways past a component-wise check.
    {
      name: 'files: a link to /proc/self behind a missing component',
      environment: 'walk',
      canisters: ['app'],
      manifest: () => canister('app', suiteStep('          files: [missing/../self/environ]\n')),
      symlinks: { self: '/proc/self' },
      wasm: suiteWasm,
      setup: one(),
    },
    {
      name: 'dirs: a link out of the project behind a missing component',
      environment: 'walk',
      canisters: ['app'],
      manifest: () => canister('app', suiteStep('          dirs: [nope/../outside]\n')),
      symlinks: { outside: '/usr' },
      wasm: suiteWasm,
      setup: one(),
    },
    {
      name: 'files: a link in the middle, reached through `..`',
      environment: 'walk',
      canisters: ['app'],
      manifest: () => canister('app', suiteStep('          files: [assets/../linkdir/a.txt]\n')),
      files: { 'assets/a.txt': 'A' },
      symlinks: { linkdir: 'assets' },
      wasm: suiteWasm,
      setup: one(),
    },
    {
      name: 'files: a dangling link',
      environment: 'walk',
      canisters: ['app'],
      manifest: () => canister('app', suiteStep('          files: [dangle]\n')),
      symlinks: { dangle: 'nowhere' },
      wasm: suiteWasm,
      setup: one(),
    },
    {
      name: 'files: a missing component that `..` takes back',
      environment: 'walk',
      canisters: ['app'],
      manifest: () => canister('app', suiteStep('          files: [missing/../config.txt]\n')),
      files: { 'config.txt': 'dev\n' },
      wasm: suiteWasm,
      setup: one(),
    },
    {
      name: 'files: a missing directory on the way',
      environment: 'walk',
      canisters: ['app'],
      manifest: () => canister('app', suiteStep('          files: [nope/x.txt]\n')),
      wasm: suiteWasm,
      setup: one(),
    },
    {
      name: 'url plugin with a wrong sha256',
      environment: 'e2e',
      canisters: ['app'],
      manifest: (ctx) =>
        canister(
          'app',
          `        - type: plugin
          url: ${ctx.serve('/seed.wasm', plugins.seedBytes)}
          sha256: ${'ab'.repeat(32)}
`,
        ),
      setup: one(),
    },
    {
      name: '10 MiB stdout flood',
      environment: 'flood',
      canisters: ['app'],
      manifest: () => canister('app', suiteStep()),
      wasm: suiteWasm,
      setup: one(),
    },
    {
      name: 'a stopped canister next to a running one',
      environment: 'e2e',
      canisters: [],
      manifest: () => canister('app', SEED_STEP) + canister('other', SEED_STEP),
      files: SEED_FILES,
      wasm: seedWasm,
      setup: (replica, principal) => {
        const ids = recorders(replica, principal, ['app', 'other'])
        replica.setStatus(ids.app!, 'stopped')
        return { ids }
      },
      difference: {
        reason:
          'icp checks every canister first and aborts the whole sync when one is not Running; we fail only ' +
          'that canister (same message) and sync the others',
        check: ({ icp, ours, ids }) => {
          const stopped = `Canister ${ids.app} is Stopped; asset sync requires it to be Running. Start it with \`icp canister start ${ids.app}\` and retry.`
          expect(icp.runError).toEqual([stopped])
          expect(icp.calls.map((c) => c.method)).toEqual(['canister_status', 'canister_status'])
          expect(icp.state.other).toBe('{"puts":[]}')
          expect(ours.runError).toEqual(['Canister(s) ["app"] failed to sync.'])
          expect(ours.canisters.app).toEqual({ status: 'failed', error: [stopped], persistentStderr: [] })
          expect(ours.canisters.other!.status).toBe('synced')
          expect(ours.calls.filter((c) => c.method === 'put').length).toBe(6)
        },
      },
    },
    {
      name: 'identity is not a controller',
      environment: 'e2e',
      canisters: ['app'],
      manifest: () => canister('app', SEED_STEP),
      files: SEED_FILES,
      wasm: seedWasm,
      setup: (replica) => {
        const id = replica.createCanister({ controllers: ['aaaaa-aa'] })
        replica.installJsCanister(id, recorderCanister())
        return { ids: { app: id } }
      },
      difference: {
        reason:
          'icp stops when the running check is refused (IC0512); we warn and sync, since a CI identity is ' +
          'often allowed to call the canister without controlling it',
        check: ({ icp, ours }) => {
          expect(icp.exitCode).toBe(1)
          expect(icp.runError![0]).toMatch(/^direct update call failed: .*IC0512/)
          expect(icp.calls.map((c) => [c.method, c.outcome])).toEqual([['canister_status', 'rejected']])
          expect(ours.exitCode).toBe(0)
          expect(ours.stderr).toContain('is not one of its controllers (IC0512); syncing anyway')
          expect(ours.calls[0]).toEqual(icp.calls[0])
          expect(ours.canisters.app!.status).toBe('synced')
        },
      },
    },
  ]
}
