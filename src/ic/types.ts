// The shapes the plugin host (src/plugin/) hands to the caller. Declared here until src/plugin/index.ts
// exists on this branch; the lead unifies them (same names and fields as contracts.md).

export interface PluginCallRequest {
  /** Already resolved: the synced canister, or a listed name's principal. */
  targetCanisterId: string
  /** The call-target name for 0.2.0 `name(...)`, undefined for host. */
  targetName?: string
  method: string
  arg: Uint8Array
  callType: 'update' | 'query'
  direct: boolean
  cycles: bigint
}

export interface MetadataRequest {
  targetCanisterId: string
  targetName?: string
  name: string
  direct: boolean
}

/** `err` is the one-line text the plugin sees. */
export type CallOutcome = { ok: Uint8Array } | { err: string }
export type MetadataOutcome = { ok: Uint8Array | undefined } | { err: string }
