// Loopback stand-ins for GitHub's download hosts (and one other host), for tests of where the
// github-token goes. One TLS server answers for every name, with a throwaway certificate made here by
// openssl for exactly those names; it records each request's host and headers. Traffic reaches it by
// one of two test-only routes, neither of which the product knows about:
// - `connector`: an undici Agent whose connections all go to the loopback server (fetch: the CLI);
// - `proxyUrl`: an HTTP CONNECT proxy that tunnels every host to it (the Action honours https_proxy),
//   with `caFile` as NODE_EXTRA_CA_CERTS of the child process.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { type Server, createServer as createHttpServer } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { type Socket, connect as netConnect } from 'node:net'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect as tlsConnect } from 'node:tls'

import { Agent, fetch as undiciFetch } from 'undici'

export const STAND_IN_HOSTS = [
  'github.com',
  'api.github.com',
  'objects.githubusercontent.com',
  'elsewhere.example',
] as const

export interface SeenRequest {
  host: string
  path: string
  authorization?: string
  accept?: string
}

export type StandInRoute = { body: Uint8Array } | { redirectTo: string } | { status: number }

export class GithubStandIn {
  readonly seen: SeenRequest[] = []
  /** CONNECT targets the proxy was asked for. */
  readonly tunnels: string[] = []
  private readonly routes = new Map<string, StandInRoute>()
  private readonly sockets = new Set<Socket>()

  private constructor(
    private readonly tls: Server,
    private readonly proxy: Server,
    readonly caFile: string,
    private readonly ca: string,
  ) {}

  static async start(): Promise<GithubStandIn> {
    const dir = mkdtempSync(join(tmpdir(), 'icp-sync-github-standin-'))
    const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')]
    const names = STAND_IN_HOSTS.map((host) => `DNS:${host}`).join(',')
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
        .concat(['-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=github stand-in'])
        .concat(['-addext', `subjectAltName=${names}`]),
      { stdio: 'ignore' },
    )
    const ca = readFileSync(cert, 'utf8')
    const tls = createHttpsServer({ key: readFileSync(key), cert: ca })
    const proxy = createHttpServer()
    const self = new GithubStandIn(tls, proxy, cert, ca)
    tls.on('request', (req, res) => {
      const host = (req.headers.host ?? '').replace(/:443$/, '')
      const path = req.url ?? '/'
      self.seen.push({
        host,
        path,
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
        ...(req.headers.accept ? { accept: req.headers.accept } : {}),
      })
      const route = self.routes.get(`${host}${path}`)
      if (!route) return res.writeHead(404).end()
      if ('redirectTo' in route) return res.writeHead(302, { location: route.redirectTo }).end()
      if ('status' in route) return res.writeHead(route.status).end()
      res.writeHead(200, { 'content-length': route.body.byteLength }).end(route.body)
    })
    proxy.on('connect', (req, client: Socket) => {
      self.tunnels.push(req.url ?? '')
      const upstream = netConnect(self.tlsPort, '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
        upstream.pipe(client).pipe(upstream)
      })
      for (const socket of [client, upstream]) {
        self.sockets.add(socket)
        socket.on('error', () => socket.destroy())
        socket.on('close', () => self.sockets.delete(socket))
      }
    })
    await Promise.all([tls, proxy].map((s) => new Promise<void>((done) => s.listen(0, '127.0.0.1', done))))
    return self
  }

  private get tlsPort(): number {
    return (this.tls.address() as AddressInfo).port
  }

  /** For `https_proxy` of a child process. */
  get proxyUrl(): string {
    return `http://127.0.0.1:${(this.proxy.address() as AddressInfo).port}`
  }

  /** Serves `route` at `https://<host><path>`; returns that URL. */
  route(host: (typeof STAND_IN_HOSTS)[number], path: string, route: StandInRoute): string {
    this.routes.set(`${host}${path}`, route)
    return `https://${host}${path}`
  }

  /** A fetch whose every https connection goes to the stand-in (trusting its certificate). */
  fetch(): typeof fetch {
    const agent = new Agent({
      connect: (options, callback) => {
        const socket = tlsConnect({
          host: '127.0.0.1',
          port: this.tlsPort,
          servername: options.servername ?? options.hostname,
          ca: this.ca,
        })
        socket.once('secureConnect', () => callback(null, socket))
        socket.once('error', (error) => callback(error, null))
        return socket
      },
    })
    return ((url: string | URL, init?: object) =>
      undiciFetch(url, { ...init, dispatcher: agent } as never)) as unknown as typeof fetch
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy()
    this.tls.closeAllConnections()
    this.proxy.closeAllConnections()
    await Promise.all([this.tls, this.proxy].map((s) => new Promise((done) => s.close(done))))
  }
}
