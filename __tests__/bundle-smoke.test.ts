// The committed bundle, run the way GitHub runs it: Node 24, no node_modules needed.
import { describe, expect, test } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { NODE24, REPO_ROOT } from './helpers/paths.js'
import { runAction } from './helpers/runner.js'
import { ANSWER_COMPONENT_WAT, componentFromWat } from './helpers/wat.js'

describe('bundled dist/ under Node 24', () => {
  // Copy dist/ away from the repository so nothing can resolve from node_modules.
  const isolated = mkdtempSync(join(tmpdir(), 'icp-sync-dist-copy-'))
  cpSync(join(REPO_ROOT, 'dist'), isolated, { recursive: true })

  test('the Node 24 binary is the one GitHub uses', () => {
    const version = spawnSync(NODE24, ['--version'], { encoding: 'utf8' }).stdout.trim()
    expect(version).toMatch(/^v24\./)
  })

  test('the CLI bundle transpiles a component with jco, then reuses its cache', async () => {
    const work = mkdtempSync(join(tmpdir(), 'icp-sync-smoke-'))
    const wasm = join(work, 'answer.wasm')
    writeFileSync(wasm, await componentFromWat(ANSWER_COMPONENT_WAT))
    const env = { PATH: process.env.PATH, ICP_SYNC_CACHE_DIR: join(work, 'cache') }

    const cold = spawnSync(NODE24, [join(isolated, 'cli.js'), 'inspect', wasm], { env, encoding: 'utf8' })
    expect(cold.stderr).toBe('')
    expect(cold.status).toBe(0)
    expect(cold.stdout).toMatch(/^sha256: [0-9a-f]{64}$/m)
    expect(cold.stdout).toMatch(/^transpile: \d+ ms$/m)
    expect(cold.stdout).toContain('exports: answer (function)')

    const warm = spawnSync(NODE24, [join(isolated, 'cli.js'), 'inspect', wasm], { env, encoding: 'utf8' })
    expect(warm.status).toBe(0)
    expect(warm.stdout).toContain('transpile: cache hit')
    // Node 24 keeps compiled code for the bundle under the cache dir; --cache-dir moves it along.
    expect(readdirSync(join(work, 'cache', 'v8')).length).toBeGreaterThan(0)
    const moved = spawnSync(
      NODE24,
      [join(isolated, 'cli.js'), 'inspect', wasm, '--cache-dir', join(work, 'elsewhere')],
      { env, encoding: 'utf8' },
    )
    expect(moved.status).toBe(0)
    expect(readdirSync(join(work, 'elsewhere', 'v8')).length).toBeGreaterThan(0)
    // A cache dir that cannot exist costs only the cache: Node's own recursive mkdir would loop on /proc.
    const help = spawnSync(NODE24, [join(isolated, 'cli.js'), '--help', '--cache-dir', '/proc/icp-sync/x'], {
      env,
      encoding: 'utf8',
      timeout: 20_000,
    })
    expect(help.status).toBe(0)
    expect(help.stdout).toMatch(/^usage: icp-sync/)
  })

  test('the CLI bundle refuses bytes that are not a component, naming the problem', () => {
    const work = mkdtempSync(join(tmpdir(), 'icp-sync-smoke-'))
    const bogus = join(work, 'bogus.wasm')
    writeFileSync(bogus, 'not wasm at all')
    const env = { PATH: process.env.PATH, ICP_SYNC_CACHE_DIR: join(work, 'cache') }
    const run = spawnSync(NODE24, [join(isolated, 'cli.js'), 'inspect', bogus], { env, encoding: 'utf8' })
    expect(run.status).toBe(1)
    expect(run.stderr).toMatch(/^Error: not a valid WebAssembly component: /)
  })

  test('the Action bundle reads its inputs in a simulated runner and fails cleanly', async () => {
    const project = mkdtempSync(join(tmpdir(), 'icp-sync-empty-project-'))
    const run = await runAction(NODE24, join(isolated, 'index.js'), {
      'project-dir': project,
      environment: 'local',
    })
    expect(run.status).toBe(1)
    expect(run.stdout).toContain(`::error title=icp-sync::project manifest not found in ${project}`)
  })

  test('the Action bundle names a bad input', async () => {
    const run = await runAction(NODE24, join(isolated, 'index.js'), { parallel: 'lots' })
    expect(run.status).toBe(1)
    expect(run.stdout).toContain(
      "::error::input 'parallel': expected a whole number from 1 to 64, got 'lots'",
    )
  })

  test('dist/ carries the files the bundle loads at run time', () => {
    for (const asset of [
      'js-component-bindgen-component.core.wasm',
      'worker-thread.bundle.js',
      'package.json',
    ])
      expect(existsSync(join(isolated, asset))).toBe(true)
  })
})
