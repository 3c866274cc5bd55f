import { Principal } from '@icp-sdk/core/principal'

import { parseIdsInput } from '../project/ids.js'
import { CACHEABLE_SHA256 } from '../store/index.js'
import { OptionError } from '../util/option-error.js'

// What one sync run is asked to do, and the parsers of its options. Both edges build SyncOptions by a
// loop over one option table (table.ts): the Action from its inputs, the CLI from its flags.

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
  /** Token for downloads from GitHub (the Action's `github-token`, the CLI's GITHUB_TOKEN). A secret. */
  githubToken?: string
}

export { OptionError }

// The parsers of the option table (src/options/table.ts). Each gets the raw text and the name the user
// gave it under (input, flag or variable), so its errors read the same on both edges but for that name.

/** Inclusive bounds of a whole-number option, declared in the option table. */
export interface Bounds {
  min: number
  max: number
}

/** A whole number within `bounds`; `unit` words the error ("a whole number of seconds from 1 to 600"). */
export function wholeNumber(raw: string, name: string, bounds: Bounds, unit?: string): number {
  const value = parsePositiveInt(raw, bounds.max)
  if (value === undefined || value < bounds.min)
    throw new OptionError(name, `expected ${wholeNumberText(bounds, unit)}, got '${raw}'`)
  return value
}

export function wholeNumberText(bounds: Bounds, unit?: string): string {
  return `a whole number${unit ? ` of ${unit}` : ''} from ${bounds.min} to ${bounds.max}`
}

/**
 * The compute limit in seconds: icp-cli's rule for ICP_CLI_PLUGIN_COMPUTE_LIMIT_SECS (trimmed, an
 * integer >= 1, its error text; icp-cli-compat.md §4.5), the same for the input and flag; `fallback`
 * when nothing is given.
 */
export function computeSeconds(raw: string, name: string, fromEnv: boolean, fallback: number): number {
  if (raw === '' && !fromEnv) return fallback
  const value = parsePositiveInt(raw)
  if (value !== undefined) return value
  const expected = 'expected a positive integer number of seconds'
  throw new OptionError(name, fromEnv ? `invalid ${name} value '${raw}': ${expected}` : expected)
}

/** true/false as YAML 1.2's core schema spells them (what @actions/core's getBooleanInput accepts). */
export function booleanOption(raw: string, name: string): boolean {
  if (['true', 'True', 'TRUE'].includes(raw)) return true
  if (['false', 'False', 'FALSE'].includes(raw)) return false
  throw new OptionError(name, `expected true or false, got '${raw}'`)
}

/** One of a few words. */
export function choiceOption<T extends string>(raw: string, name: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(raw)) return raw as T
  const words = `${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}`
  throw new OptionError(name, `expected ${words}, got '${raw}'`)
}

/** Trimmed text that must not be blank (an environment name). */
export function nonEmptyOption(raw: string, name: string): string {
  if (!raw.trim()) throw new OptionError(name, 'must not be empty')
  return raw.trim()
}

/** `i/n`, this job's share of the canisters; undefined when not given. */
export function shardOption(raw: string, name: string): SyncOptions['shard'] {
  if (raw === '') return undefined
  const shard = parseShard(raw)
  if (!shard) throw new OptionError(name, `expected 'i/n' with 1 <= i <= n (e.g. 2/4), got '${raw}'`)
  return shard
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
export function urlOption(raw: string, input: string): string | undefined {
  if (raw === '') return undefined
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
export function principalOption(raw: string, input: string): string | undefined {
  const text = raw.trim()
  if (!text) return undefined
  try {
    return Principal.fromText(text).toText()
  } catch {
    throw new OptionError(input, `'${text}' is not a valid principal`)
  }
}

/** The `trusted-plugins` input: sha256 values (hex), comma and/or newline separated, blanks dropped. */
export function trustedPluginsOption(input: string, raw: string | undefined): string[] {
  const values = (raw ?? '')
    .split(/[,\n]/)
    .map((value) => value.trim())
    .filter((value) => value.length > 0)
  for (const value of values) {
    if (!CACHEABLE_SHA256.test(value.toLowerCase()))
      throw new OptionError(input, `'${value}' is not a sha256 (64 hexadecimal digits)`)
  }
  return [...new Set(values.map((value) => value.toLowerCase()))]
}
