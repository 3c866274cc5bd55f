// A multi-canister project against a running replica, for the end-to-end tests.
import { generateKeyPairSync } from 'node:crypto'
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { Ed25519KeyIdentity } from '@icp-sdk/core/identity'

import { type Replica, demoCanister } from '../../replica/index.js'

export interface TestIdentity {
  pem: string
  principal: string
}

/** A fresh Ed25519 identity as `icp identity export` prints it (PKCS#8 PEM). */
export function newIdentity(): TestIdentity {
  const { privateKey } = generateKeyPairSync('ed25519')
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()
  const raw = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url')
  const principal = Ed25519KeyIdentity.fromSecretKey(new Uint8Array(raw)).getPrincipal().toText()
  return { pem, principal }
}

/** Creates a demo canister controlled by `controller` and returns its id. */
export function demoCanisterOn(replica: Replica, controller: string): string {
  const id = replica.createCanister({ controllers: [controller] })
  replica.installJsCanister(id, demoCanister())
  return id
}

export interface ProjectFiles {
  dir: string
  manifest: string
}

/** Writes icp.yaml (with a connected network pinned to the replica) plus extra files into a temp dir. */
export function writeProject(
  replica: Replica,
  body: string,
  files: Record<string, string> = {},
  copies: Record<string, string> = {},
): ProjectFiles {
  const dir = mkdtempSync(join(tmpdir(), 'icp-sync-e2e-project-'))
  const manifest = `networks:
  - name: replica
    mode: connected
    url: ${replica.url}
    root-key: ${replica.rootKeyHex}
environments:
  - name: e2e
    network: replica
${body}`
  writeFileSync(join(dir, 'icp.yaml'), manifest)
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true })
    writeFileSync(join(dir, path), content)
  }
  for (const [path, source] of Object.entries(copies)) {
    mkdirSync(join(dir, path, '..'), { recursive: true })
    copyFileSync(source, join(dir, path))
  }
  return { dir, manifest }
}

/**
 * One inline canister for `canisters:` with a trivial build and the given sync steps (YAML list items,
 * written at column 0: `- type: plugin` …; they are indented here).
 */
export function canisterYaml(name: string, syncSteps: string): string {
  const steps = syncSteps
    .trim()
    .split('\n')
    .map((line) => `        ${line}`)
    .join('\n')
  return `  - name: ${name}
    build:
      steps:
        - type: script
          command: echo build
    sync:
      steps:
${steps}
`
}

/** The `.icp/data/mappings/<env>.ids.json` icp writes for a connected network. */
export function writeIds(dir: string, environment: string, ids: Record<string, string>): void {
  mkdirSync(join(dir, '.icp/data/mappings'), { recursive: true })
  writeFileSync(join(dir, `.icp/data/mappings/${environment}.ids.json`), JSON.stringify(ids, null, 2))
}
