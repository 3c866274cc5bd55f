// The three manifest kinds (canister, network, environment) as icp-cli 1.5.0 parses them, before
// consolidation. `prefix` is serde_yaml's path of the item ("canisters[0]"), which icp puts in front
// of its messages; it is empty for a separate file (canister.yaml, a network or environment file).

import type { YAMLMap, YAMLSeq } from 'yaml'
import { ARGS_FIELDS, ARGS_MISMATCH, parseArgs, type ArgsDecl, type ArgsField } from './args.js'
import { rustJsonArray, rustJsonObject } from './rust-json.js'
import { StepParser } from './steps.js'
import type { PlannedStep, RootKeySpec, SourcePosition } from './types.js'
import {
  asString,
  entries,
  isMap,
  isNull,
  isScalar,
  isSeq,
  lastByKey,
  oneOf,
  resolveScalar,
  rustFloat,
  unexpected,
  type Entry,
} from './values.js'
import type { Src, YNode } from './yaml.js'

export const ROOT_KEY_LEN = 133

export interface RecipeDecl {
  /** As written, e.g. `@dfinity/static-site@v0.3.1`. */
  type: string
  source: { file: string } | { url: string } | { registry: string; name: string; version: string }
  configuration: Record<string, unknown>
  sha256?: string
  at: unknown
}

export interface CanisterDecl {
  name: string
  position: SourcePosition
  at: unknown
  recipe?: RecipeDecl
  buildSteps: number
  /** The canister's own sync steps; for a recipe canister they run after the recipe's (icp 1.5.0). */
  sync: PlannedStep[]
  args: Partial<Record<ArgsField, ArgsDecl>>
}

const pre = (prefix: string) => (prefix ? `${prefix}: ` : '')

