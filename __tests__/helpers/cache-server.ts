// A loopback fake of the GitHub Actions cache service, speaking the v2 wire protocol (the one github.com
// runners use; read from @actions/cache 6.3.0, the toolkit's client, and spoken by src/action/cache-service.ts):
//
//   env: ACTIONS_CACHE_SERVICE_V2=1, ACTIONS_RESULTS_URL=<origin>/, ACTIONS_RUNTIME_TOKEN=<any>
//        and GITHUB_SERVER_URL unset or github.com (any other host counts as GHES, which forces v1)
//   POST /twirp/github.actions.results.api.v1.CacheService/GetCacheEntryDownloadURL  {key, restore_keys, version}
//   POST /twirp/github.actions.results.api.v1.CacheService/CreateCacheEntry          {key, version}
//   POST /twirp/github.actions.results.api.v1.CacheService/FinalizeCacheEntryUpload  {key, version, size_bytes}
//   PUT  <signed_upload_url>    <origin>/blobs/entries/<id>?sig=fakesig-write (path style: account `blobs`,
//                               container `entries`, as the Azure SDK parses an IP host): Azure
//                               "Put Blob" with x-ms-blob-type: BlockBlob (the toolkit's SDK sends
//                               up to 128 MiB in one request; we always send one)
//   GET  <signed_download_url>  <origin>/blobs/entries/<id>?sig=fakesig-read, a plain GET (the client
//                               uses the Azure SDK only for *.blob.core.windows.net)
// The toolkit masks (::add-mask::) the `sig` value of signed URLs, so it must not be a common word.
// `plant` stands in for any other writer of the cache scope (the toolkit with its tar archives, an
// attacker): it commits an entry of any key, version and content, or one whose blob is a stream of
// zeros of a given size (to test a reader's size cap without holding it in memory), one whose blob
// trickles (a byte every 100 ms, to test a reader's total deadline), or one whose blob GET answers with a
// redirect (to test that a reader does not follow it).
//
// Trickling is the one timer here; `stop` ends it.
//
// Twirp errors are JSON {code, msg} with the matching HTTP status. Deterministic: no timers, no randomness.
// Clients retry Twirp 500/502/503/504 (ours 3 times over ~3 s; the toolkit 5 times over ~30 s);
// `connection refused` (stop the server, or use closedPort()) fails at once.
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

const SERVICE = '/twirp/github.actions.results.api.v1.CacheService/'

export type CacheFault =
  | 'none'
  /** Every Twirp call answers 503 (the client retries, then gives up). */
  | 'unavailable'
  /** Blob GET and PUT answer 500 (storage failing behind a healthy service). */
  | 'storage-error'
  /** CreateCacheEntry answers 409 already_exists (another job saved the key first). */
  | 'conflict'
  /** Every Twirp call answers 429 (not retried by the client). */
  | 'rate-limited'
  /** CreateCacheEntry refused: the token is read-only (e.g. a run from an untrusted event). */
  | 'write-denied'
  /** GetCacheEntryDownloadURL refused: the token has no read scope. */
  | 'read-denied'

export interface CacheEntry {
  id: number
  key: string
  version: string
  archive?: Buffer
  /** Instead of `archive`: a blob of this many zero bytes, streamed. */
  zeros?: { size: number; declareLength: boolean }
  /** Instead of `archive`: these bytes, one every 100 ms. */
  trickle?: Buffer
  /** Instead of a blob: a 307 to this URL. */
  redirect?: string
  committed: boolean
}

export interface CacheRequest {
  method: string
  /** The Twirp method, or `blob-put` / `blob-get`. */
  call: string
  status: number
}

export class FakeCacheServer {
  fault: CacheFault = 'none'
  /** Field names in Twirp JSON replies: proto names, or lowerCamelCase (protobuf JSON allows both). */
  jsonNames: 'proto' | 'camel' = 'proto'
  readonly entries: CacheEntry[] = []
  readonly requests: CacheRequest[] = []
  /** Blob bytes written to clients (a reader that stops at a cap leaves this short). */
  blobBytesSent = 0
  /** Headers of the last blob PUT. */
  lastPutHeaders: Record<string, string | string[] | undefined> = {}
  private lastId = 0

  private constructor(
    private readonly server: Server,
    readonly origin: string,
    readonly token: string,
  ) {}

  static async start(token = 'fake-runtime-token'): Promise<FakeCacheServer> {
    const server = createServer()
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
    const { port } = server.address() as AddressInfo
    const self = new FakeCacheServer(server, `http://127.0.0.1:${port}`, token)
    server.on('request', (req, res) => void self.handle(req, res))
    return self
  }

