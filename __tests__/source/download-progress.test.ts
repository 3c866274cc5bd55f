// What a download tells the user while it runs: progress lines (no more than about one a second),
// every retry (attempt n/m, why, the wait), and the Action's transport leaving no abort listener behind
// on the download's deadline signal. Both transports, against a loopback server that drips its body
// and fails once.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { getEventListeners } from 'node:events'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { httpClientOpen } from '../../src/action/download.js'
import { type DownloadFn, createDownload, createFetchDownload } from '../../src/store/download.js'
import { closedPort, PluginHttpServer } from '../helpers/http-server.js'

let server: PluginHttpServer
beforeAll(async () => {
  server = await PluginHttpServer.start()
})
afterAll(async () => {
  await server.stop()
})

const dest = (): string => join(mkdtempSync(join(tmpdir(), 'icp-sync-progress-')), 'p.wasm')

describe.each<[string, () => Promise<DownloadFn>]>([
  ['fetch (CLI)', async () => createFetchDownload({ attempts: 2, retryDelayMs: 1 })],
  [
    'http-client (Action)',
    async () => createDownload(await httpClientOpen(), { attempts: 2, retryDelayMs: 1 }),
  ],
])('%s', (name, makeDownload) => {
  test('a slow body reports how far it is, at most about once a second, then the total', async () => {
    const url = server.route(`/slow-${name.split(' ')[0]}.wasm`, {
      body: new Uint8Array(randomBytes(10)),
      dripMs: 300,
    })
    const lines: string[] = []
    await (
      await makeDownload()
    )(url, dest(), (line) => lines.push(line))
    const partial = lines.filter((line) => / of 10 B \(\d+%\)$/.test(line))
    expect(partial.length).toBeGreaterThanOrEqual(1)
    expect(partial.length).toBeLessThanOrEqual(3) // ~3 s, quarters at 3, 5 and 8 bytes
    expect(lines.at(-1)).toMatch(/^Downloaded 10 B in \d+\.\d s$/)
  })

  test('a 500 and a refused connection: each retry is shown with attempt, reason and wait', async () => {
    const url = server.route(`/flaky-${name.split(' ')[0]}.wasm`, {
      body: new Uint8Array(4),
      failTimes: 1,
      failStatus: 500,
    })
    const lines: string[] = []
    await (
      await makeDownload()
    )(url, dest(), (line) => lines.push(line))
    expect(lines).toEqual([
      'Retrying download: attempt 1/2 failed: 500 Internal Server Error; retrying in 0.0 s',
      expect.stringMatching(/^Downloaded 4 B in /),
    ])
    const refused: string[] = []
    const closed = `http://127.0.0.1:${await closedPort()}/p.wasm`
    await expect((await makeDownload())(closed, dest(), (line) => refused.push(line))).rejects.toThrow()
    expect(refused).toEqual([
      expect.stringMatching(/^Retrying download: attempt 1\/2 failed: .*ECONNREFUSED/),
    ])
  })
})

describe("the Action's transport and the deadline signal", () => {
  test('every request removes the abort listener it added, however it ended', async () => {
    const open = await httpClientOpen()
    const deadline = new AbortController().signal
    const url = new URL(server.route('/listeners.wasm', { body: new Uint8Array(1024) }))
    for (let i = 0; i < 5; i++) {
      const answer = await open(url, deadline)
      for await (const chunk of answer.body) void chunk // read to the end
    }
    const discarded = await open(url, deadline)
    discarded.discard()
    await expect(open(new URL(`http://127.0.0.1:${await closedPort()}/`), deadline)).rejects.toThrow()
    // 'close' of a finished response comes a tick later.
    await new Promise((done) => setTimeout(done, 50))
    expect(getEventListeners(deadline, 'abort')).toHaveLength(0)
  })
})
