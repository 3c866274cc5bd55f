// Declared `dirs:`/`files:` against a project a pull request could have committed: every way of hiding a
// symlink, a missing component or a non-regular file behind the lexical rules, and a link swapped in
// between the check and the open. (The same rules through runPlugin: paths-output.test.ts; through the
// bundled Action: e2e/secrets.test.ts; against icp-cli 1.5.0: the conformance corpus.)
import { describe, expect, test } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import {
  MAX_DECLARED_FILES_BYTES,
  checkPath,
  prepareDeclaredPaths,
  readDeclaredFile,
} from '../../src/plugin/paths.js'
import type { InterfaceVersion, NamedPath } from '../../src/plugin/types.js'

/** A project with a canister directory `app/`, a host directory outside it and the links under test. */
function project() {
  const root = mkdtempSync(join(tmpdir(), 'icp-declared-'))
  const dir = join(root, 'project')
  const host = join(root, 'host')
  mkdirSync(join(dir, 'app/assets/seed'), { recursive: true })
  mkdirSync(join(dir, 'app/a'), { recursive: true })
  mkdirSync(host)
  writeFileSync(join(host, 'canary.txt'), 'CANARY')
  writeFileSync(join(dir, 'app/config.txt'), 'dev\n')
  writeFileSync(join(dir, 'app/assets/seed/a.txt'), 'apple')
  writeFileSync(join(dir, 'shared.txt'), 'shared')
  symlinkSync('/proc/self', join(dir, 'app/self'))
  symlinkSync(host, join(dir, 'app/outside'))
  symlinkSync('assets', join(dir, 'app/link'))
  symlinkSync('seed', join(dir, 'app/assets/mid'))
  symlinkSync('config.txt', join(dir, 'app/flink'))
  symlinkSync('nowhere', join(dir, 'app/dangle'))
  return { root, dir, app: join(dir, 'app'), host }
}

function prepare(
  p: ReturnType<typeof project>,
  declared: { dirs?: string[]; files?: string[] },
  version: InterfaceVersion = '0.1.0',
  canisterDir = p.app,
) {
  const list = (paths: string[] = []): NamedPath[] => paths.map((path) => ({ path }))
  return prepareDeclaredPaths({
    version,
    pluginPath: '/p/plugin.wasm',
    canisterDir,
    projectDir: p.dir,
    dirs: list(declared.dirs),
    files: list(declared.files),
  })
}

function refusal(run: () => unknown): { message: string; causes: string[] } {
  try {
    run()
  } catch (error) {
    const { message, causes } = error as { message: string; causes: string[] }
    return { message, causes }
  }
  throw new Error('not refused')
}

const symlink = (declared: string, link: string) =>
  `plugin path '${declared}' resolves through a symlink ('${link}'); symlinks are not allowed in plugin paths`

describe('a symlink anywhere in the normalised path is refused, however the path reaches it', () => {
  const p = project()
  test.each([
    // [kind, declared, the link icp names]
    ['files', 'missing/../self/environ', 'self'],
    ['dirs', 'nope/../outside', 'outside'],
    ['files', 'a/../link/seed/a.txt', 'link'],
    ['dirs', 'missing/../link', 'link'],
    ['files', './missing/../self/environ', 'self'],
    ['dirs', 'assets/mid', 'assets/mid'],
    ['files', 'assets/mid/a.txt', 'assets/mid'],
    ['files', 'flink', 'flink'],
    ['dirs', 'link', 'link'],
    ['files', 'dangle', 'dangle'],
    ['dirs', 'dangle/x', 'dangle'],
  ])('%s: %s', (kind, declared, link) => {
    expect(refusal(() => prepare(p, { [kind]: [declared] })).message).toBe(symlink(declared, link))
  })
})

describe('climbing above the project and real paths outside it', () => {
  const p = project()
  const outside = (declared: string) =>
    `plugin path '${declared}' resolves outside '${p.dir}'; a plugin may only read paths inside the project directory`

  test.each(['./missing/../../../x', '../../project/app/config.txt', 'a/../../../x'])('%s', (declared) => {
    expect(refusal(() => prepare(p, { files: [declared] })).message).toBe(outside(declared))
  })

  test('a `..` that stays inside the project is read from the normalised path', () => {
    expect(prepare(p, { files: ['../shared.txt', 'a/../config.txt'] }).files).toEqual([
      { key: undefined, name: '../shared.txt', content: 'shared' },
      { key: undefined, name: 'a/../config.txt', content: 'dev\n' },
    ])
  })

  test('a symlinked canister directory is allowed inside the project, refused when it points out', () => {
    const inside = join(p.dir, 'app-link')
    symlinkSync('app', inside)
    expect(prepare(p, { files: ['config.txt'] }, '0.1.0', inside).files[0]!.content).toBe('dev\n')
    const out = join(p.dir, 'host-link')
    symlinkSync(p.host, out)
    expect(refusal(() => prepare(p, { files: ['canary.txt'] }, '0.1.0', out)).message).toBe(
      outside('canary.txt'),
    )
  })
})

