// loadProject: icp.yaml → Project, following crates/icp/src/project.rs (`consolidate_manifest`) of
// icp-cli 1.5.0: parse the whole icp.yaml first, then canisters (paths, globs, recipes), names and
// duplicates, networks (with `ic` reserved and `local` implicit), then environments.

import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { YAMLMap } from 'yaml'
import { ARGS_FIELDS, checkArgs } from './args.js'
import { ManifestError } from './errors.js'
import {
  DEFAULT_LOCAL_BIND,
  DEFAULT_LOCAL_PORT,
  parseCanister,
  parseEnvironment,
  parseNetwork,
  type CanisterDecl,
  type EnvironmentDecl,
  type NetworkDecl,
} from './manifest.js'
import { fetchTemplate, recipeTypeDebug, renderTemplate, RecipeError, type RecipeOptions } from './recipe.js'
import { StepParser, compareUtf8 } from './steps.js'
import type { Canister, Environment, Network, Project } from './types.js'
import { entries, isMap, isNull, isScalar, isSeq, lastByKey, oneOf, unexpected } from './values.js'
import { parseYaml, readYamlFile, type Src, type YNode } from './yaml.js'

export const PROJECT_MANIFEST = 'icp.yaml'
export const CANISTER_MANIFEST = 'canister.yaml'
export const IC_API_URL = 'https://icp-api.io/'
export const IC_GATEWAY_URL = 'https://icp.net/'

export interface LoadOptions extends RecipeOptions {
  /**
   * Leave recipes unfetched and unrendered: the canister keeps only its own sync steps and records where
   * its recipe is, for untrusted mode to refuse it (src/policy/untrusted.ts) before anything is fetched.
   */
  leaveRecipes?: boolean
}

type Item<T> = { kind: 'path'; path: string; at: unknown } | { kind: 'inline'; decl: T; at: unknown }

interface ParsedManifest {
  canisters: Item<CanisterDecl>[]
  networks: Item<NetworkDecl>[]
  environments: Item<EnvironmentDecl>[]
}

