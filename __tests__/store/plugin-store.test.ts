// The store's door (src/store/index.ts): one object for a run's plugin bytes and transpiled modules.
// What it owes the pipeline: bytes under <cacheDir>/plugins, modules under <cacheDir>/transpiled, and
// the remote cache asked to restore only what the plan names and to keep only URL plugins it resolved.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterEach, expect, test } from '@jest/globals'

import {
  type DownloadFn,
  type RemoteCache,
  cacheLayout,
  openPluginStore,
  sha256Hex,
} from '../../src/store/index.js'
import { ANSWER_COMPONENT_WAT, componentFromWat } from '../helpers/wat.js'

const dirs: string[] = []
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })))

function workDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'icp-plugin-store-'))
  dirs.push(dir)
  return dir
}

function recordingRemote(): RemoteCache & { restored: string[][]; saved: string[][] } {
  const remote = {
    restored: [] as string[][],
    saved: [] as string[][],
    restorePlugins: async (shas: string[]) => void remote.restored.push(shas),
    save: async (shas: string[]) => void remote.saved.push(shas),
  }
  return remote
}

test('URL plugins land in the plugin cache and only they are kept in the remote cache', async () => {
  const cacheDir = workDir()
  const canisterDir = workDir()
  const urlBytes = new TextEncoder().encode('url plugin bytes')
  const pathBytes = new TextEncoder().encode('path plugin bytes')
  writeFileSync(join(canisterDir, 'p.wasm'), pathBytes)
  const download: DownloadFn = async (_url, dest) => writeFileSync(dest, urlBytes)
  const remote = recordingRemote()
  const store = openPluginStore({ cacheDir, download, remote })

  await store.restore([])
  expect(remote.restored).toEqual([]) // nothing to ask for: no request
  await store.restore([sha256Hex(urlBytes)])
  expect(remote.restored).toEqual([[sha256Hex(urlBytes)]])

  const fromUrl = await store.resolve({
    source: { url: 'https://example.com/p.wasm' },
    sha256: sha256Hex(urlBytes),
    canisterDir,
  })
  expect(fromUrl.location.startsWith(cacheLayout(cacheDir).plugins)).toBe(true)
  const fromPath = await store.resolve({ source: { path: 'p.wasm' }, canisterDir })
  expect(fromPath.sha256).toBe(sha256Hex(pathBytes))

  await store.save()
  expect(remote.saved).toEqual([[sha256Hex(urlBytes)]])
})

test('without a remote cache, restore and save do nothing', async () => {
  const store = openPluginStore({ cacheDir: workDir(), download: async () => {} })
  await expect(store.restore(['a'.repeat(64)])).resolves.toBeUndefined()
  await expect(store.save()).resolves.toBeUndefined()
})

test('transpile writes under the run cache and hits it the second time', async () => {
  const cacheDir = workDir()
  const component = await componentFromWat(ANSWER_COMPONENT_WAT)
  const store = openPluginStore({ cacheDir, download: async () => {} })
  const cold = await store.transpile(component)
  expect(cold.cacheHit).toBe(false)
  expect(cold.dir.startsWith(cacheLayout(cacheDir).transpiled)).toBe(true)
  expect(existsSync(cold.modulePath)).toBe(true)
  const warm = await store.transpile(component, cold.sha256)
  expect(warm).toMatchObject({ cacheHit: true, dir: cold.dir })
})
