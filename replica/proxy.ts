// icp-cli's proxy canister interface (icp-cli-compat.md §3.4), as a JS canister: forwards a call
// to the target with the proxy as the caller; only controllers may use it.
import { IDL } from '@icp-sdk/core/candid'
import type { Principal } from '@icp-sdk/core/principal'
import { candidUpdate, type JsCanister } from './canister.js'
import { InterCanisterReject } from './engine.js'

export const ProxyArgs = IDL.Record({
  canister_id: IDL.Principal,
  method: IDL.Text,
  args: IDL.Vec(IDL.Nat8),
  cycles: IDL.Nat,
})
export const ProxyResult = IDL.Variant({
  Ok: IDL.Record({ result: IDL.Vec(IDL.Nat8) }),
  Err: IDL.Variant({
    InsufficientCycles: IDL.Record({ available: IDL.Nat, required: IDL.Nat }),
    CallFailed: IDL.Record({ reason: IDL.Text }),
    UnauthorizedUser: IDL.Null,
  }),
})

export const PROXY_CANDID = `type ProxyArgs = record { canister_id : principal; method : text; args : blob; cycles : nat };
type ProxyResult = variant {
  Ok : record { result : blob };
  Err : variant {
    InsufficientCycles : record { available : nat; required : nat };
    CallFailed : record { reason : text };
    UnauthorizedUser;
  };
};
service : { proxy : (ProxyArgs) -> (ProxyResult) }
`

const REJECT_NAMES: Record<number, string> = {
  1: 'SysFatal',
  2: 'SysTransient',
  3: 'DestinationInvalid',
  4: 'CanisterReject',
  5: 'CanisterError',
}

export function proxyCanister(): JsCanister {
  return {
    candid: PROXY_CANDID,
    // Like the real proxy's inspect_message: ingress from non-controllers is refused unreplicated.
    inspectMessage: (_method, ctx) => ctx.controllers.includes(ctx.caller),
    methods: {
      proxy: candidUpdate([ProxyArgs], [ProxyResult], async ([a], ctx) => {
        const args = a as {
          canister_id: Principal
          method: string
          args: Uint8Array | number[]
          cycles: bigint
        }
        if (!ctx.controllers.includes(ctx.caller)) return { Err: { UnauthorizedUser: null } }
        try {
          const result = await ctx.call(args.canister_id.toText(), args.method, Uint8Array.from(args.args))
          return { Ok: { result } }
        } catch (e) {
          if (!(e instanceof InterCanisterReject)) throw e
          const r = e.reject
          const name = REJECT_NAMES[r.rejectCode] ?? 'UnrecognizedRejectCode'
          const reason = `Call Rejected, reject_code: ${name} (${r.rejectCode}), reject_message: ${r.rejectMessage}`
          return { Err: { CallFailed: { reason } } }
        }
      }),
    },
  }
}
