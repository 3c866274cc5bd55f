// Builds a JS sync plugin into a component with componentize-js, cached by content.
//
// Cache: .cache/plugins/<sha256 of source + world + WIT files + toolchain versions>.wasm. Builds run in
// a child process (componentize-js needs preview2-shim's global preopen set to '/', which must never
// happen in a process that hosts plugins). Safe under concurrency: one build per key at a time across
// processes (a lock directory), results written to a temporary file and renamed into place.
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises'
import { join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

import { REPO_ROOT } from './paths.js'

const run = promisify(execFile)

export const PLUGIN_CACHE_DIR = join(REPO_ROOT, '.cache/plugins')
const WIT_DIR = join(REPO_ROOT, 'wit')
const WORLDS = {
  v1: 'icp:plugin-authoring/js-sync-plugin-v1',
  v2: 'icp:plugin-authoring/js-sync-plugin-v2',
} as const
/** A lock older than this belongs to a build that died; builds take ~3-9 s. */
const STALE_LOCK_MS = 180_000

const inFlight = new Map<string, Promise<string>>()

/** Returns the path of the cached component built from `sourceFile` (a single self-contained ES module). */
export async function buildJsPlugin(sourceFile: string, opts: { world: 'v1' | 'v2' }): Promise<string> {
  const sourcePath = resolve(sourceFile)
  const key = await cacheKey(sourcePath, opts.world)
  const out = join(PLUGIN_CACHE_DIR, `${key}.wasm`)
  if (existsSync(out)) return out
  let pending = inFlight.get(out)
  if (!pending) {
    pending = buildOnce(sourcePath, opts.world, out).finally(() => inFlight.delete(out))
    inFlight.set(out, pending)
  }
  return pending
}

async function cacheKey(sourcePath: string, world: 'v1' | 'v2'): Promise<string> {
  const hash = createHash('sha256')
  hash.update(await readFile(sourcePath))
  hash.update(`\0world=${WORLDS[world]}\0features=-http,-fetch-event\0`)
  for (const pkg of ['@bytecodealliance/componentize-js', '@bytecodealliance/preview2-shim']) {
    const manifest = JSON.parse(await readFile(join(REPO_ROOT, 'node_modules', pkg, 'package.json'), 'utf8'))
    hash.update(`${pkg}@${(manifest as { version: string }).version}\0`)
  }
  for (const file of await listFiles(WIT_DIR)) {
    hash.update(`${relative(WIT_DIR, file)}\0`)
    hash.update(await readFile(file))
  }
  return hash.digest('hex')
}

async function listFiles(dir: string): Promise<string[]> {
  const files: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) files.push(...(await listFiles(path)))
    else files.push(path)
  }
  return files.sort()
}

async function buildOnce(sourcePath: string, world: 'v1' | 'v2', out: string): Promise<string> {
  await mkdir(PLUGIN_CACHE_DIR, { recursive: true })
  const lock = `${out}.lock`
  if (!(await acquire(lock, out))) return out // another process built it while we waited
  try {
    if (existsSync(out)) return out
    const tmp = `${out}.tmp-${process.pid}-${Date.now()}`
    const child = fileURLToPath(new URL('./build-plugin-child.js', import.meta.url))
    const request = { sourcePath, witPath: WIT_DIR, worldName: WORLDS[world], out: tmp }
    try {
      await run(process.execPath, [child, JSON.stringify(request)], {
        cwd: REPO_ROOT,
        maxBuffer: 64 * 1024 * 1024,
        timeout: 170_000,
      })
    } catch (error) {
      await rm(tmp, { force: true })
      const detail = error as { stderr?: string; message: string }
      throw new Error(
        `componentize-js failed for ${sourcePath} (${world}): ${detail.stderr || detail.message}`,
        {
          cause: error,
        },
      )
    }
    await rename(tmp, out)
    return out
  } finally {
    await rm(lock, { recursive: true, force: true })
  }
}

/**
 * Cross-process mutex (mkdir is atomic). Waits for a live holder, breaks a stale one. Returns true when
 * we hold the lock, false when the output appeared meanwhile (nothing left to do, lock not taken).
 */
async function acquire(lock: string, out: string): Promise<boolean> {
  for (;;) {
    try {
      await mkdir(lock)
      return true
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
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
