// Read-only wasi:filesystem over the declared preopens (src/plugin/README.md, "WASI"). Rules:
// - a guest path must be relative; '..' may not climb above the preopen; after following symlinks the
//   real path must stay inside the preopen (as wasmtime/cap-std: a link pointing out is refused);
// - only regular files and directories can be opened; no-follow on a final symlink gives `loop`;
// - every mutation gives `not-permitted`; reads open/pread/close per call and listings are read whole
//   when the stream opens, so no fd outlives a call (a killed worker leaks nothing);
// - directory listings come in raw filesystem order (fs.opendir), as wasmtime returns them;
// - descriptors, directory streams and input streams count against the run's handle cap.
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  opendirSync,
  readlinkSync,
  readSync,
  realpathSync,
  statSync,
  type Dirent,
  type Stats,
} from 'node:fs'
import { join, sep } from 'node:path'

import { takeHandle } from './handles.js'
import { InputStream, IoError, OutputStream } from './io.js'

type ErrorCode = string
type DescriptorType =
  | 'unknown'
  | 'block-device'
  | 'character-device'
  | 'directory'
  | 'fifo'
  | 'symbolic-link'
  | 'regular-file'
  | 'socket'

interface PathFlags {
  symlinkFollow?: boolean
}
interface OpenFlags {
  create?: boolean
  directory?: boolean
  exclusive?: boolean
  truncate?: boolean
}
interface DescriptorFlags {
  read?: boolean
  write?: boolean
  fileIntegritySync?: boolean
  dataIntegritySync?: boolean
  requestedWriteSync?: boolean
  mutateDirectory?: boolean
}

const NOT_PERMITTED: ErrorCode = 'not-permitted'
/** What a guest gets when it holds too many handles (as for EMFILE). */
const INSUFFICIENT_MEMORY: ErrorCode = 'insufficient-memory'

function entryType(entry: Dirent): DescriptorType {
  if (entry.isFile()) return 'regular-file'
  if (entry.isDirectory()) return 'directory'
  if (entry.isSymbolicLink()) return 'symbolic-link'
  if (entry.isFIFO()) return 'fifo'
  if (entry.isSocket()) return 'socket'
  if (entry.isCharacterDevice()) return 'character-device'
  if (entry.isBlockDevice()) return 'block-device'
  return 'unknown'
}

function errnoCode(error: unknown): ErrorCode {
  switch ((error as NodeJS.ErrnoException)?.code) {
    case 'ENOENT':
      return 'no-entry'
    case 'ENOTDIR':
      return 'not-directory'
    case 'EISDIR':
      return 'is-directory'
    case 'EACCES':
      return 'access'
    case 'EPERM':
      return 'not-permitted'
    case 'ELOOP':
      return 'loop'
    case 'ENAMETOOLONG':
      return 'name-too-long'
    case 'EMFILE':
    case 'ENFILE':
      return 'insufficient-memory'
    default:
      return 'io'
  }
}

/** Runs a host fs operation; any Node error becomes a WASI error-code (thrown as a string = `err`). */
function fsCall<T>(fn: () => T): T {
  try {
    return fn()
  } catch (error) {
    if (typeof error === 'string') throw error
    throw errnoCode(error)
  }
}

function typeOf(stats: Stats): DescriptorType {
  if (stats.isFile()) return 'regular-file'
  if (stats.isDirectory()) return 'directory'
  if (stats.isSymbolicLink()) return 'symbolic-link'
  if (stats.isFIFO()) return 'fifo'
  if (stats.isSocket()) return 'socket'
  if (stats.isCharacterDevice()) return 'character-device'
  if (stats.isBlockDevice()) return 'block-device'
  return 'unknown'
}

function timestamp(ms: number, ns?: bigint) {
  const total = ns ?? BigInt(Math.round(ms * 1e6))
  return { seconds: total / 1_000_000_000n, nanoseconds: Number(total % 1_000_000_000n) }
}

function descriptorStat(stats: Stats) {
  return {
    type: typeOf(stats),
    linkCount: BigInt(stats.nlink),
    size: BigInt(stats.size),
    dataAccessTimestamp: timestamp(stats.atimeMs),
    dataModificationTimestamp: timestamp(stats.mtimeMs),
    statusChangeTimestamp: timestamp(stats.ctimeMs),
  }
}

/** Shared by every descriptor of one preopen: its canonical root. */
interface Root {
  host: string
}

