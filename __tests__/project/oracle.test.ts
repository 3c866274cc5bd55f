// The valid corpus, compared with what icp-cli 1.5.0 itself makes of each project (`icp project show`).
import { describe, expect, test } from '@jest/globals'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { loadProject, type NamedPath, type PlannedStep, type Project } from '../../src/project/index.js'
import { runIcp } from '../helpers/icp.js'
import { REPO_ROOT } from '../helpers/paths.js'

const VALID = join(REPO_ROOT, '__tests__/fixtures/manifests/valid')
const cases = readdirSync(VALID).sort()

type Json = Record<string, unknown>

function namedPaths(value: unknown): NamedPath[] {
  if (value === null || value === undefined) return []
  if (Array.isArray(value)) return value.map((path) => ({ path: String(path) }))
  return Object.entries(value as Record<string, unknown>).flatMap(([key, v]) =>
    (Array.isArray(v) ? v : [v]).map((path) => ({ key, path: String(path) })),
  )
}

/** icp's serialized step → the fields our PlannedStep carries. */
function icpStep(step: Json): unknown {
  if (step['type'] === 'script') {
    return { kind: 'script', commands: step['command'] !== undefined ? [step['command']] : step['commands'] }
  }
  return {
    kind: 'plugin',
    source: step['path'] !== undefined ? { path: step['path'] } : { url: step['url'] },
    sha256: step['sha256'] ?? undefined,
    dirs: namedPaths(step['dirs']),
    files: namedPaths(step['files']),
    fields: Object.entries((step['fields'] as Json | null) ?? {}).map(([name, value]) => ({ name, value })),
    canisters: step['canisters'] ?? [],
  }
}

function ourStep(step: PlannedStep): unknown {
  if (step.kind === 'script') return { kind: 'script', commands: step.commands }
  const { kind, source, sha256, dirs, files, fields, canisters } = step
  return { kind, source, sha256, dirs, files, fields, canisters }
}

function icpLabel(step: Json): string {
  if (step['type'] === 'script') {
    return `script ${step['command'] !== undefined ? step['command'] : (step['commands'] as string[]).join('\n')}`
  }
  return step['path'] !== undefined ? `plugin path: ${step['path']}` : `plugin url: ${step['url']}`
}

describe.each(cases)('valid manifest %s', (name) => {
  const dir = join(VALID, name)
  let project: Project
  let shown: Json

  test('icp-cli 1.5.0 and loadProject agree', async () => {
    const run = runIcp(['project', 'show'], dir)
    expect(run.stderr).not.toContain('Error:')
    expect(run.code).toBe(0)
    shown = parse(run.stdout, { logLevel: 'silent' }) as Json
    project = await loadProject(dir, { cacheDir: join(dir, '.no-cache') })

    // Canisters: order, directory, sync steps and their labels.
    const icpCanisters = (shown['canisters'] ?? {}) as Record<string, [string, Json]>
    expect(project.canisters.map((c) => c.name)).toEqual(Object.keys(icpCanisters))
    for (const canister of project.canisters) {
      const [cdir, manifest] = icpCanisters[canister.name]!
      expect(canister.dir).toBe(cdir)
      const steps = (((manifest['sync'] as Json | undefined)?.['steps'] as Json[] | undefined) ??
        []) as Json[]
      expect(canister.sync.map(ourStep)).toEqual(steps.map(icpStep))
      expect(canister.sync.map((s) => s.label)).toEqual(steps.map(icpLabel))
      const build = ((manifest['build'] as Json)['steps'] as unknown[]).length
      expect(canister.buildSteps).toBe(build)
    }

    // Networks: mode, endpoints and root key; managed gateways.
    const icpNetworks = shown['networks'] as Record<string, { configuration: Json }>
    expect(project.networks.map((n) => n.name).sort()).toEqual(Object.keys(icpNetworks).sort())
    for (const network of project.networks) {
      const config = icpNetworks[network.name]!.configuration
      expect(network.mode).toBe(config['mode'])
      if (network.mode === 'connected') {
        expect(network.apiUrl).toBe(config['api-url'])
        expect(network.gatewayUrl ?? null).toBe(config['http-gateway-url'] ?? null)
        expect(network.rootKey).toBe(config['root-key'])
      } else {
        const gateway = config['gateway'] as Json
        expect(network.bind).toBe(gateway['bind'])
        expect(network.port).toBe(Number(gateway['port']))
      }
    }

    // Environments: network and canister list in icp's order.
    const icpEnvs = shown['environments'] as Record<string, { network: { name: string }; canisters: Json }>
    expect(project.environments.map((e) => e.name).sort()).toEqual(Object.keys(icpEnvs).sort())
    for (const env of project.environments) {
      expect(env.network).toBe(icpEnvs[env.name]!.network.name)
      expect(env.canisters).toEqual(Object.keys(icpEnvs[env.name]!.canisters ?? {}))
    }
  })
})

test('the valid corpus exercises every step shape', async () => {
  const steps: PlannedStep[] = []
  for (const name of cases)
    steps.push(...(await loadProject(join(VALID, name))).canisters.flatMap((c) => c.sync))
  const kinds = new Set(
    steps.map((s) =>
      s.kind === 'script'
        ? 'script'
        : `plugin-${'path' in s.source ? 'path' : 'url'}-${s.dirsForm ?? 'none'}-${s.filesForm ?? 'none'}`,
    ),
  )
  for (const kind of [
    'script',
    'plugin-path-map-map',
    'plugin-path-list-list',
    'plugin-url-list-none',
    'plugin-url-none-none',
  ]) {
    expect(kinds).toContain(kind)
  }
})
