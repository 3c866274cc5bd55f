// Where the CLI keeps its caches (plugins, transpiled output, V8 code): small on purpose, the entry
// point needs it before anything else is loaded.
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.ICP_SYNC_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'icp-sync')
}

/** `--cache-dir <dir>` / `--cache-dir=<dir>` from raw arguments, before they are parsed properly. */
export function cacheDirFromArgv(argv: string[], env: NodeJS.ProcessEnv = process.env): string {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--') break
    if (arg === '--cache-dir' && argv[i + 1] !== undefined) return resolve(argv[i + 1]!)
    if (arg.startsWith('--cache-dir=')) return resolve(arg.slice('--cache-dir='.length))
  }
  return defaultCacheDir(env)
}
