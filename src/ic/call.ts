// Raw canister calls with our own retry rules (the agent's are off, see connect.ts):
// - queries and state reads are safe to repeat: transient failures are retried with backoff;
// - an update is sent again only when the replica certainly did not accept it; when the outcome is
//   unknown (connection dropped, gateway timeout) it is never re-sent: we poll its request id.

import {
  Certificate,
  LookupPathStatus,
  lookupResultToBuffer,
  QueryResponseStatus,
  type RequestId,
} from '@icp-sdk/core/agent'
import { Principal } from '@icp-sdk/core/principal'
import { blsVerify } from './bls.js'
import type { IcConnection } from './connect.js'
import { IcError, rejectText, toHex, toIcError, type Reject } from './errors.js'
import { checkQueryResponse, type SignedQueryResponse } from './query-signatures.js'

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)

export interface CallStats {
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

/** Runs `op` again while it fails in a way that says the request did not take effect. */
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
      const error = toIcError(caught)
      if (attempt + 1 >= conn.retry.attempts || !retryOn(error)) throw error
      await sleep(backoff(conn, attempt))
    }
  }
}

const transient = (error: IcError): boolean => error.delivery !== 'answered' || error.reject?.code === 2

export async function query(
  conn: IcConnection,
  canisterId: string,
  method: string,
  arg: Uint8Array,
  stats: CallStats = { attempts: 0, polled: false },
): Promise<Uint8Array> {
  return withRetry(
    conn,
    stats,
    async () => {
      // The subnet's node keys come alongside the query (cached per canister), as the agent fetches them.
      const target = Principal.fromText(canisterId)
      const [response, keys] = await Promise.all([
        conn.agent.query(target, { methodName: method, arg }),
        conn.agent.fetchSubnetKeys({ canisterId: target }),
      ])
      await checkQueryResponse(
        conn.agent,
        conn.nodeKeys,
        target,
        response as unknown as SignedQueryResponse,
        keys,
      )
      if (response.status === QueryResponseStatus.Replied) return new Uint8Array(response.reply.arg)
      const reject = {
        code: Number(response.reject_code),
        message: response.reject_message,
        errorCode: response.error_code,
      }
      throw new IcError(rejectText(reject), 'answered', reject)
    },
    transient,
  )
}

interface Pending {
  requestId: RequestId
  effective: Principal
}

/** Sends an update once; returns the reply, or the request id when the outcome must be polled. */
async function submit(
  conn: IcConnection,
  canister: Principal,
  effective: Principal,
  method: string,
  arg: Uint8Array,
): Promise<Uint8Array | Pending> {
  let submitted: Awaited<ReturnType<IcConnection['agent']['call']>>
  try {
    submitted = await conn.agent.call(canister, {
      methodName: method,
      arg,
      effectiveCanisterId: effective,
      callSync: true,
    })
  } catch (caught) {
    const error = toIcError(caught)
    const requestId = (caught as { code?: { requestContext?: { requestId?: RequestId } } }).code
      ?.requestContext?.requestId
    if (error.delivery === 'unknown' && requestId) return { requestId, effective }
    throw error
  }
  const { requestId, response } = submitted
  const body = response.body as Record<string, unknown> | null
  if (response.status === 202) return { requestId, effective }
  if (body && body.status === 'replied' && body.certificate instanceof Uint8Array) {
    const certificate = await verified(conn, body.certificate, effective)
    const outcome = requestStatus(certificate, requestId)
    if (outcome === undefined) return { requestId, effective }
    return outcome
  }
  if (body && typeof body.reject_code === 'number') {
    // Not certified: the boundary/ingress filter refused it (e.g. canister not found, stopped).
    const reject: Reject = {
      code: body.reject_code,
      message: String(body.reject_message ?? ''),
      errorCode: typeof body.error_code === 'string' ? body.error_code : undefined,
    }
    throw new IcError(rejectText(reject), 'answered', reject)
  }
  throw new IcError(`unexpected response to an update call: HTTP ${response.status}`, 'unknown')
}

