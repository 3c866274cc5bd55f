// The seed-data example's canister, as a JS canister for the local replica (icp-cli's own example is a
// Rust canister with the same Candid interface):
//   set_uploader(principal)  controllers only: who may register
//   register(text, text)     the uploader only: store a path and its content
//   show()                   query: the uploader and every registered pair, in registration order
import { IDL } from '@icp-sdk/core/candid'
import { Principal } from '@icp-sdk/core/principal'

import { candidQuery, candidUpdate, type JsCanister } from '../../replica/index.js'

export const SEED_DATA_CANDID = `service : {
  set_uploader : (principal) -> ();
  register : (text, text) -> ();
  show : () -> (opt principal, vec record { text; text }) query;
}
`

/** Result types of `show`, for decoding it with @icp-sdk/core. */
export const SHOW_TYPES: [IDL.Type, IDL.Type] = [
  IDL.Opt(IDL.Principal),
  IDL.Vec(IDL.Tuple(IDL.Text, IDL.Text)),
]

export interface SeedDataState {
  uploader?: string
  entries: [string, string][]
}

export function seedDataCanister(): JsCanister<SeedDataState> {
  return {
    candid: SEED_DATA_CANDID,
    init: () => ({ entries: [] }),
    methods: {
      set_uploader: candidUpdate<SeedDataState>([IDL.Principal], [], ([who], ctx) => {
        if (!ctx.controllers.includes(ctx.caller)) ctx.reject(`${ctx.caller} is not a controller`)
        ctx.state.uploader = (who as Principal).toText()
      }),
      register: candidUpdate<SeedDataState>([IDL.Text, IDL.Text], [], ([path, content], ctx) => {
        if (ctx.caller !== ctx.state.uploader) ctx.reject(`${ctx.caller} is not the uploader`)
        const existing = ctx.state.entries.find(([p]) => p === path)
        if (existing) existing[1] = content as string
        else ctx.state.entries.push([path as string, content as string])
      }),
      show: candidQuery<SeedDataState>([], SHOW_TYPES, (_, ctx) => [
        ctx.state.uploader === undefined ? [] : [Principal.fromText(ctx.state.uploader)],
        ctx.state.entries,
      ]),
    },
  }
}

/** For `REPLICA_CANISTERS=build/examples/seed-data/canister.js npm run replica`. */
export default seedDataCanister
export const name = 'seed-data'
