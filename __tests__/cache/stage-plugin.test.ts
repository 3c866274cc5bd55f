// stagePlugin (src/store/layout.ts), the one way plugin bytes become a cache entry: a restore from the
// Actions cache (storeVerifiedPlugin) reports what happened to the rename, never "stored" when it was not.
import { describe, expect, test } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { StageError, sha256Hex, stagePlugin, storeVerifiedPlugin } from '../../src/store/layout.js'

const PLUGIN = new Uint8Array(randomBytes(4096))
const SHA = sha256Hex(PLUGIN)

function pluginsRoot(): string {
  return join(mkdtempSync(join(tmpdir(), 'icp-sync-stage-')), 'plugins')
}

async function* body(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes.subarray(0, 100)
  yield bytes.subarray(100)
}

describe('storeVerifiedPlugin reports the rename honestly', () => {
  test('stored: the entry holds the bytes, no staging directory is left', async () => {
    const root = pluginsRoot()
    expect(await storeVerifiedPlugin(root, SHA, body(PLUGIN), 1 << 20)).toBe('stored')
    expect(readdirSync(join(root, 'wasms'))).toEqual([SHA])
    expect(Buffer.from(readFileSync(join(root, 'wasms', SHA, 'module.wasm'))).equals(PLUGIN)).toBe(true)
  })

  test('present: an entry of the same content got there first and is kept', async () => {
    const root = pluginsRoot()
    await storeVerifiedPlugin(root, SHA, body(PLUGIN), 1 << 20)
    expect(await storeVerifiedPlugin(root, SHA, body(PLUGIN), 1 << 20)).toBe('present')
    expect(readdirSync(join(root, 'wasms'))).toEqual([SHA])
  })

  test('a rename that fails otherwise (a file where the entry goes) is an error, not "stored"', async () => {
    const root = pluginsRoot()
    mkdirSync(join(root, 'wasms'), { recursive: true })
    writeFileSync(join(root, 'wasms', SHA), 'not a directory')
    const error = await storeVerifiedPlugin(root, SHA, body(PLUGIN), 1 << 20).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(StageError)
    expect((error as Error).message).toMatch(
      new RegExp(`^storing the plugin at .*/wasms/${SHA} failed: ENOTDIR`),
    )
    expect(readdirSync(join(root, 'wasms'))).toEqual([SHA]) // the staging directory is gone
  })

  test('mismatch and too-large write no entry', async () => {
    const root = pluginsRoot()
    const other = sha256Hex(new TextEncoder().encode('other'))
    expect(await storeVerifiedPlugin(root, other, body(PLUGIN), 1 << 20)).toBe('mismatch')
    expect(await storeVerifiedPlugin(root, SHA, body(PLUGIN), 1000)).toBe('too-large')
    expect(readdirSync(join(root, 'wasms'))).toEqual([])
  })
})

describe('stagePlugin with keepBytes', () => {
  test('bytes read back are the bytes verified: a file changed after its hash is an error, no entry', async () => {
    const root = pluginsRoot()
    // A fill whose reported hash is right but whose file on disk is not (e.g. changed after it was hashed).
    const error = await stagePlugin(
      root,
      SHA,
      'download',
      async (dest) => {
        writeFileSync(dest, 'something else')
        return { sha256: SHA }
      },
      { keepBytes: true },
    ).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(StageError)
    expect((error as Error).message).toBe('the plugin changed on disk after it was verified')
    expect(readdirSync(join(root, 'wasms'))).toEqual([])
  })

  test('the verified bytes come back with the entry', async () => {
    const root = pluginsRoot()
    const staged = await stagePlugin(
      root,
      SHA,
      'download',
      async (dest) => {
        writeFileSync(dest, PLUGIN)
        return { sha256: SHA }
      },
      { keepBytes: true },
    )
    expect(staged.outcome).toBe('stored')
    expect(Buffer.from((staged as { bytes: Uint8Array }).bytes).equals(PLUGIN)).toBe(true)
  })
})