  /** The variables that make a runner's cache client talk to this server (v2 protocol). */
  env(): Record<string, string> {
    return {
      ACTIONS_CACHE_SERVICE_V2: 'true',
      ACTIONS_RESULTS_URL: `${this.origin}/`,
      ACTIONS_RUNTIME_TOKEN: this.token,
    }
  }

  /** Commits an entry as another writer of the cache scope would: any key, version and content. */
  plant(
    key: string,
    version: string,
    content: Buffer | { zeros: number; declareLength: boolean } | { trickle: Buffer } | { redirect: string },
  ): void {
    const entry: CacheEntry = { id: ++this.lastId, key, version, committed: true }
    if (Buffer.isBuffer(content)) entry.archive = content
    else if ('trickle' in content) entry.trickle = content.trickle
    else if ('redirect' in content) entry.redirect = content.redirect
    else entry.zeros = { size: content.zeros, declareLength: content.declareLength }
    this.entries.push(entry)
  }

  /** Committed entries' keys, in save order. */
  keys(): string[] {
    return this.entries.filter((e) => e.committed).map((e) => e.key)
  }

  calls(): string[] {
    return this.requests.map((r) => `${r.call} ${r.status}`)
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise<void>((done) => this.server.close(() => done()))
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req)
    const url = new URL(req.url ?? '/', this.origin)
    const reply = (call: string, status: number, json?: unknown, headers: Record<string, string> = {}) => {
      this.requests.push({ method: req.method ?? '', call, status })
      const text = json === undefined ? '' : JSON.stringify(this.jsonNames === 'camel' ? camel(json) : json)
      const type = json === undefined ? {} : { 'content-type': 'application/json' }
      res.writeHead(status, { ...type, ...headers, 'content-length': Buffer.byteLength(text) }).end(text)
    }
    const twirpError = (call: string, status: number, code: string, msg: string, headers = {}) =>
      reply(call, status, { code, msg }, headers)

    if (req.method === 'POST' && url.pathname.startsWith(SERVICE)) {
      const call = url.pathname.slice(SERVICE.length)
      if (req.headers.authorization !== `Bearer ${this.token}`)
        return twirpError(call, 401, 'unauthenticated', 'missing or wrong bearer token')
      if (this.fault === 'unavailable') return twirpError(call, 503, 'unavailable', 'service unavailable')
      if (this.fault === 'rate-limited')
        return twirpError(call, 429, 'resource_exhausted', 'rate limited', { 'retry-after': '60' })
      const request = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>
      switch (call) {
        case 'GetCacheEntryDownloadURL':
          return this.getDownloadUrl(call, request, reply, twirpError)
        case 'CreateCacheEntry':
          return this.createEntry(call, request, reply, twirpError)
        case 'FinalizeCacheEntryUpload':
          return this.finalize(call, request, reply, twirpError)
        default:
          return twirpError(call, 404, 'bad_route', `no handler for ${call}`)
      }
    }

