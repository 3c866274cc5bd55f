// Plugin sources: `path` next to the canister, `url` through the content-addressed cache, served by a
// real loopback HTTP server and fetched by the real download functions (fetch for the CLI, @actions/http-client
// for the Action).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { createHash, randomBytes } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { createHttpClientDownload } from '../../src/action/download.js'
import { createFetchDownload } from '../../src/store/download.js'
import {
  type DownloadFn,
  PluginSourceError,
  type ResolvePluginSourceRequest,
  resolvePluginSource,
} from '../../src/store/source.js'
import { PluginHttpServer, closedPort } from '../helpers/http-server.js'

const PLUGIN = new Uint8Array(randomBytes(64 * 1024))
const SHA = createHash('sha256').update(PLUGIN).digest('hex')
const OTHER_SHA = createHash('sha256').update('something else').digest('hex')

const fastFetch = createFetchDownload({ attempts: 3, retryDelayMs: 10 })

function workDir(): { canisterDir: string; cacheDir: string } {
  const root = mkdtempSync(join(tmpdir(), 'icp-sync-source-'))
  mkdirSync(join(root, 'canister'))
  return { canisterDir: join(root, 'canister'), cacheDir: join(root, 'cache') }
}

async function resolveWithLog(req: ResolvePluginSourceRequest) {
  const lines: string[] = []
  const result = await resolvePluginSource({ ...req, onProgress: (line) => lines.push(line) })
  return { result, lines }
}

async function failure(promise: Promise<unknown>): Promise<PluginSourceError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(PluginSourceError)
  return error as PluginSourceError
}

/** Entries in the plugin cache, staging directories included. */
function cacheEntries(cacheDir: string): string[] {
  const wasms = join(cacheDir, 'wasms')
  return existsSync(wasms) ? readdirSync(wasms) : []
}

describe('path sources', () => {
  test('reads the file relative to the canister directory, with and without sha256', async () => {
    const { canisterDir, cacheDir } = workDir()
    mkdirSync(join(canisterDir, 'build'))
    writeFileSync(join(canisterDir, 'build/p.wasm'), PLUGIN)

    const plain = await resolveWithLog({ source: { path: 'build/p.wasm' }, canisterDir, cacheDir })
    expect(Buffer.from(plain.result.bytes).equals(Buffer.from(PLUGIN))).toBe(true)
    expect(plain.result).toMatchObject({
      sha256: SHA,
      location: join(canisterDir, 'build/p.wasm'),
      cacheHit: false,
    })
    expect(plain.lines).toEqual([`Reading wasm: ${join(canisterDir, 'build/p.wasm')}`])

    const checked = await resolveWithLog({
      source: { path: 'build/p.wasm' },
      sha256: SHA,
      canisterDir,
      cacheDir,
    })
    expect(checked.result.sha256).toBe(SHA)
    expect(checked.lines).toEqual([
      `Reading wasm: ${join(canisterDir, 'build/p.wasm')}`,
      'Verifying checksum',
    ])
    expect(cacheEntries(cacheDir)).toEqual([])
  })

  test('a wrong sha256 fails with icp-cli text', async () => {
    const { canisterDir, cacheDir } = workDir()
    writeFileSync(join(canisterDir, 'p.wasm'), PLUGIN)
    const error = await failure(
      resolvePluginSource({ source: { path: 'p.wasm' }, sha256: OTHER_SHA, canisterDir, cacheDir }),
    )
    expect(error.message).toBe(`checksum mismatch, expected: ${OTHER_SHA}, actual: ${SHA}`)
  })

  test('an uppercase sha256 fails like icp-cli (lowercase hex compared with ==)', async () => {
    const { canisterDir, cacheDir } = workDir()
    writeFileSync(join(canisterDir, 'p.wasm'), PLUGIN)
    const upper = SHA.toUpperCase()
    const error = await failure(
      resolvePluginSource({ source: { path: 'p.wasm' }, sha256: upper, canisterDir, cacheDir }),
    )
    expect(error.message).toBe(`checksum mismatch, expected: ${upper}, actual: ${SHA}`)
  })

  test('a missing file names the manifest path', async () => {
    const { canisterDir, cacheDir } = workDir()
    const error = await failure(
      resolvePluginSource({ source: { path: '../build/nope.wasm' }, canisterDir, cacheDir }),
    )
    expect(error.message).toBe(`failed to read wasm file at '../build/nope.wasm'`)
    expect(error.causes).toEqual(['No such file or directory (os error 2)'])
  })
})

