// What a download server cannot do to the host: send more than the cap (counted after decoding), keep
// a download going past its deadline, redirect into internal address space or from https to http, or
// leave a temporary file behind. Both transports (fetch for the CLI, @actions/http-client for the Action)
// against a loopback server.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { brotliCompressSync, constants } from 'node:zlib'

import { httpClientOpen } from '../../src/action/download.js'
import { MAX_PLUGIN_BYTES, createDownload, createFetchDownload } from '../../src/store/download.js'
import { type DownloadFn, PluginSourceError, resolvePluginSource } from '../../src/store/source.js'
import { MAX_TEMPLATE_BYTES, defaultFetch } from '../../src/project/recipe.js'
import type { HttpOpen } from '../../src/util/bounded-download.js'
import { checkRedirect, isInternalAddress } from '../../src/util/redirect-policy.js'
import { PluginHttpServer } from '../helpers/http-server.js'

const PLUGIN = new Uint8Array(randomBytes(64 * 1024))
const SHA = createHash('sha256').update(PLUGIN).digest('hex')

let server: PluginHttpServer
beforeAll(async () => {
  server = await PluginHttpServer.start()
})
afterAll(async () => {
  await server.stop()
})

function workDir(): { canisterDir: string; cacheDir: string } {
  const root = mkdtempSync(join(tmpdir(), 'icp-sync-bounds-'))
  mkdirSync(join(root, 'canister'))
  return { canisterDir: join(root, 'canister'), cacheDir: join(root, 'cache') }
}

/** Everything under the plugin cache, staging directories included. */
function leftovers(cacheDir: string): string[] {
  const wasms = join(cacheDir, 'wasms')
  return existsSync(wasms) ? readdirSync(wasms) : []
}

async function failure(promise: Promise<unknown>): Promise<PluginSourceError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(PluginSourceError)
  return error as PluginSourceError
}

const small = { maxBytes: 100_000, deadlineMs: 2_000 }

describe.each<[string, () => DownloadFn]>([
  ['fetch (CLI)', () => createFetchDownload({ attempts: 2, retryDelayMs: 1, bounds: small })],
  [
    'http-client (Action)',
    () => createDownload(lazyHttpClient, { attempts: 2, retryDelayMs: 1, bounds: small }),
  ],
])('plugin downloads through %s', (_name, makeDownload) => {
  test('a body past the cap stops at the cap: refused, not retried, nothing left behind', async () => {
    const { canisterDir, cacheDir } = workDir()
    const path = `/endless-${_name.length}.wasm`
    const url = server.route(path, { body: new Uint8Array(), streamBytes: 50 * 1024 * 1024 })
    const before = server.streamed
    const error = await failure(
      resolvePluginSource({ source: { url }, sha256: SHA, canisterDir, cacheDir, download: makeDownload() }),
    )
    expect(error.message).toBe('failed to fetch wasm file')
    expect(error.causes[1]).toBe(
      'the plugin is larger than the 100000-byte limit (more than 100000 bytes received)',
    )
    expect(server.requests(path)).toBe(1)
    // The server got well short of its 50 MiB before the client hung up (socket buffers aside).
    expect(server.streamed - before).toBeLessThan(20 * 1024 * 1024)
    expect(leftovers(cacheDir)).toEqual([])
  })

  test('a Content-Length past the cap is refused before the body', async () => {
    const { canisterDir, cacheDir } = workDir()
    const url = server.route(`/large-${_name.length}.wasm`, { body: new Uint8Array(200_000) })
    const error = await failure(
      resolvePluginSource({ source: { url }, sha256: SHA, canisterDir, cacheDir, download: makeDownload() }),
    )
    expect(error.causes[1]).toBe('the plugin is larger than the 100000-byte limit (Content-Length is 200000)')
    expect(leftovers(cacheDir)).toEqual([])
  })

  test('a server that trickles bytes is stopped at the deadline, whatever it keeps sending', async () => {
    const { canisterDir, cacheDir } = workDir()
    const url = server.route(`/drip-${_name.length}.wasm`, { body: PLUGIN, dripMs: 100 })
    const started = Date.now()
    const error = await failure(
      resolvePluginSource({ source: { url }, sha256: SHA, canisterDir, cacheDir, download: makeDownload() }),
    )
    expect(error.causes[1]).toBe('the plugin download did not finish within 2 s')
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(leftovers(cacheDir)).toEqual([])
  })

  test('loopback → loopback redirects are followed (the manifest named a loopback URL)', async () => {
    const { canisterDir, cacheDir } = workDir()
    const target = server.route(`/target-${_name.length}.wasm`, { body: PLUGIN })
    const url = server.route(`/moved-${_name.length}.wasm`, { body: new Uint8Array(), redirectTo: target })
    const resolved = await resolvePluginSource({
      source: { url },
      sha256: SHA,
      canisterDir,
      cacheDir,
      download: makeDownload(),
    })
    expect(resolved.sha256).toBe(SHA)
    expect(leftovers(cacheDir)).toEqual([SHA])
  })

  test('a redirect to another scheme is refused', async () => {
    const { canisterDir, cacheDir } = workDir()
    const url = server.route(`/to-file-${_name.length}.wasm`, {
      body: new Uint8Array(),
      redirectTo: 'file:///etc/passwd',
    })
    const error = await failure(
      resolvePluginSource({ source: { url }, sha256: SHA, canisterDir, cacheDir, download: makeDownload() }),
    )
    expect(error.causes[1]).toBe("redirect to 'file:' refused (only http and https)")
  })
})

