// Declared `dirs`/`files` checks with icp-cli 1.5.0's rules and texts (icp-cli-compat.md §9, §4.7):
// relative only; a `..` may not climb above the project directory at any point (even if the path comes
// back inside); no symlink in any component of the declared path; a dir must exist as a directory;
// files are read as UTF-8 and passed inline. The guest sees each preopen under the string as written.
import { lstatSync, readFileSync, realpathSync, statSync } from 'node:fs'
import { isAbsolute, join, relative, sep } from 'node:path'

import type { InterfaceVersion, NamedPath, PluginErrorKind } from './types.js'

export class DeclaredPathError extends Error {
  override name = 'DeclaredPathError'
  constructor(
    readonly kind: PluginErrorKind,
    message: string,
    readonly causes: string[] = [],
  ) {
    super(message)
  }
}

export interface Preopen {
  /** Name the guest sees: the manifest string as written. */
  guest: string
  /** Canonical host directory. */
  host: string
}

export interface PreparedPaths {
  preopens: Preopen[]
  /** Directory entries for the exec input, in manifest order. */
  dirs: NamedPath[]
  files: Array<{ key?: string; name: string; content: string }>
}

/** Applies the interface version's form rules, then the path rules, in icp's order (dirs, then files). */
export function prepareDeclaredPaths(req: {
  version: InterfaceVersion
  pluginPath: string
  canisterDir: string
  projectDir: string
  dirs: NamedPath[]
  files: NamedPath[]
}): PreparedPaths {
  checkForm(req.version, req.pluginPath, req.dirs, req.files)
  const prepared: PreparedPaths = { preopens: [], dirs: [], files: [] }
  for (const dir of req.dirs) {
    const host = checkPath(dir.path, req.canisterDir, req.projectDir)
    prepared.preopens.push({ guest: dir.path, host: openDir(dir.path, host) })
    prepared.dirs.push(dir)
  }
  for (const file of req.files) {
    const host = checkPath(file.path, req.canisterDir, req.projectDir)
    // 0.2.0 lists directories under `files:` too; what is on disk decides.
    if (req.version === '0.2.0' && isDirectory(host)) {
      prepared.preopens.push({ guest: file.path, host: openDir(file.path, host) })
      prepared.dirs.push(file)
      continue
    }
    prepared.files.push({ key: file.key, name: file.path, content: readUtf8(host) })
  }
  return prepared
}

function checkForm(version: InterfaceVersion, plugin: string, dirs: NamedPath[], files: NamedPath[]): void {
  if (version === '0.1.0') {
    const named = [...dirs, ...files].find((entry) => entry.key !== undefined)
    if (named)
      throw new DeclaredPathError(
        'config',
        `the plugin at ${plugin} implements icp:sync-plugin@0.1, whose entries carry no name, but '${named.path}' was declared under the name '${named.key}'. Write \`dirs:\`/\`files:\` as a plain list of paths, or rebuild the plugin against icp:sync-plugin@0.2.`,
      )
    return
  }
  if (dirs.length > 0)
    throw new DeclaredPathError(
      'config',
      `the plugin at ${plugin} implements icp:sync-plugin@0.2, which has no separate \`dirs:\` setting. List the directory '${dirs[0]!.path}' under \`files:\` instead — the host tells a directory from a file by what is on disk.`,
    )
  const unnamed = files.find((entry) => entry.key === undefined)
  if (unnamed)
    throw new DeclaredPathError(
      'config',
      `the plugin at ${plugin} implements icp:sync-plugin@0.2, which names every entry, but '${unnamed.path}' was declared in a plain list. Write \`files:\` as a map of name → path, or rebuild the plugin against icp:sync-plugin@0.1.`,
    )
}

/** Returns the host path (canisterDir joined with `declared`) after the 1.5.0 checks. */
export function checkPath(declared: string, canisterDir: string, projectDir: string): string {
  if (isAbsolute(declared) || declared.startsWith('/'))
    throw new DeclaredPathError(
      'path',
      `plugin path '${declared}' is not a relative path (absolute paths are not allowed)`,
    )
  const components = declared.split(/[/\\]/)
  // Position relative to the project directory, component by component: climbing above it at any point
  // is refused even if the path later comes back inside (observed with icp 1.5.0).
  const base = relative(projectDir, canisterDir)
  const depth = base === '' ? [] : base.split(sep)
  const outside = base.startsWith('..') || isAbsolute(base)
  for (const part of components) {
    if (part === '..') {
      if (outside || depth.length === 0)
        throw new DeclaredPathError(
          'path',
          `plugin path '${declared}' resolves outside '${projectDir}'; a plugin may only read paths inside the project directory`,
        )
      depth.pop()
    } else if (part !== '' && part !== '.') depth.push(part)
  }
  // No symlink anywhere in the declared part (a symlinked canister dir itself is fine).
  let current = canisterDir
  const written: string[] = []
  for (const part of components) {
    if (part === '' || part === '.') continue
    written.push(part)
    current = join(current, part)
    if (part === '..') continue
    let isLink: boolean
    try {
      isLink = lstatSync(current).isSymbolicLink()
    } catch {
      break // missing: the preopen or read below reports it
    }
    if (isLink)
      throw new DeclaredPathError(
        'path',
        `plugin path '${declared}' resolves through a symlink ('${written.join('/')}'); symlinks are not allowed in plugin paths`,
      )
  }
  return join(canisterDir, declared)
}

function isDirectory(host: string): boolean {
  try {
    return statSync(host).isDirectory()
  } catch {
    return false
  }
}

function openDir(declared: string, host: string): string {
  if (!isDirectory(host))
    throw new DeclaredPathError('path', `plugin dir '${declared}' is not an existing directory`)
  return realpathSync(host)
}

function readUtf8(host: string): string {
  let bytes: Buffer
  try {
    bytes = readFileSync(host)
  } catch (error) {
    throw new DeclaredPathError('path', `failed to read plugin input file at ${host}`, [
      (error as Error).message,
    ])
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)
  } catch {
    throw new DeclaredPathError('path', `failed to read plugin input file at ${host}`, [
      'stream did not contain valid UTF-8',
    ])
  }
}
