// Raw canister calls with our own envelopes, retries and clock (the agent only fetches the root key):
// - queries and state reads are safe to repeat: transient failures are retried with backoff;
// - an update is signed once; after a failure that may have reached the replica (reset, timeout,
//   5xx, 429) the identical envelope is sent again (same request id: the IC runs it at most once),
//   and an outcome that stays unknown is polled until its ingress expiry has passed;
// - a disagreement about time is corrected once (src/ic/clock.ts), never in a loop.

import { AnonymousIdentity, Cbor, LookupPathStatus, type RequestId } from '@icp-sdk/core/agent'
import { Principal } from '@icp-sdk/core/principal'

import {
  canisterInRanges,
  MAX_CERTIFICATE_SKEW_MS,
  nodeKeysOf,
  notAuthorized,
  verifyCertificate,
  type VerifiedCertificate,
} from './certificate.js'
import { ClockProblem, ExpiryRefused, isExpiryRefusal, replicaNowFromRefusal } from './clock.js'
import type { IcConnection } from './connect.js'
import { fetchFailure, httpFailure, IcError, rejectText, toHex, type Reject } from './errors.js'
import { signRequest, type SignedRequest } from './envelope.js'
import { checkQueryResponse, type SignedQueryResponse, type SubnetNodeKeys } from './query-signatures.js'

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)
const text = (bytes: Uint8Array | undefined): string | undefined =>
  bytes ? new TextDecoder().decode(bytes) : undefined

export interface CallStats {
  /** HTTP sends of the call itself (re-sends of the same envelope included). */
  attempts: number
  /** Set when the outcome had to be found by polling the request id. */
  polled: boolean
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function backoff(conn: IcConnection, attempt: number): number {
  const base = conn.retry.baseDelayMs * 2 ** attempt
  return base / 2 + Math.random() * (base / 2)
}

// ---------- transport ----------

interface Answer {
  status: number
  body: Uint8Array
  headers: Headers
}

async function post(conn: IcConnection, path: string, body: Uint8Array): Promise<Answer> {
  let response: Response
  let bytes: Uint8Array
  try {
    response = await conn.fetch(new URL(path, conn.apiUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/cbor' },
      body,
    })
    bytes = new Uint8Array(await response.arrayBuffer())
  } catch (error) {
    throw fetchFailure(error)
  }
  return { status: response.status, body: bytes, headers: response.headers }
}

/** An HTTP error answer as an IcError; the IC's expiry refusal as a ClockProblem. */
function failure(answer: Answer): IcError {
  const body = new TextDecoder().decode(answer.body)
  const error = httpFailure(answer.status, answer.headers.get('content-type') ?? '', body)
  if (answer.status === 400 && isExpiryRefusal(body))
    return new ExpiryRefused(error.message, replicaNowFromRefusal(body))
  return error
}

function decodeCbor(answer: Answer): Record<string, unknown> {
  try {
    const value = Cbor.decode(answer.body) as unknown
    if (value && typeof value === 'object') return value as Record<string, unknown>
  } catch {
    // fall through
  }
  throw new IcError(`the replica's answer is not a CBOR map (HTTP ${answer.status})`, 'answered')
}

/** Runs `op`; on a clock disagreement, corrects the clock once and runs it once more. */
async function withClock<T>(conn: IcConnection, canister: Principal, op: () => Promise<T>): Promise<T> {
  try {
    return await op()
  } catch (error) {
    if (!(error instanceof ClockProblem)) throw error
    await conn.clock.correct(error, (offsetMs) => readReplicaTime(conn, canister, offsetMs))
  }
  try {
    return await op()
  } catch (error) {
    if (error instanceof ClockProblem) throw conn.clock.failure(error)
    throw error
  }
}

/** Certificate check with our clock; a time disagreement is corrected once, then checked again. */
async function verified(
  conn: IcConnection,
  certificate: Uint8Array,
  canister: Principal,
): Promise<VerifiedCertificate> {
  return withClock(conn, canister, () =>
    verifyCertificate(certificate, conn.rootKey(), { canisterId: canister }, conn.clock.now()),
  )
}

/** Runs `op` again while it fails in a way that says it may succeed later. */
async function withRetry<T>(
  conn: IcConnection,
  stats: CallStats,
  op: () => Promise<T>,
  retryOn: (error: IcError) => boolean,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    stats.attempts = attempt + 1
    try {
      return await op()
    } catch (caught) {
      const error =
        caught instanceof IcError
          ? caught
          : new IcError(String((caught as Error)?.message ?? caught), 'unknown')
      if (attempt + 1 >= conn.retry.attempts || !retryOn(error)) throw error
      await sleep(backoff(conn, attempt))
    }
  }
}

const transient = (error: IcError): boolean => error.delivery !== 'answered' || error.reject?.code === 2

