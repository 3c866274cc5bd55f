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
export const DEFAULT_MEMORY_LIMIT_MB = 2048

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
