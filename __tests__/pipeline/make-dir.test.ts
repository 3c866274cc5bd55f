// makeDir (src/util/make-dir.ts): the cache directories, without Node's recursive mkdir, which loops
// forever on a pseudo filesystem.
import { expect, test } from '@jest/globals'
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { ensureDir, makeDir } from '../../src/util/make-dir.js'

test('creates missing parents, accepts an existing dir, refuses files and /proc, never hangs', () => {
  const root = mkdtempSync(join(tmpdir(), 'icp-sync-make-dir-'))
  const deep = join(root, 'a', 'b', 'c')
  expect(makeDir(deep)).toBe(true)
  expect(statSync(deep).isDirectory()).toBe(true)
  expect(makeDir(deep)).toBe(true)
  writeFileSync(join(root, 'file'), 'x')
  expect(makeDir(join(root, 'file'))).toBe(false)
  expect(makeDir(join(root, 'file', 'below'))).toBe(false)
  const started = performance.now()
  expect(makeDir('/proc/icp-sync-no-such/v8')).toBe(false)
  expect(performance.now() - started).toBeLessThan(1000)
  expect(existsSync('/proc/icp-sync-no-such')).toBe(false)
})

test('ensureDir names what went wrong, and tolerates a directory made meanwhile', () => {
  const root = mkdtempSync(join(tmpdir(), 'icp-sync-ensure-dir-'))
  writeFileSync(join(root, 'file'), 'x')
  expect(() => ensureDir(join(root, 'file', 'below'))).toThrow(/^ENOTDIR: not a directory/)
  expect(() => ensureDir('/proc/icp-sync-no-such/v8')).toThrow(/ENOENT|EACCES|EPERM/)
  ensureDir(join(root, 'x', 'y'))
  ensureDir(join(root, 'x', 'y'))
  expect(statSync(join(root, 'x', 'y')).isDirectory()).toBe(true)
})
