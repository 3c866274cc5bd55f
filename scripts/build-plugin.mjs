#!/usr/bin/env node
// Builds a sync plugin written in JavaScript or TypeScript into a WebAssembly component with
// componentize-js, cached by content. Used by the tests, the demo and the plugin authoring kit.
//
//   node scripts/build-plugin.mjs <entry.ts|entry.js> [--world v1|v2] [--out plugin.wasm] [--no-typecheck]
//
// - A `.ts` entry is bundled with esbuild into one ES module (StarlingMonkey loads exactly one module;
//   `wasi:*`, `canister-call` and `canister-metadata-section` stay imports of the component) and
//   type-checked with the repository's TypeScript against the kit's bindings for the world
//   (examples/plugin-template/types/). A `.js` entry must already be one self-contained module.
// - Cache: .cache/plugins/<sha256 of module + world + options + WIT + toolchain versions>.wasm. On a hit
//   nothing else runs. A miss componentizes in a child process: componentize-js needs preview2-shim's
//   global preopen set to '/', which must never happen in a process that hosts plugins (nor block one
//   that hosts the in-process replica). One build per key at a time across processes (a lock
//   directory); results are written to a temporary file and renamed into place.
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const WIT_DIR = join(REPO_ROOT, 'wit')
export const TYPES_DIR = join(REPO_ROOT, 'examples/plugin-template/types')
export const DEFAULT_CACHE_DIR = join(REPO_ROOT, '.cache/plugins')
export const WORLDS = {
  v1: 'icp:plugin-authoring/js-sync-plugin-v1',
  v2: 'icp:plugin-authoring/js-sync-plugin-v2',
}
/** Pinned: with http on, the component would import wasi:http, which no sync-plugin host provides. */
export const DISABLE_FEATURES = ['http', 'fetch-event']
/** Imports the component resolves, not esbuild. */
const EXTERNAL = ['wasi:*', 'canister-call', 'canister-metadata-section']
const TOOLCHAIN = [
  '@bytecodealliance/componentize-js',
  '@bytecodealliance/preview2-shim',
  'typescript',
  'esbuild',
]
/** A lock older than this belongs to a build that died; builds take ~3-9 s. */
const STALE_LOCK_MS = 180_000

const inFlight = new Map()

/**
 * Builds `entry` for `world` ('v1' = icp:sync-plugin@0.1.0, 'v2' = 0.2.0) and returns
 * `{ wasm, cached, ms }`: the path of the cached component, whether it was already there, build time.
 */
export async function buildPlugin(entry, { world, cacheDir = DEFAULT_CACHE_DIR, typecheck = true } = {}) {
  if (!(world in WORLDS)) throw new Error(`build-plugin: world must be v1 or v2, got ${String(world)}`)
  const started = performance.now()
  const entryPath = resolve(entry)
  const isTs = /\.[cm]?ts$/.test(entryPath)
  const module = isTs ? await bundle(entryPath) : await readFile(entryPath, 'utf8')
  const key = await cacheKey(module, world, isTs && typecheck)
  const wasm = join(cacheDir, `${key}.wasm`)
  if (existsSync(wasm)) return { wasm, cached: true, ms: performance.now() - started }
  let pending = inFlight.get(wasm)
  if (!pending) {
    const request = { entryPath, module, world, wasm, cacheDir, typecheck: isTs && typecheck }
    pending = buildOnce(request).finally(() => inFlight.delete(wasm))
    inFlight.set(wasm, pending)
  }
  await pending
  return { wasm, cached: false, ms: performance.now() - started }
}

/** One ES module from a TypeScript entry and everything it imports (no type checking: see typeCheck). */
async function bundle(entryPath) {
  const { build } = await import('esbuild')
  const result = await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: [entryPath],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    external: EXTERNAL,
    legalComments: 'none',
    logLevel: 'silent',
  })
  return result.outputFiles[0].text
}

