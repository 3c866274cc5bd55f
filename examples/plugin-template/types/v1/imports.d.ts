// Hand-written: jco's guest type generator leaves out a world's root-level function imports.
// icp:sync-plugin@0.1.0 — the host calls the canister being synced.
declare module 'canister-call' {
  import type { CanisterCallRequest } from 'icp:sync-plugin/types@0.1.0'
  /**
   * Returns the Candid-encoded reply. An `err` from the host is thrown by the bindings as an object
   * whose `payload` is the host's message (use lib/errors.ts `errorText`, or lib/v1.ts `canisterCall`).
   */
  export default function canisterCall(request: CanisterCallRequest): Uint8Array
}
