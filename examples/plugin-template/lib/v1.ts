// Canister calls for icp:sync-plugin@0.1.0: the host always calls the canister being synced.
import rawCanisterCall from 'canister-call'

import { errorText } from './errors.js'

export interface CallOptions {
  /** A query instead of an update. Queries always go straight to the canister. */
  query?: boolean
  /**
   * false (default): an update goes through the proxy canister when one is configured (`--proxy`,
   * the Action's `proxy` input), so the proxy is the caller. true: always straight from the identity.
   */
  direct?: boolean
  /** Cycles attached to a proxied update; ignored otherwise. */
  cycles?: bigint
}

/** Calls `method` with a Candid-encoded `arg`; returns the Candid reply or throws `"<method>: <why>"`. */
export function canisterCall(method: string, arg: Uint8Array, options: CallOptions = {}): Uint8Array {
  try {
    return rawCanisterCall({
      method,
      arg,
      callType: options.query ? 'query' : 'update',
      direct: options.direct ?? false,
      cycles: options.cycles ?? 0n,
    })
  } catch (e) {
    throw `${method}: ${errorText(e)}`
  }
}
