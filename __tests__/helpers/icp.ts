// The real icp-cli 1.5.0 binary as an oracle, run offline with its own HOME and ICP_HOME so it never
// touches the user's identities or caches.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { REPO_ROOT } from './paths.js'

export const ICP_BIN = join(REPO_ROOT, 'node_modules/@icp-sdk/icp-cli-linux-x64/bin/icp')

let home: string | undefined

export interface IcpRun {
  code: number | null
  stdout: string
  stderr: string
}

function icpEnv(): NodeJS.ProcessEnv {
  home ??= mkdtempSync(join(tmpdir(), 'icp-oracle-home-'))
  return {
    PATH: process.env.PATH,
    HOME: home,
    ICP_HOME: join(home, 'icp'),
    DO_NOT_TRACK: '1',
    RUST_BACKTRACE: '0',
    NO_COLOR: '1',
  }
}

export function runIcp(args: string[], cwd: string): IcpRun {
  const result = spawnSync(ICP_BIN, args, { cwd, encoding: 'utf8', timeout: 60_000, env: icpEnv() })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** Same, without blocking the event loop (for tests that serve HTTP from this process). */
export function runIcpAsync(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<IcpRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(ICP_BIN, args, { cwd, env: { ...icpEnv(), ...env }, timeout: 60_000 })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** The innermost error icp printed (last "Caused by" link, or the `Error:` line), without serde_yaml's
 * trailing " at line L column C" (which names the enclosing item; we name the exact node). */
export function icpInnermostError(stderr: string): string {
  const lines = stderr.split('\n')
  const start = lines.findIndex((l) => l.startsWith('Error: '))
  if (start < 0) throw new Error(`icp printed no error:\n${stderr}`)
  const chain = [lines[start]!.slice('Error: '.length)]
  for (const line of lines.slice(start + 1)) {
    const m = /^\s+(?:\d+: )?(.*)$/.exec(line)
    if (m && line.trim() !== '' && !line.startsWith('Caused by') && !line.startsWith('Stack backtrace'))
      chain.push(m[1]!)
  }
  return chain[chain.length - 1]!.replace(/ at line \d+ column \d+$/, '')
}

/** Every link of icp's error chain ("Error: …" and each "Caused by" line). */
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
