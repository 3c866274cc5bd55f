#!/usr/bin/env node
// icp-sync's entry point. It turns on Node's compile cache (Node ≥ 22.1) before the CLI's code is
// parsed: ~20 ms of every later start. Then it loads the CLI (src/cli/main.ts).
import * as nodeModule from 'node:module'
import { join } from 'node:path'

import { cacheDirFromArgv } from './cli/cache-dir.js'
import { makeDir } from './util/make-dir.js'

const { enableCompileCache } = nodeModule as { enableCompileCache?: (dir?: string) => unknown }
const codeCache = join(cacheDirFromArgv(process.argv.slice(2)), 'v8')
// A cache we cannot create is only a slower start.
if (enableCompileCache && makeDir(codeCache)) {
  try {
    enableCompileCache(codeCache)
  } catch {
    // as above
  }
}
await import('./cli/main.js')