// ---------- read_state ----------

async function readStateOnce(
  conn: IcConnection,
  canister: Principal,
  paths: Uint8Array[][],
): Promise<VerifiedCertificate> {
  const request = await signRequest(
    conn.identity.identity,
    { request_type: 'read_state', paths },
    conn.ingressExpiryMs,
    conn.clock.offsetMs,
  )
  const answer = await post(conn, `/api/v3/canister/${canister.toText()}/read_state`, request.body)
  if (answer.status !== 200) throw failure(answer)
  const certificate = decodeCbor(answer).certificate
  if (!(certificate instanceof Uint8Array))
    throw new IcError('read_state answer carries no certificate', 'answered')
  return verifyCertificate(certificate, conn.rootKey(), { canisterId: canister }, conn.clock.now())
}

/** A verified read_state for `paths` of `canister`, with the clock corrected once if needed. */
export function readState(
  conn: IcConnection,
  canister: Principal,
  paths: Uint8Array[][],
): Promise<VerifiedCertificate> {
  return withClock(conn, canister, () => readStateOnce(conn, canister, paths))
}

/** The replica's certified time, read anonymously with an expiry that assumes `offsetMs`. */
async function readReplicaTime(conn: IcConnection, canister: Principal, offsetMs: number): Promise<number> {
  const request = await signRequest(
    new AnonymousIdentity(),
    { request_type: 'read_state', paths: [[utf8('time')]] },
    conn.ingressExpiryMs,
    offsetMs,
  )
  const answer = await post(conn, `/api/v3/canister/${canister.toText()}/read_state`, request.body)
  if (answer.status !== 200) throw failure(answer)
  const certificate = decodeCbor(answer).certificate
  if (!(certificate instanceof Uint8Array))
    throw new IcError('read_state answer carries no certificate', 'answered')
  return (await verifyCertificate(certificate, conn.rootKey(), { canisterId: canister })).timeMs
}

// ---------- queries ----------

/**
 * The node keys of the canister's subnet, from a certified read of `/subnet` (cached per canister
 * for 5 minutes, one read in flight per canister). The subnet is the certificate's: the delegation's,
 * whose ranges were checked to hold the canister, or the root subnet, whose ranges are checked here.
 */
export async function subnetNodeKeys(conn: IcConnection, canister: Principal): Promise<SubnetNodeKeys> {
  const key = canister.toText()
  const cached = await conn.nodeKeys.get(key)
  if (cached) return cached
  return conn.nodeKeys.fetchOnce(key, async () => {
    const cert = await readState(conn, canister, [[utf8('subnet')]])
    if (!cert.delegated && !canisterInRanges(cert.tree, cert.subnetId, canister))
      throw notAuthorized(canister, cert.subnetId)
    const keys = nodeKeysOf(cert)
    await conn.nodeKeys.set(key, keys)
    return keys
  })
}

async function queryOnce(
  conn: IcConnection,
  canister: Principal,
  method: string,
  arg: Uint8Array,
): Promise<Uint8Array> {
  const request = await signRequest(
    conn.identity.identity,
    { request_type: 'query', canister_id: canister, method_name: method, arg },
    conn.ingressExpiryMs,
    conn.clock.offsetMs,
  )
  // The subnet's node keys come alongside the query, as the agent fetches them.
  const [answer, keys] = await Promise.all([
    post(conn, `/api/v3/canister/${canister.toText()}/query`, request.body),
    subnetNodeKeys(conn, canister),
  ])
  if (answer.status !== 200) throw failure(answer)
  const response = { ...decodeCbor(answer), requestId: request.requestId } as unknown as SignedQueryResponse
  await checkQueryResponse(response, keys, conn.clock.now(), async () => {
    conn.nodeKeys.forget(keys)
    return subnetNodeKeys(conn, canister)
  })
  if (response.status === 'replied' && response.reply) return new Uint8Array(response.reply.arg)
  const reject = {
    code: Number(response.reject_code),
    message: String(response.reject_message ?? ''),
    errorCode: response.error_code,
  }
  throw new IcError(rejectText(reject), 'answered', reject)
}

export async function query(
  conn: IcConnection,
  canisterId: string,
  method: string,
  arg: Uint8Array,
  stats: CallStats = { attempts: 0, polled: false },
): Promise<Uint8Array> {
  const canister = Principal.fromText(canisterId)
  return withRetry(
    conn,
    stats,
    () => withClock(conn, canister, () => queryOnce(conn, canister, method, arg)),
    transient,
  )
}

// ---------- updates ----------

