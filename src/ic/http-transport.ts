// The agent's HTTP transport: the subset of fetch it uses, on node:http/https with keep-alive sockets.
// Why not the global fetch: Node loads its bundled undici on first use (~50 ms at start-up) and spends
// ~1 ms of CPU per request in it; a query to a local replica takes ~1 ms in all. Errors keep fetch's
// shape (TypeError 'fetch failed' with the system error as `cause`) so src/ic/errors.ts classifies
// delivery the same way.
import { http, https } from '../util/node-http.js'

/** undici's default headers and body timeouts. */
const IDLE_TIMEOUT_MS = 300_000
const MAX_REDIRECTS = 10

const AGENT_OPTIONS = { keepAlive: true, maxSockets: 64, scheduling: 'lifo' } as const
let httpAgent: import('node:http').Agent | undefined
let httpsAgent: import('node:https').Agent | undefined

/** The part of a fetch Response the agent reads. */
class BufferedResponse {
  readonly ok: boolean
  readonly headers: Headers

  constructor(
    readonly status: number,
    readonly statusText: string,
    private readonly pairs: Array<[string, string]>,
    private readonly body: Buffer,
    readonly url: string,
  ) {
    this.ok = status >= 200 && status < 300
    this.headers = new ResponseHeaders(pairs) as unknown as Headers
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const copy = new ArrayBuffer(this.body.byteLength)
    new Uint8Array(copy).set(this.body)
    return copy
  }
  async text(): Promise<string> {
    return this.body.toString('utf8')
  }
  clone(): BufferedResponse {
    return new BufferedResponse(this.status, this.statusText, this.pairs, this.body, this.url)
  }
}

/** Read-only headers, case-insensitive, joined with ", " like fetch's: what the agent and clone() read. */
class ResponseHeaders {
  private readonly map = new Map<string, string>()
  constructor(pairs: Array<[string, string]>) {
    for (const [name, value] of pairs) {
      const key = name.toLowerCase()
      const had = this.map.get(key)
      this.map.set(key, had === undefined ? value : `${had}, ${value}`)
    }
  }
  get(name: string): string | null {
    return this.map.get(name.toLowerCase()) ?? null
  }
  forEach(fn: (value: string, key: string, parent: ResponseHeaders) => void): void {
    for (const [key, value] of this.entries()) fn(value, key, this)
  }
  /** Sorted by name, as fetch iterates them. */
  entries(): Array<[string, string]> {
    return [...this.map].sort(([a], [b]) => (a < b ? -1 : 1))
  }
}

function flattenHeaders(headers: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {}
  if (!headers) return out
  const pairs: Iterable<[string, string]> = Array.isArray(headers)
    ? (headers as Array<[string, string]>)
    : typeof (headers as Headers).entries === 'function'
      ? (headers as Headers).entries()
      : Object.entries(headers as Record<string, string>)
  for (const [name, value] of pairs) out[name] = value
  return out
}

function bodyBytes(body: RequestInit['body']): Buffer | undefined {
  if (body === undefined || body === null) return undefined
  if (typeof body === 'string') return Buffer.from(body, 'utf8')
  if (body instanceof ArrayBuffer) return Buffer.from(body)
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  throw new TypeError('this transport sends strings and byte arrays only')
}

function fetchFailed(cause: unknown): TypeError {
  return new TypeError('fetch failed', { cause })
}

function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: Buffer | undefined,
  signal: AbortSignal | undefined,
): Promise<{ status: number; statusText: string; headers: Array<[string, string]>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      return reject(fetchFailed(new Error(`unsupported URL scheme ${url.protocol}`)))
    if (signal?.aborted) return reject(signal.reason)
    const tls = url.protocol === 'https:'
    const client = tls ? https() : http
    const agent = tls
      ? (httpsAgent ??= new (https().Agent)(AGENT_OPTIONS))
      : (httpAgent ??= new http.Agent(AGENT_OPTIONS))
    const request = client.request(url, {
      method,
      headers: body ? { ...headers, 'content-length': String(body.byteLength) } : headers,
      agent,
      timeout: IDLE_TIMEOUT_MS,
      signal,
    })
    request.setNoDelay(true)
    request.on('timeout', () => {
      const error = Object.assign(new Error(`no data from ${url.host} for ${IDLE_TIMEOUT_MS / 1000}s`), {
        code: 'ETIMEDOUT',
      })
      request.destroy(error)
    })
    request.on('error', (error) => reject(signal?.aborted ? signal.reason : fetchFailed(error)))
    request.on('response', (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('error', (error) => reject(fetchFailed(error)))
      response.on('end', () => {
        const pairs: Array<[string, string]> = []
        const raw = response.rawHeaders
        for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i]!, raw[i + 1]!])
        resolve({
          status: response.statusCode ?? 0,
          statusText: response.statusMessage ?? '',
          headers: pairs,
          body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks),
        })
      })
    })
    request.end(body)
  })
}

/** fetch for the agent: buffered bodies, keep-alive, redirects followed as fetch does. */
export async function agentFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  if (typeof input !== 'string' && !(input instanceof URL))
    throw new TypeError('this transport takes a URL, not a Request')
  let url = new URL(input)
  let method = (init.method ?? 'GET').toUpperCase()
  let headers = flattenHeaders(init.headers)
  let body = bodyBytes(init.body)
  for (let redirects = 0; ; redirects++) {
    const answer = await send(url, method, headers, body, init.signal ?? undefined)
    const location = answer.headers.find(([name]) => name.toLowerCase() === 'location')?.[1]
    if (![301, 302, 303, 307, 308].includes(answer.status) || !location || init.redirect === 'manual')
      return new BufferedResponse(
        answer.status,
        answer.statusText,
        answer.headers,
        answer.body,
        url.href,
      ) as unknown as Response
    if (init.redirect === 'error' || redirects >= MAX_REDIRECTS)
      throw fetchFailed(new Error(`redirect to ${location} not followed (${redirects + 1} redirects)`))
    const next = new URL(location, url)
    // As fetch: 303 (and 301/302 for POST) become a GET without a body.
    if (answer.status === 303 || ((answer.status === 301 || answer.status === 302) && method === 'POST')) {
      method = 'GET'
      body = undefined
      headers = Object.fromEntries(Object.entries(headers).filter(([name]) => !/^content-/i.test(name)))
    }
    if (next.origin !== url.origin)
      headers = Object.fromEntries(Object.entries(headers).filter(([name]) => !/^authorization$/i.test(name)))
    url = next
  }
}

/** The transport for a connection: ours, or Node's fetch when the user asked Node to use env proxies. */
export function defaultAgentFetch(env: NodeJS.ProcessEnv = process.env): typeof fetch {
  if (env.NODE_USE_ENV_PROXY) return globalThis.fetch.bind(globalThis)
  return agentFetch as typeof fetch
}
