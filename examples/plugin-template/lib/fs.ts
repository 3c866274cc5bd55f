// Reading the directories the host preopened (the step's `dirs`), through raw wasi:filesystem:
// StarlingMonkey has no fs API. The world a plugin is built against must import
// wasi:filesystem/{preopens,types} (wit/authoring.wit does).
//
// Listing a preopen descriptor itself works in wasmtime (icp) and in this Action's host; jco's
// preview2-shim refuses it (`bad-descriptor`) and needs `openAt('.')` first. `listDir` tries the
// descriptor and falls back to '.', so a plugin behaves the same under all three.
import { getDirectories } from 'wasi:filesystem/preopens@0.2.12'
import type { Descriptor, DirectoryEntry } from 'wasi:filesystem/types@0.2.12'

const decoder = new TextDecoder()

export interface FileEntry {
  /** Guest path: the preopen's name (the manifest string, e.g. `seed-data`) + `/` + relative path. */
  path: string
  bytes: Uint8Array
}

/** The descriptor of a preopened directory by its guest name; throws a string naming what exists. */
export function preopen(name: string): Descriptor {
  const all = getDirectories()
  const found = all.find(([, guest]) => guest === name)
  if (!found)
    throw `no preopened directory '${name}' (preopened: ${all.map(([, g]) => g).join(', ') || 'none'})`
  return found[0]
}

/** Names of all preopened directories. */
export function preopenNames(): string[] {
  return getDirectories().map(([, name]) => name)
}

/** Entries of a directory, sorted by name (hosts return them in any order). */
export function listDir(dir: Descriptor): DirectoryEntry[] {
  let stream
  try {
    stream = dir.readDirectory()
  } catch {
    stream = dir.openAt({}, '.', { directory: true }, { read: true }).readDirectory()
  }
  const entries: DirectoryEntry[] = []
  for (let entry = stream.readDirectoryEntry(); entry; entry = stream.readDirectoryEntry())
    entries.push(entry)
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

/** Every regular file under a preopened directory, depth first, sorted. Symlinks are skipped. */
export function walkFiles(name: string): FileEntry[] {
  const out: FileEntry[] = []
  walk(preopen(name), name, out)
  return out
}

function walk(dir: Descriptor, prefix: string, out: FileEntry[]): void {
  for (const entry of listDir(dir)) {
    const path = `${prefix}/${entry.name}`
    if (entry.type === 'directory') {
      walk(dir.openAt({}, entry.name, { directory: true }, { read: true }), path, out)
    } else if (entry.type === 'regular-file') {
      out.push({ path, bytes: readAll(dir.openAt({}, entry.name, {}, { read: true })) })
    }
  }
}

/** The whole content of an open file (a read may return fewer bytes than asked). */
export function readAll(file: Descriptor): Uint8Array {
  const size = Number(file.stat().size)
  const out = new Uint8Array(size)
  let offset = 0
  while (offset < size) {
    const [chunk, end] = file.read(BigInt(size - offset), BigInt(offset))
    out.set(chunk, offset)
    offset += chunk.length
    if (end || chunk.length === 0) break
  }
  return offset === size ? out : out.slice(0, offset)
}

/** A file's content as UTF-8 text. */
export function text(entry: FileEntry): string {
  return decoder.decode(entry.bytes)
}
