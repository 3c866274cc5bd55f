// Declared-path checks (icp-cli 1.5.0 texts), output capture rules and the compute-limit variable.
import { join } from 'node:path'

import { beforeAll, describe, expect, test } from '@jest/globals'

import { parseCli } from '../../src/cli/args.js'
import { LineCapture, runPlugin, type NamedPath } from '../../src/plugin/index.js'
import { createWasi } from '../../src/plugin/wasi/index.js'
import { suiteV1, suiteV2 } from '../helpers/plugin-fixtures.js'
import { makeProject, request } from '../helpers/plugin-run.js'

let v1: string
let v2: string
let project: string

beforeAll(async () => {
  ;[v1, v2] = await Promise.all([suiteV1(), suiteV2()])
  project = makeProject()
}, 180_000)

async function pathError(plugin: string, dirs: NamedPath[], files: NamedPath[] = [], canisterDir = project) {
  const calls: unknown[] = []
  const result = await runPlugin({
    ...request(plugin, project, { mode: 'count' }),
    pluginPath: '/p/plugin.wasm',
    canisterDir,
    dirs,
    files,
    canisterCall: async (r) => (calls.push(r), { ok: new Uint8Array() }),
  })
  expect(calls).toEqual([])
  expect(result.ok).toBe(false)
  return result.error!
}

describe('declared paths (icp-cli 1.5.0)', () => {
  test.each([
    [[{ path: '/etc' }], "plugin path '/etc' is not a relative path (absolute paths are not allowed)"],
    [
      [{ path: 'linkdir' }],
      "plugin path 'linkdir' resolves through a symlink ('linkdir'); symlinks are not allowed in plugin paths",
    ],
    [[{ path: 'assets/nope' }], "plugin dir 'assets/nope' is not an existing directory"],
    [[{ path: 'config.txt' }], "plugin dir 'config.txt' is not an existing directory"],
  ])('dirs %j', async (dirs, message) => {
    expect(await pathError(v1, dirs)).toEqual({ kind: 'path', message, causes: [] })
  })

  test('a `..` that climbs above the project is refused even when it comes back inside', async () => {
    const name = project.split('/').pop()!
    const error = await pathError(v1, [{ path: `../${name}/assets/seed` }])
    expect(error.message).toBe(
      `plugin path '../${name}/assets/seed' resolves outside '${project}'; a plugin may only read paths inside the project directory`,
    )
    const file = await pathError(v1, [], [{ path: `../${name}/config.txt` }])
    expect(file.message).toContain('resolves outside')
  })

  test('`..` that stays inside is accepted; the guest sees the string as written', async () => {
    const result = await runPlugin({
      ...request(v1, project, { mode: 'count' }),
      canisterDir: join(project, 'assets'),
      dirs: [{ path: '../assets/./seed' }],
    })
    expect(result.error).toBeUndefined()
    expect(result.persistentStderr).toEqual(['files: 3'])
  })

  test('files: symlinked component and missing file', async () => {
    expect((await pathError(v1, [], [{ path: 'linkdir/secret.txt' }])).message).toBe(
      "plugin path 'linkdir/secret.txt' resolves through a symlink ('linkdir'); symlinks are not allowed in plugin paths",
    )
    const missing = await pathError(v1, [], [{ path: 'nope.txt' }])
    expect(missing.message).toBe(`failed to read plugin input file at ${join(project, 'nope.txt')}`)
  })

  test('list vs map form is checked against the interface version', async () => {
    expect((await pathError(v1, [{ key: 'seed', path: 'assets/seed' }])).message).toBe(
      "the plugin at /p/plugin.wasm implements icp:sync-plugin@0.1, whose entries carry no name, but 'assets/seed' was declared under the name 'seed'. Write `dirs:`/`files:` as a plain list of paths, or rebuild the plugin against icp:sync-plugin@0.2.",
    )
    expect((await pathError(v2, [{ path: 'assets/seed' }])).message).toBe(
      "the plugin at /p/plugin.wasm implements icp:sync-plugin@0.2, which has no separate `dirs:` setting. List the directory 'assets/seed' under `files:` instead — the host tells a directory from a file by what is on disk.",
    )
    expect((await pathError(v2, [], [{ path: 'config.txt' }])).message).toBe(
      "the plugin at /p/plugin.wasm implements icp:sync-plugin@0.2, which names every entry, but 'config.txt' was declared in a plain list. Write `files:` as a map of name → path, or rebuild the plugin against icp:sync-plugin@0.1.",
    )
  })

  test('a callable name unknown in the environment fails before the plugin runs', async () => {
    const result = await runPlugin({ ...request(v2, project), dirs: [], callable: ['ghost'] })
    expect(result.error).toEqual({
      kind: 'config',
      message:
        "sync plugin lists canister 'ghost' as callable, but no canister by that name is known in environment 'walk'",
      causes: [],
    })
  })
})