async function cacheKey(module, world, typecheck) {
  const hash = createHash('sha256')
  hash.update(module)
  hash.update(`\0world=${WORLDS[world]}\0features=${DISABLE_FEATURES.join(',')}\0typecheck=${typecheck}\0`)
  for (const pkg of TOOLCHAIN) hash.update(`${pkg}@${await packageVersion(pkg)}\0`)
  const dirs = typecheck ? [WIT_DIR, TYPES_DIR] : [WIT_DIR]
  for (const dir of dirs)
    for (const file of await listFiles(dir)) {
      hash.update(`${relative(REPO_ROOT, file)}\0`)
      hash.update(await readFile(file))
    }
  return hash.digest('hex')
}

async function packageVersion(pkg) {
  const manifest = JSON.parse(await readFile(join(REPO_ROOT, 'node_modules', pkg, 'package.json'), 'utf8'))
  return manifest.version
}

async function listFiles(dir) {
  const files = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) files.push(...(await listFiles(path)))
    else files.push(path)
  }
  return files.sort()
}

async function buildOnce({ entryPath, module, world, wasm, cacheDir, typecheck }) {
  await mkdir(cacheDir, { recursive: true })
  const lock = `${wasm}.lock`
  if (!(await acquire(lock, wasm))) return // another process built it while we waited
  const tmp = `${wasm}.tmp-${process.pid}-${Date.now()}`
  try {
    if (existsSync(wasm)) return
    await writeFile(`${tmp}.js`, module)
    const request = {
      sourcePath: `${tmp}.js`,
      witPath: WIT_DIR,
      worldName: WORLDS[world],
      out: tmp,
      typecheck: typecheck ? { entryPath, world } : undefined,
    }
    try {
      await run(process.execPath, [fileURLToPath(import.meta.url), '--child', JSON.stringify(request)], {
        cwd: REPO_ROOT,
        maxBuffer: 64 * 1024 * 1024,
        timeout: 170_000,
      })
    } catch (error) {
      const detail = error.stderr || error.message
      throw new Error(`build-plugin: ${relative(REPO_ROOT, entryPath)} (${world}) failed:\n${detail}`, {
        cause: error,
      })
    }
    await rename(tmp, wasm)
  } finally {
    await rm(tmp, { force: true })
    await rm(`${tmp}.js`, { force: true })
    await rm(lock, { recursive: true, force: true })
  }
}

/**
 * Cross-process mutex (mkdir is atomic). Waits for a live holder, breaks a stale one. Returns true when
 * we hold the lock, false when the output appeared meanwhile (nothing left to do, lock not taken).
 */
async function acquire(lock, out) {
  for (;;) {
    try {
      await mkdir(lock)
      return true
    } catch (error) {
      if (error.code !== 'EEXIST') throw error
    }
    if (existsSync(out)) return false
    try {
      const { mtimeMs } = await stat(lock)
      if (Date.now() - mtimeMs > STALE_LOCK_MS) await rm(lock, { recursive: true, force: true })
    } catch {
      // the holder just released it; try again
    }
    await new Promise((done) => setTimeout(done, 200))
  }
}

/** The .d.ts files a plugin for `world` is checked against: shared globals plus that world's bindings. */
export async function typeFiles(world) {
  const shared = (await readdir(TYPES_DIR)).filter((f) => f.endsWith('.d.ts')).map((f) => join(TYPES_DIR, f))
  return [...shared, ...(await listFiles(join(TYPES_DIR, world))).filter((f) => f.endsWith('.d.ts'))]
}

/** Compiler options for plugin code: StarlingMonkey is an ES2022+ engine with no Node and no DOM. */
export const PLUGIN_COMPILER_OPTIONS = {
  strict: true,
  noEmit: true,
  noUnusedLocals: true,
  target: 'es2022',
  module: 'esnext',
  moduleResolution: 'bundler',
  lib: ['es2022', 'esnext.disposable'],
  types: [],
  isolatedModules: true,
  skipLibCheck: true,
}

