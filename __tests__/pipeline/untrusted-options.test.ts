// The untrusted-mode options at the CLI's edge (the Action's inputs are tested through the bundle in
// __tests__/e2e/untrusted.test.ts).
import { describe, expect, test } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { parseCli } from '../../src/cli/args.js'

const SHA = 'b0985ced2ff8c8e74f8a78ba5ae1c77122bab4afddd7d7f77e89d8e86eb872ff'

describe('--untrusted and --trusted-plugins', () => {
  const dir = mkdtempSync(join(tmpdir(), 'icp-sync-untrusted-args-'))
  writeFileSync(join(dir, 'icp.yaml'), 'canisters: []\n')

  test('off by default', () => {
    const { options } = parseCli(['-p', dir], {})
    expect(options).toMatchObject({ untrusted: false, trustedPlugins: [] })
  })

  test('sha256 values, comma or newline separated, lowercased and deduplicated', () => {
    const { options } = parseCli(
      ['-p', dir, '--untrusted', '--trusted-plugins', `${SHA.toUpperCase()},\n ${SHA} ,${'0'.repeat(64)}`],
      {},
    )
    expect(options).toMatchObject({ untrusted: true, trustedPlugins: [SHA, '0'.repeat(64)] })
  })

  test.each(['abc', `${SHA}0`, 'sha256:' + SHA])('%s is refused, naming the flag', (value) => {
    expect(() => parseCli(['-p', dir, '--trusted-plugins', value], {})).toThrow(
      `input '--trusted-plugins': '${value}' is not a sha256 (64 hexadecimal digits)`,
    )
  })
})
