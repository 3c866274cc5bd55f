// One table of the run's options: for each its Action input, CLI flag(s), environment variable,
// default, bounds, parser and help. Both edges are loops over it (action/inputs.ts reads inputs,
// cli/args.ts reads flags), so a bound, a default or an error text is written once. `--help`,
// action.yml and README's inputs table are checked against it (__tests__/pipeline/option-table.test.ts).
import { resolve } from 'node:path'

import {
  OptionError,
  booleanOption,
  canisterIdMap,
  choiceOption,
  computeSeconds,
  nonEmptyOption,
  parseNameList,
  principalOption,
  shardOption,
  trustedPluginsOption,
  urlOption,
  wholeNumber,
  type Bounds,
  type SyncOptions,
} from './parse.js'
import { COMPUTE_LIMIT_ENV, DEFAULT_COMPUTE_LIMIT_SECONDS, MEMORY_LIMIT_MB } from '../plugin/index.js'
import { locateProjectRoot } from '../project/locate.js'

export type Edge = 'action' | 'cli'

/** Where a value came from: `name` is the input, flag or variable the user gave it under. */
export interface OptionSource {
  name: string
  fromEnv: boolean
  edge: Edge
  cwd: string
}

export interface OptionRow<K extends keyof SyncOptions = keyof SyncOptions> {
  key: K
  /** The Action input (every row has one: the table is the Action's inputs plus how the CLI gets each). */
  input: string
  /** CLI flags, the one to show first; none = the CLI has no flag for it. */
  flags?: readonly string[]
  /** One-letter form of the last flag. */
  short?: string
  /** Placeholder in `--help` (`<n>`); none = a switch that takes no value. */
  arg?: string
  /** The CLI takes it as positional arguments (canister names). */
  positional?: boolean
  /** What the flag's value is: the text, a file holding it (`file-line`: less one final newline), or either (`@file`). */
  cliValue?: 'file' | 'file-line' | 'text-or-@file'
  /** Variable read when the input or flag is not given (set, even to empty, counts as given). */
  env?: string
  /** The Action reads `env` too (icp-cli's own variable); otherwise only the CLI does. */
  envOnAction?: boolean
  /** What not giving it means: action.yml's default, and the CLI's unless `cliDefault`. */
  default: string
  /** What action.yml declares when that is an expression the runner fills in. */
  actionDefault?: string
  /** The CLI's default where it differs (a terminal has no job summary; icp's project search). */
  cliDefault?: string
  /** How `--help` words the default when `default` alone does not say it. */
  helpDefault?: string
  bounds?: Bounds
  /** The Action reads it untrimmed (PEM text; a YAML map whose indentation matters). */
  untrimmed?: boolean
  /** Never echoed: masked in the job log, left out of --debug, the summary and the result. */
  secret?: boolean
  /** Its `--help` text (the default and bounds are added from the row). */
  help: string
  parse: (raw: string, source: OptionSource) => SyncOptions[K]
}

/** Checks each row's parser against its key at compile time. */
function row<K extends keyof SyncOptions>(spec: OptionRow<K>): OptionRow<K> {
  return spec
}

/** A whole number within the row's bounds, `unit` wording its error. */
function bounded<K extends keyof SyncOptions>(
  spec: Omit<OptionRow<K>, 'parse'> & { bounds: Bounds; unit?: string },
): OptionRow<K> {
  const { unit, ...rest } = spec
  return {
    ...rest,
    parse: (raw, source) => wholeNumber(raw, source.name, spec.bounds, unit) as SyncOptions[K],
  }
}

const optional = (raw: string): string | undefined => raw || undefined