export async function loadProject(projectDir: string, options: LoadOptions = {}): Promise<Project> {
  const dir = resolve(projectDir)
  const manifest = join(dir, PROJECT_MANIFEST)
  if (!existsSync(manifest))
    throw new ManifestError(`project manifest not found in ${dir}`, { file: manifest })
  const src = readYamlFile(manifest)
  const parsed = parseProjectManifest(src)

  const canisters: Canister[] = []
  for (const item of parsed.canisters) {
    for (const { decl, cdir, src: declSrc } of resolveCanisterItem(src, dir, item)) {
      if (!isValidName(decl.name)) {
        declSrc.fail(
          decl.at as YNode,
          `canister name '${decl.name}' is invalid: only ASCII letters, digits, '_' and '-' are allowed (':' is reserved as the dependency namespace separator)`,
        )
      }
      canisters.push(await finishCanister(declSrc, decl, cdir, dir, options))
      for (const field of ARGS_FIELDS) {
        const args = decl.args[field]
        if (args) checkArgs(declSrc, field, decl.name, args, cdir)
      }
    }
  }
  const seen = new Set<string>()
  for (const c of canisters) {
    if (seen.has(c.name))
      throw new ManifestError(`project contains two similarly named canisters: '${c.name}'`, c.position)
    seen.add(c.name)
  }

  const networks: Network[] = [
    {
      name: 'ic',
      mode: 'connected',
      apiUrl: IC_API_URL,
      gatewayUrl: IC_GATEWAY_URL,
      rootKey: 'mainnet',
      implicit: true,
    },
  ]
  for (const item of parsed.networks) {
    const { decl, src: declSrc } = loadFileItem(src, dir, item, 'network', parseNetwork)
    const clash = networks.find((n) => n.name === decl.name)
    if (clash) {
      declSrc.fail(
        decl.at as YNode,
        decl.name === 'ic'
          ? '`ic` is a reserved network name.'
          : `project contains two similarly named networks: '${decl.name}'`,
      )
    }
    const { at, ...rest } = decl
    networks.push({ ...rest, implicit: false, position: declSrc.pos(at as YNode) } as Network)
  }
  if (!networks.some((n) => n.name === 'local')) {
    networks.push({
      name: 'local',
      mode: 'managed',
      bind: DEFAULT_LOCAL_BIND,
      port: DEFAULT_LOCAL_PORT,
      implicit: true,
    })
  }

  const environments: Environment[] = []
  for (const item of parsed.environments) {
    const { decl, src: declSrc } = loadFileItem(src, dir, item, 'environment', parseEnvironment)
    if (environments.some((e) => e.name === decl.name)) {
      declSrc.fail(decl.at as YNode, `project contains two similarly named environments: '${decl.name}'`)
    }
    if (!networks.some((n) => n.name === decl.network)) {
      declSrc.fail(
        (decl.networkAt ?? decl.at) as YNode,
        `environment '${decl.name}' points to invalid network '${decl.network}'`,
      )
    }
    let names = canisters.map((c) => c.name)
    if (decl.canisters !== undefined) {
      for (const [i, name] of decl.canisters.entries()) {
        if (!seen.has(name)) {
          declSrc.fail(
            (decl.canisterNodes?.[i] ?? decl.at) as YNode,
            `environment '${decl.name}' points to invalid canister '${name}': an environment may only name canisters the project itself declares`,
          )
        }
      }
      // icp 1.5.0 keeps project order, whatever the order of the environment's list.
      const listed = new Set(decl.canisters)
      names = names.filter((n) => listed.has(n))
    }
    for (const name of names) {
      for (const field of ARGS_FIELDS) {
        const args = decl.args[field]?.get(name)
        if (args) checkArgs(declSrc, field, name, args, canisters.find((c) => c.name === name)!.dir)
      }
    }
    environments.push({
      name: decl.name,
      network: decl.network,
      canisters: names,
      implicit: false,
      position: declSrc.pos(decl.at as YNode),
    })
  }
  for (const name of ['local', 'ic']) {
    if (!environments.some((e) => e.name === name)) {
      environments.push({ name, network: name, canisters: canisters.map((c) => c.name), implicit: true })
    }
  }
  return { dir, manifest, canisters, networks, environments }
}

/** The `ProjectManifest` struct: deny_unknown_fields, four optional lists of path-or-inline items. */
function parseProjectManifest(src: Src): ParsedManifest {
  const out: ParsedManifest = { canisters: [], networks: [], environments: [] }
  const root = src.root()
  if (root === null || isNull(root)) return out
  if (!isMap(root)) src.fail(root, `invalid type: ${unexpected(root)}, expected struct ProjectManifest`)
  const known = ['canisters', 'dependencies', 'networks', 'environments']
  const seen = new Set<string>()
  for (const entry of entries(src, root as YAMLMap)) {
    if (!known.includes(entry.key)) {
      src.fail(entry.keyNode ?? root, `unknown field \`${entry.key}\`, expected ${oneOf(known)}`)
    }
    if (seen.has(entry.key)) src.fail(entry.keyNode ?? root, `duplicate field \`${entry.key}\``)
    seen.add(entry.key)
    if (isNull(entry.value)) continue
    if (!isSeq(entry.value)) {
      src.fail(
        entry.at as YNode,
        `${entry.key}: invalid type: ${unexpected(entry.value)}, expected a sequence`,
      )
    }
    const items = entry.value.items
    if (entry.key === 'dependencies') {
      if (items.length > 0) {
        src.fail(
          items[0] as YNode,
          'dependencies: icp-sync-action does not support projects with `dependencies` yet; run `icp sync` for such a project',
        )
      }
      continue
    }
    items.forEach((raw, i) => {
      const prefix = `${entry.key}[${i}]`
      const node = src.resolve(raw)
      if (node && isScalar(node) && typeof node.value === 'string') {
        ;(out[entry.key as keyof ParsedManifest] as Item<unknown>[]).push({
          kind: 'path',
          path: node.value,
          at: raw,
        })
        return
      }
      if (!isMap(node)) {
        src.fail(
          raw as YNode,
          `${prefix}: invalid type: ${unexpected(node)}, expected a string path or a manifest object`,
        )
      }
      if (entry.key === 'canisters')
        out.canisters.push({ kind: 'inline', decl: parseCanister(src, node, raw, prefix), at: raw })
      else if (entry.key === 'networks')
        out.networks.push({ kind: 'inline', decl: parseNetwork(src, node, raw, prefix), at: raw })
      else out.environments.push({ kind: 'inline', decl: parseEnvironment(src, node, raw, prefix), at: raw })
    })
  }
  return out
}

