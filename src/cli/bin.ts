#!/usr/bin/env node
// icp-sync's entry point. It turns on Node's compile cache (Node ≥ 22.1) before the CLI's code is
// parsed: ~20 ms of every later start. Then it loads the CLI (src/cli/main.ts).
import { join } from 'node:path'

import { cacheDirFromArgv } from './cache-dir.js'
import { useCodeCache } from '../util/code-cache.js'

useCodeCache(join(cacheDirFromArgv(process.argv.slice(2)), 'v8'))
await import('./main.js')
