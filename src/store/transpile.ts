// Component → JS module, with an on-disk cache so a warm run never transpiles again.
//
// We call the vendored bindgen component (`jco-transpile/component`) directly instead of
// `transpileBytes`: the latter statically imports the native `oxc-minify`, which a bundled Action
// cannot carry. It is the same bindgen that `transpileBytes` runs.
import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

import { TranspileError, type Transpile, type TranspiledPlugin } from '../plugin/index.js'
import { sha256Hex } from './layout.js'
import { ensureDir } from '../util/make-dir.js'

// The transpiler is loaded on the first cache miss only: its module starts compiling a 3.4 MB wasm
// the moment it is evaluated, which a warm run never needs.
let transpiler: Promise<typeof import('@bytecodealliance/jco-transpile/component')> | undefined
function loadTranspiler() {
  transpiler ??= import('@bytecodealliance/jco-transpile/component')
  return transpiler
}

/** Pinned in package.json; part of the cache key so a transpiler upgrade never reuses old output. */
export const TRANSPILER_VERSION = '0.15.0'

/** Generate options. Instantiation mode: imports (our WASI layer, canister-call) are supplied per run. */
const GENERATE_OPTIONS = {
  name: 'plugin',
  instantiation: { tag: 'async' as const },
  noTypescript: true,
  noNodejsCompat: false,
  noComponentErrorWrapping: true,
  base64Cutoff: 0,
  tlaCompat: false,
  validLiftingOptimization: false,
  map: [] as Array<[string, string]>,
}

const CACHE_FORMAT = 1

interface CacheManifest {
  format: number
  transpiler: string
  sha256: string
  coreModules: string[]
  imports: string[]
  exports: Array<[string, string]>
}

export { sha256Hex }

/** Cache key: component hash + transpiler version + options, so any change gets a fresh entry. */
export function transpileCacheKey(componentSha256: string): string {
  const options = createHash('sha256')
    .update(JSON.stringify({ CACHE_FORMAT, TRANSPILER_VERSION, GENERATE_OPTIONS }))
    .digest('hex')
    .slice(0, 16)
  return `${componentSha256}-${TRANSPILER_VERSION}-${options}`
}

/**
 * Transpile `component` (or load it from `cacheRoot`). Throws `TranspileError` for bytes that are not
 * a valid component. `knownSha256`: the component's hash when the caller has just verified it (a 12 MB
 * plugin costs ~20 ms to hash again).
 */
export async function transpilePlugin(
  component: Uint8Array,
  cacheRoot: string,
  knownSha256?: string,
  /** Called when the cache has no entry and the transpiler starts (for a progress line). */
  onTranspileStart?: () => void,
): Promise<TranspiledPlugin> {
  const sha256 = knownSha256 ?? sha256Hex(component)
  const dir = join(cacheRoot, transpileCacheKey(sha256))
  // Two canisters syncing the same plugin at once share one transpile.
  let pending = inFlight.get(dir)
  if (!pending) {
    pending = transpileInto(component, cacheRoot, sha256, dir, onTranspileStart).finally(() =>
      inFlight.delete(dir),
    )
    inFlight.set(dir, pending)
  }
  const result = await pending
  return result
}

const inFlight = new Map<string, Promise<TranspiledPlugin>>()

/** The sandbox's `transpile` over the cache at `cacheRoot`. */
export function transpilerAt(cacheRoot: string): Transpile {
  return (component, knownSha256, onTranspileStart) =>
    transpilePlugin(component, cacheRoot, knownSha256, onTranspileStart)
}

async function transpileInto(
  component: Uint8Array,
  cacheRoot: string,
  sha256: string,
  dir: string,
  onTranspileStart?: () => void,
): Promise<TranspiledPlugin> {
  const cached = await readCacheEntry(dir, sha256)
  if (cached) return { ...cached, dir, modulePath: join(dir, 'plugin.mjs'), cacheHit: true, transpileMs: 0 }
  onTranspileStart?.()

  const started = performance.now()
  const { $init, generate } = await loadTranspiler()
  await $init
  let generated
  try {
    generated = generate(component, GENERATE_OPTIONS)
  } catch (error) {
    throw new TranspileError(`not a valid WebAssembly component: ${describe(error)}`)
  }
  const transpileMs = performance.now() - started

  const js = generated.files.find(([name]) => name.endsWith('.js'))
  if (!js) throw new TranspileError('the transpiler produced no JS module')
  const coreModules = generated.files.map(([name]) => name).filter((name) => name.endsWith('.wasm'))
  const manifest: CacheManifest = {
    format: CACHE_FORMAT,
    transpiler: TRANSPILER_VERSION,
    sha256,
    coreModules,
    imports: generated.imports,
    exports: generated.exports,
  }

  // Write into a temporary sibling and rename, so a crash never leaves a half-written entry that a
  // later run would trust.
  ensureDir(cacheRoot)
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`
  await mkdir(tmp)
  await writeFile(join(tmp, 'plugin.mjs'), js[1])
  for (const [name, bytes] of generated.files) {
    if (name.endsWith('.wasm')) await writeFile(join(tmp, name), bytes)
  }
  await writeFile(join(tmp, 'manifest.json'), JSON.stringify(manifest))
  try {
    await rename(tmp, dir)
  } catch {
    // Another run filled the same entry first; theirs is as good as ours.
    await rm(tmp, { recursive: true, force: true })
  }
  return {
    ...manifest,
    dir,
    modulePath: join(dir, 'plugin.mjs'),
    cacheHit: false,
    transpileMs,
  }
}

async function readCacheEntry(dir: string, sha256: string): Promise<CacheManifest | undefined> {
  try {
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as CacheManifest
    if (
      manifest.format !== CACHE_FORMAT ||
      manifest.sha256 !== sha256 ||
      manifest.transpiler !== TRANSPILER_VERSION
    )
      return undefined
    return manifest
  } catch {
    return undefined
  }
}

function describe(error: unknown): string {
  if (error && typeof error === 'object' && 'payload' in error)
    return String((error as { payload: unknown }).payload)
  return error instanceof Error ? error.message : String(error)
}
