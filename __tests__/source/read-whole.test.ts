// readWholeFile (src/util/read-whole.ts): how plugin files and core modules are read.
import { describe, expect, test } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { readWholeFile } from '../../src/util/read-whole.js'

describe('readWholeFile', () => {
  test('the same bytes as readFile, for empty, small, large and size-0 /proc files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'icp-sync-read-'))
    const files = {
      empty: Buffer.alloc(0),
      small: Buffer.from('hello'),
      large: Buffer.from(Array.from({ length: 3_000_000 }, (_, i) => (i * 7) % 256)),
    }
    for (const [name, bytes] of Object.entries(files)) {
      writeFileSync(join(dir, name), bytes)
      expect((await readWholeFile(join(dir, name))).equals(bytes)).toBe(true)
    }
    const proc = await readWholeFile('/proc/self/status')
    expect(proc.toString()).toMatch(/^Name:/)
    await expect(readWholeFile(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' })
  })
})
