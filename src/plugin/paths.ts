// Declared `dirs`/`files` checks with icp-cli 1.5.0's rules and texts (icp-cli-compat.md §9, §4.7):
// relative only; a `..` may not climb above the project directory at any point (even if the path comes
// back inside); no symlink in any component; a dir must exist as a directory; files are read as UTF-8
// and passed inline. The guest sees each preopen under the string as written.
//
// Where we are stricter than icp, on purpose (a pull request controls icp.yaml and can commit symlinks):
// - The components checked are those of the lexically normalised path, the path that is then opened, and
//   every one must exist: `missing/../link` is `link`, and a missing component is an error, never the end
//   of the check.
// - The real path must be inside the project directory (a symlinked canister directory is allowed, as in
//   icp, but only if it points inside the project).
// - A file is opened without following a final symlink and without blocking (a FIFO), must be a regular
//   file, and must be the very file the check saw (device and inode), so a link swapped in between the
//   check and the open is refused.
import {
  type Stats,
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readSync,
  realpathSync,
  statSync,
} from 'node:fs'
import { isAbsolute, join, relative, resolve, sep } from 'node:path'

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
    const checked = checkPath(dir.path, req.canisterDir, req.projectDir)
    prepared.preopens.push({ guest: dir.path, host: openDir(checked) })
    prepared.dirs.push(dir)
  }
  const toRead: Array<{ file: NamedPath; checked: CheckedPath }> = []
  for (const file of req.files) {
    const checked = checkPath(file.path, req.canisterDir, req.projectDir)
    // 0.2.0 lists directories under `files:` too; what is on disk decides.
    if (req.version === '0.2.0' && checked.stats?.isDirectory()) {
      prepared.preopens.push({ guest: file.path, host: openDir(checked) })
      prepared.dirs.push(file)
      continue
    }
    toRead.push({ file, checked })
  }
  // Every file is read whole into this process and passed inline: their sizes are added up before any
  // is read, and each read is held to what is left (a file that grew since the check is refused).
  const budget = { left: MAX_DECLARED_FILES_BYTES }
  checkFilesBudget(toRead.map(({ checked }) => checked))
  for (const { file, checked } of toRead)
    prepared.files.push({ key: file.key, name: file.path, content: readDeclaredFile(checked, budget) })
  return prepared
}

/** What one step's declared files may add up to (each listing counted): 64 MiB. icp-cli sets no limit. */
export const MAX_DECLARED_FILES_BYTES = 64 * 1024 * 1024

function checkFilesBudget(files: CheckedPath[]): void {
  const regular = files.filter((checked) => checked.stats?.isFile())
  const total = regular.reduce((sum, checked) => sum + checked.stats!.size, 0)
  if (total <= MAX_DECLARED_FILES_BYTES) return
  // The largest first, each path once with how often it is listed.
  const listed = new Map<string, { size: number; times: number }>()
  for (const checked of regular) {
    const entry = listed.get(checked.declared) ?? { size: checked.stats!.size, times: 0 }
    entry.times++
    listed.set(checked.declared, entry)
  }
  const largest = [...listed]
    .sort(([, a], [, b]) => b.size * b.times - a.size * a.times)
    .slice(0, 5)
    .map(([path, { size, times }]) => `'${path}': ${size} bytes${times > 1 ? ` × ${times}` : ''}`)
  throw new DeclaredPathError(
    'path',
    `the step's declared files add up to ${total} bytes, more than the ${MAX_DECLARED_FILES_BYTES} bytes (64 MiB) a step may pass to its plugin; nothing was read`,
    [`largest: ${largest.join(', ')}${listed.size > 5 ? `, and ${listed.size - 5} more` : ''}`],
  )
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

/** A declared path that passed the checks: where it is, and what was there when it was checked. */
export interface CheckedPath {
  declared: string
  /** canisterDir joined with the declared path, lexically normalised: the path that is opened. */
  host: string
  /** lstat of `host` (the canister directory itself: stat), or undefined when a component is missing. */
  stats?: Stats
  /** Why it is missing (lstat's error), when `stats` is undefined. */
  missing?: Error
}

/**
 * The 1.5.0 checks plus ours (see the top of this file). Throws DeclaredPathError for an absolute path, a
 * climb above the project, a symlink or a real path outside the project; a missing component is
 * returned (`missing`) so the caller reports it in icp's words for a dir or a file.
 */
export function checkPath(declared: string, canisterDir: string, projectDir: string): CheckedPath {
  if (isAbsolute(declared) || declared.startsWith('/'))
    throw new DeclaredPathError(
      'path',
      `plugin path '${declared}' is not a relative path (absolute paths are not allowed)`,
    )
  const outsideError = () =>
    new DeclaredPathError(
      'path',
      `plugin path '${declared}' resolves outside '${projectDir}'; a plugin may only read paths inside the project directory`,
    )
  // Position relative to the project directory, component by component: climbing above it at any point
  // is refused even if the path later comes back inside (observed with icp 1.5.0).
  const base = relative(projectDir, canisterDir)
  const depth = base === '' ? [] : base.split(sep)
  const outside = base.startsWith('..') || isAbsolute(base)
  for (const part of declared.split(/[/\\]/)) {
    if (part === '..') {
      if (outside || depth.length === 0) throw outsideError()
      depth.pop()
    } else if (part !== '' && part !== '.') depth.push(part)
  }

  // Every component of the normalised path, from the canister directory: `..` steps up (lexically, to a
  // directory inside the project, as checked above), anything else must exist and must not be a link.
  const host = resolve(canisterDir, declared)
  const components = relative(canisterDir, host)
    .split(sep)
    .filter((part) => part !== '')
  let current = canisterDir
  let stats: Stats | undefined
  try {
    stats = statSync(canisterDir) // a symlinked canister directory is allowed (as icp); checked below
    for (const [index, part] of components.entries()) {
      current = join(current, part)
      if (part === '..') {
        stats = statSync(current)
        continue
      }
      stats = lstatSync(current)
      if (stats.isSymbolicLink())
        throw new DeclaredPathError(
          'path',
          `plugin path '${declared}' resolves through a symlink ('${components.slice(0, index + 1).join('/')}'); symlinks are not allowed in plugin paths`,
        )
    }
  } catch (error) {
    if (error instanceof DeclaredPathError) throw error
    return { declared, host, missing: error as Error }
  }
  if (!isInside(realpathSync(host), realpathSync(projectDir))) throw outsideError()
  return { declared, host, stats }
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path)
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))
}

