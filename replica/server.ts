// The IC HTTP interface over node:http: status, v2/v3/v4 calls, v2/v3 queries, canister- and
// subnet-scoped read_state. Request validation (envelope, expiry, sender auth, effective canister
// id, read_state path rules) happens here; execution and certification live in engine.ts.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { decode, encodeWithSelfDescribedTag } from '@dfinity/cbor'
import { concat, equalBytes, toHex, utf8 } from './bytes.js'
import { checkSignature, DOMAIN_DELEGATION, DOMAIN_REQUEST } from './crypto.js'
import type { Engine } from './engine.js'
import { HttpError, rejects, type Outcome, type Reject } from './errors.js'
import { hashOfMap, requestId } from './hash.js'
import { CANISTER_SCOPED, managementTarget } from './management.js'
import { isAnonymous, principalFromText, principalToText, selfAuthenticating } from './principal.js'

const MAX_BODY = 5 * 1024 * 1024 // HTTP body cap of the endpoint (413 above it)
const MAX_INGRESS_BYTES = 2 * 1024 * 1024 // application subnets' max_ingress_bytes_per_message
const MAX_EXPIRY_AHEAD_NS = (5n * 60n + 30n) * 1_000_000_000n // IC: 5 min TTL + 30 s drift
const MAX_DELEGATIONS = 20
const MAX_TARGETS = 1000
const IMPL_VERSION = 'icp-sync-action-replica-0.1.0'

type Kind = 'call' | 'query' | 'read_state'

interface Authenticated {
  content: Record<string, unknown>
  requestId: Uint8Array
  sender: Uint8Array
  expiry: bigint
  targets?: Uint8Array[][] // delegation target restrictions (each delegation's list)
}

export function startServer(engine: Engine, port: number, adminToken?: string): Promise<Server> {
  const server = createServer((req, res) => {
    const handled = req.url?.startsWith('/_replica/')
      ? admin(engine, req, res, adminToken)
      : handle(engine, req, res)
    handled.catch((e: unknown) => {
      if (res.headersSent) return res.destroy()
      const status = e instanceof HttpError ? e.status : 500
      const text = e instanceof Error ? e.message : String(e)
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(text)
    })
  })
  server.keepAliveTimeout = 30_000
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve(server))
  })
}

const matches = (p: string | RegExp | undefined, path: string): boolean =>
  p === undefined || (typeof p === 'string' ? path.includes(p) : p.test(path))

/** What an API boundary node (ic-boundary) answers for these statuses: its error cause, as text. */
export const BOUNDARY_NODE_TEXT: Record<number, string> = {
  429: 'rate_limited_normal\n',
  502: 'backend_error_connect\n',
  503: 'no_healthy_nodes\n',
  504: 'backend_timeout\n',
}

/** Answers with the `httpError` fault (and counts it down). */
function httpFault(engine: Engine, res: ServerResponse): void {
  const fault = engine.faults.httpError!
  const { status, body, retryAfter } = fault
  if (fault.times !== undefined && --fault.times <= 0) delete engine.faults.httpError
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' }
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter)
  res.writeHead(status, headers).end(body ?? BOUNDARY_NODE_TEXT[status] ?? `injected HTTP ${status}`)
}

async function handle(engine: Engine, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1')
  const path = url.pathname
  const f = engine.faults
  if (path.startsWith('/api/')) {
    engine.apiRequests++
    if (f.delayMs) await new Promise((r) => setTimeout(r, f.delayMs))
    if (f.dropConnection && matches(f.dropConnection.path, path)) {
      if (f.dropConnection.times !== undefined && --f.dropConnection.times <= 0) delete f.dropConnection
      req.socket.destroy()
      return
    }
    if (f.httpError && !f.httpError.afterAccept && matches(f.httpError.path, path)) {
      httpFault(engine, res)
      return
    }
  }
  if (req.method === 'GET' && path === '/api/v2/status') return status(engine, res)
  const m = /^\/api\/(v2|v3|v4)\/(canister|subnet)\/([^/]+)\/(call|query|read_state)$/.exec(path)
  if (!m) throw new HttpError(404, `Not found: ${path}`)
  if (req.method !== 'POST') throw new HttpError(405, `Method ${req.method} not allowed on ${path}`)
  const [, version, scope, idText, endpoint] = m
  if (version === 'v4' && (endpoint !== 'call' || f.disableV4)) throw new HttpError(404, `Not found: ${path}`)
  if (version === 'v2' && endpoint === 'call' && scope === 'subnet')
    throw new HttpError(404, `Not found: ${path}`)
  if (scope === 'subnet' && endpoint !== 'read_state') throw new HttpError(404, `Not found: ${path}`)
  let ecid: Uint8Array
  try {
    ecid = principalFromText(idText)
  } catch (e) {
    throw new HttpError(400, `Could not parse effective id '${idText}': ${(e as Error).message}`)
  }
  const body = await readBody(req)
  const started = performance.now()
  let busy = 0 // time spent in this process on the request, excluding the wait for execution
  try {
    const auth = authenticate(engine, body, endpoint as Kind)
    if (endpoint === 'call' && body.length > MAX_INGRESS_BYTES)
      throw new HttpError(
        413,
        `Request 0x${toHex(auth.requestId)} is too large. Message byte size ${body.length} is larger than the max allowed ${MAX_INGRESS_BYTES}.`,
      )
    busy = performance.now() - started
    if (endpoint === 'call') {
      const t = await call(engine, res, auth, ecid, version, path)
      busy += t
    } else if (endpoint === 'query') await query(engine, res, auth, ecid, path)
    else readState(engine, res, auth, ecid, scope === 'subnet', path)
  } finally {
    engine.recordTiming(endpoint, endpoint === 'call' ? busy : performance.now() - started)
  }
}