/** crates/icp/src/manifest/canister.rs: the hand-written `CanisterManifest` visitor. */
export function parseCanister(src: Src, node: YNode | null, at: unknown, prefix: string): CanisterDecl {
  const fail: (n: unknown, message: string) => never = (n, message) =>
    src.fail(n as YNode, pre(prefix) + message)
  if (!isMap(node)) {
    fail(
      at,
      `invalid type: ${unexpected(node)}, expected a canister manifest with a name, optional settings and either a recipe or build instructions`,
    )
  }
  const own = entries(src, node as YAMLMap)
  // icp reads each value into a serde_yaml::Value first, which refuses duplicate keys at any depth
  // below the canister map (the canister map itself keeps the last one).
  for (const e of own)
    checkDuplicates(src, e.value, prefix ? `${prefix}.${e.key}` : e.key, { left: 1_000_000 })
  const fields = lastByKey(own)
  const nameEntry = fields.get('name')
  if (!nameEntry) fail(at, "missing 'name' field")
  const name = asString(nameEntry.value, false)
  if (name === undefined) fail(nameEntry.at, "'name' must be a string")
  fields.delete('name')
  // icp 1.5.0 takes out settings, init_args and upgrade_args in that order, before the instructions.
  // Settings are not needed for a sync: only their shape is checked (their values are not; see
  // docs/icp-cli-compat.md, deliberate differences).
  const settings = fields.get('settings')
  if (settings && !isNull(settings.value) && !isMap(settings.value)) {
    fail(
      settings.at,
      `Failed to parse settings for canister \`${name}\`: invalid type: ${unexpected(settings.value)}, expected struct Settings`,
    )
  }
  fields.delete('settings')
  const args: CanisterDecl['args'] = {}
  for (const field of ARGS_FIELDS) {
    const entry = fields.get(field)
    if (!entry) continue
    const parsed = parseArgs(src, entry.value, entry.at)
    if (!parsed) fail(entry.at, `Failed to parse ${field} for canister \`${name}\`: ${ARGS_MISMATCH}`)
    args[field] = parsed
    fields.delete(field)
  }
  const recipe = fields.get('recipe')
  const build = fields.get('build')
  const sync = fields.get('sync')
  if (recipe && build) fail(at, `Canister ${name} cannot have both a \`recipe\` and a \`build\` section`)
  if (!recipe && !build) fail(at, `Canister ${name} must have a \`recipe\` or a \`build\` section`)
  const position = src.pos(at as YNode)
  if (recipe) {
    const decl = parseRecipe(src, recipe.value, recipe.at, (n, inner) =>
      fail(n, `Canister ${name} failed to parse recipe: ${inner}`),
    )
    fields.delete('recipe')
    // icp 1.5.0 (not its main-branch source) accepts a recipe canister's own `sync:`, read on its own
    // (so serde's Display wording, not the build form's Debug), and runs it after the recipe's steps.
    let own: PlannedStep[] = []
    if (sync) {
      own = new StepParser(src, (n, inner) =>
        fail(n, `Canister ${name} failed to parse sync instructions: ${inner}`),
      ).sync(sync.value, sync.at)
      fields.delete('sync')
    }
    if (fields.size > 0) fail([...fields.values()][0]!.at, `Unrecognized fields in canister \`${name}\`.`)
    return { name, position, at, recipe: decl, buildSteps: 0, sync: own, args }
  }
  const steps = new StepParser(src, (n, inner) =>
    fail(n, `Canister ${name} failed to parse build/sync instructions: Error(${JSON.stringify(inner)})`),
  )
  let buildSteps = 0
  let syncSteps: PlannedStep[] = []
  // The BuildSyncHelper has deny_unknown_fields and visits keys in document order.
  for (const [key, entry] of fields) {
    if (key === 'build') buildSteps = steps.build(entry.value, entry.at)
    else if (key === 'sync') syncSteps = steps.sync(entry.value, entry.at)
    else {
      fail(
        entry.at,
        `Canister ${name} failed to parse build/sync instructions: Error(${JSON.stringify(`unknown field \`${key}\`, expected \`build\` or \`sync\``)})`,
      )
    }
  }
  return { name, position, at, buildSteps, sync: syncSteps, args }
}

function parseRecipe(
  src: Src,
  node: YNode | null,
  at: unknown,
  fail: (n: unknown, inner: string) => never,
): RecipeDecl {
  if (!isMap(node)) fail(at, `invalid type: ${unexpected(node)}, expected struct Recipe`)
  const fields = lastByKey(entries(src, node as YAMLMap))
  let configuration: Record<string, unknown> = {}
  let sha256: string | undefined
  let typeText: string | undefined
  let typeAt: unknown = at
  for (const [key, entry] of fields) {
    if (key === 'type') {
      typeText = asString(entry.value, false)
      typeAt = entry.at
      if (typeText === undefined)
        fail(entry.at, `invalid type: ${unexpected(entry.value)}, expected a string`)
      parseRecipeType(typeText, (inner) => fail(entry.at, inner))
    } else if (key === 'configuration') {
      if (isNull(entry.value)) continue
      if (!isMap(entry.value)) fail(entry.at, `invalid type: ${unexpected(entry.value)}, expected a map`)
      configuration = toRustJson(src, entry.value, { left: 1_000_000 }) as Record<string, unknown>
    } else if (key === 'sha256') {
      if (isNull(entry.value)) continue
      sha256 = asString(entry.value, false)
      if (sha256 === undefined) fail(entry.at, `invalid type: ${unexpected(entry.value)}, expected a string`)
    }
  }
  if (typeText === undefined) fail(at, 'missing field `type`')
  const source = parseRecipeType(typeText, (inner) => fail(typeAt, inner))
  return { type: typeText, source, configuration, ...(sha256 === undefined ? {} : { sha256 }), at }
}

/** crates/icp/src/manifest/recipe.rs: `RecipeType`'s Deserialize. */
export function parseRecipeType(value: string, fail: (inner: string) => never): RecipeDecl['source'] {
  if (value.startsWith('file://')) return { file: value.slice('file://'.length) }
  if (value.startsWith('http://') || value.startsWith('https://')) return { url: value }
  if (value.startsWith('@') && value.includes('/')) {
    const fq = value.slice(1)
    const at = fq.lastIndexOf('@')
    if (at < 0) fail(`Missing version from recipe \`${value}@<version>\``)
    const fqName = fq.slice(0, at)
    const slash = fqName.indexOf('/')
    if (slash < 0) fail(`Missing version from recipe \`${value}@<version>\``)
    return { registry: fqName.slice(0, slash), name: fqName.slice(slash + 1), version: fq.slice(at + 1) }
  }
  fail(
    `Invalid recipe type: \`${value}\`. Valid types are urls eg: http:// or file://, or @<registry>/<name>@<version>.`,
  )
}

