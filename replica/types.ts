// Public types of the replica (see replica/index.ts for startReplica).

export interface CallLogEntry {
  canisterId: string // target canister (aaaaa-aa for the management canister)
  method: string // for read_state: the requested paths, e.g. "subnet" or "request_status"
  arg: Uint8Array
  callType: 'update' | 'query' | 'read_state'
  sender: string // principal text (a canister id for calls a canister made)
  route: 'direct' | 'proxy' // 'proxy' when a canister (the proxy) made the call on someone's behalf
  outcome: 'replied' | 'rejected'
  rejectCode?: number
  errorCode?: string
  rejectMessage?: string
  reply?: Uint8Array
  requestId?: string // hex, for ingress calls and queries
  endpoint?: string // e.g. "/api/v4/canister/<id>/call"; absent for inter-canister calls
  time: bigint // replica clock (ns) when the entry was written
}

export interface Faults {
  /**
   * Answer the next `times` API requests (matching `path` if given) with this HTTP status. The body
   * defaults to a boundary node's text for 429/502/503/504 (e.g. `rate_limited_normal`);
   * `retryAfter` (seconds) adds a `retry-after` header. With `afterAccept`, a call is accepted (it
   * runs) before the error is answered, as when a boundary node gives up waiting for the replica.
   */
  httpError?: {
    status: number
    body?: string
    times?: number
    path?: string | RegExp
    retryAfter?: number
    afterAccept?: boolean
  }
  /** Destroy the connection of the next `times` API requests without an answer. */
  dropConnection?: { times?: number; path?: string | RegExp }
  /** Delay every API request by this many milliseconds before handling it. */
  delayMs?: number
  /** Flip a bit in certificate BLS signatures (updates and read_state). */
  corruptCertificate?: boolean
  /** Flip a bit in the node signatures of query responses. */
  corruptQuerySignature?: boolean
  /** Sign query responses with a node that is not in the subnet's node list. */
  unknownQueryNode?: boolean
  /** Shift the replica's one clock (certificate time, expiry checks, ctx.time) by this much. */
  clockOffsetMs?: number
  /**
   * Shift only the certified `/time` (breaks the one-clock rule on purpose, to produce stale
   * certificates: icp refuses ones older than 240 s).
   */
  certificateTimeOffsetMs?: number
  /** v4/v3 calls answer 202 (caller must poll) when not finished after this long. Default 10 000. */
  syncCallTimeoutMs?: number
  /** Make updates take at least this long (to exercise 202 + polling). */
  executionDelayMs?: number
  /** Answer /api/v4 calls with 404, as an old replica would. */
  disableV4?: boolean
  /** Mainnet mode: sign delegations with the application subnet's own key instead of the root key. */
  forgedDelegation?: boolean
  /**
   * Mainnet mode (two or more application subnets): answer for a canister from another application
   * subnet, whose delegated canister ranges do not hold it.
   */
  wrongSubnet?: boolean
  /** Sign query responses with a node of another subnet (its key is certified, but not for this canister). */
  foreignQueryNode?: boolean
}