/**
 * Test control over HTTP, for a replica in another process: `GET /_replica/stats` (read-only, always
 * on); with an admin token (header `x-replica-admin`) also `GET /_replica/log`, `POST
 * /_replica/log/clear` and `POST /_replica/faults` (JSON Faults). Off the /api/ paths agents use.
 */
async function admin(
  engine: Engine,
  req: IncomingMessage,
  res: ServerResponse,
  token?: string,
): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname
  const json = (status: number, v: unknown): void => {
    const text = JSON.stringify(v, (_k, x: unknown) =>
      typeof x === 'bigint' ? x.toString() : x instanceof Uint8Array ? toHex(x) : x,
    )
    res.writeHead(status, { 'content-type': 'application/json' }).end(text)
  }
  if (req.method === 'GET' && path === '/_replica/stats') return json(200, engine.stats())
  if (!token || req.headers['x-replica-admin'] !== token) throw new HttpError(403, 'admin token required')
  if (req.method === 'GET' && path === '/_replica/log') return json(200, engine.callLog())
  if (req.method === 'POST' && path === '/_replica/log/clear') {
    engine.clearCallLog()
    return json(200, {})
  }
  if (req.method === 'POST' && path === '/_replica/faults') {
    const faults = JSON.parse(Buffer.from(await readBody(req)).toString('utf8') || '{}') as Record<
      string,
      unknown
    >
    engine.faults = faults
    return json(200, faults)
  }
  throw new HttpError(404, `Not found: ${path}`)
}

function status(engine: Engine, res: ServerResponse): void {
  sendCbor(res, 200, {
    ic_api_version: '0.18.0',
    impl_version: IMPL_VERSION,
    replica_health_status: 'healthy',
    root_key: engine.keys.rootKeyDer,
    certified_height: BigInt(engine.rounds),
  })
}

function sendCbor(res: ServerResponse, status: number, value: unknown): void {
  const bytes = encodeWithSelfDescribedTag(value as Record<string, unknown>)
  res.writeHead(status, { 'content-type': 'application/cbor', 'content-length': bytes.length }).end(bytes)
}

async function readBody(req: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = []
  let n = 0
  for await (const chunk of req) {
    n += (chunk as Buffer).length
    if (n > MAX_BODY) throw new HttpError(413, `Request body is too large (over ${MAX_BODY} bytes).`)
    chunks.push(chunk as Buffer)
  }
  return new Uint8Array(Buffer.concat(chunks))
}

// ---------- envelope, expiry and sender authentication ----------

const isMap = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array)

function field<T>(m: Record<string, unknown>, name: string, check: (v: unknown) => boolean, what: string): T {
  const v = m[name]
  if (!check(v))
    throw new HttpError(400, `Could not parse body as request: field '${name}' is missing or not ${what}`)
  return v as T
}
const isBytes = (v: unknown): boolean => v instanceof Uint8Array
const isNat = (v: unknown): boolean =>
  (typeof v === 'number' && Number.isInteger(v) && v >= 0) || typeof v === 'bigint'

function fmtTime(ns: bigint): string {
  const ms = Number(ns / 1_000_000n)
  const d = new Date(ms).toISOString() // 2026-11-25T15:30:00.123Z
  const frac = ns % 1_000_000_000n
  const base = `${d.slice(0, 10)} ${d.slice(11, 19)}`
  return frac === 0n ? `${base} UTC` : `${base}.${frac.toString().padStart(9, '0')} UTC`
}

