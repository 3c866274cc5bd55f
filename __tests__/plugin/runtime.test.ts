// The plugin sandbox end to end: real components (componentize-js and WAT), real jco, real workers.
import { mkdtempSync, opendirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { beforeAll, describe, expect, test } from '@jest/globals'

import { runPlugin, type PluginRunResult } from '../../src/plugin/index.js'
import { transpilerAt } from '../../src/store/index.js'
import { componentFromWat } from '../helpers/wat.js'
import {
  ENV_COMPONENT_WAT,
  EXIT_COMPONENT_WAT,
  HTTP_COMPONENT_WAT,
  FUTURE_VERSION_COMPONENT_WAT,
  SOCKETS_COMPONENT_WAT,
  suiteV1,
  suiteV2,
} from '../helpers/plugin-fixtures.js'
import { makeProject, request, testHandler, type Recorded } from '../helpers/plugin-run.js'
import { ANSWER_COMPONENT_WAT, TYPES_V1_IMPORT, execExport } from '../helpers/wat.js'
import {
  RANDOM_WAT,
  WRITE_ZEROES_WAT,
  WRONG_CALL_IMPORT_WAT,
  WRONG_EXEC_WAT,
  manyMemoriesWat,
} from '../helpers/hostile-fixtures.js'

let v1: string
let v2: string
let project: string

beforeAll(async () => {
  ;[v1, v2] = await Promise.all([suiteV1(), suiteV2()])
  project = makeProject()
}, 180_000)

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

/** The raw order a directory lists in (what wasmtime shows a plugin). */
function rawOrder(dir: string, prefix: string): string[] {
  const out: string[] = []
  const handle = opendirSync(dir)
  for (let entry = handle.readSync(); entry; entry = handle.readSync()) {
    if (entry.isDirectory()) out.push(...rawOrder(join(dir, entry.name), `${prefix}/${entry.name}`))
    else if (entry.isFile()) out.push(`${prefix}/${entry.name}`)
  }
  handle.closeSync()
  return out
}

/** After every hostile case: a normal plugin must run fine in the same process. */
async function expectHealthy(): Promise<void> {
  const recorded: Recorded = { calls: [] }
  const result = await runPlugin(request(v1, project, { mode: 'count', recorded }))
  expect(result.error).toBeUndefined()
  expect(result.persistentStderr).toEqual(['files: 3'])
}

function errorOf(result: PluginRunResult) {
  expect(result.ok).toBe(false)
  return result.error!
}

describe('a normal run', () => {
  test('walks dirs in raw filesystem order, passes files inline and routes calls', async () => {
    const recorded: Recorded = { calls: [] }
    const lines: string[] = []
    const result = await runPlugin(
      request(v1, project, {
        recorded,
        files: [{ path: 'config.txt' }],
        onLine: (stream, line) => lines.push(`${stream}:${line}`),
      }),
    )
    expect(result.error).toBeUndefined()
    expect(result.ok).toBe(true)
    expect(result.interfaceVersion).toBe('0.1.0')
    const puts = recorded.calls.filter((c) => c.method === 'put').map((c) => decode(c.arg))
    const expected = rawOrder(join(project, 'assets/seed'), 'assets/seed')
    expect(puts.slice(0, -1).map((p) => p.split('=')[0])).toEqual(expected)
    expect(puts).toContain('assets/seed/a.txt=apple\n')
    expect(puts).toContain('assets/seed/sub/c.txt=cherry')
    expect(puts.at(-1)).toBe('file:config.txt=dev\n')
    expect(recorded.calls.every((c) => c.targetCanisterId === 'rwlgt-iiaaa-aaaaa-aaaaa-cai')).toBe(true)
    expect(recorded.calls.at(-1)).toMatchObject({
      method: 'get',
      callType: 'query',
      direct: true,
      cycles: 0n,
    })
    expect(result.calls).toBe(recorded.calls.length)
    expect(result.persistentStderr).toEqual([
      `registered ${expected.length} file(s) in rwlgt-iiaaa-aaaaa-aaaaa-cai (walk); get -> ${expected.length + 1} stored`,
    ])
    // Live lines arrive in order, stdout included; the result keeps everything for dumps. A cold
    // transpile cache (a fresh clone) adds the transpile's own progress lines first.
    const transpiled = result.timings.cacheHit
      ? []
      : [
          expect.stringMatching(/^stdout:Transpiling wasm component \(\d+\.\d MiB\)$/),
          expect.stringMatching(/^stdout:Transpiled in \d+\.\d s$/),
        ]
    expect(lines).toEqual([...transpiled, 'stdout:walking 1 dir(s)', `stderr:${result.persistentStderr[0]}`])
    // (the plugin's own lines: the transpile's progress is the host's, not the plugin's output)
    expect(result.output.map((o) => `${o.stream}:${o.line}`)).toEqual(lines.slice(transpiled.length))
  })

  test('8 MiB argument and 8 MiB reply cross the bridge intact', async () => {
    const recorded: Recorded = { calls: [] }
    const result = await runPlugin(request(v1, project, { mode: 'big', recorded }))
    expect(result.error).toBeUndefined()
    expect(recorded.calls[0]!.arg.length).toBe(8 * 1024 * 1024)
    expect(recorded.calls[0]!.arg[300]).toBe(300 % 251)
    expect(result.persistentStderr).toEqual([`echoed ${8 * 1024 * 1024} bytes`])
  })

  test('a warm run does not transpile again', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'icp-transpile-'))
    const cold = await runPlugin({
      ...request(v1, project, { mode: 'count' }),
      transpile: transpilerAt(cacheDir),
    })
    expect(cold.timings.cacheHit).toBe(false)
    expect(cold.timings.transpileMs).toBeGreaterThan(0)
    const warm = await runPlugin({
      ...request(v1, project, { mode: 'count' }),
      transpile: transpilerAt(cacheDir),
    })
    expect(warm.timings).toMatchObject({ cacheHit: true, transpileMs: 0 })
    expect(warm.persistentStderr).toEqual(cold.persistentStderr)
    rmSync(cacheDir, { recursive: true, force: true })
  })
})

