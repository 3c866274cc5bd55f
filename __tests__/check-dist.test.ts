// The dist check must pass on the committed tree and fail as soon as a source changes without a re-bundle.
import { expect, test } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
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
  const file = join(dir, 'src/options/parse.ts')
  const source = readFileSync(file, 'utf8')
  expect(source).toContain("'must not be empty'")
  writeFileSync(file, source.replace("'must not be empty'", "'may not be empty'"))
  const result = checkDist(dir)
  expect(result.status).toBe(1)
  expect(result.stderr).toContain('out of date: dist/')
})

test('check-dist fails when dist/licenses.txt was edited or dropped', () => {
  const dir = copyOfRepo()
  writeFileSync(join(dir, 'dist/licenses.txt'), 'nothing to see\n')
  const edited = checkDist(dir)
  expect(edited.status).toBe(1)
  expect(edited.stderr).toContain('out of date: dist/licenses.txt')
  rmSync(join(dir, 'dist/licenses.txt'))
  const dropped = checkDist(dir)
  expect(dropped.status).toBe(1)
  expect(dropped.stderr).toContain('missing from dist/: licenses.txt')
})

test('dist/licenses.txt carries the licence of every runtime dependency, and the bundle fails without one', () => {
  const text = readFileSync(join(REPO_ROOT, 'dist/licenses.txt'), 'utf8')
  const { dependencies } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>
  }
  for (const [name, version] of Object.entries(dependencies)) expect(text).toContain(`\n${name}@${version} (`)
  expect(text).toContain('Permission is hereby granted, free of charge') // MIT
  expect(text).toContain('Copyright (c) 2015 MITSUNARI Shigeo') // mcl-wasm, supplied from upstream
  // A bundled package with no licence file and no supplied text stops the bundle.
  const dir = copyOfRepo()
  const script = join(dir, 'scripts/bundle.mjs')
  const source = readFileSync(script, 'utf8')
  expect(source).toContain("'mcl-wasm': 'scripts/licenses/mcl-wasm.txt',")
  writeFileSync(script, source.replace("'mcl-wasm': 'scripts/licenses/mcl-wasm.txt',", ''))
  const result = spawnSync(process.execPath, ['scripts/bundle.mjs', join(dir, 'out')], {
    cwd: dir,
    encoding: 'utf8',
  })
  expect(result.status).toBe(1)
  expect(result.stderr).toContain(
    'no licence text found for bundled package(s): mcl-wasm (node_modules/mcl-wasm)',
  )
})