function resolveCanisterItem(
  src: Src,
  pdir: string,
  item: Item<CanisterDecl>,
): Array<{ decl: CanisterDecl; cdir: string; src: Src }> {
  if (item.kind === 'inline') return [{ decl: item.decl, cdir: pdir, src }]
  const pattern = item.path
  let dirs: string[]
  if (/[*?[{]/.test(pattern)) {
    // A glob keeps only directories holding canister.yaml and silently skips the rest.
    dirs = globDirs(pdir, pattern).filter((d) => isFile(join(d, CANISTER_MANIFEST)))
  } else {
    const d = resolve(pdir, pattern)
    if (!isFile(join(d, CANISTER_MANIFEST)))
      src.fail(item.at as YNode, `could not locate a canister manifest at: '${pattern}'`)
    dirs = [d]
  }
  return dirs.map((cdir) => {
    const file = join(cdir, CANISTER_MANIFEST)
    const csrc = readYamlFile(file)
    const root = csrc.root()
    return { decl: parseCanister(csrc, root, root ?? csrc.doc.contents, ''), cdir, src: csrc }
  })
}

function loadFileItem<T>(
  src: Src,
  pdir: string,
  item: Item<T>,
  kind: 'network' | 'environment',
  parse: (src: Src, node: YNode | null, at: unknown, prefix: string) => T,
): { decl: T; src: Src } {
  if (item.kind === 'inline') return { decl: item.decl, src }
  const file = resolve(pdir, item.path)
  if (!isFile(file)) src.fail(item.at as YNode, `could not locate a ${kind} manifest at: '${file}'`)
  const fsrc = readYamlFile(file)
  const root = fsrc.root()
  return { decl: parse(fsrc, root, root ?? fsrc.doc.contents, ''), src: fsrc }
}

async function finishCanister(
  src: Src,
  decl: CanisterDecl,
  cdir: string,
  pdir: string,
  options: LoadOptions,
): Promise<Canister> {
  const base = { name: decl.name, dir: cdir, position: decl.position }
  if (!decl.recipe) return { ...base, buildSteps: decl.buildSteps, sync: decl.sync }
  const recipe = decl.recipe
  const at = recipe.at as YNode
  if (options.leaveRecipes)
    return {
      ...base,
      recipe: recipe.type,
      recipePosition: src.pos(at),
      buildSteps: decl.buildSteps,
      sync: decl.sync,
    }
  const fetchContext = `failed to fetch canister recipe: ${recipeTypeDebug(recipe)}`
  let fetched
  try {
    fetched = await fetchTemplate(recipe, options, pdir)
  } catch (err) {
    if (!(err instanceof RecipeError)) throw err
    src.fail(at, [fetchContext, err.message, ...err.causes].join(': '), [fetchContext])
  }
  let rendered: string
  try {
    rendered = await renderTemplate(fetched.text, recipe.configuration, decl.name)
  } catch (err) {
    if (!(err instanceof RecipeError)) throw err
    src.fail(at, `recipe template for '${recipe.type}' failed to render: ${err.causes.join(': ')}`)
  }
  const { buildSteps, sync } = parseRendered(src, at, recipe.type, rendered)
  fetched.commit?.()
  // Steps that came from a recipe point at the recipe in the manifest: the rendered text has no file.
  const position = src.pos(at)
  return {
    ...base,
    recipe: recipe.type,
    buildSteps,
    // icp 1.5.0 runs the recipe's sync steps first, then the canister's own (docs/icp-cli-compat.md §1.2).
    sync: [...sync.map((step) => ({ ...step, position })), ...decl.sync],
  }
}

/** The rendered text must be `{build: BuildSteps, sync?: SyncSteps}` (serde_yaml from text). */
function parseRendered(
  src: Src,
  at: YNode,
  type: string,
  rendered: string,
): { buildSteps: number; sync: Canister['sync'] } {
  const context = `recipe '${type}' did not render into a valid build/sync manifest`
  let out: Src
  try {
    out = parseYaml(rendered, `${src.file} (recipe ${type})`)
  } catch (err) {
    const e = err as ManifestError
    src.fail(at, `${context}: ${e.message} at rendered line ${e.line ?? 1} column ${e.column ?? 1}`)
  }
  const fail: (node: unknown, inner: string) => never = (node, inner) => {
    const p = out.pos(node as YNode)
    src.fail(at, `${context}: ${inner} (rendered line ${p.line} column ${p.column})`)
  }
  const root = out.root()
  if (!isMap(root)) fail(root, `invalid type: ${unexpected(root)}, expected struct BuildSyncHelper`)
  const fields = lastByKey(entries(out, root as YAMLMap))
  const build = fields.get('build')
  if (!build) fail(root, 'missing field `build`')
  const steps = new StepParser(out, fail, true)
  const buildSteps = steps.build(build.value, build.at)
  const sync = fields.get('sync')
  return { buildSteps, sync: sync ? steps.sync(sync.value, sync.at) : [] }
}

/** crates/icp/src/project.rs `is_valid_name`. */
export function isValidName(name: string): boolean {
  return /^[A-Za-z0-9_-]+$/.test(name)
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

/** The Rust `glob` crate's rules as icp uses them: `*`, `?`, `[…]`/`[!…]` per segment, `**` for any
 * depth, `{` literal, dotfiles matched, results in sorted order. Only directories are returned. */
export function globDirs(base: string, pattern: string): string[] {
  const absolute = pattern.startsWith('/')
  const segments = pattern.split('/').filter((s) => s !== '' && s !== '.')
  let current = [absolute ? '/' : base]
  for (const segment of segments) {
    const next: string[] = []
    if (segment === '**') {
      for (const dir of current) next.push(dir, ...descendants(dir))
    } else if (!/[*?[]/.test(segment)) {
      for (const dir of current) next.push(join(dir, segment))
    } else {
      const re = segmentRegex(segment)
      for (const dir of current) {
        for (const name of listDir(dir)) if (re.test(name)) next.push(join(dir, name))
      }
    }
    current = [...new Set(next)]
    if (current.length > 10_000) break
  }
  return current.filter(isDir).sort(compareUtf8)
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort(compareUtf8)
  } catch {
    return []
  }
}

function descendants(dir: string, depth = 0): string[] {
  if (depth > 32) return []
  const out: string[] = []
  for (const name of listDir(dir)) {
    const path = join(dir, name)
    if (isDir(path)) out.push(path, ...descendants(path, depth + 1))
    if (out.length > 10_000) break
  }
  return out
}

function segmentRegex(segment: string): RegExp {
  let re = ''
  for (let i = 0; i < segment.length; i++) {
    const ch = segment[i]!
    if (ch === '*') re += '.*'
    else if (ch === '?') re += '.'
    else if (ch === '[') {
      const close = segment.indexOf(']', i + 2)
      if (close < 0) re += '\\['
      else {
        let body = segment.slice(i + 1, close)
        const negate = body.startsWith('!')
        if (negate) body = body.slice(1)
        re += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`
        i = close
      }
    } else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  }
  return new RegExp(`^${re}$`, 's')
}
