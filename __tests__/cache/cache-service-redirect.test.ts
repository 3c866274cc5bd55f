// The runtime token goes to the cache service and nowhere else: a service answer that redirects to
// another host is a failure, not a request carrying the token there.
import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

import { CacheServiceClient } from '../../src/action/cache-service.js'

const TOKEN = 'runtime-token-canary-5d1e'
let service: Server
let elsewhere: Server
const seenElsewhere: Array<string | undefined> = []

function listen(server: Server): Promise<number> {
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () => done((server.address() as AddressInfo).port)),
  )
}

let servicePort = 0
beforeAll(async () => {
  elsewhere = createServer((req, res) => {
    seenElsewhere.push(req.headers.authorization)
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true,"signed_download_url":""}')
  })
  const elsewherePort = await listen(elsewhere)
  // `localhost` is another host name than the service's 127.0.0.1, as the client compares them.
  service = createServer((req, res) => {
    req.resume()
    res.writeHead(307, { location: `http://localhost:${elsewherePort}/steal` }).end()
  })
  servicePort = await listen(service)
})

afterAll(() => {
  service?.close()
  elsewhere?.close()
})

test('a redirect from the cache service is refused; the token never reaches the other host', async () => {
  const client = await CacheServiceClient.create({
    resultsUrl: `http://127.0.0.1:${servicePort}/`,
    token: TOKEN,
    retryDelayMs: 1,
  })
  await expect(client.lookup('icp-sync-plugin-x', 'v')).rejects.toThrow()
  expect(seenElsewhere).toEqual([])
})
