// Which project a command run from some directory means, as icp-cli 1.5.0 decides it
// (crates/icp/src/manifest/mod.rs, `ProjectRootLocate`): an override (`--project-root-override`, else
// ICP_PROJECT_ROOT) is used as it is, with no search and no climb; otherwise the nearest directory at or
// above the current one that holds icp.yaml, then up through ancestors only while an ancestor's
// `dependencies:` (transitively) include the project found so far. The CLI uses this; the Action has
// its own `project-dir` input.

import { existsSync, realpathSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { isMap, isSeq, type YAMLMap } from 'yaml'
import { PROJECT_MANIFEST } from './load.js'
import { asString, entries, lastByKey } from './values.js'
import { readYamlFile } from './yaml.js'

/**
 * The project directory for `cwd` and an optional override. When nothing is found the result is `cwd`
 * (or the override), where loading then fails with icp's "project manifest not found in <dir>".
 */
export function locateProjectRoot(cwd: string, override?: string): string {
  if (override !== undefined) return resolve(cwd, override)
  const start = nearestManifestDir(resolve(cwd))
  if (start === undefined) return resolve(cwd)
  const startReal = realDir(start) ?? start
  let root = start
  for (;;) {
    const parent = dirname(root)
    const ancestor = parent === root ? undefined : nearestManifestDir(parent)
    if (ancestor === undefined || !transitiveDependencyDirs(ancestor).has(startReal)) break
    root = ancestor
  }
  return root
}

function nearestManifestDir(start: string): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, PROJECT_MANIFEST))) return dir
    if (dirname(dir) === dir) return undefined
  }
}

function realDir(dir: string): string | undefined {
  try {
    const real = realpathSync(dir)
    return statSync(real).isDirectory() ? real : undefined
  } catch {
    return undefined
  }
}

/** Every directory a manifest's `dependencies:` name, transitively, canonical. Lenient as icp is: a
 * manifest that cannot be read or parsed declares nothing. */
function transitiveDependencyDirs(manifestDir: string): Set<string> {
  const out = new Set<string>()
  const first = realDir(manifestDir)
  if (first === undefined) return out
  const visited = new Set([first])
  const stack = [first]
  while (stack.length > 0 && visited.size <= 1000) {
    const dir = stack.pop()!
    for (const rel of dependencyPaths(join(dir, PROJECT_MANIFEST))) {
      const dep = realDir(resolve(dir, rel))
      if (dep === undefined) continue
      out.add(dep)
      if (!visited.has(dep)) {
        visited.add(dep)
        stack.push(dep)
      }
    }
  }
  return out
}

function dependencyPaths(manifest: string): string[] {
  try {
    const src = readYamlFile(manifest)
    const root = src.root()
    if (!isMap(root)) return []
    const deps = lastByKey(entries(src, root as YAMLMap)).get('dependencies')
    if (!deps || !isSeq(deps.value)) return []
    const paths: string[] = []
    for (const item of deps.value.items) {
      const node = src.resolve(item)
      if (!isMap(node)) return []
      const path = lastByKey(entries(src, node as YAMLMap)).get('path')
      const text = path ? asString(path.value, false) : undefined
      // serde refuses the whole probe when one entry lacks a string `path`.
      if (text === undefined) return []
      paths.push(text)
    }
    return paths
  } catch {
    return []
  }
}
