// Turning @icp-sdk/core errors into the one-line texts icp-cli (ic-agent 0.49) shows, and deciding
// what a failure says about delivery: was the request certainly not accepted, possibly accepted (an
// update is then re-sent only as the identical envelope, and polled by request id), or answered (final)?

import {
  AgentError,
  CertificateNotAuthorizedErrorCode,
  CertificateTimeErrorCode,
  CertificateVerificationErrorCode,
  CertifiedRejectErrorCode,
  HttpErrorCode,
  HttpFetchErrorCode,
  RequestStatusDoneNoReplyErrorCode,
  UncertifiedRejectErrorCode,
  UncertifiedRejectUpdateErrorCode,
} from '@icp-sdk/core/agent'

import { statusLine } from '../util/node-http.js'

const REJECT_CODE_NAMES: Record<number, string> = {
  1: 'SysFatal',
  2: 'SysTransient',
  3: 'DestinationInvalid',
  4: 'CanisterReject',
  5: 'CanisterError',
  6: 'SysUnknown',
}

export interface Reject {
  code: number
  message: string
  errorCode?: string
}

/** ic-agent's `AgentError::CertifiedReject` Display, exactly as icp-cli hands it to a plugin. */
export function rejectText(reject: Reject): string {
  const name = REJECT_CODE_NAMES[reject.code] ?? String(reject.code)
  const errorCode = reject.errorCode ? `Some(${JSON.stringify(reject.errorCode)})` : 'None'
  return `The replica returned a rejection error: reject code ${name}, reject message ${reject.message}, error code ${errorCode}`
}

/** ic-agent's `AgentError::HttpError` Display. */
export function httpErrorText(status: number, contentType: string, body: string): string {
  return `The replica returned an HTTP Error: Http Error: status ${statusLine(status)}, content type ${JSON.stringify(contentType)}, content: ${body}`
}

/** What a failed exchange with the replica tells us. */
export type Delivery =
  /** The replica answered (reply, reject, HTTP 4xx): the outcome is known; never retry. */
  | 'answered'
  /** The request certainly did not get in (connection refused, 429): nothing to poll for. */
  | 'not-accepted'
  /** The request may have been accepted (reset, timeout, 5xx): an update is re-sent only as the same envelope, then polled. */
  | 'unknown'

export class IcError extends Error {
  override name = 'IcError'
  constructor(
    message: string,
    readonly delivery: Delivery,
    readonly reject?: Reject,
  ) {
    super(message)
  }
}

const REFUSED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'])

function rootCause(error: unknown): { code?: string; message: string } {
  let current: unknown = error
  for (let depth = 0; depth < 5; depth++) {
    const next = (current as { cause?: unknown } | undefined)?.cause
    if (next === undefined || next === null) break
    current = next
  }
  const code = (current as { code?: unknown } | undefined)?.code
  return {
    code: typeof code === 'string' ? code : undefined,
    message: String((current as Error)?.message ?? current),
  }
}

/**
 * An HTTP error answer. 429 comes from a boundary node's rate limit before anything is forwarded;
 * a 503 may come after the replica accepted the message (a boundary node that gave up waiting), so
 * its delivery is unknown, like any other 5xx.
 */
export function httpFailure(status: number, contentType: string, body: string): IcError {
  const delivery: Delivery = status === 429 ? 'not-accepted' : status >= 500 ? 'unknown' : 'answered'
  return new IcError(httpErrorText(status, contentType, body), delivery)
}

/** A request that got no answer: refused connections never reached anyone; anything else may have. */
export function fetchFailure(error: unknown): IcError {
  const cause = rootCause(error)
  const delivery: Delivery = cause.code && REFUSED.has(cause.code) ? 'not-accepted' : 'unknown'
  const detail =
    cause.code && !cause.message.includes(cause.code) ? `${cause.code}: ${cause.message}` : cause.message
  return new IcError(`An error happened during communication with the replica: ${detail}`, delivery)
}

/** Maps anything the agent throws to an IcError with ic-agent's text (no "canister call failed: " prefix). */
export function toIcError(error: unknown): IcError {
  if (error instanceof IcError) return error
  if (!(error instanceof AgentError)) {
    return new IcError(error instanceof Error ? error.message : String(error), 'unknown')
  }
  const code = error.code
  if (
    code instanceof CertifiedRejectErrorCode ||
    code instanceof UncertifiedRejectErrorCode ||
    code instanceof UncertifiedRejectUpdateErrorCode
  ) {
    const reject = {
      code: Number(code.rejectCode),
      message: code.rejectMessage,
      errorCode: code.rejectErrorCode,
    }
    return new IcError(rejectText(reject), 'answered', reject)
  }
  if (code instanceof HttpErrorCode) {
    const contentType = code.headers.find(([name]) => name.toLowerCase() === 'content-type')?.[1] ?? ''
    return httpFailure(code.status, contentType, code.bodyText ?? '')
  }
  if (code instanceof HttpFetchErrorCode) return fetchFailure(code.error)
  if (code instanceof CertificateVerificationErrorCode)
    return new IcError('Certificate verification failed.', 'answered')
  if (code instanceof CertificateNotAuthorizedErrorCode) {
    return new IcError('Certificate is not authorized to respond to queries for this canister.', 'answered')
  }
  if (code instanceof CertificateTimeErrorCode) {
    return new IcError(
      `Certificate is stale (${code.toErrorMessage()}). Is the computer's clock synchronized?`,
      'answered',
    )
  }
  if (code instanceof RequestStatusDoneNoReplyErrorCode) {
    return new IcError(
      `Call was marked as done but we never saw the reply. Request ID: ${toHex(code.requestId)}`,
      'answered',
    )
  }
  return new IcError(firstLine(error.message), 'answered')
}

/** The JS agent's messages run over several lines; a plugin gets one. */
function firstLine(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ')
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}
