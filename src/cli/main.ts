// icp-sync: the same pipeline as the Action, with no @actions/* at run time (entry: src/cli/bin.ts).
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'

import { USAGE, parseCli } from './args.js'
import { unsupportedPlatform } from '../util/platform.js'
import { cacheLayout, createFetchDownload, openPluginStore, transpilePlugin } from '../store/index.js'
import { optionsDebugLines, resultDebugLines, withStepDebug } from '../report/debug.js'
import { plainObserver, ttyObserver } from './terminal.js'
import { inertBlock, terminalSafe } from '../report/inert.js'
import { closingError } from '../report/text.js'
import { runSync } from '../run/sync.js'

async function inspect(file: string, cacheDir: string): Promise<void> {
  const bytes = await readFile(resolve(file))
  const plugin = await transpilePlugin(bytes, cacheLayout(cacheDir).transpiled)
  const lines = [
    `plugin: ${file}`,
    `sha256: ${plugin.sha256}`,
    `transpile: ${plugin.cacheHit ? 'cache hit' : `${plugin.transpileMs.toFixed(0)} ms`}`,
    `imports: ${plugin.imports.join(', ') || '(none)'}`,
    `exports: ${plugin.exports.map(([name, kind]) => `${name} (${kind})`).join(', ') || '(none)'}`,
  ]
  process.stdout.write(lines.join('\n') + '\n')
}

/** package.json's version, compiled in by scripts/bundle.mjs; the unbundled build (tests) has none. */
declare const __ICP_SYNC_VERSION__: string | undefined
const VERSION = typeof __ICP_SYNC_VERSION__ === 'string' ? __ICP_SYNC_VERSION__ : '(unbundled)'

let debugging = false
/**
 * Debug lines carry canister and plugin text (error chains): made terminal-safe line by line, and on
 * an Actions runner kept from being read as workflow commands, as the observer's lines are.
 */
const debug = (text: string): void => {
  const lines = text.split(/\r\n?|\n/).map(terminalSafe)
  const out = process.env.GITHUB_ACTIONS === 'true' ? inertBlock(lines) : lines
  for (const line of out) process.stderr.write(`debug: ${line}\n`)
}

async function main(argv: string[]): Promise<number> {
  let parsed
  try {
    parsed = parseCli(argv)
  } catch (error) {
    process.stderr.write(`Error: ${(error as Error).message}\n\n${USAGE}\n`)
    return 2
  }
  if (parsed.command === 'help') {
    process.stdout.write(USAGE + '\n')
    return 0
  }
  if (parsed.command === 'version') {
    process.stdout.write(`icp-sync ${VERSION}\n`)
    return 0
  }
  const refused = unsupportedPlatform(process.platform, 'cli')
  if (refused) {
    process.stderr.write(`Error: ${refused}\n`)
    return 1
  }
  debugging = parsed.debug ?? false
  if (debugging)
    debug(
      `icp-sync ${VERSION} on Node ${process.version} (${process.platform}-${process.arch}); cache dir ${parsed.cacheDir}`,
    )
  if (parsed.command === 'inspect') {
    await inspect(parsed.file!, parsed.cacheDir)
    return 0
  }
  const options = parsed.options!
  if (debugging) optionsDebugLines(options).forEach(debug)
  // Debug lines would break the live view's redraw: --debug prints plain lines.
  const observer =
    process.stderr.isTTY && !process.env.CI && !debugging
      ? ttyObserver(process.stderr)
      : plainObserver(process.stderr, { inert: process.env.GITHUB_ACTIONS === 'true' })
  const result = await runSync(options, {
    observer: debugging ? withStepDebug(observer, debug) : observer,
    cacheDir: parsed.cacheDir,
    store: openPluginStore({
      cacheDir: parsed.cacheDir,
      download: createFetchDownload({ githubToken: options.githubToken }),
    }),
    processEnv: process.env,
    identitySource: '--identity-pem-file',
  })
  // Wait for the flush: main() ends in process.exit, which cut a large JSON (1,000-call trace) short on a pipe.
  if (parsed.json)
    await new Promise<void>((resolve) =>
      process.stdout.write(JSON.stringify(result, null, 2) + '\n', () => resolve()),
    )
  if (debugging) resultDebugLines(result).forEach(debug)
  const closing = closingError(result)
  if (closing) {
    process.stderr.write(`Error: ${closing}\n`)
    return 1
  }
  return 0
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (debugging && error instanceof Error && error.stack) debug(error.stack)
    process.stderr.write(`Error: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  },
)
