// What the Action redacts from the files the runner does not mask is what it asks the runner to mask.
import { expect, test } from '@jest/globals'
import { generateKeyPairSync } from 'node:crypto'

import { identitySecrets } from '../../src/action/inputs.js'
import { redact } from '../../src/action/redact.js'

test('a short password given without a PEM is redacted, as the runner masks it', () => {
  const secrets = identitySecrets('', 'hunter7')
  expect(secrets).toEqual(['hunter7'])
  expect(redact('the password hunter7 leaked', secrets)).toBe('the password *** leaked')
})

test('every form of a PEM is redacted, the whole key before its pieces', () => {
  const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
  const secrets = identitySecrets(pem, '')
  const base64 = Buffer.from(pem.trim(), 'utf8').toString('base64')
  const text = `raw:\n${pem}\nbase64: ${base64}\nescaped: ${pem.trim().replace(/\n/g, '\\n')}`
  const out = redact(text, secrets)
  for (const line of pem.split('\n').filter((l) => l.length >= 6 && !l.startsWith('-----')))
    expect(out).not.toContain(line)
  expect(out).not.toContain(base64)
  expect(identitySecrets('', '')).toEqual([])
})
