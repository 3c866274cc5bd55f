// The sync plan: project + environment (+ names, IDs, shard) → the canisters to sync, each with its
// ordered steps, directory and ID, and the network to talk to. Mirrors `icp sync` (docs/icp-cli-compat.md
// §2.1, §3.1): names are checked against the project and the environment, IDs are resolved for every
// target *before* canisters without sync steps are dropped (so a bare sync needs an ID for every
// canister of the environment, as icp does), then the shard takes its share.

import { readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { OptionError } from '../util/option-error.js'
import { ManifestError } from './errors.js'
import { idsFile, readIdsFile } from './ids.js'
import { rootKeyProblem } from './manifest.js'
import { compareUtf8 } from './steps.js'
import type { Network, NetworkTarget, PlanRequest, PlannedCanister, Project, SyncPlan } from './types.js'

export function planSync(project: Project, req: PlanRequest): SyncPlan {
  const warnings: string[] = []
  const env = project.environments.find((e) => e.name === req.environment)
  if (!env) throw planError(project, `project does not contain an environment named '${req.environment}'`)

  const targets = req.canisters.length > 0 ? req.canisters : env.canisters
  for (const name of targets) {
    if (!project.canisters.some((c) => c.name === name)) {
      throw planError(project, `project does not contain a canister named '${name}'`)
    }
    if (!env.canisters.includes(name)) {
      throw planError(project, `environment '${env.name}' does not contain a canister named '${name}'`)
    }
  }

  const network = project.networks.find((n) => n.name === env.network)
  if (!network)
    throw planError(project, `environment '${env.name}' points to invalid network '${env.network}'`)
  const target = networkTarget(project, network, req.networkOverride, warnings)

  const file = idsFile(project.dir, env.name, network.mode)
  // Names come from user input: a null-prototype map, looked up with Object.hasOwn only, so a canister
  // named `constructor` or `__proto__` is never "found" on Object.prototype.
  const canisterIds: Record<string, string> = Object.assign(Object.create(null), readIdsFile(file))
  for (const [name, id] of Object.entries(req.canisterIds ?? {})) {
    if (!project.canisters.some((c) => c.name === name)) {
      warnings.push(`canister-ids names '${name}', which is not a canister of this project; ignored`)
      continue
    }
    canisterIds[name] = id
  }
  for (const name of targets) {
    if (!Object.hasOwn(canisterIds, name)) {
      // icp's two links, then how to give the ID: the mapping file (committed, for a connected network)
      // or the canister-ids input / --canister-ids, which win over it.
      const mapping = relative(project.dir, file)
      const fromFile =
        network.mode === 'connected'
          ? `commit its ID to ${mapping}`
          : `deploy it with icp (which records its ID in ${mapping})`
      throw new ManifestError(
        `failed to lookup canister ID for canister '${name}' in environment '${env.name}'`,
        { file },
        [
          `could not find ID for canister '${name}' in environment '${env.name}': ${fromFile}, or pass it ` +
            `with canister-ids (the Action's input, the CLI's --canister-ids), e.g. {"${name}": "<principal>"}`,
        ],
      )
    }
  }

  const withSteps: PlannedCanister[] = []
  for (const name of targets) {
    const canister = project.canisters.find((c) => c.name === name)!
    if (canister.sync.length === 0) continue
    withSteps.push({ name, id: canisterIds[name]!, dir: canister.dir, steps: canister.sync })
  }
  const canisters = req.shard ? shardOf(withSteps, req.shard) : withSteps
  // icp prints this (as information) only when it had targets; an empty environment is silent.
  let notice: string | undefined
  if (withSteps.length === 0 && targets.length > 0) notice = 'No canisters have sync steps configured'
  else if (canisters.length === 0 && req.shard)
    notice = `Shard ${req.shard.index}/${req.shard.count} has none of the ${withSteps.length} canisters with sync steps`
  return {
    environment: env.name,
    network: target,
    canisterIds,
    canisters,
    allWithSteps: withSteps.map((c) => c.name),
    warnings,
    ...(notice ? { notice } : {}),
  }
}

/** The canister ID table as icp hands it to 0.2 plugins: built from a BTreeMap, so sorted by name
 * (bytewise). A JS object cannot carry that order itself (integer-like keys always come first). */
export function sortedCanisterIds(ids: Record<string, string>): Array<{ name: string; id: string }> {
  return Object.entries(ids)
    .sort(([a], [b]) => compareUtf8(a, b))
    .map(([name, id]) => ({ name, id }))
}

/** Round-robin over the planned canisters in plan order: canister i (0-based) goes to shard
 * (i mod count) + 1. Deterministic, and shard sizes differ by at most one. */
export function shardOf<T>(items: T[], shard: { index: number; count: number }): T[] {
  const { index, count } = shard
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(index) || index < 1 || index > count) {
    throw new OptionError('shard', `expected i/n with 1 ≤ i ≤ n, got ${index}/${count}`)
  }
  return items.filter((_, i) => i % count === index - 1)
}

