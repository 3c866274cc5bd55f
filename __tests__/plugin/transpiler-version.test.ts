// TRANSPILER_VERSION is part of the transpile cache key: it must be the transpiler actually installed,
// or an upgrade would reuse output of the old one.
import { expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { TRANSPILER_VERSION } from '../../src/store/transpile.js'
import { REPO_ROOT } from '../helpers/paths.js'

const PACKAGE = '@bytecodealliance/jco-transpile'

const readJson = (path: string) =>
  JSON.parse(readFileSync(join(REPO_ROOT, path), 'utf8')) as Record<string, unknown>

test('TRANSPILER_VERSION is the installed transpiler, pinned exactly in package.json', () => {
  const installed = readJson(`node_modules/${PACKAGE}/package.json`).version
  const pinned = (readJson('package.json').dependencies as Record<string, string>)[PACKAGE]
  expect(TRANSPILER_VERSION).toBe(installed)
  expect(pinned).toBe(installed) // no range: a fresh install must get the same transpiler
})
