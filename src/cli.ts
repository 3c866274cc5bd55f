#!/usr/bin/env node
// icp-sync: the same pipeline as the Action, with no @actions/* at run time.
import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'

import { transpilePlugin } from './plugin/transpile.js'

const USAGE = `usage: icp-sync inspect <plugin.wasm>   transpile a plugin and show its imports and exports

The sync command lands with the end-to-end issue.`

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.ICP_SYNC_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'icp-sync')
}

async function inspect(file: string): Promise<void> {
  const bytes = await readFile(resolve(file))
  const plugin = await transpilePlugin(bytes, join(defaultCacheDir(), 'transpiled'))
  const lines = [
    `plugin: ${file}`,
    `sha256: ${plugin.sha256}`,
    `transpile: ${plugin.cacheHit ? 'cache hit' : `${plugin.transpileMs.toFixed(0)} ms`}`,
    `imports: ${plugin.imports.join(', ') || '(none)'}`,
    `exports: ${plugin.exports.map(([name, kind]) => `${name} (${kind})`).join(', ') || '(none)'}`,
  ]
  process.stdout.write(lines.join('\n') + '\n')
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === 'inspect' && rest.length === 1) {
    await inspect(rest[0]!)
    return 0
  }
  process.stderr.write(USAGE + '\n')
  return 2
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`Error: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  },
)