    const blob = /^\/blobs\/entries\/(\d+)$/.exec(url.pathname)
    const entry = blob ? this.entries.find((e) => e.id === Number(blob[1])) : undefined
    const call = req.method === 'PUT' ? 'blob-put' : 'blob-get'
    if (!entry) return reply(call, 404)
    if (this.fault === 'storage-error') return reply(call, 500)
    if (req.method === 'PUT' && url.searchParams.get('sig') === 'fakesig-write' && !entry.committed) {
      if (req.headers['x-ms-blob-type'] !== 'BlockBlob') return reply(call, 400)
      this.lastPutHeaders = { ...req.headers }
      entry.archive = body
      return reply(call, 201, undefined, {
        etag: `"${entry.id}"`,
        'last-modified': new Date(0).toUTCString(),
      })
    }
    if (req.method === 'GET' && url.searchParams.get('sig') === 'fakesig-read' && entry.committed) {
      if (entry.archive) {
        this.requests.push({ method: 'GET', call, status: 200 })
        res.writeHead(200, {
          'content-type': 'application/octet-stream',
          'content-length': entry.archive.length,
        })
        this.blobBytesSent += entry.archive.length
        res.end(entry.archive)
        return
      }
      if (entry.zeros) return this.sendZeros(res, entry.zeros, call)
      if (entry.trickle) return this.trickle(res, entry.trickle, call)
      if (entry.redirect) return reply(call, 307, undefined, { location: entry.redirect })
    }
    return reply(call, 403)
  }

  /** Sends `bytes` one every 100 ms (with their length declared), stopping when the client goes away. */
  private trickle(res: ServerResponse, bytes: Buffer, call: string) {
    this.requests.push({ method: 'GET', call, status: 200 })
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length })
    let sent = 0
    const timer = setInterval(() => {
      if (res.destroyed || sent >= bytes.length) {
        clearInterval(timer)
        if (!res.destroyed) res.end()
        return
      }
      this.blobBytesSent++
      res.write(bytes.subarray(sent, ++sent))
    }, 100)
    res.on('close', () => clearInterval(timer))
  }

  /** Streams zeros with backpressure, stopping when the client goes away. */
  private sendZeros(res: ServerResponse, zeros: { size: number; declareLength: boolean }, call: string) {
    this.requests.push({ method: 'GET', call, status: 200 })
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      ...(zeros.declareLength ? { 'content-length': zeros.size } : {}),
    })
    const chunk = Buffer.alloc(1024 * 1024)
    let left = zeros.size
    const pump = () => {
      while (left > 0 && !res.destroyed) {
        const part = left >= chunk.length ? chunk : chunk.subarray(0, left)
        left -= part.length
        this.blobBytesSent += part.length
        if (!res.write(part)) return void res.once('drain', pump)
      }
      if (!res.destroyed) res.end()
    }
    res.on('close', () => (left = 0))
    pump()
  }

  private getDownloadUrl(
    call: string,
    request: Record<string, unknown>,
    reply: Reply,
    twirpError: TwirpError,
  ) {
    if (this.fault === 'read-denied')
      return twirpError(
        call,
        403,
        'permission_denied',
        'cache read denied: token has no readable cache scopes',
      )
    const version = String(request.version ?? '')
    const committed = this.entries.filter((e) => e.committed && e.version === version)
    const key = String(request.key ?? '')
    // Exact key first, then each restore key as a prefix, newest entry first (the service's order).
    let match = committed.find((e) => e.key === key)
    for (const prefix of [key, ...((request.restore_keys as string[] | undefined) ?? [])]) {
      match ??= [...committed].reverse().find((e) => e.key.startsWith(prefix))
    }
    if (!match) return reply(call, 200, { ok: false, signed_download_url: '', matched_key: '' })
    return reply(call, 200, {
      ok: true,
      signed_download_url: `${this.origin}/blobs/entries/${match.id}?sig=fakesig-read`,
      matched_key: match.key,
    })
  }

  private createEntry(call: string, request: Record<string, unknown>, reply: Reply, twirpError: TwirpError) {
    // The service answers a read-only token with ok=false and a message carrying this stable prefix.
    if (this.fault === 'write-denied')
      return reply(call, 200, {
        ok: false,
        signed_upload_url: '',
        message: 'cache write denied: token is read-only',
      })
    const key = String(request.key ?? '')
    const version = String(request.version ?? '')
    if (this.fault === 'conflict' || this.entries.some((e) => e.key === key && e.version === version))
      return twirpError(
        call,
        409,
        'already_exists',
        'cache entry with the same key, version, and scope already exists',
      )
    const entry: CacheEntry = { id: ++this.lastId, key, version, committed: false }
    this.entries.push(entry)
    return reply(call, 200, {
      ok: true,
      signed_upload_url: `${this.origin}/blobs/entries/${entry.id}?sig=fakesig-write`,
    })
  }

  private finalize(call: string, request: Record<string, unknown>, reply: Reply, twirpError: TwirpError) {
    const entry = this.entries.find(
      (e) => e.key === request.key && e.version === request.version && !e.committed && e.archive,
    )
    if (!entry) return twirpError(call, 404, 'not_found', 'no uploaded entry to finalize')
    if (String(entry.archive!.length) !== String(request.size_bytes))
      return twirpError(call, 400, 'invalid_argument', 'size_bytes does not match the uploaded archive')
    entry.committed = true
    return reply(call, 200, { ok: true, entry_id: String(entry.id) })
  }
}

type Reply = (call: string, status: number, json?: unknown, headers?: Record<string, string>) => void
type TwirpError = (
  call: string,
  status: number,
  code: string,
  msg: string,
  headers?: Record<string, string>,
) => void

function camel(json: unknown): unknown {
  if (typeof json !== 'object' || json === null) return json
  return Object.fromEntries(
    Object.entries(json).map(([k, v]) => [k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), v]),
  )
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}
