// A loopback HTTP server for plugin URLs: serves bytes, fails N times before succeeding, cuts a body
// short, answers 404 for unknown paths, and counts requests. Bound to 127.0.0.1; no timers, no randomness.
import { type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Route {
  body: Uint8Array
  /** Answer this many requests with `failStatus` before serving the body. */
  failTimes?: number
  failStatus?: number
  /** Send Content-Length for the whole body but only this many bytes, then drop the connection. */
  truncateAt?: number
  /** Answer 302 with this Location instead. */
  redirectTo?: string
  /** Stream this many zero bytes without Content-Length instead of `body` (nothing large is allocated). */
  streamBytes?: number
  /** Send `body` one byte at a time, this many ms apart. */
  dripMs?: number
  /** Extra response headers (e.g. content-encoding for a compressed `body`). */
  headers?: Record<string, string>
}

export class PluginHttpServer {
  private readonly routes = new Map<string, Route & { failed: number }>()
  private readonly counts = new Map<string, number>()

  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  /** Bytes written by `streamBytes` routes so far (how far a client read before it stopped). */
  streamed = 0

  static async start(): Promise<PluginHttpServer> {
    const server = createServer()
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
    const { port } = server.address() as AddressInfo
    const self = new PluginHttpServer(server, `http://127.0.0.1:${port}`)
    server.on('request', (req, res) => self.handle(req.url ?? '/', res))
    return self
  }

  /** Serves `route` at `path`; returns the full URL. */
  route(path: string, route: Route): string {
    this.routes.set(path, { ...route, failed: 0 })
    return this.url(path)
  }

  url(path: string): string {
    return `${this.origin}${path}`
  }

  /** Requests seen for `path` (any status). */
  requests(path: string): number {
    return this.counts.get(path) ?? 0
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise<void>((done) => this.server.close(() => done()))
  }

  private handle(path: string, res: import('node:http').ServerResponse): void {
    this.counts.set(path, this.requests(path) + 1)
    const route = this.routes.get(path)
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
      return
    }
    if (route.failed < (route.failTimes ?? 0)) {
      route.failed++
      res.writeHead(route.failStatus ?? 500, { 'content-type': 'text/plain' }).end('try again')
      return
    }
    if (route.redirectTo !== undefined) {
      res.writeHead(302, { location: route.redirectTo }).end()
      return
    }
    if (route.streamBytes !== undefined) {
      res.writeHead(200, { 'content-type': 'application/wasm', ...route.headers })
      this.stream(res, route.streamBytes)
      return
    }
    if (route.dripMs !== undefined) {
      res.writeHead(200, {
        'content-type': 'application/wasm',
        'content-length': route.body.byteLength,
        ...route.headers,
      })
      let sent = 0
      const timer = setInterval(() => {
        if (res.destroyed || sent >= route.body.byteLength) {
          clearInterval(timer)
          res.end()
          return
        }
        res.write(route.body.subarray(sent, ++sent))
      }, route.dripMs)
      res.on('close', () => clearInterval(timer))
      return
    }
    res.writeHead(200, {
      'content-type': 'application/wasm',
      'content-length': route.body.byteLength,
      ...route.headers,
    })
    if (route.truncateAt === undefined) {
      res.end(route.body)
      return
    }
    res.write(route.body.subarray(0, route.truncateAt), () => res.socket?.destroy())
  }

  private stream(res: import('node:http').ServerResponse, total: number): void {
    const chunk = Buffer.alloc(1024 * 1024)
    let left = total
    const pump = (): void => {
      while (left > 0 && !res.destroyed) {
        const piece = left >= chunk.length ? chunk : chunk.subarray(0, left)
        left -= piece.length
        this.streamed += piece.length
        if (!res.write(piece)) {
          res.once('drain', pump)
          return
        }
      }
      if (!res.destroyed) res.end()
    }
    pump()
  }
}

/** A loopback port nobody listens on (bound, then released), for "connection refused". */
export async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((done) => server.close(() => done()))
  return port
}
