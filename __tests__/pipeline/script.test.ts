import { describe, expect, test } from '@jest/globals'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { envName, runScript, scriptEnvironment } from '../../src/run/script.js'

function context(dir: string, lines: string[]) {
  return {
    canisterDir: dir,
    environment: 'staging',
    network: 'ic',
    canisterId: 'rrkah-fqaaa-aaaaa-aaaaq-cai',
    canisterIds: { backend: 'rrkah-fqaaa-aaaaa-aaaaq-cai', 'my-frontend': 'ryjl3-tyaaa-aaaaa-aaaba-cai' },
    baseEnv: {
      PATH: process.env.PATH,
      KEEP_ME: 'yes',
      'INPUT_IDENTITY-PEM': '-----BEGIN PRIVATE KEY-----secret',
      ACTIONS_RUNTIME_TOKEN: 'token',
    },
    onLine: (_stream: 'stdout' | 'stderr', line: string) => void lines.push(line),
  }
}

describe('script steps', () => {
  test('run in the canister directory with the ICP_CLI_* variables and without inputs or runner tokens', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'icp-sync-script-'))
    const lines: string[] = []
    await runScript(['pwd', 'env | sort > env.txt', 'echo to-stderr >&2'], context(dir, lines))
    expect(lines).toContain(dir)
    expect(lines).toContain('to-stderr')
    const env = readFileSync(join(dir, 'env.txt'), 'utf8')
    expect(env).toContain('ICP_CLI_ENVIRONMENT=staging\n')
    expect(env).toContain('ICP_CLI_NETWORK=ic\n')
    expect(env).toContain('ICP_CLI_CID=rrkah-fqaaa-aaaaa-aaaaq-cai\n')
    expect(env).toContain('ICP_CLI_CID_MY_FRONTEND=ryjl3-tyaaa-aaaaa-aaaba-cai\n')
    expect(env).toContain('KEEP_ME=yes\n')
    expect(env).not.toContain('secret')
    expect(env).not.toContain('ACTIONS_RUNTIME_TOKEN')
  })

  test('stop at the first failing command with icp’s message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'icp-sync-script-'))
    const lines: string[] = []
    await expect(runScript(['echo one', 'exit 3', 'echo never'], context(dir, lines))).rejects.toThrow(
      "command 'exit 3' failed with status code 3",
    )
    expect(lines).toEqual(['one'])
  })

  test('an empty command is refused', async () => {
    await expect(runScript(['  '], context(tmpdir(), []))).rejects.toThrow("command must not be empty: '  '")
  })

  test('canister names become environment variable names as icp makes them', () => {
    expect(envName('my-frontend.v2')).toBe('MY_FRONTEND_V2')
    expect(scriptEnvironment({ ...context('/', []), canisterIds: { 'a:b': 'x' } }).ICP_CLI_CID_A_B).toBe('x')
  })
})