/** The Action's transport (createHttpClientDownload uses it with a 10 s retry delay). */
const lazyHttpClient: HttpOpen = async (url, signal) => (await httpClientOpen())(url, signal)

describe('the real plugin cap', () => {
  test('256 MiB: a server streaming past it is cut off there, and the process does not grow', async () => {
    const { canisterDir, cacheDir } = workDir()
    const url = server.route('/huge.wasm', {
      body: new Uint8Array(),
      streamBytes: MAX_PLUGIN_BYTES + 64 * 1024 * 1024,
    })
    const rss = process.memoryUsage().rss
    const error = await failure(
      resolvePluginSource({
        source: { url },
        sha256: SHA,
        canisterDir,
        cacheDir,
        download: createFetchDownload(),
      }),
    )
    expect(error.causes[1]).toBe(
      `the plugin is larger than the ${MAX_PLUGIN_BYTES}-byte limit (more than ${MAX_PLUGIN_BYTES} bytes received)`,
    )
    expect(process.memoryUsage().rss - rss).toBeLessThan(128 * 1024 * 1024)
    expect(leftovers(cacheDir)).toEqual([])
  }, 120_000)
})

describe('redirect rules', () => {
  const from = (url: string) => new URL(url)
  test('https → http is refused, even between public hosts', async () => {
    await expect(
      checkRedirect(from('https://93.184.216.34/a'), from('http://93.184.216.34/b'), false),
    ).rejects.toThrow('redirect from https to http refused (http://93.184.216.34)')
  })

  test.each([
    'http://127.0.0.1/x',
    'http://localhost:8080/x',
    'http://app.localhost/x',
    'http://[::1]/x',
    'http://10.1.2.3/x',
    'http://172.20.0.1/x',
    'http://192.168.1.1/x',
    'http://169.254.169.254/latest/meta-data',
    'http://[fe80::1]/x',
    'http://[fd00::1]/x',
    'http://[::ffff:127.0.0.1]/x',
    'http://100.64.0.1/x',
    'http://0.0.0.0/x',
  ])('a public URL may not redirect to %s', async (to) => {
    await expect(checkRedirect(from('http://93.184.216.34/a'), from(to), false)).rejects.toThrow(
      'a loopback, private or link-local address',
    )
  })

  test('an internal origin may redirect to internal addresses; public targets are fine', async () => {
    await checkRedirect(from('http://127.0.0.1/a'), from('http://127.0.0.1:9/b'), true)
    await checkRedirect(from('https://93.184.216.34/a'), from('https://8.8.8.8/b'), false)
    expect(isInternalAddress('8.8.8.8')).toBe(false)
    expect(isInternalAddress('2606:4700::1111')).toBe(false)
  })
})

describe('recipe downloads', () => {
  test('a brotli bomb is stopped at 1 MiB of decoded bytes while it is decoded', async () => {
    // 256 MiB of zeros compress to a few hundred bytes.
    const bomb = brotliCompressSync(Buffer.alloc(256 * 1024 * 1024), {
      params: { [constants.BROTLI_PARAM_QUALITY]: 5 },
    })
    expect(bomb.length).toBeLessThan(64 * 1024)
    const url = server.route('/bomb.hbs', { body: bomb, headers: { 'content-encoding': 'br' } })
    const rss = process.memoryUsage().rss
    await expect(defaultFetch(url)).rejects.toThrow(
      `the recipe template is larger than the ${MAX_TEMPLATE_BYTES}-byte limit (more than ${MAX_TEMPLATE_BYTES} bytes received)`,
    )
    expect(process.memoryUsage().rss - rss).toBeLessThan(64 * 1024 * 1024)
  }, 60_000)

  test('a template that fits comes back whole; a 404 comes back as a status', async () => {
    const url = server.route('/ok.hbs', { body: new TextEncoder().encode('build: {}') })
    const ok = await defaultFetch(url)
    expect(new TextDecoder().decode(ok.body)).toBe('build: {}')
    expect((await defaultFetch(server.url('/missing.hbs'))).status).toBe(404)
  })
})
