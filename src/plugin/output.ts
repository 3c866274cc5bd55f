// Plugin output capture with icp-cli's LineCapture rules (icp-cli-compat.md §4.4): per stream at most
// 1 MiB accepted (the worker enforces the cap and counts the rest), lines split on '\n', one trailing
// '\r' trimmed, invalid UTF-8 replaced, escape sequences stripped; stderr lines are also kept; at the end a
// partial line is flushed and one `… N bytes of <stream> truncated` line reports what was dropped.

import { stripEscapes } from '../util/escapes.js'

export const MAX_PLUGIN_OUTPUT = 1024 * 1024

export type Stream = 'stdout' | 'stderr'

/**
 * icp strips ANSI codes with the `console` crate's pattern (CSI and a few ESC forms); we strip every
 * escape family (OSC, DCS, APC/PM/SOS and lone ESC too), so no captured line can drive a terminal.
 */
export const stripAnsi = stripEscapes

const decoder = new TextDecoder('utf-8') // non-fatal: invalid sequences become U+FFFD

export class LineCapture {
  readonly output: Array<{ stream: Stream; line: string }> = []
  readonly persistentStderr: string[] = []
  private readonly partial: Record<Stream, Uint8Array[]> = { stdout: [], stderr: [] }

  constructor(private readonly onLine?: (stream: Stream, line: string) => void) {}

  /** Accepted bytes from the worker (already capped there). */
  write(stream: Stream, bytes: Uint8Array): void {
    let start = 0
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] !== 0x0a) continue
      this.partial[stream].push(bytes.subarray(start, i))
      this.emit(stream, this.take(stream))
      start = i + 1
    }
    if (start < bytes.length) this.partial[stream].push(bytes.slice(start))
  }

  /** Flushes partial lines and adds the truncation lines; call once after the run. */
  finish(dropped: Record<Stream, number>): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream].length > 0) {
        const rest = this.take(stream)
        if (rest.length > 0) this.emit(stream, rest)
      }
      if (dropped[stream] > 0) this.push(stream, `… ${dropped[stream]} bytes of ${stream} truncated`)
    }
  }

  private take(stream: Stream): Uint8Array {
    const parts = this.partial[stream]
    this.partial[stream] = []
    if (parts.length === 1) return parts[0]!
    const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
    let offset = 0
    for (const part of parts) {
      joined.set(part, offset)
      offset += part.length
    }
    return joined
  }

  private emit(stream: Stream, bytes: Uint8Array): void {
    let line = decoder.decode(bytes)
    if (line.endsWith('\r')) line = line.slice(0, -1)
    this.push(stream, stripAnsi(line))
  }

  private push(stream: Stream, line: string): void {
    this.output.push({ stream, line })
    if (stream === 'stderr') this.persistentStderr.push(line)
    try {
      this.onLine?.(stream, line)
    } catch {
      // a faulty listener must not break the run
    }
  }
}
