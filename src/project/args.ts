// `init_args` / `upgrade_args` (on a canister, and per canister on an environment) as icp-cli 1.5.0
// takes them. A sync never uses them, but icp refuses a project whose args it cannot use, so we refuse
// the same projects with the same texts: parse as the untagged `ManifestArgs` (a Candid string, or
// `{path, format?}`, or `{value, format?}` with format hex|candid|bin), then, when the project is put
// together, `bin` must come from a file and a file must be readable (it is opened, never read).

import { closeSync, constants, fstatSync, openSync } from 'node:fs'
import { resolve } from 'node:path'
import type { YAMLMap } from 'yaml'
import { asString, entries, isMap, lastByKey } from './values.js'
import type { Src, YNode } from './yaml.js'

export type ArgsField = 'init_args' | 'upgrade_args'
export const ARGS_FIELDS: readonly ArgsField[] = ['init_args', 'upgrade_args']

export interface ArgsDecl {
  /** Set for the file form; relative to the canister directory. */
  path?: string
  format: 'hex' | 'candid' | 'bin'
  at: unknown
}

const FORMATS = new Set(['hex', 'candid', 'bin'])

/** The untagged enum: string, then `{path, format?}`, then `{value, format?}` (extra keys ignored).
 * Returns undefined when no variant matches; the caller words the error as icp does where it is. */
export function parseArgs(src: Src, node: YNode | null, at: unknown): ArgsDecl | undefined {
  if (asString(node, false) !== undefined) return { format: 'candid', at }
  if (!isMap(node)) return undefined
  const fields = lastByKey(entries(src, node as YAMLMap))
  const formatEntry = fields.get('format')
  let format: ArgsDecl['format'] = 'candid'
  if (formatEntry) {
    const text = asString(formatEntry.value, false)
    if (text === undefined || !FORMATS.has(text)) return undefined
    format = text as ArgsDecl['format']
  }
  const path = fields.get('path')
  const pathText = path && asString(path.value, false)
  if (pathText !== undefined) return { path: pathText, format, at }
  const value = fields.get('value')
  if (value && asString(value.value, false) !== undefined) return { format, at }
  return undefined
}

export const ARGS_MISMATCH = 'data did not match any variant of untagged enum ManifestArgs'

/**
 * icp's checks when it puts the project together: inline `bin` is refused, and a file must be
 * readable. The file is opened without following a FIFO's block (O_NONBLOCK) and never read.
 */
export function checkArgs(
  src: Src,
  field: ArgsField,
  canister: string,
  args: ArgsDecl,
  canisterDir: string,
): void {
  if (args.path === undefined) {
    if (args.format === 'bin') {
      src.fail(
        args.at as YNode,
        `${field} for canister '${canister}' uses format 'bin' with inline content; binary format requires a file path`,
      )
    }
    return
  }
  const file = resolve(canisterDir, args.path)
  const problem = unreadable(file)
  if (problem) {
    const context = `failed to read ${field} file for canister '${canister}'`
    src.fail(args.at as YNode, `${context}: Filesystem operation failed at ${file}: ${problem}`, [context])
  }
}

/** Rust's io::Error text for what stops `fs::read`, or undefined when the file can be read. */
function unreadable(file: string): string | undefined {
  let fd: number | undefined
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK)
    if (fstatSync(fd).isDirectory()) return 'Is a directory (os error 21)'
    return undefined
  } catch (error) {
    const { code, errno } = error as NodeJS.ErrnoException
    const text: Record<string, string> = {
      ENOENT: 'No such file or directory',
      EACCES: 'Permission denied',
      ENOTDIR: 'Not a directory',
      ELOOP: 'Too many levels of symbolic links',
      ENAMETOOLONG: 'File name too long',
    }
    return `${text[code ?? ''] ?? code ?? 'unknown error'} (os error ${Math.abs(errno ?? 0)})`
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}
