// The agent for one network: icp-cli's root-key rules (icp-cli-compat.md §1.6), verification always on.

import { HttpAgent, IC_ROOT_KEY } from '@icp-sdk/core/agent'

import { blsVerify, prepareBls } from './bls.js'
import { defaultAgentFetch } from './http-transport.js'
import { NodeKeyStore } from './query-signatures.js'
import type { LoadedIdentity } from '../identity/index.js'
import { toIcError } from './errors.js'

export interface RetryPolicy {
  /** Attempts for a query, a read, or an update the replica certainly did not accept. */
  attempts: number
  /** First backoff delay; doubled each time, with jitter. */
  baseDelayMs: number
  /** How long to poll for the outcome of an update whose delivery is unknown. */
  pollTimeoutMs: number
  pollIntervalMs: number
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 4,
  baseDelayMs: 250,
  pollTimeoutMs: 60_000,
  pollIntervalMs: 500,
}

export interface IcConnection {
  agent: HttpAgent
  /** The agent's subnet node keys (src/ic/query-signatures.ts checks query signatures with them). */
  nodeKeys: NodeKeyStore
  warnings: string[]
  apiUrl: string
  identity: LoadedIdentity
  retry: RetryPolicy
}

export interface ConnectRequest {
  apiUrl: string
  /** `mainnet`, `fetch` (trust on first use, with icp's warning) or the key as 266 hex characters. */
  rootKey: 'mainnet' | 'fetch' | string
  identity: LoadedIdentity
  fetchImpl?: typeof fetch
  retry?: Partial<RetryPolicy>
}

/** icp-cli ingresses expire after 4 minutes (crates/icp/src/agent.rs). */
const INGRESS_EXPIRY_MINUTES = 4
const ROOT_KEY_BYTES = 133

export class RootKeyError extends Error {
  override name = 'RootKeyError'
}

/** A pinned root key, with icp-cli's messages for a bad one. */
export function parseRootKeyHex(text: string): Uint8Array {
  const prefix =
    'invalid root key: expected "mainnet", "fetch", or a hex-encoded key, but failed to decode as hex: '
  // The `hex` crate's order: odd length first, then the first bad character (byte position).
  if (text.length % 2 !== 0) throw new RootKeyError(`${prefix}Odd number of digits`)
  const bad = /[^0-9a-fA-F]/.exec(text)
  if (bad)
    throw new RootKeyError(
      `${prefix}Invalid character ${JSON.stringify(bad[0]).replace(/^"|"$/g, "'")} at position ${bad.index}`,
    )
  const bytes = new Uint8Array(Buffer.from(text, 'hex'))
  if (bytes.length !== ROOT_KEY_BYTES) {
    throw new RootKeyError(`invalid root key: expected ${ROOT_KEY_BYTES} bytes but got ${bytes.length}`)
  }
  return bytes
}

export async function connect(req: ConnectRequest): Promise<IcConnection> {
  const warnings: string[] = []
  prepareBls()
  let rootKey: Uint8Array | undefined
  if (req.rootKey === 'mainnet') rootKey = new Uint8Array(Buffer.from(IC_ROOT_KEY, 'hex'))
  else if (req.rootKey !== 'fetch') rootKey = parseRootKeyHex(req.rootKey)

  const nodeKeys = new NodeKeyStore()
  const agent = HttpAgent.createSync({
    host: req.apiUrl,
    identity: req.identity.identity,
    fetch: req.fetchImpl ?? defaultAgentFetch(),
    rootKey,
    shouldFetchRootKey: false,
    // Query signatures are checked by src/ic/query-signatures.ts with node:crypto: the agent's pure-JS Ed25519
    // took ~3 ms per query. Its subnet-key cache is ours so a failed check can refresh the keys.
    verifyQuerySignatures: false,
    subnetNodeKeyExpirableStore: nodeKeys,
    ingressExpiryInMinutes: INGRESS_EXPIRY_MINUTES,
    // Every retry is decided here (src/ic/), where we know whether a request may already have run.
    retryTimes: 0,
  })
  useFastBls(agent)
  if (req.rootKey === 'fetch') {
    warnings.push(
      `fetching the root key from ${req.apiUrl}; its provenance is not verified (trust-on-first-use)`,
    )
    try {
      await agent.fetchRootKey()
    } catch (error) {
      throw new Error(`failed to fetch the root key from ${req.apiUrl}: ${toIcError(error).message}`, {
        cause: error,
      })
    }
  }
  return {
    agent,
    nodeKeys,
    warnings,
    apiUrl: req.apiUrl,
    identity: req.identity,
    retry: { ...DEFAULT_RETRY, ...req.retry },
  }
}

/** The agent's own certificate reads (subnet keys for query signatures, read_state) use our verifier. */
function useFastBls(agent: HttpAgent): void {
  const readState = agent.readState.bind(agent)
  agent.readState = (target, fields, ...rest) => readState(target, { blsVerify, ...fields }, ...rest)
}