function authenticate(engine: Engine, body: Uint8Array, kind: Kind): Authenticated {
  let env: unknown
  try {
    env = decode(body)
  } catch (e) {
    throw new HttpError(400, `Could not parse body as ${kind} message: ${(e as Error).message}`)
  }
  if (!isMap(env) || !isMap(env.content))
    throw new HttpError(400, `Could not parse body as ${kind} message: missing field \`content\``)
  const content = env.content
  const requestType = content.request_type
  if (requestType !== kind)
    throw new HttpError(
      400,
      `Could not parse body as ${kind} message: unexpected request_type '${String(requestType)}'`,
    )
  const sender = field<Uint8Array>(content, 'sender', isBytes, 'a blob')
  const expiry = BigInt(field<number | bigint>(content, 'ingress_expiry', isNat, 'a natural number'))
  if (kind === 'read_state') field(content, 'paths', Array.isArray, 'an array')
  else {
    field(content, 'canister_id', isBytes, 'a blob')
    field(content, 'method_name', (v) => typeof v === 'string', 'a text')
    field(content, 'arg', isBytes, 'a blob')
  }
  const rid = requestId(content)
  const now = engine.nowNs()
  const max = now + MAX_EXPIRY_AHEAD_NS
  if (expiry < now || expiry > max)
    throw new HttpError(
      400,
      `Invalid request expiry: Specified ingress_expiry not within expected range: Minimum allowed expiry: ${fmtTime(now)}, ` +
        `Maximum allowed expiry: ${fmtTime(max)}, Provided expiry: ${fmtTime(expiry)}`,
    )
  const authFail = (why: string): never => {
    throw new HttpError(400, `Failed to authenticate request 0x${toHex(rid)} due to: ${why}`)
  }
  const pubkey = env.sender_pubkey
  const sig = env.sender_sig
  if (isAnonymous(sender)) {
    if (pubkey !== undefined || sig !== undefined || env.sender_delegation !== undefined)
      authFail('Invalid signature: anonymous requests must not carry a public key, signature or delegation')
    return { content, requestId: rid, sender, expiry }
  }
  if (!(pubkey instanceof Uint8Array) || !(sig instanceof Uint8Array))
    authFail(`Missing signature from user: ${principalToText(sender)}`)
  const senderKey = pubkey as Uint8Array
  if (!equalBytes(selfAuthenticating(senderKey), sender))
    authFail(`The user id ${principalToText(sender)} does not match the public key ${toHex(senderKey)}`)
  let signingKey = senderKey
  const targets: Uint8Array[][] = []
  const dels = env.sender_delegation
  if (dels !== undefined) {
    if (!Array.isArray(dels)) authFail('Invalid delegation: sender_delegation is not an array')
    const list = dels as unknown[]
    if (list.length > MAX_DELEGATIONS)
      authFail(
        `Invalid delegation: Chain of delegations is too long: got ${list.length} delegations, but at most ${MAX_DELEGATIONS} are allowed`,
      )
    for (const d of list) {
      if (!isMap(d) || !isMap(d.delegation) || !(d.signature instanceof Uint8Array))
        authFail('Invalid delegation: malformed signed delegation')
      const del = (d as { delegation: Record<string, unknown>; signature: Uint8Array }).delegation
      const dsig = (d as { signature: Uint8Array }).signature
      if (!(del.pubkey instanceof Uint8Array) || !isNat(del.expiration))
        authFail('Invalid delegation: malformed delegation')
      const bad = checkSignature(signingKey, dsig, concat(DOMAIN_DELEGATION, hashOfMap(del)))
      if (bad) authFail(`Invalid delegation: Invalid signature: ${bad}`)
      if (BigInt(del.expiration as number | bigint) < now)
        authFail(
          `Invalid delegation: Delegation has expired:\n   Provided expiry:    ${fmtTime(BigInt(del.expiration as number | bigint))}\n   Local replica timestamp: ${fmtTime(now)}`,
        )
      if (del.targets !== undefined) {
        if (!Array.isArray(del.targets) || del.targets.some((t) => !(t instanceof Uint8Array)))
          authFail('Invalid delegation: malformed targets')
        if ((del.targets as unknown[]).length > MAX_TARGETS)
          authFail(`Invalid delegation: Delegation has too many targets: at most ${MAX_TARGETS} are allowed`)
        targets.push(del.targets as Uint8Array[])
      }
      signingKey = del.pubkey as Uint8Array
    }
  }
  const bad = checkSignature(signingKey, sig as Uint8Array, concat(DOMAIN_REQUEST, rid))
  if (bad) authFail(`Invalid signature: Invalid basic signature: ${bad}`)
  return { content, requestId: rid, sender, expiry, targets: targets.length ? targets : undefined }
}

