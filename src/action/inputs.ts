// The Action's inputs: a loop over the option table (src/options/table.ts), which also validates them
// (the runner does not enforce `required:`). Nothing else in the code base calls core.getInput.
import * as core from '@actions/core'

import { secretForms } from '../identity/index.js'
import { OPTION_TABLE, readOptions, type OptionRow } from '../options/table.js'
import type { SyncOptions } from '../options/parse.js'

/**
 * The identity secret in every form it may show up in (raw, each line, base64, decoded): what the
 * runner masks (by exact match) and what we redact from files it does not mask. Very short pieces are
 * left out, the password excepted: they would blank out unrelated text and reveal nothing of the key.
 */
export function identitySecrets(pem: string, password: string): string[] {
  if (!pem.trim() && !password) return []
  return secretForms(pem, password || undefined).filter((form) => form.length >= 6 || form === password)
}

function input(row: OptionRow): string {
  return core.getInput(row.input, { trimWhitespace: !row.untrimmed })
}

/** Rows masked through identitySecrets (every form of the key), not as given. */
const IDENTITY_ROWS: ReadonlySet<keyof SyncOptions> = new Set(['identityPem', 'identityPassword'])

export function getInputs(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): SyncOptions {
  // Mask before anything else can log them: the identity in every form, any other secret as given.
  const given = (key: keyof SyncOptions) => input(OPTION_TABLE.find((row) => row.key === key)!)
  const masks = identitySecrets(given('identityPem'), given('identityPassword'))
  for (const row of OPTION_TABLE) if (row.secret && !IDENTITY_ROWS.has(row.key)) masks.push(input(row))
  for (const mask of masks) if (mask) core.setSecret(mask)
  return readOptions('action', (row) => ({ name: row.input, value: input(row) }), env, cwd)
}