function inside(root: Root, real: string): boolean {
  return real === root.host || real.startsWith(root.host.endsWith(sep) ? root.host : root.host + sep)
}

/**
 * Resolves a guest path against the directory `from` (inside `root`): lexical '..' may not climb above
 * the root, then symlinks are followed and the real path must stay inside the root.
 * Returns the real path, or (no-follow on a final symlink) the link's own path.
 */
function resolveBeneath(root: Root, from: string, guestPath: string, follow: boolean): ResolvedPath {
  if (guestPath.startsWith('/') || guestPath.includes('\0')) throw NOT_PERMITTED
  const rel = from.slice(root.host.length).split(sep).filter(Boolean)
  const parts = guestPath.split('/')
  for (const part of parts) {
    if (part === '' || part === '.') continue
    if (part === '..') {
      if (rel.length === 0) throw NOT_PERMITTED
      rel.pop()
    } else rel.push(part)
  }
  const lexical = join(root.host, ...rel)
  if (rel.length === 0) return { path: root.host, link: false }
  // Parent first: every intermediate symlink must land inside the root.
  const parent = fsCall(() => realpathSync(join(lexical, '..')))
  if (!inside(root, parent)) throw NOT_PERMITTED
  const candidate = join(parent, rel[rel.length - 1]!)
  const own = fsCall(() => lstatSync(candidate))
  if (!own.isSymbolicLink()) return { path: candidate, link: false }
  if (!follow) return { path: candidate, link: true }
  const real = fsCall(() => realpathSync(candidate))
  if (!inside(root, real)) throw NOT_PERMITTED
  return { path: real, link: false }
}

interface ResolvedPath {
  path: string
  /** A final symlink left unfollowed: `path` is the link itself. */
  link: boolean
}

/** The stats of a resolved path: of the link itself when it was left unfollowed. */
function statResolved(target: ResolvedPath): Stats {
  return fsCall(() => (target.link ? lstatSync(target.path) : statSync(target.path)))
}

/** One pread of a regular file, opened and closed within the call; the flag says end of file. */
function readRange(path: string, length: bigint, offset: bigint): [Uint8Array, boolean] {
  return fsCall(() => {
    const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW)
    try {
      const size = fstatSync(fd).size
      const want = Math.max(0, Math.min(Number(length), 16 * 1024 * 1024, size - Number(offset)))
      const buffer = new Uint8Array(want)
      let got = 0
      while (got < want) {
        const n = readSync(fd, buffer, got, want - got, Number(offset) + got)
        if (n === 0) break
        got += n
      }
      return [got === want ? buffer : buffer.subarray(0, got), Number(offset) + got >= size]
    } finally {
      closeSync(fd)
    }
  })
}

/** A directory's entries in raw fs.opendir order (as wasmtime lists), the directory closed at once. */
function listDirectory(path: string): Array<{ type: DescriptorType; name: string }> {
  return fsCall(() => {
    const entries: Array<{ type: DescriptorType; name: string }> = []
    const dir = opendirSync(path)
    try {
      for (let entry = dir.readSync(); entry; entry = dir.readSync())
        entries.push({ type: entryType(entry), name: entry.name })
    } finally {
      dir.closeSync()
    }
    return entries
  })
}

function hashOf(stats: Stats) {
  return { lower: BigInt(stats.ino), upper: BigInt(stats.dev) }
}

/**
 * Read whole when opened and the directory closed at once: no descriptor outlives the call, however
 * many streams a plugin keeps.
 */
class DirectoryEntryStream {
  private readonly entries: Array<{ type: DescriptorType; name: string }>
  private readonly release: () => void
  constructor(path: string) {
    this.release = takeHandle(INSUFFICIENT_MEMORY)
    try {
      this.entries = listDirectory(path)
    } catch (error) {
      this.release()
      throw error
    }
    this.entries.reverse() // taken from the end
  }
  readDirectoryEntry(): { type: DescriptorType; name: string } | undefined {
    return this.entries.pop()
  }
  [Symbol.dispose](): void {
    this.release()
  }
}

/** wasi:filesystem's descriptor: reads and lookups beneath its root; every mutation is refused. */
class Descriptor {
  private readonly release: () => void
  /** Canonical host path (inside root) and what it is; `counted` for every one but the preopens. */
  constructor(
    readonly root: Root,
    readonly path: string,
    readonly kind: 'directory' | 'regular-file',
    counted = true,
  ) {
    this.release = counted ? takeHandle(INSUFFICIENT_MEMORY) : () => {}
  }
  [Symbol.dispose](): void {
    this.release()
  }

