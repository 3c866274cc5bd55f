import { Principal } from '@icp-sdk/core/principal'

import { parseIdsInput } from './project/ids.js'

// What one sync run is asked to do. The Action (action/inputs.ts) and the CLI (cli.ts) each build this
// from their own edge; everything after that is shared.

export interface SyncOptions {
  /** Absolute path of the directory that holds icp.yaml. */
  projectDir: string
  /** Environment name, as icp's `-e`. */
  environment: string
  /** Canister names to sync; empty = every canister of the environment with sync steps. */
  canisters: string[]
  /** PEM text of the signing identity (any form identity/ accepts); undefined = anonymous. */
  identityPem?: string
  identityPassword?: string
  /** Overrides for the environment's network (a CI job's local replica has its own URL and key). */
  networkUrl?: string
  rootKey?: string
  /** Canister name → principal text, merged over the .icp mappings (these win). */
  canisterIds: Record<string, string>
  /** Principal text of a proxy canister for update calls with `direct: false`. */
  proxy?: string
  computeLimitSeconds: number
  /** Wall-clock bound of one plugin step, canister-call waits included. */
  timeoutSeconds: number
  /** Budget of one plugin run: all its wasm memories and tables together (MEMORY_LIMIT_MB). */
  memoryLimitMb: number
  /** Canisters synced at once. */
  parallel: number
  scriptSteps: 'run' | 'skip'
  /** Persist downloaded plugins and transpile output across runs (Action only; the CLI caches on disk). */
  cache: boolean
  summary: boolean
  /** This job's share of the canisters: 1-based index and count. */
  shard?: { index: number; count: number }
  /** Untrusted mode (pull-request previews): see src/policy/untrusted.ts. */
  untrusted?: boolean
  /** sha256 values (lowercase hex) of the URL plugins untrusted mode allows. */
  trustedPlugins?: string[]
  /** Another checkout of the project to compare plugin steps with (src/policy/baseline.ts). */
  baselineDir?: string
  /** `refuse`: a plugin step that changed against the baseline is refused (its canister does not run). */
  pluginChanges?: 'allow' | 'refuse'
}

export const COMPUTE_LIMIT_ENV = 'ICP_CLI_PLUGIN_COMPUTE_LIMIT_SECS'
export const DEFAULT_COMPUTE_LIMIT_SECONDS = 60

/**
 * Bounds of `memory-limit-mb` / `--memory-limit-mb`, declared once for the inputs, the flag, their
 * help and the docs. 4096 MiB is all a 32-bit wasm memory can address; below 16 MiB not even a small
 * plugin starts (a componentize-js plugin needs ~40 MiB).
 */
export const MEMORY_LIMIT_MB = { min: 16, max: 4096, default: 2048 } as const
export const MEMORY_LIMIT_TEXT = `a whole number of MiB from ${MEMORY_LIMIT_MB.min} to ${MEMORY_LIMIT_MB.max}`

/** Bounds of `timeout-seconds` / `--timeout-seconds` (wall clock per plugin step). */
export const TIMEOUT_SECONDS = { min: 1, max: 21_600, default: 600 } as const
export const TIMEOUT_TEXT = `a whole number of seconds from ${TIMEOUT_SECONDS.min} to ${TIMEOUT_SECONDS.max}`

/** Thrown for a bad input or flag; `input` names it so the user knows what to fix. */
export class OptionError extends Error {
  override name = 'OptionError'
  constructor(
    readonly input: string,
    message: string,
  ) {
    super(`input '${input}': ${message}`)
  }
}

/**
 * The compute limit: the flag or input when given, else ICP_CLI_PLUGIN_COMPUTE_LIMIT_SECS by icp-cli's
 * rule (trimmed, an integer >= 1, its error text; icp-cli-compat.md §4.5), else 60 seconds.
 */
export function computeLimitOption(input: string, raw: string | undefined, env: NodeJS.ProcessEnv): number {
  if (raw !== undefined && raw !== '') {
    const value = parsePositiveInt(raw)
    if (value === undefined) throw new OptionError(input, 'expected a positive integer number of seconds')
    return value
  }
  const fromEnv = env[COMPUTE_LIMIT_ENV]
  if (fromEnv === undefined) return DEFAULT_COMPUTE_LIMIT_SECONDS
  const value = parsePositiveInt(fromEnv)
  if (value === undefined)
    throw new OptionError(
      COMPUTE_LIMIT_ENV,
      `invalid ${COMPUTE_LIMIT_ENV} value '${fromEnv}': expected a positive integer number of seconds`,
    )
  return value
}

/** A whole number within `bounds`; `fallback` when not given; an OptionError naming `input` otherwise. */
export function boundedIntOption(
  input: string,
  raw: string | undefined,
  bounds: { min: number; max: number; default: number },
  expected: string,
): number {
  if (raw === undefined || raw === '') return bounds.default
  const value = parsePositiveInt(raw, bounds.max)
  if (value === undefined || value < bounds.min)
    throw new OptionError(input, `expected ${expected}, got '${raw}'`)
  return value
}

/** Names separated by commas and/or newlines, blanks dropped. */
export function parseNameList(raw: string): string[] {
  return raw
    .split(/[,\n]/)
    .map((name) => name.trim())
    .filter((name) => name.length > 0)
}

export function parseShard(raw: string): { index: number; count: number } | undefined {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(raw)
  if (!match) return undefined
  const index = Number(match[1])
  const count = Number(match[2])
  if (count < 1 || index < 1 || index > count) return undefined
  return { index, count }
}

export function parsePositiveInt(raw: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const trimmed = raw.trim()
  if (!/^\d+$/.test(trimmed)) return undefined
  const value = Number(trimmed)
  return value >= 1 && value <= max ? value : undefined
}

/** The canister-IDs input: a JSON or YAML map of canister name → principal, every principal checked. */
export function canisterIdMap(raw: string, input: string): Record<string, string> {
  return parseIdsInput(raw, (message) => new OptionError(input, message))
}

/** An http(s) URL (the network-url input and flag); undefined when not given. */
export function urlOption(input: string, raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new OptionError(input, `'${raw}' is not a URL`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new OptionError(input, `expected an http:// or https:// URL, got '${raw}'`)
  return raw
}

/** A principal in text form, checked (checksum included) so a typo fails before any canister runs. */
export function principalOption(input: string, raw: string | undefined): string | undefined {
  const text = raw?.trim()
  if (!text) return undefined
  try {
    return Principal.fromText(text).toText()
  } catch {
    throw new OptionError(input, `'${text}' is not a valid principal`)
  }
}
