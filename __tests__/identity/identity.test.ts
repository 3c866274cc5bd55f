// Every key kind and paste form: the principal we derive must equal the one icp-cli 1.5.0 derives
// from the same PEM (icp is the oracle), and every PEM icp refuses we refuse with a clear message.
import { afterAll, describe, expect, test } from '@jest/globals'
import { createPublicKey, verify } from 'node:crypto'
import type { SignIdentity } from '@icp-sdk/core/agent'
import { loadIdentity, secretForms, IdentityError, ANONYMOUS_WARNING } from '../../src/identity/index.js'
import { IcpOracle } from '../helpers/icp-oracle.js'
import {
  derOf,
  ecParametersBlock,
  ecPkcs8,
  ecSec1,
  ecSec1SeparateParams,
  ed25519BrokenDfx,
  ed25519Pkcs8v1,
  pbkdf2Encrypted,
  pem,
  publicKeyPem,
  rsaPkcs8,
} from './keygen.js'

const icp = new IcpOracle()
afterAll(() => icp.cleanup())

const PASSWORD = 'correct horse battery'

async function expectSameAsIcp(
  pemText: string,
  kind: string,
  password?: string,
  pasted = pemText,
): Promise<void> {
  const oracle = icp.principalOf(pemText, password)
  expect(oracle.error).toBeUndefined()
  const loaded = await loadIdentity({ pem: pasted, password })
  expect(loaded.principal).toBe(oracle.principal)
  expect(loaded.kind).toBe(kind)
}

describe('key kinds, principal equals icp-cli 1.5.0', () => {
  const ed25519v1 = ed25519Pkcs8v1()
  const cases: Array<[string, () => string, string]> = [
    ['Ed25519 PKCS#8 v1 (openssl/node)', () => ed25519v1, 'ed25519'],
    ['Ed25519 PKCS#8 v2 (as icp exports it)', () => icp.reexport(ed25519v1), 'ed25519'],
    ['Ed25519 in the broken old dfx container', ed25519BrokenDfx, 'ed25519'],
    ['secp256k1 PKCS#8 made by icp identity new', () => icp.newIdentityPem(), 'secp256k1'],
    ['secp256k1 PKCS#8 (node)', () => ecPkcs8('secp256k1'), 'secp256k1'],
    ['secp256k1 SEC1 with embedded curve', () => ecSec1('secp256k1'), 'secp256k1'],
    [
      'secp256k1 SEC1 after an EC PARAMETERS block (openssl ecparam -genkey)',
      () => ecParametersBlock('secp256k1') + ecSec1('secp256k1'),
      'secp256k1',
    ],
    [
      'secp256k1 SEC1, curve only in EC PARAMETERS',
      () => ecSec1SeparateParams('secp256k1', true),
      'secp256k1',
    ],
    ['P-256 PKCS#8', () => ecPkcs8('prime256v1'), 'prime256v1'],
    ['P-256 SEC1', () => ecSec1('prime256v1'), 'prime256v1'],
    ['P-256 SEC1, curve only in EC PARAMETERS', () => ecSec1SeparateParams('prime256v1', true), 'prime256v1'],
  ]
  test.each(cases)('%s', async (_name, make, kind) => {
    const text = make()
    if (_name.includes('v2')) expect(derOf(text).length).toBeGreaterThan(48) // really carries the public key
    await expectSameAsIcp(text, kind)
  })
})