  /** A guest path relative to this descriptor, which must be a directory (see resolveBeneath). */
  private resolve(guestPath: string, follow: boolean): ResolvedPath {
    if (this.kind !== 'directory') throw 'not-directory'
    return resolveBeneath(this.root, this.path, guestPath, follow)
  }

  // Reads and lookups.
  readViaStream(offset: bigint): InputStream {
    if (this.kind !== 'regular-file') throw 'is-directory'
    let position = offset
    return new InputStream(
      (length) => {
        const [bytes] = this.read(BigInt(length), position)
        position += BigInt(bytes.length)
        return bytes
      },
      { errorCode: INSUFFICIENT_MEMORY },
    )
  }
  read(length: bigint, offset: bigint): [Uint8Array, boolean] {
    if (this.kind !== 'regular-file') throw 'is-directory'
    return readRange(this.path, length, offset)
  }
  readDirectory(): DirectoryEntryStream {
    if (this.kind !== 'directory') throw 'not-directory'
    return new DirectoryEntryStream(this.path)
  }
  getFlags(): DescriptorFlags {
    return { read: true }
  }
  getType(): DescriptorType {
    return this.kind
  }
  stat() {
    return descriptorStat(fsCall(() => statSync(this.path)))
  }
  statAt(flags: PathFlags, path: string) {
    return descriptorStat(statResolved(this.resolve(path, flags.symlinkFollow === true)))
  }
  openAt(flags: PathFlags, path: string, open: OpenFlags, descriptor: DescriptorFlags): Descriptor {
    if (open.create || open.truncate || open.exclusive) throw NOT_PERMITTED
    if (descriptor.write || descriptor.mutateDirectory) throw NOT_PERMITTED
    const target = this.resolve(path, flags.symlinkFollow === true)
    if (target.link) throw 'loop'
    const stats = fsCall(() => statSync(target.path))
    if (stats.isDirectory()) return new Descriptor(this.root, target.path, 'directory')
    if (open.directory) throw 'not-directory'
    if (!stats.isFile()) throw NOT_PERMITTED // no FIFOs, devices or sockets
    return new Descriptor(this.root, target.path, 'regular-file')
  }
  readlinkAt(path: string): string {
    const target = this.resolve(path, false)
    if (!target.link) throw 'invalid'
    // wasmtime returns the link text as is (it leaks the text only, never the target's content).
    return fsCall(() => readlinkSync(target.path))
  }
  isSameObject(other: Descriptor): boolean {
    return other.path === this.path
  }
  metadataHash() {
    return hashOf(fsCall(() => statSync(this.path)))
  }
  metadataHashAt(flags: PathFlags, path: string) {
    return hashOf(statResolved(this.resolve(path, flags.symlinkFollow === true)))
  }

  // Nothing to flush or advise on a read-only view.
  advise(): void {}
  syncData(): void {}
  sync(): void {}

  // Every mutation is refused.
  writeViaStream(): OutputStream {
    throw NOT_PERMITTED
  }
  appendViaStream(): OutputStream {
    throw NOT_PERMITTED
  }
  write(): bigint {
    throw NOT_PERMITTED
  }
  setSize(): void {
    throw NOT_PERMITTED
  }
  setTimes(): void {
    throw NOT_PERMITTED
  }
  setTimesAt(): void {
    throw NOT_PERMITTED
  }
  createDirectoryAt(): void {
    throw NOT_PERMITTED
  }
  linkAt(): void {
    throw NOT_PERMITTED
  }
  removeDirectoryAt(): void {
    throw NOT_PERMITTED
  }
  renameAt(): void {
    throw NOT_PERMITTED
  }
  symlinkAt(): void {
    throw NOT_PERMITTED
  }
  unlinkFileAt(): void {
    throw NOT_PERMITTED
  }
}

/** wasi:filesystem/types and /preopens for one run: each preopen a root descriptor (not counted). */
export function createFilesystem(preopens: Array<{ guest: string; host: string }>) {
  const roots = preopens.map(({ guest, host }) => {
    const root: Root = { host }
    return [new Descriptor(root, host, 'directory', false), guest] as [Descriptor, string]
  })
  return {
    types: {
      Descriptor,
      DirectoryEntryStream,
      filesystemErrorCode(_error: IoError): ErrorCode | undefined {
        return undefined
      },
    },
    preopens: {
      getDirectories: () => roots,
    },
  }
}