describe('output capture', () => {
  const enc = new TextEncoder()
  test('lines split on \\n across writes, \\r trimmed, ANSI stripped, invalid UTF-8 replaced, partial flushed', () => {
    const live: string[] = []
    const capture = new LineCapture((stream, line) => live.push(`${stream}:${line}`))
    capture.write('stdout', enc.encode('he'))
    capture.write('stdout', enc.encode('llo\r\n\x1b[1;32mgreen\x1b[0m\n'))
    capture.write('stderr', new Uint8Array([0x61, 0xff, 0x62, 0x0a, 0x74, 0x61, 0x69, 0x6c]))
    capture.finish({ stdout: 0, stderr: 0 })
    expect(live).toEqual(['stdout:hello', 'stdout:green', 'stderr:a\uFFFDb', 'stderr:tail'])
    expect(capture.persistentStderr).toEqual(['a\uFFFDb', 'tail'])
  })

  test('one truncation line per stream that dropped bytes (persistent for stderr)', () => {
    const capture = new LineCapture()
    capture.finish({ stdout: 5, stderr: 7 })
    expect(capture.output).toEqual([
      { stream: 'stdout', line: '… 5 bytes of stdout truncated' },
      { stream: 'stderr', line: '… 7 bytes of stderr truncated' },
    ])
    expect(capture.persistentStderr).toEqual(['… 7 bytes of stderr truncated'])
  })
})

describe('stand-ins', () => {
  test('sockets are denied, environment and args empty, no cwd', () => {
    const wasi = createWasi({ preopens: [], write: () => {}, memoryMb: 256 })
    for (const [iface, fn] of [
      ['wasi:sockets/tcp-create-socket', 'createTcpSocket'],
      ['wasi:sockets/udp-create-socket', 'createUdpSocket'],
      ['wasi:sockets/ip-name-lookup', 'resolveAddresses'],
    ] as const)
      expect(() => (wasi[iface]![fn] as (...a: unknown[]) => unknown)('ipv4')).toThrow('access-denied')
    const env = wasi['wasi:cli/environment']! as Record<string, () => unknown>
    expect([env.getEnvironment!(), env.getArguments!(), env.initialCwd!()]).toEqual([[], [], undefined])
  })
})

describe('ICP_CLI_PLUGIN_COMPUTE_LIMIT_SECS', () => {
  test('unset → 60; trimmed integers ≥ 1; anything else fails with icp-cli text', () => {
    const limit = (argv: string[], env: NodeJS.ProcessEnv) => parseCli(argv, env).options!.computeLimitSeconds
    const fromEnv = (env: NodeJS.ProcessEnv) => limit([], env)
    expect(fromEnv({})).toBe(60)
    expect(fromEnv({ ICP_CLI_PLUGIN_COMPUTE_LIMIT_SECS: '  42 ' })).toBe(42)
    expect(limit(['--compute-limit-seconds', '7'], { ICP_CLI_PLUGIN_COMPUTE_LIMIT_SECS: '42' })).toBe(7) // given wins
    for (const bad of ['0', 'abc', '30O', '-5', '1.5', ''])
      expect(() => fromEnv({ ICP_CLI_PLUGIN_COMPUTE_LIMIT_SECS: bad })).toThrow(
        `invalid ICP_CLI_PLUGIN_COMPUTE_LIMIT_SECS value '${bad}': expected a positive integer number of seconds`,
      )
  })
})
