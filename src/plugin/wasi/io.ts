// wasi:io (error, poll, streams) for the plugin worker. Everything is synchronous: the only things a
// plugin can wait on are clocks (a real sleep) and our own always-ready streams.

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
  /** Monotonic deadline in ns; undefined = always ready. */
  constructor(readonly deadline?: bigint) {}
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
  constructor(private readonly source: (length: number) => Uint8Array) {}
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

/** A writable stream; `sink` receives every byte written (it applies caps itself). */
export class OutputStream {
  constructor(private readonly sink?: (bytes: Uint8Array) => void) {}
  checkWrite(): bigint {
    if (!this.sink) throw failedStream('not permitted: read-only')
    return 1_048_576n
  }
  write(contents: Uint8Array): void {
    if (!this.sink) throw failedStream('not permitted: read-only')
    // jco hands us a view into guest memory: copy before it can change.
    if (contents.length > 0) this.sink(contents.slice())
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