describe('errors a plugin reports', () => {
  test('a returned error keeps its text; stderr before it is kept', async () => {
    const result = await runPlugin(request(v1, project, { mode: 'error' }))
    expect(errorOf(result)).toEqual({
      kind: 'plugin-error',
      message: 'plugin returned error: deliberate failure',
      causes: [],
    })
    expect(result.output).toEqual([
      { stream: 'stdout', line: 'error-plugin: about to fail' },
      { stream: 'stderr', line: 'error-plugin: stderr before failing' },
    ])
    expect(result.persistentStderr).toEqual(['error-plugin: stderr before failing'])
  })

  test("a canister call's error text reaches the plugin unchanged", async () => {
    const result = await runPlugin(request(v1, project, { mode: 'call-error' }))
    expect(errorOf(result).message).toBe(
      'plugin returned error: call failed as expected: canister call failed: The replica returned a rejection error: reject code CanisterReject',
    )
  })

  test('JS plugins: `throw new Error` loses its message (trap); `throw String(e)` keeps it', async () => {
    const lost = errorOf(await runPlugin(request(v1, project, { mode: 'throw-error' })))
    expect(lost.kind).toBe('trap')
    expect(lost.message).toMatch(/^failed to call exec\(\) on plugin at /)
    expect(lost.causes[0]).toMatch(/^error while executing: RuntimeError: .*unreachable/)
    expect(JSON.stringify(lost)).not.toContain('this message is lost')
    const kept = errorOf(await runPlugin(request(v1, project, { mode: 'throw-string' })))
    expect(kept).toEqual({
      kind: 'plugin-error',
      message: 'plugin returned error: Error: this message is kept',
      causes: [],
    })
    await expectHealthy()
  })
})

