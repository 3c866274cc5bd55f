// The agent's HTTP transport (src/ic/http-transport.ts) against a loopback server, side by side with
// Node's own fetch: what the agent reads must come out the same, errors must keep fetch's shape
// (src/ic/errors.ts classifies delivery by the cause's code), and sockets are reused.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

import { agentFetch, defaultAgentFetch } from '../../src/ic/http-transport.js'
import { closedPort } from '../helpers/http-server.js'

let server: Server
let origin: string
let connections = 0

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', origin)
  const body = await readBody(req)
  const echo = () =>
    JSON.stringify({
      method: req.method,
      path: url.pathname,
      contentType: req.headers['content-type'] ?? null,
      authorization: req.headers.authorization ?? null,
      length: body.length,
      sha256: createHash('sha256').update(body).digest('hex'),
    })
  switch (url.pathname) {
    case '/echo':
      res.writeHead(Number(url.searchParams.get('status') ?? 200), {
        'content-type': 'application/json',
        'x-multi': ['a', 'b'],
        'X-Upper': 'Yes',
      })
      return void res.end(echo())
    case '/binary':
      res.writeHead(200, { 'content-type': 'application/cbor' })
      return void res.end(Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251)))
    case '/redirect':
      res.writeHead(Number(url.searchParams.get('status')), { location: url.searchParams.get('to')! })
      return void res.end()
    case '/loop':
      res.writeHead(307, { location: '/loop' })
      return void res.end()
    case '/cut':
      res.writeHead(200, { 'content-length': '1000' })
      res.write('partial')
      return void res.socket?.destroy()
    default:
      res.writeHead(404).end('not found')
  }
}

beforeAll(async () => {
  server = createServer((req, res) => void handle(req, res))
  server.on('connection', () => connections++)
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((done) => server.close(done))
})

/** What the agent reads from a response, in a comparable form. */
async function seen(response: Response) {
  const headers: Array<[string, string]> = []
  response.headers.forEach((value, key) => headers.push([key, value]))
  const copy = response.clone()
  return {
    status: response.status,
    statusText: response.statusText,
    ok: response.ok,
    headers: headers.filter(([key]) => !['date', 'connection', 'keep-alive'].includes(key)),
    contentType: response.headers.get('Content-Type'),
    bytes: Buffer.from(await response.arrayBuffer()).toString('hex'),
    text: await copy.text(),
  }
}

const cbor = new Uint8Array([0xd9, 0xd9, 0xf7, 0xa1, 0x61, 0x61, 0x01])
const post = (body: Uint8Array = cbor): RequestInit => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/cbor', Authorization: 'Basic dXNlcjpwdw==' },
  body: body.slice(), // Node's fetch detaches the buffer it sends
})

describe('agentFetch reads like fetch', () => {
  test.each([
    ['/echo', post()],
    ['/echo?status=202', post()],
    ['/echo?status=400', post()],
    ['/echo?status=503', post(new Uint8Array(200_000).fill(7))],
    ['/echo', { method: 'GET' }],
    ['/binary', { method: 'GET' }],
    ['/nowhere', { method: 'GET' }],
  ] as const)('%s', async (path, init) => {
    const ours = await seen(await agentFetch(new URL(path, origin), init))
    const node = await seen(await fetch(new URL(path, origin), init))
    expect(ours).toEqual(node)
  })

  test('redirects: 307/308 resend method and body, 303 and POST-302 become GET, 10 at most', async () => {
    const to = (status: number) => `/redirect?status=${status}&to=${encodeURIComponent('/echo')}`
    for (const status of [301, 302, 303]) {
      const ours = await seen(await agentFetch(`${origin}${to(status)}`, post()))
      const node = await seen(await fetch(`${origin}${to(status)}`, post()))
      expect({ redirect: status, ...ours }).toEqual({ redirect: status, ...node })
      expect(JSON.parse(ours.text)).toMatchObject({ method: 'GET', length: 0, contentType: null })
    }
    // Node 20's fetch fails here ("detached ArrayBuffer": it cannot send a byte body twice).
    const sent = createHash('sha256').update(cbor).digest('hex')
    for (const status of [307, 308]) {
      const ours = JSON.parse(await (await agentFetch(`${origin}${to(status)}`, post())).text())
      expect(ours).toMatchObject({ method: 'POST', path: '/echo', length: cbor.length, sha256: sent })
    }
    const error = await agentFetch(`${origin}/loop`, post()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TypeError)
    expect(String((error as Error).cause)).toMatch(/not followed \(11 redirects\)/)
  })

  test('a redirect to another origin drops the Authorization header', async () => {
    const other = `http://localhost:${new URL(origin).port}/echo`
    const response = await agentFetch(`${origin}/redirect?status=307&to=${encodeURIComponent(other)}`, post())
    expect(JSON.parse(await response.text())).toMatchObject({ method: 'POST', authorization: null })
    const same = await agentFetch(`${origin}/redirect?status=307&to=/echo`, post())
    expect(JSON.parse(await same.text()).authorization).toBe('Basic dXNlcjpwdw==')
  })

  test('sequential requests reuse one keep-alive socket', async () => {
    await agentFetch(`${origin}/echo`, post())
    const before = connections
    for (let i = 0; i < 5; i++) await (await agentFetch(`${origin}/echo`, post())).text()
    expect(connections).toBe(before)
  })
})

describe('failures keep fetch’s shape (TypeError, system error as cause)', () => {
  test('connection refused → cause.code ECONNREFUSED', async () => {
    const port = await closedPort()
    const ours = await agentFetch(`http://127.0.0.1:${port}/`, post()).catch((e: unknown) => e)
    const node = await fetch(`http://127.0.0.1:${port}/`, post()).catch((e: unknown) => e)
    for (const error of [ours, node]) {
      expect((error as Error).name).toBe('TypeError') // Node's fetch throws from another realm under Jest
      expect((error as Error).message).toBe('fetch failed')
      expect(((error as Error).cause as { code?: string }).code).toBe('ECONNREFUSED')
    }
  })

  test('a body cut short → fetch failed, never a short success', async () => {
    const error = await agentFetch(`${origin}/cut`, { method: 'GET' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TypeError)
    expect((error as Error).cause).toBeDefined()
  })

  test('https:// goes through TLS (an HTTP server on the other end fails the handshake)', async () => {
    const error = await agentFetch(origin.replace('http:', 'https:') + '/echo', post()).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(TypeError)
    expect(String(((error as Error).cause as Error).message)).toMatch(/ssl|tls|wrong version|EPROTO/i)
  })

  test('other schemes are refused', async () => {
    const error = await agentFetch('ftp://127.0.0.1/x', post()).catch((e: unknown) => e)
    expect(String((error as Error).cause)).toMatch(/unsupported URL scheme ftp:/)
  })
})

test('NODE_USE_ENV_PROXY set → Node’s fetch (it honours HTTP(S)_PROXY), otherwise ours', () => {
  expect(defaultAgentFetch({})).toBe(agentFetch)
  expect(defaultAgentFetch({ NODE_USE_ENV_PROXY: '1' })).not.toBe(agentFetch)
})