describe.each<[string, () => DownloadFn]>([
  ['fetch (CLI)', () => fastFetch],
  ['http-client (Action)', () => createHttpClientDownload({ retryDelayMs: 1 })],
])('url sources through %s', (_name, makeDownload) => {
  let server: PluginHttpServer
  let download: DownloadFn

  beforeAll(async () => {
    server = await PluginHttpServer.start()
    download = makeDownload()
  })
  afterAll(async () => {
    await server.stop()
  })

  test('right sha256: downloaded, stored under wasms/<sha256>, and a second resolve makes no request', async () => {
    const { canisterDir, cacheDir } = workDir()
    const url = server.route('/right.wasm', { body: PLUGIN })
    const first = await resolveWithLog({ source: { url }, sha256: SHA, canisterDir, cacheDir, download })
    const entry = join(cacheDir, 'wasms', SHA, 'module.wasm')
    expect(first.result).toMatchObject({ sha256: SHA, location: entry, cacheHit: false })
    expect(first.lines).toEqual([
      `Fetching wasm: ${url}`,
      expect.stringMatching(/^Downloaded 64\.0 KiB in \d+\.\d s$/),
      'Verifying checksum',
    ])
    expect(readFileSync(entry).equals(Buffer.from(PLUGIN))).toBe(true)
    expect(cacheEntries(cacheDir)).toEqual([SHA])
    expect(server.requests('/right.wasm')).toBe(1)

    const second = await resolveWithLog({ source: { url }, sha256: SHA, canisterDir, cacheDir, download })
    expect(second.result).toMatchObject({ sha256: SHA, location: entry, cacheHit: true })
    expect(Buffer.from(second.result.bytes).equals(Buffer.from(PLUGIN))).toBe(true)
    expect(second.lines).toEqual(['Using cached file', 'Verifying checksum'])
    expect(server.requests('/right.wasm')).toBe(1)
  })

  test('wrong sha256: icp-cli text, nothing cached', async () => {
    const { canisterDir, cacheDir } = workDir()
    const url = server.route('/wrong.wasm', { body: PLUGIN })
    const error = await failure(
      resolvePluginSource({ source: { url }, sha256: OTHER_SHA, canisterDir, cacheDir, download }),
    )
    expect(error.message).toBe(`checksum mismatch, expected: ${OTHER_SHA}, actual: ${SHA}`)
    expect(cacheEntries(cacheDir)).toEqual([])
  })

  test('500 then 200: retried, then cached', async () => {
    const { canisterDir, cacheDir } = workDir()
    const url = server.route('/flaky.wasm', { body: PLUGIN, failTimes: 2, failStatus: 500 })
    const { result } = await resolveWithLog({ source: { url }, sha256: SHA, canisterDir, cacheDir, download })
    expect(result.sha256).toBe(SHA)
    expect(server.requests('/flaky.wasm')).toBe(3)
    expect(cacheEntries(cacheDir)).toEqual([SHA])
  })

  test('a truncated body is an error and nothing is cached', async () => {
    const { canisterDir, cacheDir } = workDir()
    const url = server.route('/cut.wasm', { body: PLUGIN, truncateAt: 1000 })
    const error = await failure(
      resolvePluginSource({ source: { url }, sha256: SHA, canisterDir, cacheDir, download }),
    )
    expect(error.message).toBe('failed to read http response')
    expect(error.causes.join('\n')).toMatch(/aborted|terminated|broke off|Content-Length/)
    expect(server.requests('/cut.wasm')).toBe(3) // every attempt was cut short
    expect(cacheEntries(cacheDir)).toEqual([])
  })

  test('404: icp-cli text, not retried, nothing cached', async () => {
    const { canisterDir, cacheDir } = workDir()
    const url = server.url('/missing.wasm')
    const error = await failure(
      resolvePluginSource({ source: { url }, sha256: SHA, canisterDir, cacheDir, download }),
    )
    expect(error.message).toBe('http request failed: 404 Not Found')
    expect(server.requests('/missing.wasm')).toBe(1)
    expect(cacheEntries(cacheDir)).toEqual([])
  })

  test('a tampered cache entry is detected, discarded and downloaded again', async () => {
    const { canisterDir, cacheDir } = workDir()
    const url = server.route('/tampered.wasm', { body: PLUGIN })
    await resolvePluginSource({ source: { url }, sha256: SHA, canisterDir, cacheDir, download })
    const entry = join(cacheDir, 'wasms', SHA, 'module.wasm')
    writeFileSync(entry, 'not the plugin')

    const warnings: string[] = []
    const again = await resolvePluginSource({
      source: { url },
      sha256: SHA,
      canisterDir,
      cacheDir,
      download,
      onWarning: (message) => warnings.push(message),
    })
    expect(again.cacheHit).toBe(false)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain(`cached plugin ${entry} does not match its sha256`)
    expect(server.requests('/tampered.wasm')).toBe(2)
    expect(readFileSync(entry).equals(Buffer.from(PLUGIN))).toBe(true)
  })
})

