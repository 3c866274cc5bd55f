// mkdir -p one level at a time. Not `mkdir(…, { recursive: true })`, which Node's compile cache also
// uses: on a pseudo filesystem such as /proc it loops forever (Node 20 and 24, sync and async).
import { mkdirSync, statSync } from 'node:fs'
import { dirname } from 'node:path'

const MAX_DEPTH = 64

const codeOf = (error: unknown): unknown => (error as { code?: unknown } | null)?.code

/** Creates `dir` and its missing parents, or throws the file system's error (ENOTDIR, EACCES, …). */
export function ensureDir(dir: string): void {
  const missing: string[] = []
  for (let at = dir; ; at = dirname(at)) {
    let isDirectory: boolean
    try {
      isDirectory = statSync(at).isDirectory()
    } catch (error) {
      if (codeOf(error) !== 'ENOENT' || dirname(at) === at || missing.length >= MAX_DEPTH) throw error
      missing.push(at)
      continue
    }
    if (!isDirectory)
      throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${at}'`), { code: 'ENOTDIR' })
    break
  }
  for (const path of missing.reverse()) {
    try {
      mkdirSync(path)
    } catch (error) {
      if (codeOf(error) !== 'EEXIST') throw error // another run made it meanwhile: fine
    }
  }
}

/** ensureDir that answers false instead of throwing. */
export function makeDir(dir: string): boolean {
  try {
    ensureDir(dir)
    return true
  } catch {
    return false
  }
}
