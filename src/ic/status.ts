// icp sync's running check before a canister's steps (icp-cli-compat.md §3.1 step 5).

import { update } from './call.js'
import type { IcConnection } from './connect.js'
import { toIcError, type Reject } from './errors.js'
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

/**
 * The IC's texts for a caller that does not control the canister: the ingress filter's, and the
 * execution's ("Only the controllers of the canister … can control it."), which is what an
 * inter-canister caller such as the proxy gets — without the IC0512 error code.
 */
const NOT_CONTROLLER_TEXT = [
  /Only controllers of canister \S+ can call ic00 method/,
  /Only the controllers of the canister \S+ can control it\./,
]

/** Direct route: by error code where the IC gives one, else (an older replica) by reject code and text. */
function directNotController(reject: Reject | undefined): boolean {
  if (!reject) return false
  if (reject.errorCode) return reject.errorCode === 'IC0512'
  return reject.code === 5 && NOT_CONTROLLER_TEXT.some((re) => re.test(reject.message))
}

/** Proxy route: the forwarded reject arrives as text (`Proxy call failed: Call Rejected, reject_code: …`). */
function proxiedNotController(reason: string): boolean {
  return NOT_CONTROLLER_TEXT.some((re) => re.test(reason))
}

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
      if (directNotController(error.reject)) {
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
      if (proxiedNotController(result.err)) {
        return {
          warning:
            `could not check that canister ${canisterId} is running: the proxy canister ${opts.proxy} ` +
            `is not one of its controllers (${result.err.replace(/\s*\n\s*/g, ' ')}); syncing anyway`,
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
