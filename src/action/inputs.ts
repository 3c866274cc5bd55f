// The Action's inputs, read once into SyncOptions and validated here (the runner does not enforce
// `required:`). Nothing else in the code base calls core.getInput.
import { resolve } from 'node:path'

import * as core from '@actions/core'

import { secretForms } from '../identity/index.js'
import { trustedPluginsOption } from '../policy/untrusted.js'
import {
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

/**
 * The identity secret in every form it may show up in (raw, each line, base64, decoded): what the
 * runner masks (by exact match) and what we redact from files it does not mask. Very short pieces are
 * left out, the password excepted: they would blank out unrelated text and reveal nothing of the key.
 */
export function identitySecrets(pem: string, password: string): string[] {
  if (!pem.trim() && !password) return []
  return secretForms(pem, password || undefined).filter((form) => form.length >= 6 || form === password)
}

export function getInputs(env: NodeJS.ProcessEnv = process.env): SyncOptions {
  const identityPem = core.getInput('identity-pem', { trimWhitespace: false })
  const identityPassword = core.getInput('identity-password', { trimWhitespace: false })
  // Mask before anything else can log them.
  for (const secret of identitySecrets(identityPem, identityPassword)) core.setSecret(secret)

  const computeLimitSeconds = computeLimitOption(
    'compute-limit-seconds',
    core.getInput('compute-limit-seconds'),
    env,
  )

  return {
    projectDir: resolve(core.getInput('project-dir') || '.'),
    environment: nonEmpty('environment', core.getInput('environment') || 'local'),
    canisters: parseNameList(core.getInput('canisters')),
    identityPem: identityPem.trim() ? identityPem : undefined,
    identityPassword: identityPassword || undefined,
    networkUrl: urlOption('network-url', core.getInput('network-url')),
    rootKey: core.getInput('root-key') || undefined,
    canisterIds: canisterIdMap(core.getInput('canister-ids', { trimWhitespace: false }), 'canister-ids'),
    proxy: principalOption('proxy', core.getInput('proxy')),
    computeLimitSeconds,
    timeoutSeconds: boundedIntOption(
      'timeout-seconds',
      core.getInput('timeout-seconds'),
      TIMEOUT_SECONDS,
      TIMEOUT_TEXT,
    ),
    memoryLimitMb: boundedIntOption(
      'memory-limit-mb',
      core.getInput('memory-limit-mb'),
      MEMORY_LIMIT_MB,
      MEMORY_LIMIT_TEXT,
    ),
    parallel: intInput('parallel', 1, 64),
    scriptSteps: oneOf('script-steps', ['run', 'skip'] as const, 'run'),
    cache: boolInput('cache', true),
    summary: boolInput('summary', true),
    shard: shardInput(core.getInput('shard')),
    ...untrustedInputs(),
  }
}

/** Pull-request preview inputs: untrusted mode (src/policy/untrusted.ts) and the baseline (src/policy/baseline.ts). */
function untrustedInputs(): Pick<
  SyncOptions,
  'untrusted' | 'trustedPlugins' | 'baselineDir' | 'pluginChanges'
> {
  const baselineDir = core.getInput('baseline-dir')
  const pluginChanges = oneOf('plugin-changes', ['allow', 'refuse'] as const, 'allow')
  if (pluginChanges === 'refuse' && !baselineDir)
    throw new OptionError('plugin-changes', "'refuse' needs a baseline to compare with: set baseline-dir")
  return {
    untrusted: boolInput('untrusted', false),
    trustedPlugins: trustedPluginsOption('trusted-plugins', core.getInput('trusted-plugins')),
    ...(baselineDir ? { baselineDir: resolve(baselineDir) } : {}),
    pluginChanges,
  }
}

function nonEmpty(name: string, value: string): string {
  if (!value.trim()) throw new OptionError(name, 'must not be empty')
  return value.trim()
}

function intInput(name: string, fallback: number, max: number): number {
  const raw = core.getInput(name)
  if (!raw) return fallback
  const value = parsePositiveInt(raw, max)
  if (value === undefined)
    throw new OptionError(name, `expected a whole number from 1 to ${max}, got '${raw}'`)
  return value
}

function boolInput(name: string, fallback: boolean): boolean {
  const raw = core.getInput(name)
  if (!raw) return fallback
  if (['true', 'True', 'TRUE'].includes(raw)) return true
  if (['false', 'False', 'FALSE'].includes(raw)) return false
  throw new OptionError(name, `expected true or false, got '${raw}'`)
}

function oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
  const raw = core.getInput(name)
  if (!raw) return fallback
  if ((allowed as readonly string[]).includes(raw)) return raw as T
  throw new OptionError(name, `expected one of ${allowed.join(', ')}, got '${raw}'`)
}

function shardInput(raw: string): { index: number; count: number } | undefined {
  if (!raw) return undefined
  const shard = parseShard(raw)
  if (!shard) throw new OptionError('shard', `expected 'i/n' with 1 <= i <= n (e.g. 2/4), got '${raw}'`)
  return shard
}

/**
 * `github-token`, masked at once. Kept out of SyncOptions (and so out of the debug lines of the options):
 * it only reaches the download transports (util/github-token.ts).
 */
export function githubTokenInput(): string | undefined {
  const token = core.getInput('github-token')
  if (!token) return undefined
  core.setSecret(token)
  return token
}
