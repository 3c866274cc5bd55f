// Hand-written: jco's guest type generator leaves out a world's root-level function imports.
// icp:sync-plugin@0.2.0 — a call may target the host canister or one the step lists under `canisters:`.
declare module 'canister-call' {
  import type { CanisterCallRequest } from 'icp:sync-plugin/types@0.2.0'
  /**
   * Returns the Candid-encoded reply. An `err` from the host is thrown by the bindings as an object
   * whose `payload` is the host's message (use lib/errors.ts `errorText`, or lib/v2.ts `canisterCall`).
   */
  export default function canisterCall(request: CanisterCallRequest): Uint8Array
}

declare module 'canister-metadata-section' {
  import type { MetadataSectionRequest } from 'icp:sync-plugin/types@0.2.0'
  /** The section's bytes, or undefined when the canister has no such section. Errors as canister-call. */
  export default function canisterMetadataSection(request: MetadataSectionRequest): Uint8Array | undefined
}
