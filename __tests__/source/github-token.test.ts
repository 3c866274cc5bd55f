// Where the github-token goes: to GitHub's download hosts over https, decided per hop; never to another
// host, never after a redirect to one, never to the signed URL a release redirects to. The fetch
// transport (CLI) against loopback stand-ins for those hosts (helpers/github-standin.ts); the Action's
// transport through its proxy support in __tests__/e2e/github-token.test.ts.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { createFetchDownload } from '../../src/store/download.js'
import { recipeFetch } from '../../src/project/recipe.js'
import { githubHeaders, mayCarryGithubToken } from '../../src/util/github-token.js'
import { GithubStandIn } from '../helpers/github-standin.js'

const TOKEN = 'ghs_standInToken0123456789'
const BODY = new Uint8Array(randomBytes(4096))
const SHA = createHash('sha256').update(BODY).digest('hex')

let standIn: GithubStandIn
beforeAll(async () => {
  standIn = await GithubStandIn.start()
})
afterAll(async () => {
  await standIn?.stop()
})

describe('which requests may carry the token', () => {
  test.each([
    ['https://github.com/o/r/releases/download/v1/p.wasm', false, true],
    ['https://api.github.com/repos/o/r/releases/assets/1', false, true],
    ['https://objects.githubusercontent.com/a/b', false, true],
    ['https://github.com/o/r/moved.wasm', true, true], // a redirect within GitHub
    ['https://objects.githubusercontent.com/signed?X-Amz-Signature=1', true, false], // the signed URL
    ['http://github.com/o/r/p.wasm', false, false],
    ['https://github.com:8443/p.wasm', false, false],
    ['https://user:pw@github.com/p.wasm', false, false],
    ['https://github.com./p.wasm', false, false],
    ['https://evil.github.com/p.wasm', false, false],
    ['https://github.com.evil.example/p.wasm', false, false],
    ['https://raw.githubusercontent.com/o/r/main/p.wasm', false, false],
    ['https://elsewhere.example/p.wasm', false, false],
  ])('%s (redirected: %s) → %s', (url, redirected, expected) => {
    expect(mayCarryGithubToken(new URL(url), redirected)).toBe(expected)
  })

  test('release assets by API URL ask for the file; no token, no Authorization', () => {
    const asset = new URL('https://api.github.com/repos/o/r/releases/assets/42')
    expect(githubHeaders(TOKEN)(asset, false)).toEqual({
      accept: 'application/octet-stream',
      authorization: `Bearer ${TOKEN}`,
    })
    expect(githubHeaders(undefined)(asset, false)).toEqual({ accept: 'application/octet-stream' })
    expect(githubHeaders('')(new URL('https://github.com/x'), false)).toEqual({})
    // A value that is not a token (line breaks: header injection) is never sent.
    expect(githubHeaders('abc\r\nX-Evil: 1')(new URL('https://github.com/x'), false)).toEqual({})
  })
})

describe('plugin downloads with a token (fetch, as the CLI)', () => {
  async function download(url: string): Promise<Uint8Array> {
    const dest = join(mkdtempSync(join(tmpdir(), 'icp-sync-token-')), 'p.wasm')
    const fetchImpl = standIn.fetch()
    const got = await createFetchDownload({ attempts: 1, fetchImpl, githubToken: TOKEN })(url, dest)
    expect(got?.sha256).toBe(SHA)
    return readFileSync(dest)
  }
  const seenFor = (host: string, path: string) =>
    standIn.seen.filter((r) => r.host === host && r.path === path)

  test('an API release asset: the token and Accept go to api.github.com, not to the signed URL', async () => {
    standIn.route('objects.githubusercontent.com', '/signed/7?sig=abc', { body: BODY })
    const url = standIn.route('api.github.com', '/repos/o/r/releases/assets/7', {
      redirectTo: 'https://objects.githubusercontent.com/signed/7?sig=abc',
    })
    await download(url)
    expect(seenFor('api.github.com', '/repos/o/r/releases/assets/7')).toEqual([
      expect.objectContaining({ authorization: `Bearer ${TOKEN}`, accept: 'application/octet-stream' }),
    ])
    expect(seenFor('objects.githubusercontent.com', '/signed/7?sig=abc')).toEqual([
      expect.not.objectContaining({ authorization: expect.anything() }),
    ])
  })

  test('a redirect within github.com keeps it; a redirect to another host drops it', async () => {
    standIn.route('elsewhere.example', '/mirror/p.wasm', { body: BODY })
    standIn.route('github.com', '/o/r/moved.wasm', { redirectTo: 'https://elsewhere.example/mirror/p.wasm' })
    const url = standIn.route('github.com', '/o/r/releases/download/v1/p.wasm', {
      redirectTo: '/o/r/moved.wasm',
    })
    await download(url)
    expect(seenFor('github.com', '/o/r/releases/download/v1/p.wasm')[0]?.authorization).toBe(
      `Bearer ${TOKEN}`,
    )
    expect(seenFor('github.com', '/o/r/moved.wasm')[0]?.authorization).toBe(`Bearer ${TOKEN}`)
    expect(seenFor('elsewhere.example', '/mirror/p.wasm')).toEqual([
      expect.not.objectContaining({ authorization: expect.anything() }),
    ])
  })

  test('another host named in the manifest never sees it', async () => {
    const url = standIn.route('elsewhere.example', '/direct/p.wasm', { body: BODY })
    await download(url)
    expect(seenFor('elsewhere.example', '/direct/p.wasm')).toHaveLength(1)
    expect(standIn.seen.filter((r) => r.host === 'elsewhere.example' && r.authorization)).toEqual([])
  })
})

describe('recipe templates with a token (fetch)', () => {
  test('github.com gets it; the host github.com redirects to does not', async () => {
    const template = new TextEncoder().encode('{{! a recipe }}\n')
    standIn.route('elsewhere.example', '/recipes/r.hbs', { body: template })
    const url = standIn.route('github.com', '/o/recipes/releases/download/r-v1/r.hbs', {
      redirectTo: 'https://elsewhere.example/recipes/r.hbs',
    })
    const got = await recipeFetch(TOKEN, standIn.fetch())(url)
    expect(got).toEqual({ status: 200, body: Buffer.from(template) })
    const github = standIn.seen.filter((r) => r.path === '/o/recipes/releases/download/r-v1/r.hbs')
    expect(github).toEqual([
      expect.objectContaining({ host: 'github.com', authorization: `Bearer ${TOKEN}` }),
    ])
    const other = standIn.seen.filter((r) => r.path === '/recipes/r.hbs')
    expect(other).toEqual([expect.not.objectContaining({ authorization: expect.anything() })])
  })
})
