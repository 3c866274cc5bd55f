// The signing identity, from the PEM text a user keeps in a CI secret. Accepts what icp-cli 1.5.0's
// `icp identity import --from-pem` accepts (docs/icp-cli-compat.md §5.3) in the forms people paste.

import { AnonymousIdentity, type Identity } from '@icp-sdk/core/agent'
import { IdentityError } from './errors.js'
import { decryptPkcs8, identityFromKey, keyFromPkcs8, keyFromSec1, type KeyKind } from './keys.js'
import { parsePemBlocks, unwrapPemText } from './pem.js'

export { IdentityError, type IdentityErrorKind } from './errors.js'

export interface LoadedIdentity {
  identity: Identity
  principal: string
  kind: 'anonymous' | KeyKind
  warnings: string[]
}

export interface LoadIdentityRequest {
  pem?: string
  password?: string
  /** How messages name the secret, e.g. "input 'identity-pem'". Default: "the identity PEM". */
  source?: string
}

const KEY_LABELS = ['PRIVATE KEY', 'EC PRIVATE KEY', 'ENCRYPTED PRIVATE KEY']

export const ANONYMOUS_WARNING =
  'No identity PEM was given, so update calls will be made as the anonymous principal (2vxsx-fae). ' +
  'The usual cause: secrets are not passed to workflows triggered from forks.'

export async function loadIdentity(req: LoadIdentityRequest): Promise<LoadedIdentity> {
  const source = req.source ?? 'the identity PEM'
  if (req.pem === undefined || req.pem.trim() === '') {
    const warnings = [ANONYMOUS_WARNING]
    if (req.password) warnings.push('An identity password was given without a PEM; it was ignored.')
    const identity = new AnonymousIdentity()
    return { identity, principal: identity.getPrincipal().toText(), kind: 'anonymous', warnings }
  }

  const blocks = parsePemBlocks(unwrapPemText(req.pem), source)
  const keyBlocks = blocks.filter((block) => KEY_LABELS.includes(block.label))
  if (keyBlocks.length === 0) {
    const found = blocks.length === 0 ? 'no PEM block' : blocks.map((block) => block.label).join(', ')
    throw new IdentityError(
      'unknown-pem-type',
      `unknown PEM formats: expected ${KEY_LABELS.join(', ')}; found ${found} in ${source}`,
    )
  }
  if (keyBlocks.length > 1) {
    throw new IdentityError('too-many-keys', `expected 1 key block in ${source}, found ${keyBlocks.length}`)
  }
  const [block] = keyBlocks as [(typeof keyBlocks)[0]]
  const warnings: string[] = []

  let parsed: ReturnType<typeof keyFromPkcs8>
  if (block.label === 'ENCRYPTED PRIVATE KEY') {
    if (!req.password) {
      throw new IdentityError(
        'password-required',
        `${source} is encrypted (ENCRYPTED PRIVATE KEY); its password is required`,
      )
    }
    const der = await decryptPkcs8(block.der, req.password, source)
    try {
      parsed = keyFromPkcs8(der, source)
    } catch (error) {
      // CBC padding passes by chance for about 1 wrong password in 256: the plaintext is then garbage.
      if (error instanceof IdentityError && error.kind === 'malformed') {
        throw new IdentityError('wrong-password', `failed to decrypt ${source}: wrong password`)
      }
      throw error
    }
  } else {
    if (req.password)
      warnings.push(`An identity password was given but ${source} is not encrypted; it was ignored.`)
    parsed =
      block.label === 'PRIVATE KEY'
        ? keyFromPkcs8(block.der, source)
        : keyFromSec1(block.der, blocks.find((b) => b.label === 'EC PARAMETERS')?.der, source)
  }

  const identity = await identityFromKey(parsed.kind, parsed.key)
  return { identity, principal: identity.getPrincipal().toText(), kind: parsed.kind, warnings }
}

/**
 * Every string the edge must mask before anything is logged: the secret as given, its trimmed and
 * unwrapped (decoded) forms, the base64 of the PEM, the base64 body on one line, every line of each,
 * and the password.
 */
export function secretForms(pem: string, password?: string): string[] {
  const forms = new Set<string>()
  const add = (value: string | undefined): void => {
    const trimmed = value?.trim()
    if (trimmed) forms.add(trimmed)
  }
  if (pem.trim() !== '') {
    const unwrapped = unwrapPemText(pem)
    for (const text of [pem, unwrapped]) {
      add(text)
      for (const line of text.split(/\r?\n|\\n/)) if (!/^-----(BEGIN|END) /.test(line.trim())) add(line)
    }
    add(Buffer.from(unwrapped, 'utf8').toString('base64'))
    add(Buffer.from(unwrapped + '\n', 'utf8').toString('base64'))
    add(unwrapped.replace(/\n/g, '\\n'))
    for (const match of unwrapped.matchAll(/-----BEGIN [A-Z0-9 ]+-----([\s\S]*?)-----END /g)) {
      add((match[1] ?? '').replace(/\s+/g, ''))
    }
  }
  if (password) {
    forms.add(password)
    add(password)
  }
  return [...forms]
}