describe('ENCRYPTED PRIVATE KEY', () => {
  test.each([
    ['secp256k1', () => icp.newIdentityPem(PASSWORD)],
    ['ed25519', () => icp.reexport(ed25519Pkcs8v1(), PASSWORD)],
    ['prime256v1', () => icp.reexport(ecPkcs8('prime256v1'), PASSWORD)],
  ])('%s encrypted by icp (PBES2, scrypt N=2^17, AES-256-CBC)', async (kind, make) => {
    const text = make()
    expect(text).toContain('-----BEGIN ENCRYPTED PRIVATE KEY-----')
    await expectSameAsIcp(text, kind, PASSWORD)
  })

  test('PBES2 with PBKDF2 (openssl/node default) is accepted like icp accepts it', async () => {
    const text = pbkdf2Encrypted(ecPkcs8('secp256k1'), PASSWORD)
    await expectSameAsIcp(text, 'secp256k1', PASSWORD)
  })

  test('wrong password, missing password: refused by both, and our text says which', async () => {
    const text = icp.newIdentityPem(PASSWORD)
    expect(icp.principalOf(text, 'not the password').error).toContain('failed to decrypt')
    await expect(loadIdentity({ pem: text, password: 'not the password' })).rejects.toMatchObject({
      kind: 'wrong-password',
      message: 'failed to decrypt the identity PEM: wrong password',
    })
    await expect(loadIdentity({ pem: text })).rejects.toMatchObject({ kind: 'password-required' })
  })
})

describe('paste forms', () => {
  const original = ecPkcs8('secp256k1')
  const forms: Array<[string, (text: string) => string]> = [
    ['base64 of the whole PEM', (t) => Buffer.from(t).toString('base64')],
    [
      'base64 of the PEM, wrapped at 76',
      (t) =>
        Buffer.from(t)
          .toString('base64')
          .replace(/(.{76})/g, '$1\n'),
    ],
    ['CRLF line ends', (t) => t.replace(/\n/g, '\r\n')],
    ['blank lines and spaces around', (t) => `\n\n   ${t}\n\n  \n`],
    ['indented lines (YAML block)', (t) => t.replace(/^/gm, '    ')],
    ['newlines written as \\n (JSON string)', (t) => t.trim().replace(/\n/g, '\\n')],
    ['one line, spaces for newlines', (t) => t.trim().replace(/\n/g, ' ')],
    [
      'body re-wrapped at 76',
      (t) =>
        t.replace(/(?<=-----\n)[\s\S]*?(?=\n-----END)/, (body) =>
          body.replace(/\n/g, '').replace(/(.{76})/g, '$1\n'),
        ),
    ],
  ]
  test.each(forms)('%s', async (_name, transform) => {
    await expectSameAsIcp(original, 'secp256k1', undefined, transform(original))
  })

  test('a password given for a plain PEM is ignored with a warning', async () => {
    const loaded = await loadIdentity({ pem: original, password: PASSWORD })
    expect(loaded.principal).toBe(icp.principalOf(original).principal)
    expect(loaded.warnings).toEqual([expect.stringContaining('not encrypted')])
  })
})

