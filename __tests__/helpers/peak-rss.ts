// Peak RSS of a bundled Action run, measured inside the child: a preload records
// process.resourceUsage().maxRSS (the whole process, every thread) when it exits. No external tool
// (such as /usr/bin/time) is needed on the machine.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { type ActionRun, runAction } from './runner.js'

let preload: string | undefined

function preloadFile(): string {
  if (preload) return preload
  const dir = mkdtempSync(join(tmpdir(), 'icp-sync-rss-'))
  preload = join(dir, 'rss.mjs')
  writeFileSync(
    preload,
    `import { isMainThread } from 'node:worker_threads'
import { writeFileSync } from 'node:fs'
if (isMainThread && process.env.RSS_FILE)
  process.on('exit', () => writeFileSync(process.env.RSS_FILE, String(process.resourceUsage().maxRSS * 1024)))
`,
  )
  return preload
}

/** Runs the bundled Action (as runAction does) and reads back its peak RSS in bytes. */
export async function runActionMeasured(
  node: string,
  entry: string,
  inputs: Record<string, string>,
  env: NodeJS.ProcessEnv = {},
): Promise<ActionRun & { peakRss: number }> {
  const rssFile = join(mkdtempSync(join(tmpdir(), 'icp-sync-rss-')), 'peak')
  const run = await runAction(node, entry, inputs, {
    NODE_OPTIONS: `--import=${preloadFile()}`,
    RSS_FILE: rssFile,
    ...env,
  })
  return { ...run, peakRss: Number(readFileSync(rssFile, 'utf8')) }
}