async function verified(
  conn: IcConnection,
  certificate: Uint8Array,
  effective: Principal,
): Promise<Certificate> {
  if (!conn.agent.rootKey) throw new IcError('the agent has no root key', 'answered')
  try {
    return await Certificate.create({
      certificate,
      rootKey: conn.agent.rootKey,
      principal: { canisterId: effective },
      agent: conn.agent,
      blsVerify,
    })
  } catch (error) {
    throw toIcError(error)
  }
}

/** The certified request status: reply bytes, a thrown reject, or undefined while not final. */
function requestStatus(certificate: Certificate, requestId: RequestId): Uint8Array | undefined {
  const path = [utf8('request_status'), requestId]
  const status = lookupResultToBuffer(certificate.lookup_path([...path, utf8('status')]))
  const text = status ? new TextDecoder().decode(status) : undefined
  if (text === 'replied')
    return lookupResultToBuffer(certificate.lookup_path([...path, utf8('reply')])) ?? new Uint8Array()
  if (text === 'rejected') {
    const code = lookupResultToBuffer(certificate.lookup_path([...path, utf8('reject_code')]))
    const message = lookupResultToBuffer(certificate.lookup_path([...path, utf8('reject_message')]))
    const errorCode = lookupResultToBuffer(certificate.lookup_path([...path, utf8('error_code')]))
    const reject: Reject = {
      code: code ? Number(decodeLeb(code)) : 0,
      message: message ? new TextDecoder().decode(message) : '',
      errorCode: errorCode ? new TextDecoder().decode(errorCode) : undefined,
    }
    throw new IcError(rejectText(reject), 'answered', reject)
  }
  if (text === 'done') {
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

/** Reads request_status for a request whose delivery is unknown, until it is final or time runs out. */
async function pollOutcome(conn: IcConnection, pending: Pending): Promise<Uint8Array> {
  const deadline = Date.now() + conn.retry.pollTimeoutMs
  const path = [utf8('request_status'), pending.requestId]
  let lastStatus = 'unknown'
  let lastError: IcError | undefined
  for (;;) {
    try {
      const state = await conn.agent.readState({ canisterId: pending.effective }, { paths: [path] })
      const outcome = requestStatus(state.verifiedCertificate, pending.requestId)
      if (outcome !== undefined) return outcome
      const status = lookupResultToBuffer(state.verifiedCertificate.lookup_path([...path, utf8('status')]))
      lastStatus = status ? new TextDecoder().decode(status) : 'unknown'
      lastError = undefined
    } catch (caught) {
      const error = toIcError(caught)
      if (error.delivery === 'answered') throw error
      lastError = error
    }
    if (Date.now() + conn.retry.pollIntervalMs > deadline) break
    await sleep(conn.retry.pollIntervalMs)
  }
  const seconds = Math.round(conn.retry.pollTimeoutMs / 1000)
  const why = lastError
    ? `the replica could not be reached (${lastError.message})`
    : `its status was still '${lastStatus}'`
  throw new IcError(
    `the connection was lost before the replica answered, and after polling request 0x${toHex(pending.requestId)} ` +
      `for ${seconds}s ${why}; the call was not sent again, so it cannot have run twice — check the canister's state`,
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
  const result = await withRetry(
    conn,
    stats,
    () => submit(conn, canister, effective, method, arg),
    (error) => error.delivery === 'not-accepted',
  )
  if (result instanceof Uint8Array) return result
  stats.polled = true
  return pollOutcome(conn, result)
}

/**
 * A certified read of `canister/<id>/metadata/<name>`; undefined when the section is absent. The JS
 * agent reports most absence proofs as Unknown rather than Absent (ic-http-interface.md §10, pitfall 6);
 * the certificate is verified either way, so both mean "not there".
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
      const state = await conn.agent.readState({ canisterId: canister }, { paths: [path] })
      const found = state.verifiedCertificate.lookup_path(path)
      if (found.status === LookupPathStatus.Found) return lookupResultToBuffer(found) ?? new Uint8Array()
      if (found.status === LookupPathStatus.Absent || found.status === LookupPathStatus.Unknown)
        return undefined
      throw new IcError(
        `The lookup path for metadata section '${name}' does not make sense for the certificate.`,
        'answered',
      )
    },
    transient,
  )
}
