// The dist check must pass on the committed tree and fail as soon as a source changes without a re-bundle.
import { expect, test } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { REPO_ROOT } from './helpers/paths.js'

function copyOfRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'icp-sync-checkdist-'))
  for (const entry of ['src', 'scripts', 'dist', 'package.json'])
    cpSync(join(REPO_ROOT, entry), join(dir, entry), { recursive: true })
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'))
  return dir
}

function checkDist(dir: string) {
  return spawnSync(process.execPath, ['scripts/check-dist.mjs'], { cwd: dir, encoding: 'utf8' })
}

test('check-dist passes on the committed tree', () => {
  const result = checkDist(copyOfRepo())
  expect(result.stderr).toBe('')
  expect(result.status).toBe(0)
})

test('check-dist fails when a source file changed without re-bundling', () => {
  const dir = copyOfRepo()
  // A change the bundle must carry (an unused export would be tree-shaken and change nothing).
  const file = join(dir, 'src/action/inputs.ts')
  const source = readFileSync(file, 'utf8')
  expect(source).toContain("'must not be empty'")
  writeFileSync(file, source.replace("'must not be empty'", "'may not be empty'"))
  const result = checkDist(dir)
  expect(result.status).toBe(1)
  expect(result.stderr).toContain('out of date: dist/')
})
