import { describe, expect, test } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

import { parseCli } from '../../src/cli/args.js'
import { cacheDirFromArgv } from '../../src/cli/cache-dir.js'
import { plainObserver, ttyObserver } from '../../src/cli/terminal.js'

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
    [['--shard', '5/4'], "input '--shard': expected 'i/n' with 1 <= i <= n (e.g. 2/4), got '5/4'"],
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

describe('containment options and plugin text on a terminal', () => {
  test('--timeout-seconds and --memory-limit-mb: defaults, bounds and their errors', () => {
    expect(parseCli([], {}).options).toMatchObject({ timeoutSeconds: 600, memoryLimitMb: 2048 })
    expect(parseCli(['--timeout-seconds', '30', '--memory-limit-mb', '16'], {}).options).toMatchObject({
      timeoutSeconds: 30,
      memoryLimitMb: 16,
    })
    expect(() => parseCli(['--memory-limit-mb', '1'], {})).toThrow(
      "input '--memory-limit-mb': expected a whole number of MiB from 16 to 4096, got '1'",
    )
    expect(() => parseCli(['--memory-limit-mb', '4097'], {})).toThrow(/from 16 to 4096, got '4097'/)
    expect(() => parseCli(['--timeout-seconds', '0'], {})).toThrow(
      "input '--timeout-seconds': expected a whole number of seconds from 1 to 21600, got '0'",
    )
  })

  test('--network-url is checked up front, as the Action checks network-url', () => {
    expect(() => parseCli(['--network-url', 'file:///etc/passwd'], {})).toThrow(
      "input '--network-url': expected an http:// or https:// URL, got 'file:///etc/passwd'",
    )
    expect(() => parseCli(['--network-url', 'not a url'], {})).toThrow(
      "input '--network-url': 'not a url' is not a URL",
    )
    expect(parseCli(['--network-url', 'http://127.0.0.1:4943'], {}).options?.networkUrl).toBe(
      'http://127.0.0.1:4943',
    )
  })

  const canister = { name: 'demo', id: 'rwlgt-iiaaa-aaaaa-aaaaa-cai' }
  const step = { index: 1, total: 1, label: 'plugin path: p.wasm' }
  const hostile = [
    'csi \x1b[31mred\x1b[0m',
    'osc52 \x1b]52;c;ZXZpbA==\x07title \x1b]0;pwned\x1b\\',
    'dcs \x1bPq#0;2;0;0;0\x1b\\ apc \x1b_x\x1b\\ pm \x1b^y\x1b\\ sos \x1bXz\x1b\\',
    'c1 \x9b2J\x9d0;t\x9c lone\x1b',
    'over\rwrite back\bspace bell\x07',
  ]

  test('plain and live output: every escape family and bare CR removed, the text kept', () => {
    let plain = ''
    const observer = plainObserver({ write: (chunk: string) => (plain += chunk) })
    for (const line of hostile) observer.line(canister, step, 'stderr', line)
    let live = ''
    const tty = ttyObserver({ write: (chunk: string) => (live += chunk), columns: 200 })
    for (const line of hostile) tty.line(canister, step, 'stderr', line)
    expect(plain.split('\n').slice(0, -1)).toEqual([
      '[demo] > csi red',
      '[demo] > osc52 title ',
      '[demo] > dcs  apc  pm  sos ',
      '[demo] > c1  lone',
      '[demo] > overwrite backspace bell',
    ])
    // The live view writes its own cursor moves (ESC [ n A, ESC [ J) and nothing else.
    const own = new RegExp(String.fromCharCode(27) + '\\[\\d*[AJ]', 'g')
    expect(live.replace(own, '')).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/) // eslint-disable-line no-control-regex
    expect(live).toContain('— overwrite backspace bell')
  })

  test('on a GitHub runner the plain output brackets plugin lines with a fresh stop-commands token', () => {
    let text = ''
    const observer = plainObserver({ write: (chunk: string) => (text += chunk) }, { inert: true })
    observer.line(canister, step, 'stdout', '::error::forged')
    observer.line(canister, step, 'stdout', 'x ##[warning]forged')
    const lines = text.split('\n')
    const tokens = lines.filter((l) => l.startsWith('::stop-commands::')).map((l) => l.slice(17))
    expect(tokens).toHaveLength(2)
    expect(tokens[0]).toMatch(/^[0-9a-f]{32}$/)
    expect(tokens[0]).not.toBe(tokens[1])
    expect(lines.slice(0, 3)).toEqual([
      `::stop-commands::${tokens[0]}`,
      '[demo] > ::error::forged',
      `::${tokens[0]}::`,
    ])
  })
})
