import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);

// src/cli/cache-dir.ts
import { homedir } from "node:os";
import { join, resolve } from "node:path";
function defaultCacheDir(env = process.env) {
  return env.ICP_SYNC_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "icp-sync");
}
function cacheDirFromArgv(argv, env = process.env) {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") break;
    if (arg === "--cache-dir" && argv[i + 1] !== void 0) return resolve(argv[i + 1]);
    if (arg.startsWith("--cache-dir=")) return resolve(arg.slice("--cache-dir=".length));
  }
  return defaultCacheDir(env);
}

export {
  defaultCacheDir,
  cacheDirFromArgv
};
