// What a plugin's `canister-call` and `canister-metadata-section` do, routed exactly as icp-cli 1.5.0
// routes them (icp-cli-compat.md §3.4 and §4.7), with every call recorded for the summary's trace.

import { clipText } from '../util/clip.js'
import { query, readMetadata, update, type CallStats } from './call.js'
import type { IcConnection } from './connect.js'
import { toIcError } from './errors.js'
import {
  decodeCanisterMetadataResult,
  decodeProxyResult,
  encodeCanisterMetadataArgs,
  encodeProxyArgs,
  MANAGEMENT_CANISTER,
} from './proxy.js'
import type { CallOutcome, MetadataOutcome, MetadataRequest, PluginCallRequest } from './types.js'

export interface CallRecord {
  method: string
  route: 'direct' | 'proxy'
  /** The canister the plugin addressed (not the proxy). */
  target: string
  callType: 'update' | 'query' | 'metadata'
  argBytes: number
  replyBytes: number
  ms: number
  outcome: 'ok' | 'error'
  error?: string
  /** Added: HTTP requests sent for this call (>1 after a retry). */
  attempts: number
  /** Added: the outcome was found by polling the request id after the connection was lost. */
  polled: boolean
}

export interface CallRecorder {
  record(entry: CallRecord): void
}

/** Longest method name a record keeps (the IC itself accepts names far longer than anyone needs). */
export const RECORDED_METHOD_CHARS = 256
/** Longest error text a record keeps; the plugin still gets the whole text. */
export const RECORDED_ERROR_CHARS = 2000
/**
 * The IC caps the sum of a canister's exported function names at 20,000 bytes, so no method has a
 * longer name. A longer one is refused here, without a request (the IC would only reject it, after
 * the host had signed and sent megabytes for nothing).
 */
export const MAX_METHOD_NAME_BYTES = 20_000
/**
 * The largest reply the IC delivers (a query response may carry up to 3 MiB; replicated replies are
 * smaller). Anything larger did not come from a replica: it is refused rather than handed to the plugin.
 */
export const MAX_REPLY_BYTES = 3 * 1024 * 1024

/** A recorder that keeps every record in order. */
export function createCallRecorder(): CallRecorder & { records: CallRecord[] } {
  const records: CallRecord[] = []
  return { records, record: (entry) => void records.push(entry) }
}

/** icp-cli: "The distinguishing phrase in the management canister's rejection of a metadata read…". */
const NO_SUCH_SECTION = 'no metadata section'

export interface CanisterCaller {
  canisterCall(req: PluginCallRequest): Promise<CallOutcome>
  metadataSection(req: MetadataRequest): Promise<MetadataOutcome>
}

export function canisterCaller(
  conn: IcConnection,
  opts: { proxy?: string; recorder?: CallRecorder },
): CanisterCaller {
  const { proxy, recorder } = opts
  return {
    async canisterCall(req) {
      const started = performance.now()
      const stats: CallStats = { attempts: 0, polled: false }
      // Queries always go direct; updates go through the proxy unless `direct` or no proxy is set.
      const proxied = req.callType === 'update' && !req.direct && proxy !== undefined
      const result =
        methodNameRefusal(req.method) ??
        (proxied
          ? await viaProxy(conn, proxy, req.targetCanisterId, req.method, req.arg, req.cycles, stats)
          : await callDirect(conn, req, stats))
      const meta = {
        method: req.method,
        target: req.targetCanisterId,
        callType: req.callType,
        argBytes: req.arg.length,
      }
      recorder?.record(callRecord(meta, proxied ? 'proxy' : 'direct', started, stats, result))
      return result
    },

    async metadataSection(req) {
      const started = performance.now()
      const stats: CallStats = { attempts: 0, polled: false }
      const proxied = !req.direct && proxy !== undefined
      const result = proxied
        ? await metadataViaProxy(conn, proxy, req, stats)
        : await readMetadataDirect(conn, req, stats)
      const meta = {
        method: req.name,
        target: req.targetCanisterId,
        callType: 'metadata' as const,
        argBytes: 0,
      }
      recorder?.record(callRecord(meta, proxied ? 'proxy' : 'direct', started, stats, result))
      return result
    },
  }
}