export type NetworkDecl =
  | {
      name: string
      mode: 'connected'
      apiUrl: string
      gatewayUrl?: string
      rootKey: RootKeySpec
      at: unknown
    }
  | { name: string; mode: 'managed'; bind: string; port?: number; image?: string; at: unknown }

export const DEFAULT_LOCAL_BIND = '127.0.0.1'
export const DEFAULT_LOCAL_PORT = 8000

/** crates/icp/src/manifest/network.rs (flattened, so icp's messages name only the item). */
export function parseNetwork(src: Src, node: YNode | null, at: unknown, prefix: string): NetworkDecl {
  const fail: (n: unknown, message: string) => never = (n, message) =>
    src.fail(n as YNode, pre(prefix) + message)
  if (!isMap(node)) fail(at, `invalid type: ${unexpected(node)}, expected struct NetworkManifest`)
  const fields = lastByKey(entries(src, node as YAMLMap))
  const nameEntry = fields.get('name')
  if (!nameEntry) fail(at, 'missing field `name`')
  const name = asString(nameEntry.value, true)
  if (name === undefined)
    fail(nameEntry.at, `invalid type: ${unexpected(nameEntry.value)}, expected a string`)
  const modeEntry = fields.get('mode')
  if (!modeEntry) fail(at, 'missing field `mode`')
  const mode = asString(modeEntry.value, true)
  if (mode !== 'managed' && mode !== 'connected') {
    fail(
      modeEntry.at,
      `unknown variant \`${mode ?? unexpected(modeEntry.value)}\`, expected \`managed\` or \`connected\``,
    )
  }
  if (mode === 'managed') {
    const image = fields.get('image')
    const gateway = fields.get('gateway')
    let bind = DEFAULT_LOCAL_BIND
    let port: number | undefined
    if (image) {
      const imageText = asString(image.value, true)
      if (imageText === undefined || !fields.has('port-mapping')) {
        fail(at, 'data did not match any variant of untagged enum ManagedMode')
      }
      return { name, mode, bind, image: imageText, at }
    }
    const noVariant = (): never => fail(at, 'data did not match any variant of untagged enum ManagedMode')
    if (!launcherFieldsValid(src, fields)) noVariant()
    if (gateway && !isNull(gateway.value)) {
      if (!isMap(gateway.value)) noVariant()
      const g = lastByKey(entries(src, gateway.value as YAMLMap))
      const domains = g.get('domains')
      if (domains && !isNull(domains.value) && !isStringList(src, domains.value)) noVariant()
      const b = g.get('bind')
      if (b && !isNull(b.value))
        bind =
          asString(b.value, true) ?? fail(at, 'data did not match any variant of untagged enum ManagedMode')
      const p = g.get('port')
      if (p && !isNull(p.value)) {
        const r = p.value && isScalar(p.value) ? resolveScalar(p.value) : undefined
        const value = r?.kind === 'int' ? r.value : -1n
        if (value < 0n || value > 65535n)
          fail(at, 'data did not match any variant of untagged enum ManagedMode')
        port = Number(value)
      }
    }
    return { name, mode, bind, port: port ?? DEFAULT_LOCAL_PORT, at }
  }
  // connected: Endpoints is untagged { api-url, http-gateway-url? } | { url }.
  const url = (key: string): string | undefined | null => {
    const e = fields.get(key)
    if (!e || isNull(e.value)) return undefined
    const text = asString(e.value, true)
    return text !== undefined && isUrl(text) ? new URL(text).href : null
  }
  const api = url('api-url')
  const gatewayUrl = url('http-gateway-url')
  const plain = url('url')
  let endpoints: { apiUrl: string; gatewayUrl?: string }
  if (typeof api === 'string' && gatewayUrl !== null) {
    endpoints = { apiUrl: api, ...(gatewayUrl ? { gatewayUrl } : {}) }
  } else if (typeof plain === 'string') {
    endpoints = { apiUrl: plain, gatewayUrl: plain }
  } else {
    fail(at, 'data did not match any variant of untagged enum Endpoints')
  }
  const keyEntry = fields.get('root-key')
  if (!keyEntry) fail(at, 'missing field `root-key`')
  const keyText = asString(keyEntry.value, true)
  if (keyText === undefined)
    fail(keyEntry.at, `invalid type: ${unexpected(keyEntry.value)}, expected a string`)
  const problem = rootKeyProblem(keyText)
  if (problem) fail(keyEntry.at, problem)
  return { name, mode, ...endpoints, rootKey: keyText, at }
}

