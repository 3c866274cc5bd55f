// Canister calls for icp:sync-plugin@0.2.0: the host canister, or another canister of the environment
// that the step lists under `canisters:` (by name), plus metadata sections.
import rawCanisterCall from 'canister-call'
import rawMetadataSection from 'canister-metadata-section'
import type { CallTarget } from 'icp:sync-plugin/types@0.2.0'

import { errorText } from './errors.js'

export interface CallOptions {
  /** A canister name listed in the step's `canisters:`; default: the canister being synced. */
  target?: string
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

function target(name: string | undefined): CallTarget {
  return name === undefined ? { tag: 'host' } : { tag: 'name', val: name }
}

/** Calls `method` with a Candid-encoded `arg`; returns the Candid reply or throws `"<method>: <why>"`. */
export function canisterCall(method: string, arg: Uint8Array, options: CallOptions = {}): Uint8Array {
  try {
    return rawCanisterCall({
      target: target(options.target),
      method,
      arg,
      callType: options.query ? 'query' : 'update',
      direct: options.direct ?? false,
      cycles: options.cycles ?? 0n,
    })
  } catch (e) {
    throw `${method}${options.target ? ` on ${options.target}` : ''}: ${errorText(e)}`
  }
}

/** A metadata section of the host (or a listed) canister; undefined when it has none. Throws strings. */
export function metadataSection(
  name: string,
  options: { target?: string; direct?: boolean } = {},
): Uint8Array | undefined {
  try {
    return rawMetadataSection({ target: target(options.target), name, direct: options.direct ?? false })
  } catch (e) {
    throw `metadata section ${name}: ${errorText(e)}`
  }
}