/** Where a network's API is and how to trust it; the `network-url` / `root-key` inputs win. */
export function networkTarget(
  project: Project,
  network: Network,
  override: PlanRequest['networkOverride'],
  warnings: string[],
): NetworkTarget {
  let target: NetworkTarget
  if (network.mode === 'connected') {
    target = {
      name: network.name,
      mode: 'connected',
      apiUrl: network.apiUrl,
      ...(network.gatewayUrl ? { gatewayUrl: network.gatewayUrl } : {}),
      rootKey: network.rootKey,
      source: 'manifest',
    }
  } else {
    target = managedTarget(project, network, override?.url === undefined, warnings)
  }
  if (override?.url !== undefined && override.url !== '') {
    let url: string
    try {
      url = new URL(override.url).href
    } catch {
      throw new OptionError('network-url', `not a URL: '${override.url}'`)
    }
    target = { ...target, apiUrl: url, gatewayUrl: url, source: 'override' }
    if (override.rootKey === undefined || override.rootKey === '') {
      // A local replica's key is not known from the manifest; a connected network keeps its own.
      if (network.mode === 'managed') target.rootKey = 'fetch'
    }
  }
  if (override?.rootKey !== undefined && override.rootKey !== '') {
    const key = override.rootKey.trim()
    const problem = rootKeyProblem(key)
    if (problem) throw new OptionError('root-key', problem)
    target = { ...target, rootKey: key, source: 'override' }
  }
  return target
}

function managedTarget(
  project: Project,
  network: Extract<Network, { mode: 'managed' }>,
  warn: boolean,
  warnings: string[],
): NetworkTarget {
  const file = join(project.dir, '.icp', 'cache', 'networks', network.name, 'descriptor.json')
  let text: string | undefined
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    text = undefined
  }
  if (text !== undefined) {
    let d: { gateway?: { host?: string; port?: number }; 'root-key'?: string }
    try {
      d = JSON.parse(text)
    } catch (err) {
      throw new ManifestError(`failed to parse network descriptor at '${file}': ${(err as Error).message}`, {
        file,
      })
    }
    const port = d.gateway?.port
    const key = d['root-key']
    if (typeof port !== 'number' || typeof key !== 'string' || rootKeyProblem(key)) {
      throw new ManifestError(`network descriptor at '${file}' has no usable gateway port and root key`, {
        file,
      })
    }
    const url = `http://${d.gateway?.host ?? 'localhost'}:${port}/`
    return {
      name: network.name,
      mode: 'managed',
      apiUrl: url,
      gatewayUrl: url,
      rootKey: key,
      source: 'descriptor',
    }
  }
  const url = `http://${network.bind}:${network.port ?? 8000}/`
  if (warn) {
    warnings.push(
      `the ${network.name} network for this project is not running (no ${file}); using ${url} and fetching its root key`,
    )
  }
  return {
    name: network.name,
    mode: 'managed',
    apiUrl: url,
    gatewayUrl: url,
    rootKey: 'fetch',
    source: 'default',
  }
}

function planError(project: Project, message: string): ManifestError {
  return new ManifestError(message, { file: project.manifest })
}