describe('a missing component is an error, not the end of the check', () => {
  const p = project()
  test('files: icp’s read failure for the normalised path', () => {
    expect(refusal(() => prepare(p, { files: ['nope/x.txt'] }))).toEqual({
      message: `failed to read plugin input file at ${join(p.app, 'nope/x.txt')}`,
      causes: ['No such file or directory (os error 2)'],
    })
    expect(refusal(() => prepare(p, { files: ['config.txt/x'] })).causes).toEqual([
      'Not a directory (os error 20)',
    ])
  })

  test('dirs: icp’s "not an existing directory"', () => {
    expect(refusal(() => prepare(p, { dirs: ['nope/x'] })).message).toBe(
      "plugin dir 'nope/x' is not an existing directory",
    )
  })
})

describe('files must be regular files, and the file the check saw', () => {
  test('a FIFO is refused without blocking', () => {
    const p = project()
    execFileSync('mkfifo', [join(p.app, 'fifo')])
    expect(refusal(() => prepare(p, { files: ['fifo'] }))).toEqual({
      message: `failed to read plugin input file at ${join(p.app, 'fifo')}`,
      causes: ['not a regular file'],
    })
  })

  test('a 0.2 entry that is a FIFO is neither a directory nor read', () => {
    const p = project()
    execFileSync('mkfifo', [join(p.app, 'fifo')])
    const run = () =>
      prepareDeclaredPaths({
        version: '0.2.0',
        pluginPath: '/p/plugin.wasm',
        canisterDir: p.app,
        projectDir: p.dir,
        dirs: [],
        files: [{ key: 'f', path: 'fifo' }],
      })
    expect(refusal(run).causes).toEqual(['not a regular file'])
  })

  test('a final symlink swapped in after the check is not followed', () => {
    const p = project()
    const checked = checkPath('config.txt', p.app, p.dir)
    rmSync(join(p.app, 'config.txt'))
    symlinkSync(join(p.host, 'canary.txt'), join(p.app, 'config.txt'))
    expect(refusal(() => readDeclaredFile(checked)).causes).toEqual([
      'Too many levels of symbolic links (os error 40)',
    ])
  })

  test('a directory on the way swapped for a link after the check is caught by the file’s identity', () => {
    const p = project()
    const checked = checkPath('assets/seed/a.txt', p.app, p.dir)
    writeFileSync(join(p.host, 'a.txt'), 'CANARY')
    renameSync(join(p.app, 'assets/seed'), join(p.app, 'assets/old'))
    symlinkSync(p.host, join(p.app, 'assets/seed'))
    expect(refusal(() => readDeclaredFile(checked)).causes).toEqual([
      'the file changed while it was being checked',
    ])
  })

  test('another file renamed over the checked one is refused', () => {
    const p = project()
    const checked = checkPath('config.txt', p.app, p.dir)
    writeFileSync(join(p.app, 'other.txt'), 'other')
    renameSync(join(p.app, 'other.txt'), join(p.app, 'config.txt'))
    expect(refusal(() => readDeclaredFile(checked)).causes).toEqual([
      'the file changed while it was being checked',
    ])
  })
})

describe('a step’s declared files are capped in total (64 MiB), before anything is read', () => {
  test('one 1 MiB file listed 65 times is refused, naming the sizes', () => {
    const p = project()
    writeFileSync(join(p.app, 'big.bin'), Buffer.alloc(1024 * 1024, 'a'))
    const run = () => prepare(p, { files: [...Array(65).fill('big.bin'), 'config.txt'] })
    expect(refusal(run)).toEqual({
      message: `the step's declared files add up to ${65 * 1024 * 1024 + 4} bytes, more than the ${MAX_DECLARED_FILES_BYTES} bytes (64 MiB) a step may pass to its plugin; nothing was read`,
      causes: [`largest: 'big.bin': 1048576 bytes × 65, 'config.txt': 4 bytes`],
    })
    // 64 listings fit.
    expect(prepare(p, { files: Array(64).fill('big.bin') }).files).toHaveLength(64)
  })

  test('a (sparse) file larger than the cap is refused without being read', () => {
    const p = project()
    const path = join(p.app, 'huge.bin')
    writeFileSync(path, '')
    truncateSync(path, MAX_DECLARED_FILES_BYTES + 1)
    expect(refusal(() => prepare(p, { files: ['huge.bin'] })).message).toMatch(
      /^the step's declared files add up to 67108865 bytes, more than/,
    )
  })

  test('a file that grew after the check is held to what is left of the budget', () => {
    const p = project()
    const checked = checkPath('config.txt', p.app, p.dir)
    writeFileSync(join(p.app, 'config.txt'), 'grown to more than ten bytes')
    expect(refusal(() => readDeclaredFile(checked, { left: 10 })).causes).toEqual([
      'the file is 28 bytes, more than the 10 bytes left to read',
    ])
  })
})
