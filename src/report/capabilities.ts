// The capability review: per canister and plugin step, what the plugin is given — where its bytes come
// from (and their sha256), the interface it implements, the WASI interfaces and host functions its
// component imports (read from the component itself), the `dirs`/`files` granted with their sizes, the
// canisters it may call (0.2), the identity it acts as and the proxy. Rows are made from the plan before
// any step runs; a step fills in what only its component can tell (sha256, interface, imports) once its
// bytes are resolved. A step that never got that far keeps the manifest's view.
import { type Dirent, lstatSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'

import { readComponentImports } from '../plugin/index.js'
import type { PlannedCanister, SourcePosition } from '../project/types.js'

export interface GrantedPath {
  /** The name a 0.2 plugin sees (map form), when given. */
  name?: string
  path: string
  /** Bytes of regular files at or under the path, links not followed; absent when unreadable. */
  bytes?: number
  /** True when the count stopped at MAX_ENTRIES_COUNTED. */
  bytesPartial?: boolean
}

export interface CapabilityRow {
  canister: string
  /** 1-based index of the step in the canister's sync steps. */
  step: number
  position: SourcePosition
  source: 'path' | 'url'
  location: string
  /** As declared in the manifest, then the digest of the bytes once resolved. */
  sha256?: string
  interfaceVersion?: string
  /** WASI interfaces (versioned, as the component names them). */
  wasi?: string[]
  /** Host functions and any other non-WASI import. */
  host?: string[]
  dirs: GrantedPath[]
  files: GrantedPath[]
  /** The step's `canisters:` list (0.2). */
  canisters: string[]
  identityPrincipal?: string
  proxy?: string
}

/** Entries a directory walk looks at, so a huge tree cannot stall the run. */
const MAX_ENTRIES_COUNTED = 100_000

/** One row per plugin step of the plan, in plan order. */
export function capabilityRows(
  canisters: PlannedCanister[],
  identityPrincipal: string | undefined,
  proxy: string | undefined,
): CapabilityRow[] {
  const rows: CapabilityRow[] = []
  for (const canister of canisters) {
    for (const [index, step] of canister.steps.entries()) {
      if (step.kind !== 'plugin') continue
      const granted = (entry: { key?: string; path: string }): GrantedPath => ({
        ...(entry.key !== undefined ? { name: entry.key } : {}),
        path: entry.path,
        ...sizeOf(resolve(canister.dir, entry.path)),
      })
      rows.push({
        canister: canister.name,
        step: index + 1,
        position: step.position,
        source: 'url' in step.source ? 'url' : 'path',
        location: 'url' in step.source ? step.source.url : step.source.path,
        ...(step.sha256 !== undefined ? { sha256: step.sha256 } : {}),
        dirs: step.dirs.map(granted),
        files: step.files.map(granted),
        canisters: step.canisters,
        ...(identityPrincipal ? { identityPrincipal } : {}),
        ...(proxy ? { proxy } : {}),
      })
    }
  }
  return rows
}

/** Fills in what the component says about itself; a component we cannot parse is left for the step to
 * report (runPlugin refuses it with its own error). */
export function recordComponent(
  row: CapabilityRow,
  component: { bytes: Uint8Array; sha256: string; interfaceVersion?: string },
): void {
  row.sha256 = component.sha256
  if (component.interfaceVersion) row.interfaceVersion = component.interfaceVersion
  try {
    const imports = readComponentImports(component.bytes).filter(
      (entry) => entry.kind !== 'type' && !entry.name.startsWith('icp:sync-plugin/types@'),
    )
    const names = [...new Set(imports.map((entry) => entry.name))].sort()
    row.wasi = names.filter((name) => name.startsWith('wasi:'))
    row.host = names.filter((name) => !name.startsWith('wasi:'))
  } catch {
    // not a component: the step fails with the reason
  }
}

/** Size of a file, or of the regular files under a directory; links are counted as nothing. */
function sizeOf(path: string): Pick<GrantedPath, 'bytes' | 'bytesPartial'> {
  try {
    const stats = lstatSync(path)
    if (!stats.isDirectory()) return { bytes: stats.isFile() ? stats.size : 0 }
  } catch {
    return {}
  }
  let bytes = 0
  let seen = 0
  const pending = [path]
  while (pending.length > 0) {
    const dir = pending.pop()!
    let entries: Dirent[]
    try {
      entries = readdirSync(dir, { withFileTypes: true })
    } catch {
      continue
    }
    for (const entry of entries) {
      if (++seen > MAX_ENTRIES_COUNTED) return { bytes, bytesPartial: true }
      const child = join(dir, entry.name)
      if (entry.isDirectory()) pending.push(child)
      else if (entry.isFile()) bytes += sizeIfPresent(child)
    }
  }
  return { bytes }
}

/** A file's size, or 0 when it went away after the directory was listed (the review only counts). */
function sizeIfPresent(path: string): number {
  try {
    return lstatSync(path).size
  } catch {
    return 0
  }
}