describe('sandbox: every escape is denied', () => {
  test('paths, symlinks pointing out and absolute paths give not-permitted; links inside work', async () => {
    const result = await runPlugin(request(v1, project, { mode: 'escape' }))
    expect(result.error).toBeUndefined()
    const report = Object.fromEntries(
      result.persistentStderr
        .join(' ')
        .split(' ')
        .map((kv) => kv.split('=')),
    )
    expect(report).toEqual({
      parent: 'not-permitted',
      nested: 'not-permitted',
      dotdot: 'not-permitted',
      absolute: 'not-permitted',
      statParent: 'not-permitted',
      linkOut: 'not-permitted',
      linkOutRead: 'not-permitted',
      linkDirOut: 'not-permitted',
      linkIn: 'ok:apple',
      noFollow: 'loop',
      readlink: `ok:${join(project, 'assets/secret.txt')}`, // as wasmtime: the link text only
      listRoot: `ok:${readdirSync(join(project, 'assets/seed')).length}`,
    })
    expect(JSON.stringify(result)).not.toContain('TOP SECRET')
    await expectHealthy()
  })

  test('create, write, truncate, rename, unlink, rmdir, symlink and link are refused; nothing changes', async () => {
    const before = readdirSync(join(project, 'assets/seed')).sort()
    const result = await runPlugin(request(v1, project, { mode: 'write' }))
    const report = Object.fromEntries(
      result.persistentStderr
        .join(' ')
        .split(' ')
        .map((kv) => kv.split('=')),
    )
    expect(Object.keys(report)).toHaveLength(12)
    for (const [op, outcome] of Object.entries(report)) expect(`${op}=${outcome}`).toBe(`${op}=not-permitted`)
    expect(readdirSync(join(project, 'assets/seed')).sort()).toEqual(before)
    expect(readFileSync(join(project, 'assets/seed/a.txt'), 'utf8')).toBe('apple\n')
    await expectHealthy()
  })

  test('the environment is empty (WAT component traps if wasi:cli/environment returns anything)', async () => {
    process.env.PLANTED_SECRET = 'must-not-leak'
    const wasm = await componentFromWat(ENV_COMPONENT_WAT)
    const result = await runPlugin({ ...request(v1, project), component: wasm, dirs: [] })
    delete process.env.PLANTED_SECRET
    expect(result.error).toBeUndefined()
    expect(result.ok).toBe(true)
  })

  test('sockets link but creating one is access-denied (WAT component traps otherwise)', async () => {
    const wasm = await componentFromWat(SOCKETS_COMPONENT_WAT)
    const result = await runPlugin({ ...request(v1, project), component: wasm, dirs: [] })
    expect(result.error).toBeUndefined()
    expect(result.ok).toBe(true)
    await expectHealthy()
  })

  test('exit traps cleanly (WAT component)', async () => {
    const wasm = await componentFromWat(EXIT_COMPONENT_WAT)
    const error = errorOf(await runPlugin({ ...request(v1, project), component: wasm, dirs: [] }))
    expect(error.kind).toBe('trap')
    expect(error.causes).toEqual([
      'plugin called wasi:cli/exit with status 1 (a sync plugin must return from exec)',
    ])
    await expectHealthy()
  })

  test('a component importing wasi:http is refused before it is instantiated, naming the import', async () => {
    const calls: unknown[] = []
    const wasm = await componentFromWat(HTTP_COMPONENT_WAT)
    const error = errorOf(
      await runPlugin({
        ...request(v1, project),
        component: wasm,
        canisterCall: async (r) => (calls.push(r), { ok: new Uint8Array() }),
      }),
    )
    expect(error.kind).toBe('refused-import')
    expect(error.causes[0]).toContain('`wasi:http/outgoing-handler@0.2.0`')
    expect(calls).toEqual([])
  })
})

