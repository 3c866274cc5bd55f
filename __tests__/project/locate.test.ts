// Which project the CLI means, checked against icp-cli 1.5.0 (`icp project show` prints the directory it
// chose as `dir:`): the nearest icp.yaml at or above the current directory, the climb to an ancestor
// that declares it as a dependency, and the overrides (--project-root-override, then ICP_PROJECT_ROOT).
import { describe, expect, test } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parse } from 'yaml'

import { parseCli } from '../../src/cli/args.js'
import { loadProject } from '../../src/project/index.js'
import { locateProjectRoot } from '../../src/project/locate.js'
import { ICP_BIN, isolatedIcpEnv } from '../helpers/icp.js'

const CANISTER = `canisters:
  - name: app
    build: {steps: [{type: script, command: make}]}
`

/** A tree of projects: path → icp.yaml text ('' makes only the directory). */
function tree(files: Record<string, string>): string {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'icp-locate-')))
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path), { recursive: true })
    if (text) writeFileSync(join(root, path, 'icp.yaml'), text)
  }
  return root
}

const icpHome = mkdtempSync(join(tmpdir(), 'icp-locate-home-'))

/** The directory icp chose (its `dir:`, made absolute), or its error chain's last line. */
function icpChoice(cwd: string, args: string[] = [], env: Record<string, string> = {}): string {
  const run = spawnSync(ICP_BIN, ['project', 'show', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...isolatedIcpEnv(icpHome), RUST_BACKTRACE: '0', ...env },
  })
  if (run.status !== 0) return run.stderr.trim().split('\n').pop()!.trim()
  return resolve(cwd, (parse(run.stdout, { logLevel: 'silent' }) as { dir: string }).dir)
}

describe('project root, as icp-cli 1.5.0 finds it', () => {
  test('the nearest icp.yaml at or above the current directory', () => {
    const root = tree({ '.': CANISTER, 'src/deep/er': '' })
    const cwd = join(root, 'src/deep/er')
    expect(locateProjectRoot(cwd)).toBe(root)
    expect(icpChoice(cwd)).toBe(root)
  })

  test('a nested project that its parent does not declare stays on its own', () => {
    const root = tree({ '.': CANISTER, child: CANISTER, 'child/sub': '' })
    const cwd = join(root, 'child/sub')
    expect(locateProjectRoot(cwd)).toBe(join(root, 'child'))
    expect(icpChoice(cwd)).toBe(join(root, 'child'))
  })

  test('a parent that declares the project as a dependency (transitively) is the root', () => {
    const root = tree({
      '.': `dependencies:\n  - name: mid\n    path: ./mid\n${CANISTER}`,
      mid: `dependencies:\n  - name: leaf\n    path: ../mid/leaf\n${CANISTER}`,
      'mid/leaf': CANISTER,
      'mid/leaf/src': '',
    })
    const cwd = join(root, 'mid/leaf/src')
    expect(locateProjectRoot(cwd)).toBe(root)
    expect(icpChoice(cwd)).toBe(root)
  })

  test('the override is used as it is: no search, no climb; the flag wins over ICP_PROJECT_ROOT', async () => {
    const root = tree({ '.': CANISTER, other: CANISTER, 'other/sub': '', empty: '' })
    const cwd = join(root, 'other/sub')
    expect(locateProjectRoot(cwd, '../..')).toBe(root)
    expect(icpChoice(cwd, ['--project-root-override', '../..'])).toBe(root)

    const viaEnv = parseCli([], { ICP_PROJECT_ROOT: '..' }, cwd).options!.projectDir
    expect(viaEnv).toBe(join(root, 'other'))
    expect(icpChoice(cwd, [], { ICP_PROJECT_ROOT: '..' })).toBe(join(root, 'other'))

    const both = parseCli(['--project-root-override', '../..'], { ICP_PROJECT_ROOT: '..' }, cwd)
    expect(both.options!.projectDir).toBe(root)
    expect(icpChoice(cwd, ['--project-root-override', '../..'], { ICP_PROJECT_ROOT: '..' })).toBe(root)
    expect(parseCli(['-p', '../..'], {}, cwd).options!.projectDir).toBe(root)

    // An override without icp.yaml fails; icp does not search from there.
    const noManifest = parseCli([], { ICP_PROJECT_ROOT: join(root, 'empty') }, cwd).options!.projectDir
    expect(noManifest).toBe(join(root, 'empty'))
    await expect(loadProject(noManifest)).rejects.toThrow(
      `project manifest not found in ${join(root, 'empty')}`,
    )
    expect(icpChoice(cwd, [], { ICP_PROJECT_ROOT: join(root, 'empty') })).toBe(
      `1: project manifest not found in ${join(root, 'empty')}`,
    )
  })

  test('no icp.yaml anywhere above: icp’s error names the current directory', async () => {
    const root = tree({ 'a/b': '' })
    const cwd = join(root, 'a/b')
    expect(locateProjectRoot(cwd)).toBe(cwd)
    await expect(loadProject(locateProjectRoot(cwd))).rejects.toThrow(`project manifest not found in ${cwd}`)
    expect(icpChoice(cwd)).toBe(`1: project manifest not found in ${cwd}`)
  })
})
