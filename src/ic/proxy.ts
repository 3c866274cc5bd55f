// icp-cli's proxy canister interface (icp-cli-compat.md §3.4): the Candid types and error texts.

import { IDL } from '@icp-sdk/core/candid'
import { Principal } from '@icp-sdk/core/principal'

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

/**
 * `(ProxyArgs)` byte for byte as icp-cli (Rust `candid`) encodes it: the record is type 0 and `blob` type
 * 1. `IDL.encode` lists the `blob` first; both decode alike, but the proxy sees icp's exact bytes.
 */
const PROXY_ARGS_HEADER = Uint8Array.from([
  ...[0x44, 0x49, 0x44, 0x4c, 0x02], // "DIDL", two types
  ...[0x6c, 0x04], // type 0: record of 4 fields, by field hash
  ...[0xe1, 0xed, 0xeb, 0x4a, 0x71], // method : text
  ...[0xdd, 0x9a, 0xd2, 0x83, 0x04, 0x01], // args : type 1
  ...[0xb3, 0xc4, 0xb1, 0xf2, 0x04, 0x68], // canister_id : principal
  ...[0x8d, 0xaa, 0xcd, 0x94, 0x08, 0x7d], // cycles : nat
  ...[0x6d, 0x7b], // type 1: vec nat8
  ...[0x01, 0x00], // one argument, of type 0
])

export function encodeProxyArgs(
  target: string,
  method: string,
  args: Uint8Array,
  cycles: bigint,
): Uint8Array {
  const methodBytes = new TextEncoder().encode(method)
  const principal = Principal.fromText(target).toUint8Array()
  const parts = [
    PROXY_ARGS_HEADER,
    uleb128(BigInt(methodBytes.length)),
    methodBytes,
    uleb128(BigInt(args.length)),
    args,
    Uint8Array.of(0x01), // a principal reference, then its bytes
    uleb128(BigInt(principal.length)),
    principal,
    uleb128(cycles),
  ]
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

function uleb128(value: bigint): Uint8Array {
  if (value < 0n) throw new RangeError('cycles must not be negative')
  const bytes: number[] = []
  do {
    let byte = Number(value & 0x7fn)
    value >>= 7n
    if (value > 0n) byte |= 0x80
    bytes.push(byte)
  } while (value > 0n)
  return Uint8Array.from(bytes)
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
