// node:http and node:https through require(). An ESM `import` of node:http builds a facade that reads
// every export, and one of them (WebSocket) loads Node's bundled undici: 62 ms at start-up on Node 24,
// against 5 ms for require().
import { createRequire } from 'node:module'
import type * as Http from 'node:http'
import type * as Https from 'node:https'

const require = createRequire(import.meta.url)

export const http = require('node:http') as typeof Http
/** node:https on first use: it brings TLS (~14 ms of start-up) that a local replica never needs. */
export const https = (): typeof Https => require('node:https') as typeof Https
export const STATUS_CODES: Record<number, string | undefined> = http.STATUS_CODES

/** `404 Not Found`, as reqwest prints a status (icp's and ic-agent's error texts use it). */
export function statusLine(status: number): string {
  return `${status} ${STATUS_CODES[status] || '<unknown status code>'}`
}