/** A method name no canister can have is refused without a request (see MAX_METHOD_NAME_BYTES). */
function methodNameRefusal(method: string): CallOutcome | undefined {
  const nameBytes = Buffer.byteLength(method)
  if (nameBytes <= MAX_METHOD_NAME_BYTES) return undefined
  return {
    err: `canister call failed: method name of ${nameBytes} bytes is longer than the IC allows (${MAX_METHOD_NAME_BYTES})`,
  }
}

/** A query or update straight to the target canister; a reply larger than the IC delivers is refused. */
async function callDirect(
  conn: IcConnection,
  req: PluginCallRequest,
  stats: CallStats,
): Promise<CallOutcome> {
  try {
    const reply =
      req.callType === 'query'
        ? await query(conn, req.targetCanisterId, req.method, req.arg, stats)
        : await update(conn, req.targetCanisterId, req.method, req.arg, {}, stats)
    return reply.length > MAX_REPLY_BYTES
      ? {
          err: `canister call failed: reply of ${reply.length} bytes is larger than the IC's ${MAX_REPLY_BYTES}`,
        }
      : { ok: reply }
  } catch (error) {
    return { err: `canister call failed: ${toIcError(error).message}` }
  }
}

/** An update forwarded by the proxy canister's `proxy` method; every failure becomes an `err` text. */
async function viaProxy(
  conn: IcConnection,
  proxyId: string,
  target: string,
  method: string,
  arg: Uint8Array,
  cycles: bigint,
  stats: CallStats,
): Promise<{ ok: Uint8Array } | { err: string }> {
  let encoded: Uint8Array
  try {
    encoded = encodeProxyArgs(target, method, arg, cycles)
  } catch (error) {
    return { err: `proxy encode failed: ${(error as Error).message}` }
  }
  let raw: Uint8Array
  try {
    raw = await update(conn, proxyId, 'proxy', encoded, {}, stats)
  } catch (error) {
    return { err: `proxy call failed: ${toIcError(error).message}` }
  }
  try {
    return decodeProxyResult(raw)
  } catch (error) {
    return { err: `proxy decode failed: ${(error as Error).message}` }
  }
}

/** A metadata section read straight from the canister's certified state (read_state), without a proxy. */
async function readMetadataDirect(
  conn: IcConnection,
  req: MetadataRequest,
  stats: CallStats,
): Promise<MetadataOutcome> {
  try {
    return { ok: await readMetadata(conn, req.targetCanisterId, req.name, stats) }
  } catch (error) {
    return { err: `metadata read failed: ${toIcError(error).message}` }
  }
}

/** icp-cli: management `canister_metadata` through the proxy, which reaches sections private to it. */
async function metadataViaProxy(
  conn: IcConnection,
  proxyId: string,
  req: MetadataRequest,
  stats: CallStats,
): Promise<MetadataOutcome> {
  let args: Uint8Array
  try {
    args = encodeCanisterMetadataArgs(req.targetCanisterId, req.name)
  } catch (error) {
    return { err: `metadata encode failed: ${(error as Error).message}` }
  }
  const forwarded = await viaProxy(conn, proxyId, MANAGEMENT_CANISTER, 'canister_metadata', args, 0n, stats)
  if ('err' in forwarded) return forwarded.err.includes(NO_SUCH_SECTION) ? { ok: undefined } : forwarded
  try {
    return { ok: decodeCanisterMetadataResult(forwarded.ok) }
  } catch (error) {
    return { err: `metadata decode failed: ${(error as Error).message}` }
  }
}

/** The trace entry for one call: method and error text clipped, the reply counted, not kept. */
function callRecord(
  req: { method: string; target: string; callType: CallRecord['callType']; argBytes: number },
  route: CallRecord['route'],
  started: number,
  stats: CallStats,
  result: { ok: Uint8Array | undefined } | { err: string },
): CallRecord {
  return {
    ...req,
    method: clipText(req.method, RECORDED_METHOD_CHARS),
    route,
    replyBytes: 'ok' in result ? (result.ok?.length ?? 0) : 0,
    ms: Math.round((performance.now() - started) * 10) / 10,
    outcome: 'ok' in result ? 'ok' : 'error',
    ...('err' in result ? { error: clipText(result.err, RECORDED_ERROR_CHARS) } : {}),
    attempts: stats.attempts,
    polled: stats.polled,
  }
}
