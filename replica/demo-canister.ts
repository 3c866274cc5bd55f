// A demo canister used by the tests, the demo and the benchmarks; also an example of authoring.
import { IDL } from '@icp-sdk/core/candid'
import { Principal } from '@icp-sdk/core/principal'
import { candidQuery, candidUpdate, type JsCanister } from './canister.js'

export const DEMO_CANDID = `service : {
  greet : (text) -> (text) query;
  whoami : () -> (principal) query;
  whoami_update : () -> (principal);
  increment : () -> (nat);
  counter : () -> (nat) query;
  put : (text, text) -> ();
  get : (text) -> (opt text) query;
  fail : () -> ();
  trap : () -> ();
  fail_after_write : (text, text) -> ();
  time : () -> (nat64) query;
}
`

export interface DemoState {
  counter: bigint
  kv: Record<string, string>
}

export function demoCanister(): JsCanister<DemoState> {
  return {
    candid: DEMO_CANDID,
    metadata: { 'demo:note': { value: 'a private note', visibility: 'private' } },
    init: () => ({ counter: 0n, kv: {} }),
    methods: {
      greet: candidQuery([IDL.Text], [IDL.Text], ([name]) => `Hello, ${name}!`),
      whoami: candidQuery([], [IDL.Principal], (_, ctx) => Principal.fromText(ctx.caller)),
      whoami_update: candidUpdate([], [IDL.Principal], (_, ctx) => Principal.fromText(ctx.caller)),
      increment: candidUpdate<DemoState>([], [IDL.Nat], (_, ctx) => ++ctx.state.counter),
      counter: candidQuery<DemoState>([], [IDL.Nat], (_, ctx) => ctx.state.counter),
      put: candidUpdate<DemoState>([IDL.Text, IDL.Text], [], ([k, v], ctx) => {
        ctx.state.kv[k as string] = v as string
      }),
      get: candidQuery<DemoState>([IDL.Text], [IDL.Opt(IDL.Text)], ([k], ctx) => {
        const v = ctx.state.kv[k as string]
        return v === undefined ? [] : [v]
      }),
      fail: candidUpdate([], [], (_, ctx) => ctx.reject('boom from icp')),
      trap: candidUpdate([], [], (_, ctx) => ctx.trap('deliberate trap')),
      // Writes, then rejects: the write must be rolled back.
      fail_after_write: candidUpdate<DemoState>([IDL.Text, IDL.Text], [], ([k, v], ctx) => {
        ctx.state.kv[k as string] = v as string
        ctx.reject('rolled back')
      }),
      time: candidQuery([], [IDL.Nat64], (_, ctx) => ctx.time),
    },
  }
}