const SUBNET_KINDS = new Set([
  'application',
  'system',
  'verified-application',
  'bitcoin',
  'fiduciary',
  'nns',
  'sns',
])

/** The launcher form's typed fields (a value of the wrong type makes no ManagedMode variant match). */
function launcherFieldsValid(src: Src, fields: Map<string, Entry>): boolean {
  const valid: Record<string, (node: YNode) => boolean> = {
    'artificial-delay-ms': (n) => {
      const r = isScalar(n) ? resolveScalar(n) : undefined
      return r?.kind === 'int' && r.value >= 0n && r.value < 2n ** 64n
    },
    ii: (n) => isScalar(n) && resolveScalar(n).kind === 'bool',
    nns: (n) => isScalar(n) && resolveScalar(n).kind === 'bool',
    subnets: (n) =>
      isSeq(n) && n.items.every((item) => SUBNET_KINDS.has(asString(src.resolve(item), false) ?? '')),
    'bitcoind-addr': (n) => isStringList(src, n),
    'dogecoind-addr': (n) => isStringList(src, n),
    version: (n) => asString(n, false) !== undefined,
  }
  for (const [key, check] of Object.entries(valid)) {
    const e = fields.get(key)
    if (e && !isNull(e.value) && !check(e.value!)) return false
  }
  return true
}

function isStringList(src: Src, node: YNode | null): boolean {
  return isSeq(node) && node.items.every((item) => asString(src.resolve(item), false) !== undefined)
}

function isUrl(text: string): boolean {
  try {
    new URL(text)
    return true
  } catch {
    return false
  }
}

/** icp's `RootKeySpec::try_from` messages (the hex crate's wording for decode errors). */
export function rootKeyProblem(value: string): string | undefined {
  if (value === 'mainnet' || value === 'fetch') return undefined
  const prefix =
    'invalid root key: expected "mainnet", "fetch", or a hex-encoded key, but failed to decode as hex: '
  if (value.length % 2 !== 0) return prefix + 'Odd number of digits'
  for (let i = 0; i < value.length; i++) {
    if (!/[0-9a-fA-F]/.test(value[i]!))
      return `${prefix}Invalid character ${rustChar(value[i]!)} at position ${i}`
  }
  const bytes = value.length / 2
  if (bytes !== ROOT_KEY_LEN) return `invalid root key: expected ${ROOT_KEY_LEN} bytes but got ${bytes}`
  return undefined
}

function rustChar(ch: string): string {
  const escapes: Record<string, string> = { '\n': '\\n', '\t': '\\t', '\r': '\\r', "'": "\\'", '\\': '\\\\' }
  return `'${escapes[ch] ?? ch}'`
}

export interface EnvironmentDecl {
  name: string
  network: string
  /** undefined = every canister; [] = none. */
  canisters?: string[]
  /** Nodes of the `canisters:` items, for positions. */
  canisterNodes?: unknown[]
  networkAt?: unknown
  /** `init_args` / `upgrade_args`: canister name → args (icp checks them for the environment's canisters). */
  args: Partial<Record<ArgsField, Map<string, ArgsDecl>>>
  at: unknown
}

