// Command-line arguments → SyncOptions. Kept apart from the entry so it can be tested without running.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'

import { defaultCacheDir } from './cache-dir.js'
import { locateProjectRoot } from '../project/locate.js'
import { trustedPluginsOption } from '../policy/untrusted.js'

import {
  COMPUTE_LIMIT_ENV,
  DEFAULT_COMPUTE_LIMIT_SECONDS,
  MEMORY_LIMIT_MB,
  MEMORY_LIMIT_TEXT,
  OptionError,
  TIMEOUT_SECONDS,
  TIMEOUT_TEXT,
  boundedIntOption,
  type SyncOptions,
  canisterIdMap,
  computeLimitOption,
  parseNameList,
  parsePositiveInt,
  parseShard,
  principalOption,
  urlOption,
} from '../options.js'

export const USAGE = `usage: icp-sync [sync] [CANISTER...] [options]     run the sync steps of an icp.yaml project
       icp-sync inspect <plugin.wasm>                transpile a plugin; show its sha256, imports and exports

options:
  -e, --environment <name>          environment to sync (default: $ICP_ENVIRONMENT or local)
      --project-root-override <dir> directory holding icp.yaml, used as is (also -p, --project-dir;
                                    default: $ICP_PROJECT_ROOT, else the nearest icp.yaml at or above
                                    the current directory, as icp finds it)
      --identity-pem-file <file>    signing identity PEM (default: anonymous)
      --identity-password-file <f>  password of an encrypted PEM
      --network-url <url>           override the network's API URL
      --root-key <mainnet|fetch|hex> override the network's root key
      --canister-ids <json|@file>   canister IDs (JSON or YAML map), merged over .icp/ mappings
      --proxy <principal>           proxy canister for update calls with direct: false
      --compute-limit-seconds <n>   plugin compute budget (default: $${COMPUTE_LIMIT_ENV} or ${DEFAULT_COMPUTE_LIMIT_SECONDS})
      --timeout-seconds <n>         wall clock per plugin step, canister calls included (default: ${TIMEOUT_SECONDS.default}; ${TIMEOUT_SECONDS.min}–${TIMEOUT_SECONDS.max})
      --memory-limit-mb <n>         memory budget of a plugin: all its wasm memories and tables (default: ${MEMORY_LIMIT_MB.default}; ${MEMORY_LIMIT_MB.min}–${MEMORY_LIMIT_MB.max})
      --parallel <n>                canisters synced at once (default: 1)
      --script-steps <run|skip>     run script steps or skip them (default: run)
      --shard <i/n>                 sync only this share of the canisters
      --untrusted                   refuse script steps, recipes, linked or outside plugin paths and
                                    URL plugins not in --trusted-plugins (pull-request previews)
      --trusted-plugins <sha256,...> URL plugins allowed in untrusted mode, by sha256
      --baseline-dir <dir>          another checkout (e.g. the base branch) to compare plugin steps with
      --plugin-changes <allow|refuse> refuse plugin steps that changed against --baseline-dir
      --cache-dir <dir>             plugin, transpile, recipe and V8 code caches (default: $ICP_SYNC_CACHE_DIR, else $XDG_CACHE_HOME/icp-sync or ~/.cache/icp-sync)
      --json                        print the result as JSON on stdout
      --debug                       more detail on stderr: the options, each step's cache use and timings, the plan, whole error chains
  -V, --version                     print icp-sync's version
  -h, --help

environment:
  GITHUB_TOKEN                      sent with plugin and recipe downloads from github.com, api.github.com
                                    and objects.githubusercontent.com (https only), never to another host`

/** The CLI's counterpart of the Action's `github-token` input. */
export const GITHUB_TOKEN_ENV = 'GITHUB_TOKEN'

export class UsageError extends Error {}

