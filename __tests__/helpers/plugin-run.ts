// Shared setup for plugin runtime tests: a temporary project and a runPlugin request with defaults.
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import type { CallOutcome, PluginCallRequest, RunPluginRequest } from '../../src/plugin/index.js'
import { transpilerAt } from '../../src/store/index.js'
import { REPO_ROOT } from './paths.js'

export const TRANSPILE_CACHE = join(REPO_ROOT, '.cache/transpile-tests')

/** project/ with assets/seed/{a.txt,b.txt,sub/c.txt}, config.txt, a secret outside seed, and symlinks. */
export function makeProject(): string {
  const project = mkdtempSync(join(tmpdir(), 'icp-plugin-test-'))
  mkdirSync(join(project, 'assets/seed/sub'), { recursive: true })
  writeFileSync(join(project, 'assets/seed/a.txt'), 'apple\n')
  writeFileSync(join(project, 'assets/seed/b.txt'), 'banana')
  writeFileSync(join(project, 'assets/seed/sub/c.txt'), 'cherry')
  writeFileSync(join(project, 'assets/secret.txt'), 'TOP SECRET')
  writeFileSync(join(project, 'config.txt'), 'dev\n')
  symlinkSync(join(project, 'assets/secret.txt'), join(project, 'assets/seed/link-out'))
  symlinkSync('a.txt', join(project, 'assets/seed/link-in'))
  symlinkSync('..', join(project, 'assets/seed/dir-out'))
  symlinkSync('assets', join(project, 'linkdir'))
  return project
}

export interface Recorded {
  calls: PluginCallRequest[]
}

/** A canister-call handler written for the tests: echo reverses, slow waits, fail rejects. */
export function testHandler(recorded: Recorded, slowMs = 400) {
  return async (req: PluginCallRequest): Promise<CallOutcome> => {
    recorded.calls.push(req)
    switch (req.method) {
      case 'echo':
        return { ok: req.arg.slice().reverse() }
      case 'slow':
        await new Promise((done) => setTimeout(done, slowMs))
        return { ok: new Uint8Array(0) }
      case 'fail':
        return {
          err: 'canister call failed: The replica returned a rejection error: reject code CanisterReject',
        }
      case 'get':
        return { ok: new TextEncoder().encode(`${recorded.calls.length - 1} stored`) }
      default:
        return { ok: new Uint8Array([1]) }
    }
  }
}

export function request(
  wasmPath: string,
  project: string,
  overrides: Partial<RunPluginRequest> & { mode?: string; recorded?: Recorded } = {},
): RunPluginRequest {
  const recorded = overrides.recorded ?? { calls: [] }
  const { mode, recorded: _r, ...rest } = overrides
  return {
    component: readFileSync(wasmPath),
    pluginLabel: `plugin path: ${wasmPath}`,
    pluginPath: wasmPath,
    canisterDir: project,
    projectDir: project,
    dirs: [{ path: 'assets/seed' }],
    files: [],
    fields: [],
    callable: [],
    input: {
      canisterId: 'rwlgt-iiaaa-aaaaa-aaaaa-cai',
      environment: mode ?? 'walk',
      identityPrincipal: '2vxsx-fae',
      apiUrl: 'http://127.0.0.1:4943',
      canisterIds: [],
    },
    canisterCall: testHandler(recorded),
    metadataSection: async () => ({ ok: undefined }),
    limits: { computeSeconds: 30, memoryMb: 1024, wallSeconds: 60 },
    transpile: transpilerAt(TRANSPILE_CACHE),
    ...rest,
  }
}