describe('budgets stop runaway plugins and leave the process healthy', () => {
  test('infinite loop → compute limit with icp-cli text', async () => {
    const started = performance.now()
    const result = await runPlugin(
      request(v1, project, { mode: 'loop', limits: { computeSeconds: 1, memoryMb: 1024 } }),
    )
    const error = errorOf(result)
    expect(error.kind).toBe('compute-limit')
    expect(error.causes).toEqual([
      'plugin exceeded the 1s compute-time limit. If this plugin legitimately needs more compute time (e.g. brotli-compressing a large asset bundle), raise the limit by setting ICP_CLI_PLUGIN_COMPUTE_LIMIT_SECS above 1s.',
    ])
    expect(performance.now() - started).toBeLessThan(5000)
    expect(result.output).toEqual([{ stream: 'stdout', line: 'spinning' }])
    await expectHealthy()
  })

  test('time blocked in canister calls is not compute time', async () => {
    const recorded: Recorded = { calls: [] }
    // 4 × (250 ms spin + 600 ms call) with a 2 s budget: compute ≈ 1.1 s, wall ≈ 3.5 s → succeeds.
    const result = await runPlugin(
      request(v1, project, {
        mode: 'compute-then-call',
        dirs: [],
        files: [{ path: 'rounds.txt' }],
        canisterCall: testHandler(recorded, 600),
        limits: { computeSeconds: 2, memoryMb: 1024 },
        canisterDir: await writeParam('4,250'),
      }),
    )
    expect(result.error).toBeUndefined()
    expect(result.persistentStderr).toEqual(['finished 4 rounds'])
    expect(result.timings.callMs).toBeGreaterThan(2300)
    expect(result.timings.computeMs).toBeLessThan(2000)
    // Calls then a spin: killed for compute although the wall clock ran far longer.
    const spin = await runPlugin(
      request(v1, project, {
        mode: 'call-loop',
        dirs: [],
        files: [{ path: 'rounds.txt' }],
        canisterCall: testHandler({ calls: [] }, 600),
        limits: { computeSeconds: 1, memoryMb: 1024 },
        canisterDir: await writeParam('3'),
      }),
    )
    expect(errorOf(spin).kind).toBe('compute-limit')
    expect(spin.timings.callMs).toBeGreaterThan(1700)
    await expectHealthy()
  })

  test('a canister call that never answers → wall-clock limit', async () => {
    const result = await runPlugin(
      request(v1, project, {
        mode: 'call-loop',
        canisterCall: () => new Promise(() => {}),
        limits: { computeSeconds: 30, wallSeconds: 1, memoryMb: 1024 },
      }),
    )
    const error = errorOf(result)
    expect(error.kind).toBe('wall-limit')
    expect(error.causes[0]).toMatch(/exceeded the 1s wall-clock limit/)
    await expectHealthy()
  })

  test('memory bomb → memory limit', async () => {
    const result = await runPlugin(
      request(v1, project, { mode: 'membomb', limits: { computeSeconds: 30, memoryMb: 256 } }),
    )
    const error = errorOf(result)
    expect(error.kind).toBe('memory-limit')
    expect(error.causes[0]).toMatch(/^memory limit \(256 MiB\) exceeded/)
    await expectHealthy()
  })

  test('deep recursion → clean trap', async () => {
    const error = errorOf(await runPlugin(request(v1, project, { mode: 'recurse' })))
    expect(error.kind).toBe('trap')
    await expectHealthy()
  })

  test('10 MiB output flood → 1 MiB kept per stream plus one truncation line; ANSI and \\r stripped', async () => {
    const lines: string[] = []
    const result = await runPlugin(request(v1, project, { mode: 'flood', onLine: (_s, l) => lines.push(l) }))
    expect(result.error).toBeUndefined()
    const stdout = result.output.filter((o) => o.stream === 'stdout')
    expect(stdout).toHaveLength(1024 + 1)
    expect(stdout.at(-1)!.line).toBe(`… ${10 * 1024 * 1024 - 1024 * 1024} bytes of stdout truncated`)
    expect(result.persistentStderr).toEqual(['red after flood'])
    expect(lines).toHaveLength(result.output.length)
    await expectHealthy()
  })
})