export function parseCli(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): {
  command: 'sync' | 'inspect' | 'help' | 'version'
  options?: SyncOptions
  json: boolean
  debug?: boolean
  cacheDir: string
  file?: string
} {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      environment: { type: 'string', short: 'e' },
      'project-dir': { type: 'string', short: 'p' },
      'project-root-override': { type: 'string' },
      'identity-pem-file': { type: 'string' },
      'identity-password-file': { type: 'string' },
      'network-url': { type: 'string' },
      'root-key': { type: 'string' },
      'canister-ids': { type: 'string' },
      proxy: { type: 'string' },
      'compute-limit-seconds': { type: 'string' },
      'memory-limit-mb': { type: 'string' },
      'timeout-seconds': { type: 'string' },
      parallel: { type: 'string' },
      'script-steps': { type: 'string' },
      shard: { type: 'string' },
      'cache-dir': { type: 'string' },
      untrusted: { type: 'boolean', default: false },
      'trusted-plugins': { type: 'string' },
      'baseline-dir': { type: 'string' },
      'plugin-changes': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      version: { type: 'boolean', short: 'V', default: false },
      debug: { type: 'boolean', default: false },
    },
  })
  const cacheDir = values['cache-dir'] ? resolve(values['cache-dir']) : defaultCacheDir(env)
  if (values.help) return { command: 'help', json: false, cacheDir }
  if (values.version) return { command: 'version', json: false, cacheDir }
  const debug = values.debug ?? false
  const [first, ...rest] = positionals
  if (first === 'inspect') {
    if (rest.length !== 1) throw new UsageError('inspect takes exactly one plugin file')
    return { command: 'inspect', file: rest[0], json: false, cacheDir, debug }
  }
  const names = first === 'sync' ? rest : positionals

  const int = (flag: string, fallback: number, max?: number): number => {
    const raw = values[flag as keyof typeof values] as string | undefined
    if (raw === undefined) return fallback
    const value = parsePositiveInt(raw, max)
    if (value === undefined)
      throw new OptionError(
        `--${flag}`,
        `expected a whole number${max ? ` from 1 to ${max}` : ''}, got '${raw}'`,
      )
    return value
  }
  const computeLimitSeconds = computeLimitOption(
    '--compute-limit-seconds',
    values['compute-limit-seconds'],
    env,
  )
  const scriptSteps = values['script-steps'] ?? 'run'
  if (scriptSteps !== 'run' && scriptSteps !== 'skip')
    throw new OptionError('--script-steps', `expected run or skip, got '${scriptSteps}'`)
  let shard
  if (values.shard !== undefined) {
    shard = parseShard(values.shard)
    if (!shard) throw new OptionError('--shard', `expected 'i/n' with 1 <= i <= n, got '${values.shard}'`)
  }
  const idsRaw = values['canister-ids']
  const options: SyncOptions = {
    // icp's precedence: the flag, then ICP_PROJECT_ROOT (even when empty), then the search upwards.
    projectDir: locateProjectRoot(
      cwd,
      values['project-root-override'] ?? values['project-dir'] ?? env.ICP_PROJECT_ROOT,
    ),
    environment: values.environment ?? env.ICP_ENVIRONMENT ?? 'local',
    canisters: names.flatMap(parseNameList),
    identityPem: values['identity-pem-file']
      ? readSecretFile('--identity-pem-file', values['identity-pem-file'])
      : undefined,
    identityPassword: values['identity-password-file']
      ? readSecretFile('--identity-password-file', values['identity-password-file']).replace(/\r?\n$/, '')
      : undefined,
    networkUrl: urlOption('--network-url', values['network-url']),
    rootKey: values['root-key'],
    canisterIds: idsRaw
      ? canisterIdMap(
          idsRaw.startsWith('@') ? readSecretFile('--canister-ids', idsRaw.slice(1)) : idsRaw,
          '--canister-ids',
        )
      : {},
    proxy: principalOption('--proxy', values.proxy),
    computeLimitSeconds,
    timeoutSeconds: boundedIntOption(
      '--timeout-seconds',
      values['timeout-seconds'],
      TIMEOUT_SECONDS,
      TIMEOUT_TEXT,
    ),
    memoryLimitMb: boundedIntOption(
      '--memory-limit-mb',
      values['memory-limit-mb'],
      MEMORY_LIMIT_MB,
      MEMORY_LIMIT_TEXT,
    ),
    parallel: int('parallel', 1, 64),
    scriptSteps,
    cache: true,
    summary: false,
    shard,
    // Untrusted mode (src/policy/untrusted.ts).
    untrusted: values.untrusted ?? false,
    trustedPlugins: trustedPluginsOption('--trusted-plugins', values['trusted-plugins']),
    ...baselineOptions(values['baseline-dir'], values['plugin-changes']),
  }
  return { command: 'sync', options, json: values.json ?? false, cacheDir, debug }
}

function readSecretFile(flag: string, file: string): string {
  try {
    return readFileSync(resolve(file), 'utf8')
  } catch (error) {
    throw new OptionError(
      flag,
      `cannot read '${file}': ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    )
  }
}

/** --baseline-dir and --plugin-changes (src/policy/baseline.ts). */
function baselineOptions(
  dir: string | undefined,
  changes: string | undefined,
): Pick<SyncOptions, 'baselineDir' | 'pluginChanges'> {
  const pluginChanges = changes ?? 'allow'
  if (pluginChanges !== 'allow' && pluginChanges !== 'refuse')
    throw new OptionError('--plugin-changes', `expected allow or refuse, got '${pluginChanges}'`)
  if (pluginChanges === 'refuse' && !dir)
    throw new OptionError('--plugin-changes', "'refuse' needs a baseline to compare with: set --baseline-dir")
  return { ...(dir ? { baselineDir: resolve(dir) } : {}), pluginChanges }
}
