import { describe, expect, test } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

import { parseCli } from '../../src/cli/args.js'
import { cacheDirFromArgv } from '../../src/cli/cache-dir.js'
import { plainObserver, ttyObserver } from '../../src/report/terminal.js'

describe('CLI arguments', () => {
  test('names, flags and files become SyncOptions', () => {
    const dir = mkdtempSync(join(tmpdir(), 'icp-sync-cli-args-'))
    writeFileSync(join(dir, 'key.pem'), 'PEM TEXT\n')
    writeFileSync(join(dir, 'pw'), 'hunter22\n')
    const parsed = parseCli(
      [
        'sync',
        'backend,frontend',
        'worker',
        '-e',
        'staging',
        '-p',
        dir,
        '--identity-pem-file',
        join(dir, 'key.pem'),
        '--identity-password-file',
        join(dir, 'pw'),
        '--canister-ids',
        '{"backend": "rrkah-fqaaa-aaaaa-aaaaq-cai"}',
        '--proxy',
        'ryjl3-tyaaa-aaaaa-aaaba-cai',
        '--parallel',
        '3',
        '--shard',
        '2/4',
        '--json',
      ],
      {},
    )
    expect(parsed.command).toBe('sync')
    expect(parsed.json).toBe(true)
    expect(parsed.options).toMatchObject({
      projectDir: resolve(dir),
      environment: 'staging',
      canisters: ['backend', 'frontend', 'worker'],
      identityPem: 'PEM TEXT\n',
      identityPassword: 'hunter22',
      canisterIds: { backend: 'rrkah-fqaaa-aaaaa-aaaaq-cai' },
      proxy: 'ryjl3-tyaaa-aaaaa-aaaba-cai',
      parallel: 3,
      shard: { index: 2, count: 4 },
      computeLimitSeconds: 60,
    })
  })

  test('the environment comes from ICP_ENVIRONMENT, the compute limit from its variable', () => {
    const parsed = parseCli([], { ICP_ENVIRONMENT: 'ci', ICP_CLI_PLUGIN_COMPUTE_LIMIT_SECS: ' 42 ' })
    expect(parsed.options).toMatchObject({ environment: 'ci', computeLimitSeconds: 42 })
  })

  test.each([
    [['--parallel', '0'], "input '--parallel': expected a whole number from 1 to 64, got '0'"],
    [
      ['--compute-limit-seconds', '1.5'],
      "input '--compute-limit-seconds': expected a positive integer number of seconds",
    ],
    [['--shard', '5/4'], "input '--shard': expected 'i/n' with 1 <= i <= n, got '5/4'"],
    [['--script-steps', 'maybe'], "input '--script-steps': expected run or skip, got 'maybe'"],
    [['--proxy', 'not-a-principal'], "input '--proxy': 'not-a-principal' is not a valid principal"],
    [['--canister-ids', '[1, 2]'], "input '--canister-ids': expected a map of canister name to principal"],
    [
      ['--canister-ids', 'backend: rrkah-fqaaa-aaaaa-aaaaq-caj'],
      "input '--canister-ids': the ID of canister 'backend' is not a valid principal: 'rrkah-fqaaa-aaaaa-aaaaq-caj'",
    ],
    [
      ['--identity-pem-file', '/nonexistent/key.pem'],
      "input '--identity-pem-file': cannot read '/nonexistent/key.pem': ENOENT",
    ],
  ])('%j is refused, naming the flag', (argv, message) => {
    expect(() => parseCli(argv, {})).toThrow(message)
  })

  test('an invalid ICP_CLI_PLUGIN_COMPUTE_LIMIT_SECS gets icp’s message', () => {
    expect(() => parseCli([], { ICP_CLI_PLUGIN_COMPUTE_LIMIT_SECS: '30O' })).toThrow(
      "invalid ICP_CLI_PLUGIN_COMPUTE_LIMIT_SECS value '30O': expected a positive integer number of seconds",
    )
  })

  test('inspect takes one file', () => {
    expect(parseCli(['inspect', 'p.wasm'], {})).toMatchObject({ command: 'inspect', file: 'p.wasm' })
    expect(() => parseCli(['inspect'], {})).toThrow('inspect takes exactly one plugin file')
  })
})

describe('terminal output', () => {
  const canister = { name: 'demo', id: 'rwlgt-iiaaa-aaaaa-aaaaa-cai' }
  const step = { index: 1, total: 1, label: 'plugin path: p.wasm' }

  test('plain lines carry the canister name', () => {
    let text = ''
    const observer = plainObserver({ write: (chunk: string) => (text += chunk) })
    observer.stepStarted(canister, step)
    observer.line(canister, step, 'stdout', 'working')
    expect(text).toBe('[demo] Syncing: plugin path: p.wasm 1 of 1\n[demo] > working\n')
  })

  test('the live view redraws one status row per running canister in place', () => {
    let text = ''
    const observer = ttyObserver({ write: (chunk: string) => (text += chunk), columns: 60 })
    observer.stepStarted(canister, step)
    observer.line(canister, step, 'stdout', 'uploading 1 of 2')
    observer.line(canister, step, 'stdout', 'uploading 2 of 2')
    const redraws = text.split('\x1b[1A\x1b[J')
    expect(redraws.length).toBe(3) // the first draw, then two redraws over the previous row
    expect(redraws.at(-1)).toBe('⏳ demo 1/1 plugin path: p.wasm — uploading 2 of 2\n')
    observer.info('x'.repeat(10))
    observer.line(canister, step, 'stdout', 'y'.repeat(200))
    const ansi = new RegExp(String.fromCharCode(27) + '\\[\\d*[AJ]', 'g')
    expect(text.split('\n').every((line) => line.replace(ansi, '').length <= 60)).toBe(true)
  })
})

describe('the cache directory, read before the CLI loads (for the V8 compile cache)', () => {
  test('agrees with parseCli for every way of giving it', () => {
    const env = { ICP_SYNC_CACHE_DIR: '/from/env', HOME: '/home/u' }
    for (const argv of [
      [],
      ['--cache-dir', 'rel/dir'],
      ['--cache-dir=/abs/dir'],
      ['sync', '-e', 'x', '--cache-dir', '/late'],
      ['--', '--cache-dir', '/not/an/option'],
    ]) {
      const expected = argv[0] === '--' ? '/from/env' : parseCli(argv, env).cacheDir
      expect(cacheDirFromArgv(argv, env)).toBe(expected)
    }
    expect(cacheDirFromArgv([], { XDG_CACHE_HOME: '/xdg' })).toBe('/xdg/icp-sync')
  })
})