function checkTargets(auth: Authenticated, canister: Uint8Array): void {
  for (const list of auth.targets ?? [])
    if (!list.some((t) => equalBytes(t, canister)))
      throw new HttpError(
        400,
        `Failed to authenticate request 0x${toHex(auth.requestId)} due to: Invalid delegation: Canister ${principalToText(canister)} is not one of the delegation targets.`,
      )
}

/** Ingress rule: the URL's effective canister id must be the target (or, for aaaaa-aa, the managed canister). */
function checkEffective(
  auth: Authenticated,
  ecid: Uint8Array,
): { canister: Uint8Array; method: string; arg: Uint8Array } {
  const canister = auth.content.canister_id as Uint8Array
  const method = auth.content.method_name as string
  const arg = auth.content.arg as Uint8Array
  let expected = canister
  if (canister.length === 0) {
    const t = managementTarget(method, arg)
    if (t) expected = t
    else if (!CANISTER_SCOPED.has(method)) expected = ecid // provisional creation etc.: any id in range
  }
  if (!equalBytes(expected, ecid))
    throw new HttpError(
      400,
      `Specified CanisterId ${principalToText(expected)} does not match effective canister id in URL ${principalToText(ecid)}`,
    )
  checkTargets(auth, ecid)
  return { canister, method, arg }
}

// ---------- calls ----------

/** The ingress filter: rejects that never reach the certified state. */
function ingressFilter(
  engine: Engine,
  canister: Uint8Array,
  method: string,
  arg: Uint8Array,
  sender: Uint8Array,
): Reject | undefined {
  if (canister.length === 0) {
    const t = managementTarget(method, arg)
    if (!t) return undefined
    const c = engine.canister(t)
    if (!c) return rejects.canisterNotFound(principalToText(t))
    if (method === 'canister_metadata' || engine.isController(c, sender)) return undefined
    if (method === 'canister_status' && engine.statusVisibleTo(c, sender)) return undefined
    return rejects.notController(c.idText, method)
  }
  const c = engine.canister(canister)
  if (!c) return rejects.canisterNotFound(principalToText(canister))
  if (c.status === 'stopped') return rejects.stopped(c.idText)
  if (c.status === 'stopping') return rejects.stopping(c.idText)
  if (c.impl?.inspectMessage) {
    const ok = c.impl.inspectMessage(method, {
      caller: principalToText(sender),
      controllers: c.controllers.map(principalToText),
    })
    if (!ok)
      return {
        rejectCode: 4,
        rejectMessage: `Error from Canister ${c.idText}: Canister rejected the message`,
        errorCode: 'IC0406',
      }
  }
  return undefined
}

/** Returns the milliseconds spent certifying the reply (the rest is waiting for execution). */
async function call(
  engine: Engine,
  res: ServerResponse,
  auth: Authenticated,
  ecid: Uint8Array,
  version: string,
  endpoint: string,
): Promise<number> {
  const { canister, method, arg } = checkEffective(auth, ecid)
  const ridHex = toHex(auth.requestId)
  const known = engine.requests.get(ridHex)
  if (!known) {
    const rejected = ingressFilter(engine, canister, method, arg, auth.sender)
    if (rejected) {
      engine.log({ canister, method, arg, caller: auth.sender, requestId: ridHex, endpoint }, 'update', {
        reject: rejected,
      })
      const body = {
        reject_code: rejected.rejectCode,
        reject_message: rejected.rejectMessage,
        error_code: rejected.errorCode,
      }
      sendCbor(res, 200, version === 'v2' ? body : { status: 'non_replicated_rejection', ...body })
      return 0
    }
  }
  const rec =
    known ??
    engine.submit(
      { id: auth.requestId, sender: auth.sender, canisterId: canister, expiry: auth.expiry },
      { canister, method, arg, caller: auth.sender, requestId: ridHex, endpoint },
    )
  const after = engine.faults.httpError
  if (after?.afterAccept && matches(after.path, endpoint)) {
    httpFault(engine, res) // accepted (it runs), but the answer is lost on the way back
    return 0
  }
  if (version === 'v2') {
    res.writeHead(202, { 'content-length': 0 }).end()
    return 0
  }
  const timeout = engine.faults.syncCallTimeoutMs ?? 10_000
  let timer: NodeJS.Timeout | undefined
  const finished = await Promise.race([
    rec.settled.then(() => true),
    new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeout))),
  ])
  clearTimeout(timer)
  if (!finished) {
    res.writeHead(202, { 'content-length': 0 }).end()
    return 0
  }
  await engine.nextRound() // updates finishing together share one certification round
  const t = performance.now()
  const certificate = engine.certificate([[utf8('request_status'), auth.requestId]], false, {
    canister: ecid,
  })
  sendCbor(res, 200, { status: 'replied', certificate })
  return performance.now() - t
}