/** Runs `fn` while sampling this process's RSS every 5 ms; returns its result and the growth in MB. */
async function rssGrowth<T>(fn: () => Promise<T>): Promise<{ result: T; growthMb: number }> {
  const before = process.memoryUsage.rss()
  let peak = before
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5)
  try {
    const result = await fn()
    return { result, growthMb: (Math.max(peak, process.memoryUsage.rss()) - before) / 1024 / 1024 }
  } finally {
    clearInterval(sampler)
  }
}

describe('containment: what a hostile plugin cannot get around', () => {
  test('24 memories × 125 MiB under a 256 MiB budget → memory limit, RSS bounded by the budget', async () => {
    const wasm = await componentFromWat(manyMemoriesWat(24, 125))
    const { result, growthMb } = await rssGrowth(() =>
      runPlugin({
        ...request(v1, project),
        component: wasm,
        dirs: [],
        limits: { computeSeconds: 30, memoryMb: 256 },
      }),
    )
    const error = errorOf(result)
    expect(error.kind).toBe('memory-limit')
    expect(error.causes[0]).toMatch(/^memory limit \(256 MiB\) exceeded/)
    expect(growthMb).toBeLessThan(400) // 3 GB without a budget across memories
    await expectHealthy()
  })

  test('a core module instantiated twice cannot double its share of the budget', async () => {
    const wasm = await componentFromWat(`(component
      ${TYPES_V1_IMPORT}
      (core module $m (memory 1))
      (core instance $a (instantiate $m))
      (core instance $b (instantiate $m))
      (core module $main (func (export "exec")))
      (core instance $i (instantiate $main))
      ${execExport('$i')})`)
    const error = errorOf(await runPlugin({ ...request(v1, project), component: wasm, dirs: [] }))
    expect(error.kind).toBe('memory-limit')
    expect(error.causes[0]).toMatch(
      /^memory limit \(1024 MiB\) exceeded: core module .* is instantiated again/,
    )
    await expectHealthy()
  })

  test('a core module exporting a reserved icp-sync:* name is refused before it runs, not a host error', async () => {
    const wasm = await componentFromWat(`(component
      ${TYPES_V1_IMPORT}
      (core module $m (func (export "exec")) (func (export "icp-sync:memory:7")))
      (core instance $i (instantiate $m))
      ${execExport('$i')})`)
    const error = errorOf(await runPlugin({ ...request(v1, project), component: wasm, dirs: [] }))
    expect(error).toEqual({
      kind: 'instantiate',
      message: expect.stringMatching(/^failed to instantiate wasm component at /),
      causes: [
        "a core module exports 'icp-sync:memory:7'; export names starting with 'icp-sync:' are reserved for the host",
      ],
    })
    await expectHealthy()
  })

  test('a memory whose minimum is over the budget is refused before it runs', async () => {
    const wasm = await componentFromWat(`(component
      ${TYPES_V1_IMPORT}
      (core module $m (memory 8192) (func (export "exec")))
      (core instance $i (instantiate $m))
      ${execExport('$i')})`)
    const error = errorOf(
      await runPlugin({
        ...request(v1, project),
        component: wasm,
        dirs: [],
        limits: { computeSeconds: 30, memoryMb: 256 },
      }),
    )
    expect(error).toMatchObject({ kind: 'memory-limit' })
    expect(error.causes).toEqual([
      expect.stringMatching(
        /^memory limit \(256 MiB\) exceeded: the plugin's memories and tables need 512\.\d MiB at start$/,
      ),
    ])
    await expectHealthy()
  })

  test('write-zeroes of 1 GiB is refused (last-operation-failed), nothing allocated', async () => {
    const wasm = await componentFromWat(WRITE_ZEROES_WAT)
    const { result, growthMb } = await rssGrowth(() =>
      runPlugin({ ...request(v1, project), component: wasm, dirs: [] }),
    )
    expect(result.error).toBeUndefined() // the WAT traps unless the host refused
    expect(growthMb).toBeLessThan(200)
    await expectHealthy()
  })

  test('get-random-bytes of 1 GiB → memory limit, nothing allocated', async () => {
    const wasm = await componentFromWat(RANDOM_WAT)
    const { result, growthMb } = await rssGrowth(() =>
      runPlugin({
        ...request(v1, project),
        component: wasm,
        dirs: [],
        limits: { computeSeconds: 30, memoryMb: 256 },
      }),
    )
    expect(errorOf(result)).toEqual({
      kind: 'memory-limit',
      message: expect.stringMatching(/^failed to call exec\(\) on plugin at /),
      causes: [
        'memory limit (256 MiB) exceeded: the plugin asked wasi:random for 1073741824 bytes in one call (at most 16777216)',
      ],
    })
    expect(growthMb).toBeLessThan(200)
    await expectHealthy()
  })

  test('exec: func(u32) -> u32 is refused before instantiation, naming what does not match', async () => {
    const wasm = await componentFromWat(WRONG_EXEC_WAT)
    const error = errorOf(
      await runPlugin({ ...request(v1, project), component: wasm, pluginPath: '/p/x.wasm' }),
    )
    expect(error).toEqual({
      kind: 'instantiate',
      message: 'failed to instantiate wasm component at /p/x.wasm',
      causes: [
        expect.stringMatching(
          /^type mismatch for export `exec`: parameter 1: expected record, found u32; expected func\(input: record \{ canister-id: string, .* \}\) -> result<_, string>, found func\(input: u32\) -> u32$/,
        ),
      ],
    })
    await expectHealthy()
  })

  test('a canister-call import of the wrong type is refused; a v2 plugin is checked against the 0.2 world', async () => {
    const wasm = await componentFromWat(WRONG_CALL_IMPORT_WAT)
    const error = errorOf(await runPlugin({ ...request(v1, project), component: wasm }))
    expect(error.kind).toBe('instantiate')
    expect(error.causes).toEqual([
      expect.stringMatching(
        /^type mismatch for import `canister-call`: parameter 1: expected record, found u32; /,
      ),
    ])
    // The well-typed WAT fixtures and both JS suites pass the same check (they run in the tests above).
    await expectHealthy()
  })

  test('50,000 directory streams: the handle cap answers insufficient-memory, no descriptor is held', async () => {
    const result = await runPlugin(request(v1, project, { mode: 'handles' }))
    expect(result.error).toBeUndefined()
    expect(result.persistentStderr).toEqual(['opened 10000; then insufficient-memory'])
    await expectHealthy()
  })
})