describe('refused input: clear error, no key material, and icp refuses it too', () => {
  const key = ecPkcs8('secp256k1')
  const cases: Array<[string, string, string, RegExp]> = [
    [
      'a public key only',
      publicKeyPem(),
      'unknown-pem-type',
      /^unknown PEM formats: expected PRIVATE KEY, EC PRIVATE KEY, ENCRYPTED PRIVATE KEY; found PUBLIC KEY in the identity PEM$/,
    ],
    ['no PEM at all', 'hello world', 'unknown-pem-type', /found no PEM block/],
    [
      'two key blocks',
      key + ecPkcs8('prime256v1'),
      'too-many-keys',
      /^expected 1 key block in the identity PEM, found 2$/,
    ],
    [
      'unsupported curve (P-384)',
      ecSec1('secp384r1'),
      'unsupported-algorithm',
      /unsupported algorithm 1\.3\.132\.0\.34 \(secp384r1\)/,
    ],
    [
      'unsupported curve in PKCS#8 (P-384)',
      ecPkcs8('secp384r1'),
      'unsupported-algorithm',
      /unsupported algorithm 1\.3\.132\.0\.34/,
    ],
    [
      'RSA',
      rsaPkcs8(),
      'unsupported-algorithm',
      /unsupported algorithm 1\.2\.840\.113549\.1\.1\.1 \(rsaEncryption\)/,
    ],
    [
      'SEC1 with no curve anywhere',
      ecSec1SeparateParams('secp256k1', false),
      'incomplete',
      /missing field `parameters`/,
    ],
    [
      'truncated key',
      pem('PRIVATE KEY', derOf(key).slice(0, 40)),
      'malformed',
      /^malformed key in the identity PEM$/,
    ],
    [
      'empty block',
      '-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n',
      'empty',
      /block in the identity PEM is empty/,
    ],
  ]
  test.each(cases)('%s', async (_name, given, kind, message) => {
    const text = given
    const error = await loadIdentity({ pem: text }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(IdentityError)
    expect((error as IdentityError).kind).toBe(kind)
    expect((error as IdentityError).message).toMatch(message)
    // Key material as the input holds it (its own lines), and every form secretForms masks.
    const pieces = [...text.split(/\r?\n|\\n/).map((line) => line.trim()), ...secretForms(text)]
    for (const piece of pieces)
      if (piece.length >= 8 && !piece.startsWith('-----'))
        expect((error as Error).message).not.toContain(piece)
    if (kind !== 'empty') expect(icp.principalOf(text).error).toBeDefined()
  })

  test('errors name the input when the caller says what it is', async () => {
    await expect(loadIdentity({ pem: 'nope', source: "input 'identity-pem'" })).rejects.toThrow(
      /in input 'identity-pem'$/,
    )
  })
})

describe('no PEM → anonymous', () => {
  test.each([[undefined], [''], ['  \n\t ']])('pem %j', async (given) => {
    const loaded = await loadIdentity({ pem: given })
    expect(loaded.kind).toBe('anonymous')
    expect(loaded.principal).toBe('2vxsx-fae')
    expect(loaded.warnings).toEqual([ANONYMOUS_WARNING])
    expect(ANONYMOUS_WARNING).toMatch(/update calls will be made as the anonymous principal/)
    expect(ANONYMOUS_WARNING).toMatch(/forks/)
  })
})

describe('the identities sign with the key the principal names', () => {
  test.each([
    ['ed25519', ed25519Pkcs8v1],
    ['secp256k1', () => ecPkcs8('secp256k1')],
    ['prime256v1', () => ecSec1('prime256v1')],
  ])('%s', async (kind, make) => {
    const text = make()
    const loaded = await loadIdentity({ pem: text })
    const identity = loaded.identity as SignIdentity
    const message = new TextEncoder().encode('icp-sync-action')
    const signature = await identity.sign(message)
    const spki = createPublicKey({
      key: Buffer.from(identity.getPublicKey().toDer()),
      format: 'der',
      type: 'spki',
    })
    const ok =
      kind === 'ed25519'
        ? verify(null, message, spki, signature)
        : verify('sha256', message, { key: spki, dsaEncoding: 'ieee-p1363' }, signature)
    expect(ok).toBe(true)
  })
})

describe('secretForms', () => {
  test('covers the PEM, each body line, the base64 forms and the password', () => {
    const text = ecPkcs8('prime256v1')
    const forms = secretForms(text, PASSWORD)
    const bodyLines = text.split('\n').filter((line) => line && !line.startsWith('-----'))
    for (const line of bodyLines) expect(forms).toContain(line)
    expect(forms).toContain(text.trim())
    expect(forms).toContain(Buffer.from(text).toString('base64'))
    expect(forms).toContain(bodyLines.join(''))
    expect(forms).toContain(PASSWORD)
    expect(forms.some((form) => form.startsWith('-----BEGIN'))).toBe(true)
    expect(forms).not.toContain('-----BEGIN PRIVATE KEY-----')
  })

  test('a base64-pasted secret also masks the decoded PEM lines', () => {
    const text = ecPkcs8('secp256k1')
    const pasted = Buffer.from(text).toString('base64')
    const forms = secretForms(pasted)
    expect(forms).toContain(pasted)
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('-----')))
      expect(forms).toContain(line)
  })
})