describe('path sources in untrusted mode (confineTo): checked again and read without following links', () => {
  test('a plugin file that is a symlink is refused, though a plain read follows it', async () => {
    const { canisterDir, cacheDir } = workDir()
    writeFileSync(join(canisterDir, 'real.wasm'), PLUGIN)
    symlinkSync('real.wasm', join(canisterDir, 'p.wasm'))
    const plain = await resolvePluginSource({ source: { path: 'p.wasm' }, canisterDir, cacheDir })
    expect(plain.sha256).toBe(SHA)
    const error = await failure(
      resolvePluginSource({ source: { path: 'p.wasm' }, canisterDir, cacheDir, confineTo: canisterDir }),
    )
    expect(error.message).toBe("failed to read wasm file at 'p.wasm'")
    expect(error.causes).toEqual([
      "plugin path 'p.wasm' resolves through a symlink ('p.wasm'); symlinks are not allowed in plugin paths",
    ])
  })

  test('a FIFO is refused without blocking; a regular file inside the project is read', async () => {
    const { canisterDir, cacheDir } = workDir()
    execFileSync('mkfifo', [join(canisterDir, 'fifo.wasm')])
    const error = await failure(
      resolvePluginSource({ source: { path: 'fifo.wasm' }, canisterDir, cacheDir, confineTo: canisterDir }),
    )
    expect(error.causes).toEqual(['not a regular file'])
    writeFileSync(join(canisterDir, 'p.wasm'), PLUGIN)
    const ok = await resolvePluginSource({
      source: { path: 'p.wasm' },
      sha256: SHA,
      canisterDir,
      cacheDir,
      confineTo: canisterDir,
    })
    expect(ok.sha256).toBe(SHA)
  })
})

describe('url sources that never reach the network', () => {
  test('file:// is refused like icp-cli, even when the cache holds the sha256', async () => {
    const { canisterDir, cacheDir } = workDir()
    mkdirSync(join(cacheDir, 'wasms', SHA), { recursive: true })
    writeFileSync(join(cacheDir, 'wasms', SHA, 'module.wasm'), PLUGIN)
    writeFileSync(join(canisterDir, 'p.wasm'), PLUGIN)
    let called = 0
    const download: DownloadFn = async () => void called++
    const url = `file://${join(canisterDir, 'p.wasm')}`
    const error = await failure(
      resolvePluginSource({ source: { url }, sha256: SHA, canisterDir, cacheDir, download }),
    )
    expect(error.message).toBe('failed to fetch wasm file')
    expect(error.causes).toEqual([`builder error for url (${url})`, 'URL scheme is not allowed'])
    expect(called).toBe(0)
  })

  test('a URL without sha256 and an unparseable URL are refused', async () => {
    const { canisterDir, cacheDir } = workDir()
    const noSha = await failure(
      resolvePluginSource({ source: { url: 'https://example.invalid/p.wasm' }, canisterDir, cacheDir }),
    )
    expect(noSha.message).toBe('plugin with `url` requires `sha256` for integrity verification')
    const bad = await failure(
      resolvePluginSource({ source: { url: 'not a url' }, sha256: SHA, canisterDir, cacheDir }),
    )
    expect(bad.message).toBe('failed to parse wasm url')
  })

  test('a refused connection is retried, then reported with its cause', async () => {
    const { canisterDir, cacheDir } = workDir()
    const url = `http://127.0.0.1:${await closedPort()}/p.wasm`
    const lines: string[] = []
    const download = createFetchDownload({ attempts: 2, retryDelayMs: 1 })
    const error = await failure(
      resolvePluginSource({
        source: { url },
        sha256: SHA,
        canisterDir,
        cacheDir,
        download,
        onProgress: (line) => lines.push(line),
      }),
    )
    expect(error.message).toBe('failed to fetch wasm file')
    expect(error.causes[0]).toBe(`error sending request for url (${url})`)
    expect(error.causes[1]).toMatch(/ECONNREFUSED/)
    const retries = lines.filter((line) => line.startsWith('Retrying download: '))
    expect(retries).toEqual([
      expect.stringMatching(/^Retrying download: attempt 1\/2 failed: .*ECONNREFUSED.*; retrying in 0\.0 s$/),
    ])
    expect(cacheEntries(cacheDir)).toEqual([])
  })
})