describe('interface versions', () => {
  test('0.2.0: keyed files and dirs, fields, ids, call targets and metadata sections', async () => {
    const recorded: Recorded = { calls: [] }
    const metadata: unknown[] = []
    const result = await runPlugin({
      ...request(v2, project, { recorded }),
      dirs: [],
      files: [
        { key: 'seed', path: 'assets/seed' },
        { key: 'cfg', path: 'config.txt' },
      ],
      fields: [{ name: 'mode', value: 'fast' }],
      callable: ['backend'],
      input: {
        canisterId: 'rwlgt-iiaaa-aaaaa-aaaaa-cai',
        environment: 'staging',
        identityPrincipal: '2vxsx-fae',
        proxyCanisterId: 'ryjl3-tyaaa-aaaaa-aaaba-cai',
        apiUrl: 'http://127.0.0.1:4943',
        gatewayUrl: 'http://localhost:4943',
        canisterIds: [
          { name: 'frontend', id: 'rwlgt-iiaaa-aaaaa-aaaaa-cai' },
          { name: 'backend', id: 'rrkah-fqaaa-aaaaa-aaaaq-cai' },
          { name: 'secret', id: 'r7inp-6aaaa-aaaaa-aaabq-cai' },
        ],
      },
      canisterCall: async (req) => {
        recorded.calls.push(req)
        return {
          ok: new TextEncoder().encode(
            `${req.targetCanisterId}/${req.targetName ?? 'host'}/${decode(req.arg)}`,
          ),
        }
      },
      metadataSection: async (req) => {
        metadata.push(req)
        return { ok: req.name === 'candid:service' ? new TextEncoder().encode('service : {}') : undefined }
      },
    })
    expect(result.error).toBeUndefined()
    expect(result.interfaceVersion).toBe('0.2.0')
    const [input, ...rest] = result.persistentStderr
    expect(JSON.parse(input!)).toEqual({
      canisterId: 'rwlgt-iiaaa-aaaaa-aaaaa-cai',
      environment: 'staging',
      apiUrl: 'http://127.0.0.1:4943',
      gatewayUrl: 'http://localhost:4943',
      dirs: [{ key: 'seed', path: 'assets/seed' }],
      files: [{ key: 'cfg', name: 'config.txt', content: 'dev\n' }],
      fields: [{ name: 'mode', value: 'fast' }],
      identityPrincipal: '2vxsx-fae',
      proxyCanisterId: 'ryjl3-tyaaa-aaaaa-aaaba-cai',
      canisterIds: [
        { name: 'frontend', id: 'rwlgt-iiaaa-aaaaa-aaaaa-cai' },
        { name: 'backend', id: 'rrkah-fqaaa-aaaaa-aaaaq-cai' },
        { name: 'secret', id: 'r7inp-6aaaa-aaaaa-aaabq-cai' },
      ],
      preopens: ['assets/seed'],
    })
    expect(rest).toEqual([
      'host -> rwlgt-iiaaa-aaaaa-aaaaa-cai/host/h',
      'backend -> rrkah-fqaaa-aaaaa-aaaaq-cai/backend/b',
      "secret -> plugin is not permitted to call canister 'secret': declare it in the sync step's `canisters` list to allow it",
      'metadata candid:service -> service : {}',
      'metadata nope -> none',
    ])
    // The unlisted name never reached the handler.
    expect(recorded.calls.map((c) => c.targetName)).toEqual([undefined, 'backend'])
    expect(recorded.calls[1]).toMatchObject({ callType: 'update', direct: false, cycles: 7n })
    expect(metadata).toHaveLength(2)
  })

  test('an interface version icp-cli does not load is refused with the supported list', async () => {
    const wasm = await componentFromWat(FUTURE_VERSION_COMPONENT_WAT)
    const error = errorOf(
      await runPlugin({ ...request(v1, project), component: wasm, pluginPath: '/p/future.wasm' }),
    )
    expect(error).toEqual({
      kind: 'unsupported-interface',
      message:
        'wasm component at /p/future.wasm does not implement a supported sync-plugin interface (it imports icp:sync-plugin/types@0.3.0). Supported: icp:sync-plugin@0.1 and icp:sync-plugin@0.2.',
      causes: [],
    })
    const none = errorOf(
      await runPlugin({ ...request(v1, project), component: await componentFromWat(ANSWER_COMPONENT_WAT) }),
    )
    expect(none.kind).toBe('unsupported-interface')
    expect(none.message).toContain('(no icp:sync-plugin/types@<version> import found)')
  })

  test('bytes that are not a component are a bad component', async () => {
    const garbage = errorOf(
      await runPlugin({
        ...request(v1, project),
        component: new Uint8Array([1, 2, 3]),
        pluginPath: '/p/x.wasm',
      }),
    )
    expect(garbage).toEqual({
      kind: 'bad-component',
      message: 'failed to load wasm component from /p/x.wasm',
      causes: ['not a WebAssembly binary (bad magic number)'],
    })
    const core = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])
    expect(errorOf(await runPlugin({ ...request(v1, project), component: core })).causes).toEqual([
      'this is a core WebAssembly module, not a component',
    ])
  })
})

/** A canister dir inside the project whose `rounds.txt` carries the mode's parameter. */
async function writeParam(content: string): Promise<string> {
  const dir = mkdtempSync(join(project, 'canister-'))
  writeFileSync(join(dir, 'rounds.txt'), content)
  return dir
}
