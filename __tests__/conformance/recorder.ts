// The canister every conformance entry syncs: it records each `put` (caller and raw argument bytes, so
// Candid and raw plugins both work), answers `get` and `who`, and dumps its state for the comparison.
import type { JsCanister } from '../../replica/index.js'

export interface RecorderState {
  puts: string[]
}

const enc = new TextEncoder()
const dec = new TextDecoder()
/** Candid `()`: what a `-> ()` method replies. */
const EMPTY_CANDID = Uint8Array.of(0x44, 0x49, 0x44, 0x4c, 0, 0)

export const RECORDER_CANDID = `service : {
  put : (text, text) -> ();
  get : (text) -> (opt text) query;
  who : (blob) -> (blob) query;
  dump : () -> (text) query;
}
`

export function recorderCanister(): JsCanister<RecorderState> {
  return {
    candid: RECORDER_CANDID,
    init: () => ({ puts: [] }),
    methods: {
      put: {
        kind: 'update',
        handler: (arg, ctx) => {
          ctx.state.puts.push(`${ctx.caller} ${Buffer.from(arg).toString('hex')}`)
          return EMPTY_CANDID
        },
      },
      get: { kind: 'query', handler: (_, ctx) => enc.encode(`${ctx.state.puts.length} put(s)`) },
      // A query method, so it can be called both as a query and as an update (as on the IC).
      who: {
        kind: 'query',
        handler: (arg, ctx) =>
          enc.encode(`${ctx.canisterId} got '${dec.decode(arg)}' from ${ctx.caller} as ${ctx.callType}`),
      },
      dump: { kind: 'query', handler: (_, ctx) => enc.encode(JSON.stringify(ctx.state)) },
    },
  }
}
