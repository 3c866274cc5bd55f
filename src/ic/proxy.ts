// icp-cli's proxy canister interface (icp-cli-compat.md §3.4): the Candid types and error texts.

import { IDL } from '@icp-sdk/core/candid'
import { Principal } from '@icp-sdk/core/principal'

const ProxyArgs = IDL.Record({
  canister_id: IDL.Principal,
  method: IDL.Text,
  args: IDL.Vec(IDL.Nat8),
  cycles: IDL.Nat,
})
const ProxyResult = IDL.Variant({
  Ok: IDL.Record({ result: IDL.Vec(IDL.Nat8) }),
  Err: IDL.Variant({
    InsufficientCycles: IDL.Record({ available: IDL.Nat, required: IDL.Nat }),
    CallFailed: IDL.Record({ reason: IDL.Text }),
    UnauthorizedUser: IDL.Null,
  }),
})

type ProxyError =
  | { InsufficientCycles: { available: bigint; required: bigint } }
  | { CallFailed: { reason: string } }
  | { UnauthorizedUser: null }

export function encodeProxyArgs(
  target: string,
  method: string,
  args: Uint8Array,
  cycles: bigint,
): Uint8Array {
  return new Uint8Array(
    IDL.encode([ProxyArgs], [{ canister_id: Principal.fromText(target), method, args, cycles }]),
  )
}

/** The forwarded call's reply bytes, or icp-cli's text for a proxy error. Throws on bad Candid. */
export function decodeProxyResult(reply: Uint8Array): { ok: Uint8Array } | { err: string } {
  const [result] = IDL.decode([ProxyResult], reply) as [
    { Ok: { result: Uint8Array | number[] } } | { Err: ProxyError },
  ]
  if ('Ok' in result) return { ok: Uint8Array.from(result.Ok.result) }
  return { err: proxyErrorText(result.Err) }
}

/** `ProxyError::format_error` in icp-cli. */
export function proxyErrorText(error: ProxyError): string {
  if ('InsufficientCycles' in error) {
    const { available, required } = error.InsufficientCycles
    return `Proxy canister has insufficient cycles. Available: ${available}, required: ${required}`
  }
  if ('CallFailed' in error) return `Proxy call failed: ${error.CallFailed.reason}`
  return "Unauthorized: you are not in the proxy canister's controllers list"
}

const CanisterMetadataArgs = IDL.Record({ canister_id: IDL.Principal, name: IDL.Text })
const CanisterMetadataResult = IDL.Record({ value: IDL.Vec(IDL.Nat8) })

export function encodeCanisterMetadataArgs(canisterId: string, name: string): Uint8Array {
  return new Uint8Array(
    IDL.encode([CanisterMetadataArgs], [{ canister_id: Principal.fromText(canisterId), name }]),
  )
}

export function decodeCanisterMetadataResult(reply: Uint8Array): Uint8Array {
  const [result] = IDL.decode([CanisterMetadataResult], reply) as [{ value: Uint8Array | number[] }]
  return Uint8Array.from(result.value)
}

const CanisterIdRecord = IDL.Record({ canister_id: IDL.Principal })
// Only the field we need: Candid record subtyping lets the reply carry the rest (and fields added later).
const CanisterStatusResult = IDL.Record({
  status: IDL.Variant({ running: IDL.Null, stopping: IDL.Null, stopped: IDL.Null }),
})

export function encodeCanisterIdRecord(canisterId: string): Uint8Array {
  return new Uint8Array(IDL.encode([CanisterIdRecord], [{ canister_id: Principal.fromText(canisterId) }]))
}

export function decodeCanisterStatus(reply: Uint8Array): 'running' | 'stopping' | 'stopped' {
  const [result] = IDL.decode([CanisterStatusResult], reply) as unknown as [{ status: Record<string, null> }]
  return Object.keys(result.status)[0] as 'running' | 'stopping' | 'stopped'
}

export const MANAGEMENT_CANISTER = 'aaaaa-aa'
