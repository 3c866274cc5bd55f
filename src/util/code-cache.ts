// Node's compile cache (Node >= 22.1): V8 keeps the compiled code of the JS a thread loads in a
// directory, and a later load of the same source skips parsing. Node 20 has no such API.
import * as nodeModule from 'node:module'

import { makeDir } from './make-dir.js'

const api = nodeModule as {
  enableCompileCache?: (dir: string) => unknown
  flushCompileCache?: () => void
}

/**
 * Turns the cache on for this thread. False when Node lacks it or `dir` cannot be made (made here:
 * Node's own recursive mkdir loops forever on /proc). A cache we cannot use is only a slower start.
 */
export function useCodeCache(dir: string): boolean {
  if (!api.enableCompileCache || !makeDir(dir)) return false
  try {
    api.enableCompileCache(dir)
    return true
  } catch {
    return false
  }
}

/** Writes what the thread compiled so far (a terminated worker never gets to write it at exit). */
export function flushCodeCache(): void {
  api.flushCompileCache?.()
}