/** crates/icp/src/manifest/environment.rs: `EnvironmentInner`, no deny_unknown_fields. */
export function parseEnvironment(src: Src, node: YNode | null, at: unknown, prefix: string): EnvironmentDecl {
  const fail: (n: unknown, path: string, message: string) => never = (n, path, message) =>
    src.fail(n as YNode, (path ? `${path}: ` : '') + message)
  if (!isMap(node)) fail(at, prefix, `invalid type: ${unexpected(node)}, expected struct EnvironmentInner`)
  const fields = lastByKey(entries(src, node as YAMLMap))
  const field = (key: string) => (prefix ? `${prefix}.${key}` : key)
  const str = (key: string): string | undefined => {
    const e = fields.get(key)
    if (!e || isNull(e.value)) return undefined
    return (
      asString(e.value, true) ??
      fail(e.at, field(key), `invalid type: ${unexpected(e.value)}, expected a string`)
    )
  }
  const name = str('name')
  const network = str('network') ?? 'local'
  let canisters: string[] | undefined
  const list = fields.get('canisters')
  if (list && !isNull(list.value)) {
    if (!isSeq(list.value))
      fail(list.at, field('canisters'), `invalid type: ${unexpected(list.value)}, expected a sequence`)
    canisters = (list.value as YAMLSeq).items.map((item, i) => {
      const n = src.resolve(item)
      return (
        asString(n, true) ??
        fail(item, `${field('canisters')}[${i}]`, `invalid type: ${unexpected(n)}, expected a string`)
      )
    })
  }
  for (const key of ['settings', ...ARGS_FIELDS]) {
    const e = fields.get(key)
    if (e && !isNull(e.value) && !isMap(e.value)) {
      fail(e.at, field(key), `invalid type: ${unexpected(e.value)}, expected a map`)
    }
  }
  const settings = fields.get('settings')
  if (settings && isMap(settings.value)) {
    for (const e of entries(src, settings.value as YAMLMap)) {
      if (!isMap(e.value))
        fail(
          e.at,
          field(`settings.${e.key}`),
          `invalid type: ${unexpected(e.value)}, expected struct Settings`,
        )
    }
  }
  // Per-canister args overrides; names are not checked here (icp ignores names it does not know).
  const args: EnvironmentDecl['args'] = {}
  for (const key of ARGS_FIELDS) {
    const e = fields.get(key)
    if (!e || !isMap(e.value)) continue
    const byName = new Map<string, ArgsDecl>()
    for (const item of entries(src, e.value as YAMLMap)) {
      const parsed = parseArgs(src, item.value, item.at)
      if (!parsed) fail(item.at, field(key), ARGS_MISMATCH)
      byName.set(item.key, parsed)
    }
    args[key] = byName
  }
  if (name === undefined) fail(at, prefix, 'missing field `name`')
  const networkAt = fields.get('network')?.at
  return {
    name,
    network,
    ...(canisters ? { canisters, canisterNodes: (list!.value as YAMLSeq).items } : {}),
    ...(networkAt ? { networkAt } : {}),
    args,
    at,
  }
}

export { oneOf }

/** A YAML node as handlebars-rust sees icp's configuration (serde_yaml::Value → serde_json::Value). */
function toRustJson(src: Src, node: YNode | null, budget: { left: number }): unknown {
  if (--budget.left < 0)
    src.fail(node, 'recipe configuration is too large (more than 1000000 nodes after aliases)')
  if (node === null) return null
  if (isMap(node)) {
    const out: Record<string, unknown> = {}
    for (const e of entries(src, node)) out[e.key] = toRustJson(src, e.value, budget)
    return rustJsonObject(out)
  }
  if (isSeq(node)) return rustJsonArray(node.items.map((item) => toRustJson(src, src.resolve(item), budget)))
  const r = resolveScalar(node)
  switch (r.kind) {
    case 'null':
      return null
    case 'bool':
      return r.value
    case 'int':
      return r.value >= BigInt(Number.MIN_SAFE_INTEGER) && r.value <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(r.value)
        : r.value
    case 'float':
      // serde_json prints an integral f64 as "1.0" and cannot hold inf/NaN (null).
      if (!Number.isFinite(r.value)) return null
      return Number.isInteger(r.value) ? `${rustFloat(r.value)}.0` : r.value
    case 'string':
      return r.value
  }
}

/** What serde_yaml refuses while reading a `Value`: duplicate keys, and 128-bit integers. */
function checkDuplicates(src: Src, node: YNode | null, path: string, budget: { left: number }): void {
  if (--budget.left < 0 || node === null) return
  if (isScalar(node)) {
    const r = resolveScalar(node)
    if (r.kind === 'int' && (r.value > 2n ** 64n - 1n || r.value < -(2n ** 63n))) {
      src.fail(
        node,
        `${path}: invalid type: integer \`${r.value}\` as ${r.value < 0n ? 'i128' : 'u128'}, expected any YAML value`,
      )
    }
    return
  }
  if (isMap(node)) {
    const seen = new Set<string>()
    for (const e of entries(src, node)) {
      if (seen.has(e.key)) {
        const key = e.keyNode && resolveScalar(e.keyNode).kind === 'string' ? JSON.stringify(e.key) : e.key
        src.fail(e.keyNode ?? node, `${path}: duplicate entry with key ${key}`)
      }
      seen.add(e.key)
      checkDuplicates(src, e.value, `${path}.${e.key}`, budget)
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => checkDuplicates(src, src.resolve(item), `${path}[${i}]`, budget))
  }
}