/** The certified request status: reply bytes, a thrown reject, or undefined while not final. */
function requestStatus(certificate: VerifiedCertificate, requestId: RequestId): Uint8Array | undefined {
  const path = [utf8('request_status'), requestId]
  const status = text(certificate.lookup([...path, utf8('status')]))
  if (status === 'replied') return certificate.lookup([...path, utf8('reply')]) ?? new Uint8Array()
  if (status === 'rejected') {
    const code = certificate.lookup([...path, utf8('reject_code')])
    const reject: Reject = {
      code: code ? Number(decodeLeb(code)) : 0,
      message: text(certificate.lookup([...path, utf8('reject_message')])) ?? '',
      errorCode: text(certificate.lookup([...path, utf8('error_code')])),
    }
    throw new IcError(rejectText(reject), 'answered', reject)
  }
  if (status === 'done') {
    throw new IcError(
      `Call was marked as done but we never saw the reply. Request ID: ${toHex(requestId)}`,
      'answered',
    )
  }
  return undefined
}

function decodeLeb(bytes: Uint8Array): bigint {
  let value = 0n
  let shift = 0n
  for (const byte of bytes) {
    value |= BigInt(byte & 0x7f) << shift
    if ((byte & 0x80) === 0) break
    shift += 7n
  }
  return value
}

/** `retry-after` in milliseconds (seconds or an HTTP date), or undefined. */
function retryAfterMs(headers: Headers | undefined): number | undefined {
  const value = headers?.get('retry-after')
  if (!value) return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}

/** How an update's delivery ended: a final answer, or a request id whose outcome must be polled. */
type Delivered = { reply: Uint8Array } | { poll: SignedRequest; why: string }

class RetryableAnswer extends IcError {
  constructor(
    error: IcError,
    readonly retryAfter?: number,
  ) {
    super(error.message, error.delivery, error.reject)
  }
}

/** Sends the envelope once and reads the answer. */
async function sendOnce(
  conn: IcConnection,
  effective: Principal,
  request: SignedRequest,
): Promise<Delivered> {
  const answer = await post(conn, `/api/v4/canister/${effective.toText()}/call`, request.body)
  if (answer.status === 202) return { poll: request, why: 'accepted (202)' }
  if (answer.status !== 200) {
    const error = failure(answer)
    if (error.delivery === 'answered') throw error
    throw new RetryableAnswer(error, retryAfterMs(answer.headers))
  }
  const body = decodeCbor(answer)
  if (body.status === 'replied' && body.certificate instanceof Uint8Array) {
    const certificate = await verified(conn, body.certificate, effective)
    const reply = requestStatus(certificate, request.requestId)
    return reply === undefined ? { poll: request, why: 'not final in the reply' } : { reply }
  }
  if (typeof body.reject_code === 'number' || typeof body.reject_code === 'bigint') {
    // Not certified: the ingress filter refused it (canister not found, stopped, not a controller).
    const reject: Reject = {
      code: Number(body.reject_code),
      message: String(body.reject_message ?? ''),
      errorCode: typeof body.error_code === 'string' ? body.error_code : undefined,
    }
    throw new IcError(rejectText(reject), 'answered', reject)
  }
  throw new IcError(`unexpected response to an update call: HTTP ${answer.status}`, 'unknown')
}

/** Longest wait a `retry-after` may impose before a re-send (it is never waited past the expiry). */
const MAX_RETRY_AFTER_MS = 30_000

/**
 * Signs the update once and delivers that envelope: sent again, identical, after any failure that
 * may be transient. A refused expiry (nothing accepted) corrects the clock once and re-signs.
 */
async function deliver(
  conn: IcConnection,
  canister: Principal,
  effective: Principal,
  method: string,
  arg: Uint8Array,
  stats: CallStats,
): Promise<Delivered> {
  const sign = () =>
    signRequest(
      conn.identity.identity,
      { request_type: 'call', canister_id: canister, method_name: method, arg },
      conn.ingressExpiryMs,
      conn.clock.offsetMs,
    )
  let request = await sign()
  let maybeAccepted = false
  let clockCorrected = false
  let last: IcError | undefined
  for (let attempt = 0; attempt < conn.retry.attempts; attempt++) {
    stats.attempts++
    try {
      return await sendOnce(conn, effective, request)
    } catch (caught) {
      if (caught instanceof ExpiryRefused && !maybeAccepted && !clockCorrected) {
        // The expiry was refused, so nothing was accepted: correct the clock once, sign afresh.
        // (Any other clock problem concerns a reply: the update ran, so it is never signed again.)
        clockCorrected = true
        await conn.clock.correct(caught, (offsetMs) => readReplicaTime(conn, effective, offsetMs))
        request = await sign()
        continue
      }
      if (caught instanceof ClockProblem) {
        // A re-send refused for its expiry: an earlier send may have got in, so poll for it.
        if (maybeAccepted) return { poll: request, why: caught.message }
        throw conn.clock.failure(caught)
      }
      if (!(caught instanceof IcError) || caught.delivery === 'answered') throw caught
      last = caught
      if (caught.delivery === 'unknown') maybeAccepted = true
      if (attempt + 1 >= conn.retry.attempts) break
      const hinted = caught instanceof RetryableAnswer ? caught.retryAfter : undefined
      const untilExpiry = request.expiryMs - conn.clock.now() - conn.retry.pollIntervalMs
      const wait = Math.min(hinted ?? backoff(conn, attempt), MAX_RETRY_AFTER_MS, Math.max(0, untilExpiry))
      await sleep(wait)
    }
  }
  // Every send certainly failed to get in (connection refused, rate-limited): nothing can run.
  if (!maybeAccepted) throw last!
  return { poll: request, why: last!.message }
}

