// icp-sync: the same pipeline as the Action, with no @actions/* at run time (entry: src/cli.ts).
import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'

import { USAGE, parseCli } from './args.js'
import { createFetchDownload } from '../plugin/download.js'
import { transpilePlugin } from '../plugin/transpile.js'
import { plainObserver, ttyObserver } from '../report/terminal.js'
import { closingError } from '../report/text.js'
import { runSync } from '../sync.js'

async function inspect(file: string, cacheDir: string): Promise<void> {
  const bytes = await readFile(resolve(file))
  const plugin = await transpilePlugin(bytes, join(cacheDir, 'transpiled'))
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
  if (parsed.command === 'inspect') {
    await inspect(parsed.file!, parsed.cacheDir)
    return 0
  }
  const options = parsed.options!
  const observer =
    process.stderr.isTTY && !process.env.CI
      ? ttyObserver(process.stderr)
      : plainObserver(process.stderr, { inert: process.env.GITHUB_ACTIONS === 'true' })
  const result = await runSync(options, {
    observer,
    cacheDir: parsed.cacheDir,
    download: createFetchDownload(),
    processEnv: process.env,
    identitySource: '--identity-pem-file',
  })
  // Wait for the flush: main() ends in process.exit, which cut a large JSON (1,000-call trace) short on a pipe.
  if (parsed.json)
    await new Promise<void>((resolve) =>
      process.stdout.write(JSON.stringify(result, null, 2) + '\n', () => resolve()),
    )
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
    process.stderr.write(`Error: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  },
)