export const OPTION_TABLE: readonly OptionRow[] = [
  row({
    key: 'projectDir',
    input: 'project-dir',
    flags: ['--project-root-override', '--project-dir'],
    short: 'p',
    arg: '<dir>',
    env: 'ICP_PROJECT_ROOT',
    default: '.',
    cliDefault: '',
    helpDefault: 'the nearest icp.yaml at or above the current directory, as icp finds it',
    help: 'directory holding icp.yaml, used as is',
    // The CLI finds the project as icp does: given (ICP_PROJECT_ROOT even when empty) it is used as is,
    // else the search upwards. The Action takes its input as is.
    parse: (raw, { edge, cwd, fromEnv }) =>
      edge === 'action' ? resolve(cwd, raw) : locateProjectRoot(cwd, raw || fromEnv ? raw : undefined),
  }),
  row({
    key: 'environment',
    input: 'environment',
    flags: ['--environment'],
    short: 'e',
    arg: '<name>',
    env: 'ICP_ENVIRONMENT',
    default: 'local',
    help: 'environment to sync',
    parse: (raw, { name }) => nonEmptyOption(raw, name),
  }),
  row({
    key: 'canisters',
    input: 'canisters',
    positional: true,
    default: '',
    help: 'canister names; none = every canister with sync steps',
    parse: (raw) => parseNameList(raw),
  }),
  row({
    key: 'identityPem',
    input: 'identity-pem',
    flags: ['--identity-pem-file'],
    arg: '<file>',
    cliValue: 'file',
    default: '',
    helpDefault: 'anonymous',
    untrimmed: true,
    secret: true,
    help: 'signing identity PEM',
    parse: (raw) => (raw.trim() ? raw : undefined),
  }),
  row({
    key: 'identityPassword',
    input: 'identity-password',
    flags: ['--identity-password-file'],
    arg: '<f>',
    cliValue: 'file-line',
    default: '',
    untrimmed: true,
    secret: true,
    help: 'password of an encrypted PEM',
    parse: optional,
  }),
  row({
    key: 'networkUrl',
    input: 'network-url',
    flags: ['--network-url'],
    arg: '<url>',
    default: '',
    help: "override the network's API URL (http or https)",
    parse: (raw, { name }) => urlOption(raw, name),
  }),
  row({
    key: 'rootKey',
    input: 'root-key',
    flags: ['--root-key'],
    arg: '<mainnet|fetch|hex>',
    default: '',
    help: "override the network's root key",
    parse: optional,
  }),
  row({
    key: 'canisterIds',
    input: 'canister-ids',
    flags: ['--canister-ids'],
    arg: '<json|@file>',
    cliValue: 'text-or-@file',
    default: '',
    untrimmed: true,
    help: 'canister IDs (JSON or YAML map), merged over .icp/ mappings',
    parse: (raw, { name }) => canisterIdMap(raw, name),
  }),
  row({
    key: 'proxy',
    input: 'proxy',
    flags: ['--proxy'],
    arg: '<principal>',
    default: '',
    help: 'proxy canister for update calls with direct: false',
    parse: (raw, { name }) => principalOption(raw, name),
  }),
  row({
    key: 'computeLimitSeconds',
    input: 'compute-limit-seconds',
    flags: ['--compute-limit-seconds'],
    arg: '<n>',
    env: COMPUTE_LIMIT_ENV,
    envOnAction: true,
    default: '',
    helpDefault: String(DEFAULT_COMPUTE_LIMIT_SECONDS),
    help: 'plugin compute budget in seconds, canister-call waits not counted',
    parse: (raw, { name, fromEnv }) => computeSeconds(raw, name, fromEnv, DEFAULT_COMPUTE_LIMIT_SECONDS),
  }),
  bounded({
    key: 'timeoutSeconds',
    input: 'timeout-seconds',
    flags: ['--timeout-seconds'],
    arg: '<n>',
    default: '600',
    // Up to a GitHub-hosted job's own limit, 6 hours.
    bounds: { min: 1, max: 21_600 },
    unit: 'seconds',
    help: 'wall clock per plugin step, canister calls included',
  }),
  bounded({
    key: 'memoryLimitMb',
    input: 'memory-limit-mb',
    flags: ['--memory-limit-mb'],
    arg: '<n>',
    default: String(MEMORY_LIMIT_MB.default),
    bounds: MEMORY_LIMIT_MB,
    unit: 'MiB',
    help: 'memory budget of a plugin: all its wasm memories and tables',
  }),
  bounded({
    key: 'parallel',
    input: 'parallel',
    flags: ['--parallel'],
    arg: '<n>',
    default: '1',
    bounds: { min: 1, max: 64 },
    help: 'canisters synced at once',
  }),
  row({
    key: 'scriptSteps',
    input: 'script-steps',
    flags: ['--script-steps'],
    arg: '<run|skip>',
    default: 'run',
    help: 'run script steps or skip them',
    parse: (raw, { name }) => choiceOption(raw, name, ['run', 'skip'] as const),
  }),
  row({
    key: 'shard',
    input: 'shard',
    flags: ['--shard'],
    arg: '<i/n>',
    default: '',
    help: 'sync only this share of the canisters',
    parse: (raw, { name }) => shardOption(raw, name),
  }),
  row({
    key: 'untrusted',
    input: 'untrusted',
    flags: ['--untrusted'],
    default: 'false',
    help: 'refuse script steps, recipes, linked or outside plugin paths and URL plugins not in --trusted-plugins (pull-request previews)',
    parse: (raw, { name }) => booleanOption(raw, name),
  }),
  row({
    key: 'trustedPlugins',
    input: 'trusted-plugins',
    flags: ['--trusted-plugins'],
    arg: '<sha256,...>',
    default: '',
    help: 'URL plugins allowed in untrusted mode, by sha256',
    parse: (raw, { name }) => trustedPluginsOption(name, raw),
  }),
  row({
    key: 'baselineDir',
    input: 'baseline-dir',
    flags: ['--baseline-dir'],
    arg: '<dir>',
    default: '',
    help: 'another checkout (e.g. the base branch) to compare plugin steps with',
    parse: (raw, { cwd }) => (raw ? resolve(cwd, raw) : undefined),
  }),
  row({
    key: 'pluginChanges',
    input: 'plugin-changes',
    flags: ['--plugin-changes'],
    arg: '<allow|refuse>',
    default: 'allow',
    help: 'refuse plugin steps that changed against --baseline-dir',
    parse: (raw, { name }) => choiceOption(raw, name, ['allow', 'refuse'] as const),
  }),
  row({
    key: 'cache',
    input: 'cache',
    default: 'true',
    help: 'keep URL plugins in the Actions cache (the CLI always caches on disk)',
    parse: (raw, { name }) => booleanOption(raw, name),
  }),
  row({
    key: 'summary',
    input: 'summary',
    default: 'true',
    cliDefault: 'false', // a terminal has no job summary
    help: 'write a job summary',
    parse: (raw, { name }) => booleanOption(raw, name),
  }),
  row({
    key: 'githubToken',
    input: 'github-token',
    env: 'GITHUB_TOKEN',
    default: '',
    actionDefault: '${{ github.token }}',
    secret: true,
    help: 'sent with plugin and recipe downloads from github.com, api.github.com and objects.githubusercontent.com (https only), never to another host',
    parse: optional,
  }),
]

