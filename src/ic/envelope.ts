// Signed request envelopes, built here rather than inside the agent so that an update can be sent
// again byte for byte (same request id: the IC's replay protection makes a second delivery a no-op)
// and so that every ingress expiry comes from our bounded clock (src/ic/clock.ts).

import {
  Cbor,
  Endpoint,
  Expiry,
  makeNonce,
  ReadRequestType,
  requestIdOf,
  SubmitRequestType,
  type Identity,
  type RequestId,
} from '@icp-sdk/core/agent'
import type { Principal } from '@icp-sdk/core/principal'

export interface SignedRequest {
  /** The CBOR envelope exactly as sent; a re-send uses these bytes. */
  body: Uint8Array
  requestId: RequestId
  /** `ingress_expiry` in milliseconds on the replica's clock. */
  expiryMs: number
}

type Content =
  | { request_type: 'call' | 'query'; canister_id: Principal; method_name: string; arg: Uint8Array }
  | { request_type: 'read_state'; paths: Uint8Array[][] }

/**
 * Signs `content` for `identity`. `expiryInMs` is how far ahead the request expires; `clockOffsetMs`
 * is our estimate of (replica time − local time). Rounded as the JS agent rounds (to the minute when
 * that keeps at least a minute, else to the second).
 */
export async function signRequest(
  identity: Identity,
  content: Content,
  expiryInMs: number,
  clockOffsetMs: number,
): Promise<SignedRequest> {
  const ingressExpiry = Expiry.fromDeltaInMilliseconds(Math.round(expiryInMs), Math.round(clockOffsetMs))
  const body: Record<string, unknown> = {
    ...content,
    request_type:
      content.request_type === 'call'
        ? SubmitRequestType.Call
        : content.request_type === 'query'
          ? ReadRequestType.Query
          : ReadRequestType.ReadState,
    sender: identity.getPrincipal(),
    ingress_expiry: ingressExpiry,
  }
  // A nonce makes two identical calls two messages; a re-send of one message keeps its nonce.
  if (content.request_type === 'call') body.nonce = makeNonce()
  const endpoint =
    content.request_type === 'call'
      ? Endpoint.Call
      : content.request_type === 'query'
        ? Endpoint.Query
        : Endpoint.ReadState
  const signed = (await identity.transformRequest({
    request: { method: 'POST', headers: new Headers() },
    endpoint,
    body,
  } as unknown as Parameters<Identity['transformRequest']>[0])) as unknown as {
    body: { content: Record<string, unknown> }
  }
  return {
    body: Cbor.encode(signed.body),
    requestId: requestIdOf(signed.body.content),
    expiryMs: Number(ingressExpiry.toBigInt() / 1_000_000n),
  }
}