/** The preopen's real path, still the directory the check saw. */
function openDir(checked: CheckedPath): string {
  const { stats } = checked
  if (!stats?.isDirectory())
    throw new DeclaredPathError('path', `plugin dir '${checked.declared}' is not an existing directory`)
  const real = realpathSync(checked.host)
  const now = statSync(real)
  if (now.dev !== stats.dev || now.ino !== stats.ino)
    throw new DeclaredPathError('path', `plugin dir '${checked.declared}' changed while it was being checked`)
  return real
}

/**
 * Reads a checked declared file as UTF-8 (see readCheckedFile), counting its bytes against `budget` when
 * one is given.
 */
export function readDeclaredFile(checked: CheckedPath, budget?: { left: number }): string {
  const failed = (cause: string) =>
    new DeclaredPathError('path', `failed to read plugin input file at ${checked.host}`, [cause])
  let bytes: Buffer
  try {
    bytes = readCheckedFile(checked, budget?.left ?? MAX_DECLARED_FILES_BYTES)
  } catch (error) {
    throw failed(error instanceof CheckedReadError ? error.message : osErrorText(error))
  }
  if (budget) budget.left -= bytes.byteLength
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)
  } catch {
    throw failed('stream did not contain valid UTF-8')
  }
}

/** Why readCheckedFile refused a file, in a caller's "caused by" words. */
export class CheckedReadError extends Error {
  override name = 'CheckedReadError'
}

/**
 * The bytes of a checked file: opened without following a final link and without blocking, then it must
 * be a regular file, the same file (device, inode) the check saw, and at most `maxBytes` long (by fstat,
 * before any read; a file that grows while it is read is refused too). Throws CheckedReadError.
 */
export function readCheckedFile(checked: CheckedPath, maxBytes: number): Buffer {
  if (!checked.stats) throw new CheckedReadError(osErrorText(checked.missing))
  let fd: number
  try {
    fd = openSync(checked.host, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
  } catch (error) {
    throw new CheckedReadError(osErrorText(error))
  }
  try {
    const opened = fstatSync(fd)
    if (opened.isDirectory()) throw new CheckedReadError('Is a directory (os error 21)')
    if (!opened.isFile()) throw new CheckedReadError('not a regular file')
    if (opened.dev !== checked.stats.dev || opened.ino !== checked.stats.ino)
      throw new CheckedReadError('the file changed while it was being checked')
    if (opened.size > maxBytes)
      throw new CheckedReadError(
        `the file is ${opened.size} bytes, more than the ${maxBytes} bytes left to read`,
      )
    const bytes = Buffer.allocUnsafe(opened.size)
    let filled = 0
    while (filled < bytes.length) {
      const read = readSync(fd, bytes, filled, bytes.length - filled, filled)
      if (read === 0) break
      filled += read
    }
    if (readSync(fd, Buffer.allocUnsafe(1), 0, 1, filled) !== 0)
      throw new CheckedReadError('the file grew while it was being read')
    return bytes.subarray(0, filled)
  } catch (error) {
    if (error instanceof CheckedReadError) throw error
    throw new CheckedReadError(osErrorText(error))
  } finally {
    closeSync(fd)
  }
}

/** Rust's io::Error wording for the common cases, so messages read like icp-cli's. */
function osErrorText(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  if (code === 'ENOENT') return 'No such file or directory (os error 2)'
  if (code === 'ENOTDIR') return 'Not a directory (os error 20)'
  if (code === 'EACCES') return 'Permission denied (os error 13)'
  if (code === 'ELOOP') return 'Too many levels of symbolic links (os error 40)'
  return error instanceof Error ? error.message : String(error)
}
