// Canister IDs as icp-cli stores them: `.icp/cache/mappings/<env>.ids.json` for an environment on a
// managed network, `.icp/data/mappings/<env>.ids.json` on a connected one; a JSON object of canister
// name → principal text. A missing file is an empty map (crates/icp/src/store_id.rs).

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Principal } from '@icp-sdk/core/principal'
import { parse as parseYamlValue } from 'yaml'
import { ManifestError } from './errors.js'

export function idsFile(projectDir: string, environment: string, mode: 'managed' | 'connected'): string {
  return join(
    projectDir,
    '.icp',
    mode === 'managed' ? 'cache' : 'data',
    'mappings',
    `${environment}.ids.json`,
  )
}

export function readIdsFile(file: string): Record<string, string> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw new ManifestError(`failed to read canister IDs at '${file}': ${(err as Error).message}`, { file })
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new ManifestError(`failed to parse canister IDs at '${file}': ${(err as Error).message}`, {
      file,
      ...jsonErrorPosition(text, err as Error),
    })
  }
  return checkIdMap(value, (message) => new ManifestError(`${message} in '${file}'`, { file }))
}

/** The `canister-ids` input: a JSON or YAML map of name → principal text. */
export function parseIdsInput(text: string, makeError: (message: string) => Error): Record<string, string> {
  if (text.trim() === '') return {}
  let value: unknown
  try {
    value = parseYamlValue(text, { maxAliasCount: 10, uniqueKeys: true }) // JSON is YAML too
  } catch (err) {
    throw makeError(`not a JSON or YAML map: ${(err as Error).message.split('\n')[0]}`)
  }
  return checkIdMap(value, makeError, (id) => id.trim()) // pasted text: surrounding blanks are noise
}

function checkIdMap(
  value: unknown,
  makeError: (message: string) => Error,
  clean: (id: string) => string = (id) => id,
): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw makeError(
      'expected a map of canister name to principal, e.g. {"backend": "rrkah-fqaaa-aaaaa-aaaaq-cai"}',
    )
  }
  const out: Record<string, string> = Object.create(null) // names are user input (`__proto__` too)
  for (const [name, id] of Object.entries(value as Record<string, unknown>)) {
    if (typeof id !== 'string') throw makeError(`the ID of canister '${name}' is not a string`)
    out[name] = checkPrincipal(clean(id), (m) => makeError(`the ID of canister '${name}' ${m}`))
  }
  return out
}

export function checkPrincipal(text: string, makeError: (message: string) => Error): string {
  try {
    return Principal.fromText(text).toText()
  } catch {
    throw makeError(`is not a valid principal: '${text}'`)
  }
}

function jsonErrorPosition(text: string, err: Error): { line?: number; column?: number } {
  const m = /position (\d+)/.exec(err.message)
  if (!m) return {}
  const offset = Number(m[1])
  const before = text.slice(0, offset).split('\n')
  return { line: before.length, column: before[before.length - 1]!.length + 1 }
}
