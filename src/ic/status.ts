// icp sync's running check before a canister's steps (icp-cli-compat.md §3.1 step 5).

import { update } from './call.js'
import type { IcConnection } from './connect.js'
import { toIcError } from './errors.js'
import {
  decodeCanisterStatus,
  decodeProxyResult,
  encodeCanisterIdRecord,
  encodeProxyArgs,
  MANAGEMENT_CANISTER,
} from './proxy.js'

export class CanisterNotRunningError extends Error {
  override name = 'CanisterNotRunningError'
}

/** The IC's reject for a non-controller (IC0512), as a code or, through a proxy, as text. */
const NOT_CONTROLLER =
  /IC0512|only (the )?controllers of canister|is not a controller|not authorized to call/i

/**
 * `canister_status` directly (effective canister = the target) or through the proxy. Throws icp's
 * error when the canister is not Running, or when the call fails; a caller that is not a controller
 * gets a warning instead, and the sync goes on (icp-cli would stop here; the warning says why we don't).
 */
export async function checkCanisterRunning(
  conn: IcConnection,
  canisterId: string,
  opts: { proxy?: string },
): Promise<{ warning?: string }> {
  const arg = encodeCanisterIdRecord(canisterId)
  let reply: Uint8Array
  if (opts.proxy === undefined) {
    try {
      reply = await update(conn, MANAGEMENT_CANISTER, 'canister_status', arg, {
        effectiveCanisterId: canisterId,
      })
    } catch (caught) {
      const error = toIcError(caught)
      if (error.reject?.errorCode === 'IC0512' || NOT_CONTROLLER.test(error.reject?.message ?? '')) {
        return {
          warning:
            `could not check that canister ${canisterId} is running: the identity ${conn.identity.principal} ` +
            `is not one of its controllers (IC0512); syncing anyway`,
        }
      }
      throw new Error(`direct update call failed: ${error.message}`, { cause: caught })
    }
  } else {
    let raw: Uint8Array
    try {
      raw = await update(
        conn,
        opts.proxy,
        'proxy',
        encodeProxyArgs(MANAGEMENT_CANISTER, 'canister_status', arg, 0n),
      )
    } catch (caught) {
      throw new Error(`proxy update call failed: ${toIcError(caught).message}`, { cause: caught })
    }
    const result = decodeProxyResult(raw)
    if ('err' in result) {
      if (NOT_CONTROLLER.test(result.err)) {
        return {
          warning:
            `could not check that canister ${canisterId} is running: the proxy canister ${opts.proxy} ` +
            `is not one of its controllers (${result.err}); syncing anyway`,
        }
      }
      throw new Error(`proxy update call failed: ${result.err}`)
    }
    reply = result.ok
  }
  const status = decodeCanisterStatus(reply)
  if (status !== 'running') {
    const shown = status === 'stopped' ? 'Stopped' : 'Stopping'
    throw new CanisterNotRunningError(
      `Canister ${canisterId} is ${shown}; asset sync requires it to be Running. ` +
        `Start it with \`icp canister start ${canisterId}\` and retry.`,
    )
  }
  return {}
}
