// wasi:io (error, poll, streams) for the plugin worker. Everything is synchronous: the only things a
// plugin can wait on are clocks (a real sleep) and our own always-ready streams.
import { takeHandle } from './handles.js'

/** What `check-write` grants: a write or write-zeroes of more is refused (never allocated). */
export const CHECK_WRITE = 1_048_576

/** `wasi:io/error.error`: carries a debug string only. */
export class IoError {
  constructor(private readonly message: string) {}
  toDebugString(): string {
    return this.message
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4))

/** Blocks the worker thread (allowed there) for `ns` nanoseconds. */
export function sleepNs(ns: bigint): void {
  if (ns <= 0n) return
  Atomics.wait(sleeper, 0, 0, Number(ns / 1_000_000n) + (ns % 1_000_000n > 0n ? 1 : 0))
}

export class Pollable {
  private readonly release = takeHandle()
  /** Monotonic deadline in ns; undefined = always ready. */
  constructor(readonly deadline?: bigint) {}
  [Symbol.dispose](): void {
    this.release()
  }
  ready(): boolean {
    return this.deadline === undefined || process.hrtime.bigint() >= this.deadline
  }
  block(): void {
    if (this.deadline !== undefined) sleepNs(this.deadline - process.hrtime.bigint())
  }
}

/** `poll(list<borrow<pollable>>) -> list<u32>`: waits for the earliest, returns every ready index. */
export function poll(list: Pollable[]): Uint32Array {
  if (list.length === 0) throw new TypeError('poll: empty list of pollables')
  for (;;) {
    const ready: number[] = []
    list.forEach((p, i) => p.ready() && ready.push(i))
    if (ready.length > 0) return new Uint32Array(ready)
    // None is ready, so every one has a deadline: sleep until the earliest.
    list.reduce((earliest, p) => (p.deadline! < earliest.deadline! ? p : earliest)).block()
  }
}

type StreamError = { tag: 'closed' } | { tag: 'last-operation-failed'; val: IoError }
const CLOSED: StreamError = { tag: 'closed' }

/** A readable stream over a source function; `source(n)` returns up to n bytes, empty at the end. */
export class InputStream {
  private ended = false
  private readonly release: () => void
  /**
   * `errorCode`: what the guest gets when it holds too many handles (when the call can return one);
   * `counted: false` for the one stdin object of a run.
   */
  constructor(
    private readonly source: (length: number) => Uint8Array,
    handle: { errorCode?: string; counted?: boolean } = {},
  ) {
    this.release = handle.counted === false ? () => {} : takeHandle(handle.errorCode)
  }
  [Symbol.dispose](): void {
    this.release()
  }
  read(len: bigint): Uint8Array {
    if (this.ended) throw CLOSED
    const chunk = this.source(Number(len > 1_048_576n ? 1_048_576n : len))
    if (chunk.length === 0 && len > 0n) {
      this.ended = true
      throw CLOSED
    }
    return chunk
  }
  blockingRead(len: bigint): Uint8Array {
    return this.read(len)
  }
  skip(len: bigint): bigint {
    return BigInt(this.read(len).length)
  }
  blockingSkip(len: bigint): bigint {
    return this.skip(len)
  }
  subscribe(): Pollable {
    return new Pollable()
  }
}

export function failedStream(message: string): StreamError {
  return { tag: 'last-operation-failed', val: new IoError(message) }
}

/**
 * A writable stream; `sink` receives every byte written (it applies caps itself and copies what it
 * keeps: jco hands us a view into guest memory). Only stdout and stderr exist, one object each for
 * the whole run, so they are not counted as handles.
 */
export class OutputStream {
  constructor(private readonly sink?: (bytes: Uint8Array) => void) {}
  checkWrite(): bigint {
    if (!this.sink) throw failedStream('not permitted: read-only')
    return BigInt(CHECK_WRITE)
  }
  write(contents: Uint8Array): void {
    if (!this.sink) throw failedStream('not permitted: read-only')
    if (contents.length > 0) this.sink(contents)
  }
  blockingWriteAndFlush(contents: Uint8Array): void {
    this.write(contents)
  }
  flush(): void {
    if (!this.sink) throw failedStream('not permitted: read-only')
  }
  blockingFlush(): void {
    this.flush()
  }
  subscribe(): Pollable {
    return new Pollable()
  }
  writeZeroes(len: bigint): void {
    // Checked before anything is allocated: a guest may ask for any u64.
    if (len > BigInt(CHECK_WRITE)) throw failedStream(`write-zeroes of ${len} bytes exceeds check-write`)
    this.write(new Uint8Array(Number(len)))
  }
  blockingWriteZeroesAndFlush(len: bigint): void {
    this.writeZeroes(len)
  }
  splice(src: InputStream, len: bigint): bigint {
    const bytes = src.read(len)
    this.write(bytes)
    return BigInt(bytes.length)
  }
  blockingSplice(src: InputStream, len: bigint): bigint {
    return this.splice(src, len)
  }
}