/** The value one edge found for a row: its text and the input or flag it came under. */
export interface GivenValue {
  name: string
  value: string
}

/**
 * SyncOptions from one edge. `given` says what the user set for a row (a blank value counts as not
 * given, as an unset input does); then the row's variable, then its default, go through its parser.
 */
export function readOptions(
  edge: Edge,
  given: (row: OptionRow) => GivenValue | undefined,
  env: NodeJS.ProcessEnv,
  cwd: string,
): SyncOptions {
  const options: Record<string, unknown> = {}
  for (const option of OPTION_TABLE) {
    const { name, value, fromEnv } = pick(edge, option, given(option), env)
    options[option.key] = option.parse(value, { name, fromEnv, edge, cwd })
  }
  const result = options as unknown as SyncOptions
  checkCombinations(result, (key) => optionName(edge, key))
  return result
}

function pick(
  edge: Edge,
  option: OptionRow,
  given: GivenValue | undefined,
  env: NodeJS.ProcessEnv,
): GivenValue & { fromEnv: boolean } {
  if (given && given.value.trim() !== '') return { ...given, fromEnv: false }
  const fromEnv = option.env && (edge === 'cli' || option.envOnAction) ? env[option.env] : undefined
  if (fromEnv !== undefined) return { name: option.env!, value: fromEnv, fromEnv: true }
  const value = edge === 'cli' ? (option.cliDefault ?? option.default) : option.default
  return { name: optionName(edge, option.key), value, fromEnv: false }
}

/** What an edge calls an option in its errors: the input, or the first flag. */
function optionName(edge: Edge, key: keyof SyncOptions): string {
  const option = OPTION_TABLE.find((candidate) => candidate.key === key)!
  return edge === 'cli' && option.flags ? option.flags[0]! : option.input
}

/** Rules across options. */
function checkCombinations(options: SyncOptions, nameOf: (key: keyof SyncOptions) => string): void {
  if (options.pluginChanges === 'refuse' && !options.baselineDir)
    throw new OptionError(
      nameOf('pluginChanges'),
      `'refuse' needs a baseline to compare with: set ${nameOf('baselineDir')}`,
    )
}