/**
 * Reads request_status until the outcome is final or the ingress expiry has passed (then the
 * message can no longer run, and we say what we know, with its request id).
 */
async function pollOutcome(
  conn: IcConnection,
  effective: Principal,
  request: SignedRequest,
  stats: CallStats,
  why: string,
): Promise<Uint8Array> {
  stats.polled = true
  const path = [utf8('request_status'), request.requestId]
  const margin = conn.retry.pollIntervalMs
  let lastStatus = 'unknown'
  let lastError: IcError | undefined
  let interval = conn.retry.pollIntervalMs
  for (;;) {
    let certifiedPastExpiry = false
    try {
      const certificate = await readState(conn, effective, [path])
      const outcome = requestStatus(certificate, request.requestId)
      if (outcome !== undefined) return outcome
      lastStatus = text(certificate.lookup([...path, utf8('status')])) ?? 'unknown'
      lastError = undefined
      certifiedPastExpiry = certificate.timeMs > request.expiryMs
    } catch (caught) {
      if (caught instanceof IcError && caught.delivery === 'answered') throw caught
      lastError = caught instanceof IcError ? caught : new IcError(String(caught), 'unknown')
    }
    // The replica's certified time decides; our clock only when it cannot be reached (a reachable
    // replica's certificates are within MAX_CERTIFICATE_SKEW_MS of our clock, so this ends too).
    const grace = lastError ? margin : MAX_CERTIFICATE_SKEW_MS
    if (certifiedPastExpiry || conn.clock.now() > request.expiryMs + grace) break
    await sleep(interval)
    interval = Math.min(interval * 1.5, conn.retry.maxPollIntervalMs)
  }
  const expiry = new Date(request.expiryMs).toISOString()
  const ending = lastError
    ? `Its ingress expiry (${expiry}) has passed by our clock, and the replica could not be reached (${lastError.message}).`
    : `The replica's certified time passed its ingress expiry (${expiry}) while its status was still '${lastStatus}', so it will not run any more.`
  throw new IcError(
    `the outcome of request 0x${toHex(request.requestId)} is unknown (${why}). ${ending} It was sent ` +
      `${stats.attempts} time(s), always as the same signed request, so it cannot have run twice — check the canister's state`,
    'unknown',
  )
}

export interface UpdateOptions {
  /** Effective canister id for management calls (the canister the call is about). */
  effectiveCanisterId?: string
}

export async function update(
  conn: IcConnection,
  canisterId: string,
  method: string,
  arg: Uint8Array,
  opts: UpdateOptions = {},
  stats: CallStats = { attempts: 0, polled: false },
): Promise<Uint8Array> {
  const canister = Principal.fromText(canisterId)
  const effective = Principal.fromText(opts.effectiveCanisterId ?? canisterId)
  stats.attempts = 0
  const delivered = await deliver(conn, canister, effective, method, arg, stats)
  if ('reply' in delivered) return delivered.reply
  return pollOutcome(conn, effective, delivered.poll, stats, delivered.why)
}

/**
 * A certified read of `canister/<id>/metadata/<name>`; undefined when the section is absent. The
 * lookup reports most absence proofs as Unknown rather than Absent (its label search compares bytes in
 * an order that is not the tree's); the certificate is verified either way, so both mean "not there".
 */
export async function readMetadata(
  conn: IcConnection,
  canisterId: string,
  name: string,
  stats: CallStats = { attempts: 0, polled: false },
): Promise<Uint8Array | undefined> {
  const canister = Principal.fromText(canisterId)
  const path = [utf8('canister'), canister.toUint8Array(), utf8('metadata'), utf8(name)]
  return withRetry(
    conn,
    stats,
    async () => {
      const certificate = await readState(conn, canister, [path])
      const found = certificate.lookup(path)
      if (found) return found
      const status = certificate.status(path)
      if (status === LookupPathStatus.Absent || status === LookupPathStatus.Unknown) return undefined
      throw new IcError(
        `The lookup path for metadata section '${name}' does not make sense for the certificate.`,
        'answered',
      )
    },
    transient,
  )
}
