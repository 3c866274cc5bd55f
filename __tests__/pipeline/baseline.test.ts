// The baseline comparison at the unit: what counts as a changed plugin step.
import { describe, expect, test } from '@jest/globals'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { baselineChanges } from '../../src/policy/baseline.js'
import { loadProject, planSync } from '../../src/project/index.js'

const MANIFEST = `networks:
  - name: stage
    mode: connected
    url: http://127.0.0.1:9
    root-key: mainnet
environments:
  - name: ci
    network: stage
canisters:
  - name: app
    build: {steps: [{type: script, command: make}]}
    sync:
      steps:
        - type: plugin
          path: plugin.wasm
`

function checkout(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'icp-sync-baseline-'))
  writeFileSync(join(dir, 'icp.yaml'), MANIFEST)
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true })
    writeFileSync(join(dir, name), content)
  }
  return dir
}

async function changesOf(current: string, base: string) {
  const project = await loadProject(current)
  const plan = planSync(project, {
    environment: 'ci',
    canisters: [],
    canisterIds: { app: 'aaaaa-aa' },
  })
  return baselineChanges(project, plan, base)
}

describe('baseline comparison', () => {
  test('the same plugin bytes on both sides: no change', async () => {
    expect(await changesOf(checkout({ 'plugin.wasm': 'a' }), checkout({ 'plugin.wasm': 'a' }))).toEqual([])
  })

  test('a plugin file that cannot be read on both sides (e.g. built by an earlier step) is a change, never "unchanged"', async () => {
    const changes = await changesOf(checkout({}), checkout({}))
    expect(changes).toEqual([
      expect.objectContaining({
        canister: 'app',
        step: 1,
        changes: ['sha256 unknown: the plugin file could not be read when the plan was compared'],
      }),
    ])
  })
})
