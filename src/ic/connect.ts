// The agent for one network: icp-cli's root-key rules (icp-cli-compat.md §1.6), verification always on.

import { HttpAgent, IC_ROOT_KEY } from '@icp-sdk/core/agent'

import { prepareBls } from './bls.js'
import { NetworkClock } from './clock.js'
import { defaultAgentFetch } from './http-transport.js'
import { NodeKeyStore } from './query-signatures.js'
import type { LoadedIdentity } from '../identity/index.js'
import { toIcError } from './errors.js'

export interface RetryPolicy {
  /** Sends of a query or read, or of one update's signed envelope (re-sends are identical). */
  attempts: number
  /** First backoff delay; doubled each time, with jitter. */
  baseDelayMs: number
  /** First wait between polls of an update whose outcome is unknown (polled until its expiry). */
  pollIntervalMs: number
  /** The poll interval grows by half each time up to this. */
  maxPollIntervalMs: number
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 4,
  baseDelayMs: 250,
  pollIntervalMs: 500,
  maxPollIntervalMs: 3_000,
}

export interface IcConnection {
  /** Used only to fetch the root key; every call is built and checked in src/ic/call.ts. */
  agent: HttpAgent
  /** Subnet node keys per canister (src/ic/query-signatures.ts checks query signatures with them). */
  nodeKeys: NodeKeyStore
  /** Our estimate of the replica's clock, corrected at most once (src/ic/clock.ts). */
  clock: NetworkClock
  fetch: typeof fetch
  /** The root key the certificates must chain to. */
  rootKey(): Uint8Array
  /** How far ahead requests expire (icp-cli: 4 minutes). */
  ingressExpiryMs: number
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
  /** Ingress expiry (default icp-cli's 4 minutes); tests shorten it to see an expiry pass. */
  ingressExpiryMs?: number
}

/** icp-cli ingresses expire after 4 minutes (crates/icp/src/agent.rs). */
const INGRESS_EXPIRY_MS = 4 * 60_000
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

  const fetchImpl = req.fetchImpl ?? defaultAgentFetch()
  const agent = HttpAgent.createSync({
    host: req.apiUrl,
    identity: req.identity.identity,
    fetch: fetchImpl,
    rootKey,
    shouldFetchRootKey: false,
    // The agent only fetches the root key. Its calls would sync time through new agents that are
    // refused alike and sync again (a storm), so calls, clock and retries are ours (src/ic/call.ts).
    retryTimes: 0,
  })
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
    nodeKeys: new NodeKeyStore(),
    clock: new NetworkClock(),
    fetch: fetchImpl,
    rootKey: () => {
      if (!agent.rootKey) throw new Error('the agent has no root key')
      return agent.rootKey
    },
    ingressExpiryMs: req.ingressExpiryMs ?? INGRESS_EXPIRY_MS,
    warnings,
    apiUrl: req.apiUrl,
    identity: req.identity,
    retry: { ...DEFAULT_RETRY, ...req.retry },
  }
}