async function typeCheck({ entryPath, world }) {
  const ts = (await import('typescript')).default
  const { options, errors } = ts.convertCompilerOptionsFromJson(PLUGIN_COMPILER_OPTIONS, REPO_ROOT)
  if (errors.length) throw new Error(ts.formatDiagnostics(errors, formatHost(ts)))
  // A probe module checks that the entry's `exec` has the signature the world exports.
  const probe = join(await mkdtemp(join(tmpdir(), 'icp-plugin-check-')), 'exec-signature.ts')
  await writeFile(
    probe,
    `import { exec } from ${JSON.stringify(entryPath)}\n` +
      `export const checked: typeof import('${WORLDS[world]}').exec = exec\n`,
  )
  const program = ts.createProgram([entryPath, probe, ...(await typeFiles(world))], {
    ...options,
    allowImportingTsExtensions: true,
  })
  const diagnostics = ts.getPreEmitDiagnostics(program)
  await rm(dirname(probe), { recursive: true, force: true })
  if (diagnostics.length) {
    process.stderr.write(`type errors (${world}):\n${ts.formatDiagnostics(diagnostics, formatHost(ts))}`)
    process.exit(2)
  }
}

function formatHost(ts) {
  return {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => REPO_ROOT,
    getNewLine: () => ts.sys.newLine,
  }
}

/** Runs in the child: type-check, then one componentize() with the pinned options. */
async function child(request) {
  if (request.typecheck) await typeCheck(request.typecheck)
  const { componentize } = await import('@bytecodealliance/componentize-js')
  const { _setPreopens } = await import('@bytecodealliance/preview2-shim/filesystem')
  // preview2-shim 0.26.1 has no default preopens; componentize-js reads the WIT through it.
  _setPreopens({ '/': '/' })
  const { component } = await componentize({
    sourcePath: request.sourcePath,
    witPath: request.witPath,
    worldName: request.worldName,
    disableFeatures: DISABLE_FEATURES,
  })
  await writeFile(request.out, component)
}

function parseArgs(argv) {
  const args = { world: 'v1', typecheck: true }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--world') args.world = argv[++i]
    else if (arg === '--out' || arg === '-o') args.out = argv[++i]
    else if (arg === '--no-typecheck') args.typecheck = false
    else if (arg === '--help' || arg === '-h') args.help = true
    else if (!arg.startsWith('-') && !args.entry) args.entry = arg
    else throw new Error(`build-plugin: unknown argument '${arg}' (see --help)`)
  }
  return args
}

const USAGE = `usage: node scripts/build-plugin.mjs <entry.ts|entry.js> [--world v1|v2] [--out plugin.wasm] [--no-typecheck]
  --world   v1 = icp:sync-plugin@0.1.0 (default), v2 = icp:sync-plugin@0.2.0
  --out     copy the component here (it is always cached under .cache/plugins/)
`

async function main(argv) {
  if (argv[0] === '--child') return child(JSON.parse(argv[1]))
  const args = parseArgs(argv)
  if (args.help || !args.entry) {
    process.stdout.write(USAGE)
    process.exitCode = args.help ? 0 : 2
    return
  }
  const { wasm, cached, ms } = await buildPlugin(args.entry, { world: args.world, typecheck: args.typecheck })
  let out = wasm
  if (args.out) {
    out = resolve(args.out)
    await mkdir(dirname(out), { recursive: true })
    await copyFile(wasm, out)
  }
  const sha256 = createHash('sha256')
    .update(await readFile(out))
    .digest('hex')
  process.stdout.write(`${relative(process.cwd(), out) || out}\nsha256: ${sha256}\n`)
  process.stderr.write(`${cached ? 'cached' : 'built'} in ${Math.round(ms)} ms\n`)
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  })
}