// ---------- queries ----------

async function query(
  engine: Engine,
  res: ServerResponse,
  auth: Authenticated,
  ecid: Uint8Array,
  endpoint: string,
): Promise<void> {
  const { canister, method, arg } = checkEffective(auth, ecid)
  const out: Outcome = await engine.executeQuery({
    canister,
    method,
    arg,
    caller: auth.sender,
    requestId: toHex(auth.requestId),
    endpoint,
  })
  const timestamp = engine.nowNs()
  const signed: Record<string, unknown> =
    'reply' in out
      ? { status: 'replied', reply: { arg: out.reply } }
      : {
          status: 'rejected',
          reject_code: out.reject.rejectCode,
          reject_message: out.reject.rejectMessage,
          error_code: out.reject.errorCode,
        }
  const hash = hashOfMap({ ...signed, timestamp, request_id: auth.requestId })
  const node = engine.queryNode(ecid)
  let signature = node.signResponse(hash)
  if (engine.faults.corruptQuerySignature) {
    signature = new Uint8Array(signature)
    signature[0] ^= 0x01
  }
  const identity = engine.faults.unknownQueryNode ? selfAuthenticating(utf8('no such node')) : node.nodeId
  sendCbor(res, 200, { ...signed, signatures: [{ timestamp, signature, identity }] })
}

// ---------- read_state ----------

const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8')
const printable = (b: Uint8Array): string => (/^[\x21-\x7e]*$/.test(text(b)) ? text(b) : toHex(b))

function readState(
  engine: Engine,
  res: ServerResponse,
  auth: Authenticated,
  ecid: Uint8Array,
  subnetScoped: boolean,
  endpoint: string,
): void {
  const paths = auth.content.paths as unknown[]
  if (subnetScoped && !engine.topology.byId(ecid))
    throw new HttpError(404, `Subnet ${principalToText(ecid)} not found`)
  if (!subnetScoped) checkTargets(auth, ecid)
  let rid: Uint8Array | undefined
  const checked: Uint8Array[][] = []
  for (const p of paths) {
    if (!Array.isArray(p) || p.some((l) => !(l instanceof Uint8Array)))
      throw new HttpError(400, 'Could not parse body as read request: a path is not a list of blobs')
    const path = p as Uint8Array[]
    checked.push(path)
    const first = path.length ? text(path[0]) : ''
    if (first === 'time' || first === 'subnet' || first === 'canister_ranges') continue
    if (first === 'request_status' && path.length >= 2) {
      if (rid && !equalBytes(rid, path[1]))
        throw new HttpError(
          400,
          'Can only request a single request ID in request_status paths, got multiple.',
        )
      rid = path[1]
      const known = engine.requests.get(toHex(path[1]))
      if (known && !equalBytes(known.sender, auth.sender))
        throw new HttpError(403, 'Request IDs must be for requests signed by the caller.')
      continue
    }
    if (first === 'canister' && !subnetScoped && path.length >= 3) {
      if (!equalBytes(path[1], ecid))
        throw new HttpError(
          400,
          `Effective principal id in URL ${principalToText(ecid)} does not match requested principal id: ${principalToText(path[1])}.`,
        )
      const leaf = text(path[2])
      if (leaf === 'module_hash' || leaf === 'controllers') continue
      if (leaf === 'metadata' && path.length >= 4) {
        const c = engine.canister(path[1])
        const name = text(path[3])
        const s = c ? engine.metadata(c).get(name) : undefined
        if (c && s?.visibility === 'private' && !engine.isController(c, auth.sender))
          throw new HttpError(
            403,
            `Custom section ${name} can only be requested by the controllers of the canister.`,
          )
        continue
      }
    }
    throw new HttpError(404, 'Invalid path requested.')
  }
  const certificate = engine.certificate(checked, true, subnetScoped ? { subnet: ecid } : { canister: ecid })
  engine.log(
    {
      canister: ecid,
      method: checked.map((p) => p.map(printable).join('/')).join(', '),
      arg: new Uint8Array(0),
      caller: auth.sender,
      requestId: toHex(auth.requestId),
      endpoint,
    },
    'read_state',
    { reply: new Uint8Array(0) },
  )
  sendCbor(res, 200, { certificate })
}
