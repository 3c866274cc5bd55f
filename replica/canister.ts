// JavaScript canisters: handlers with Candid (via @icp-sdk/core), state that rolls back on reject.
import { IDL } from '@icp-sdk/core/candid'
import { CanisterReject, RejectError, type Reject } from './errors.js'

export interface CallContext<S = unknown> {
  canisterId: string
  caller: string // principal text of the caller (a user, or a canister such as the proxy)
  callerBytes: Uint8Array
  method: string
  callType: 'update' | 'query'
  time: bigint // replica clock, nanoseconds since the epoch
  controllers: string[]
  /** The canister's state: a copy for this message, committed only when an update replies. */
  state: S
  /** Reject the call with IC0406 and this message. */
  reject(message: string): never
  /** Trap (IC0503) with this message. */
  trap(message: string): never
  /** Inter-canister update call with this canister as the caller (updates only). */
  call(canisterId: string, method: string, arg: Uint8Array): Promise<Uint8Array>
}

export interface JsMethod<S = unknown> {
  kind: 'update' | 'query'
  handler: (arg: Uint8Array, ctx: CallContext<S>) => Uint8Array | Promise<Uint8Array>
}

export interface MetadataSection {
  value: Uint8Array | string
  visibility?: 'public' | 'private' // default public
}

export interface JsCanister<S = unknown> {
  /** Candid service text, exposed as the public metadata section `candid:service`. */
  candid?: string
  metadata?: Record<string, MetadataSection>
  /** Initial state (called at install and on reinstall); must be structured-cloneable. */
  init?: () => S
  methods: Record<string, JsMethod<S>>
  /** Like `canister_inspect_message`: return false to refuse an ingress update (non-replicated reject). */
  inspectMessage?: (method: string, ctx: { caller: string; controllers: string[] }) => boolean
}

/** An update method whose arguments and results are Candid-encoded with the given types. */
export function candidUpdate<S = unknown>(
  argTypes: IDL.Type[],
  retTypes: IDL.Type[],
  fn: (args: any[], ctx: CallContext<S>) => unknown, // eslint-disable-line @typescript-eslint/no-explicit-any
): JsMethod<S> {
  return { kind: 'update', handler: candidHandler(argTypes, retTypes, fn) }
}

/** A query method whose arguments and results are Candid-encoded with the given types. */
export function candidQuery<S = unknown>(
  argTypes: IDL.Type[],
  retTypes: IDL.Type[],
  fn: (args: any[], ctx: CallContext<S>) => unknown, // eslint-disable-line @typescript-eslint/no-explicit-any
): JsMethod<S> {
  return { kind: 'query', handler: candidHandler(argTypes, retTypes, fn) }
}

function candidHandler<S>(
  argTypes: IDL.Type[],
  retTypes: IDL.Type[],
  fn: (args: any[], ctx: CallContext<S>) => unknown, // eslint-disable-line @typescript-eslint/no-explicit-any
): JsMethod<S>['handler'] {
  return async (arg, ctx) => {
    let args: unknown[] = []
    try {
      args = IDL.decode(argTypes, arg)
    } catch (e) {
      ctx.trap(`failed to decode call arguments: ${(e as Error).message}`)
    }
    const result = await fn(args, ctx)
    const values = retTypes.length === 1 ? [result] : retTypes.length === 0 ? [] : (result as unknown[])
    return new Uint8Array(IDL.encode(retTypes, values))
  }
}

/** Turn anything a handler throws into the IC reject it stands for. */
export function rejectFromThrown(
  e: unknown,
  canisterId: string,
  trap: (cid: string, msg: string) => Reject,
): Reject {
  if (e instanceof RejectError) return e.reject
  if (e instanceof CanisterReject) return { rejectCode: 4, rejectMessage: e.message, errorCode: 'IC0406' }
  return trap(canisterId, e instanceof Error ? e.message : String(e))
}
