// The real icp-cli 1.5.0 binary as an oracle, run offline with its own HOME and ICP_HOME so it never
// touches the user's identities or caches.
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { REPO_ROOT } from './paths.js'
import { runProcess } from './runner.js'

export const ICP_BIN = join(REPO_ROOT, 'node_modules/@icp-sdk/icp-cli-linux-x64/bin/icp')

/**
 * An environment in which icp keeps everything (identities, package cache, settings) under `root`,
 * with no inherited ICP_* or RUST_BACKTRACE variables to change what it does or prints.
 */
export function isolatedIcpEnv(root: string): NodeJS.ProcessEnv {
  mkdirSync(join(root, 'home'), { recursive: true })
  return {
    PATH: process.env.PATH,
    HOME: join(root, 'home'),
    ICP_HOME: join(root, 'icp'),
    DO_NOT_TRACK: '1',
    NO_COLOR: '1',
  }
}

let home: string | undefined

export interface IcpRun {
  code: number | null
  stdout: string
  stderr: string
}

function icpEnv(): NodeJS.ProcessEnv {
  home ??= mkdtempSync(join(tmpdir(), 'icp-oracle-home-'))
  return isolatedIcpEnv(home)
}

export function runIcp(args: string[], cwd: string): IcpRun {
  const result = spawnSync(ICP_BIN, args, { cwd, encoding: 'utf8', timeout: 60_000, env: icpEnv() })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** Same, without blocking the event loop (for tests that serve HTTP from this process). */
export async function runIcpAsync(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<IcpRun> {
  const run = await runProcess(ICP_BIN, args, { cwd, env: { ...icpEnv(), ...env }, timeoutMs: 60_000 })
  return { code: run.status, stdout: run.stdout, stderr: run.stderr }
}

/** The innermost error icp printed (the last link of its chain), without serde_yaml's trailing
 * " at line L column C" (which names the enclosing item; we name the exact node). */
export function icpInnermostError(stderr: string): string {
  const chain = icpErrorChain(stderr)
  if (chain.length === 0) throw new Error(`icp printed no error:\n${stderr}`)
  return chain[chain.length - 1]!.replace(/ at line \d+ column \d+$/, '')
}

/** Every link of icp's error chain: the `Error: …` line and each indented "Caused by" entry. */
export function icpErrorChain(stderr: string): string[] {
  const lines = stderr.split('\n')
  const start = lines.findIndex((l) => l.startsWith('Error: '))
  if (start < 0) return []
  const chain = [lines[start]!.slice('Error: '.length)]
  for (const line of lines.slice(start + 1)) {
    const m = /^\s+(?:\d+: )?(.*)$/.exec(line)
    if (m && line.trim() !== '') chain.push(m[1]!)
  }
  return chain
}
