// An error as a result keeps it: icp's message and "caused by" chain, bounded, with its icp.yaml position.

import type { SourcePosition } from '../project/errors.js'
import { clipText } from '../util/clip.js'

/** An error as icp prints it: a message and its "caused by" chain, plus where in icp.yaml it points. */
export interface ErrorInfo {
  message: string
  causes: string[]
  kind?: string
  position?: SourcePosition
}

/**
 * Longest message or cause an ErrorInfo keeps. Errors quote what plugins, canisters and remotes sent;
 * the report (summary, result, annotations) must stay bounded whatever that was.
 */
export const ERROR_TEXT_CHARS = 8000
/** Causes kept after the message (icp's chains are a handful deep). */
const MAX_CAUSES = 20

/** An error chain as kept in a result: each part cut to ERROR_TEXT_CHARS, at most MAX_CAUSES causes. */
export function boundedChain(parts: string[]): string[] {
  return parts.slice(0, MAX_CAUSES + 1).map((part) => clipText(part, ERROR_TEXT_CHARS))
}

/** Turns anything thrown into an ErrorInfo, following `cause` links. */
export function errorInfo(error: unknown, kind?: string): ErrorInfo {
  const chain: string[] = []
  let current: unknown = error
  let position: SourcePosition | undefined
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
    if (current instanceof Error) {
      chain.push(current.message)
      // Some of our errors carry icp's "caused by" chain as a list rather than as `cause` links.
      const listed = (current as Error & { causes?: unknown }).causes
      if (Array.isArray(listed)) chain.push(...listed.map(String))
      position ??= positionOf(current)
      current = current.cause
    } else {
      chain.push(String(current))
      break
    }
  }
  const [message = 'unknown error', ...causes] = boundedChain(chain)
  return { message, causes, ...(kind ? { kind } : {}), ...(position ? { position } : {}) }
}

function positionOf(error: Error): SourcePosition | undefined {
  const candidate = error as Error & { file?: unknown; line?: unknown; column?: unknown }
  if (typeof candidate.file === 'string' && typeof candidate.line === 'number')
    return {
      file: candidate.file,
      line: candidate.line,
      column: typeof candidate.column === 'number' ? candidate.column : 1,
    }
  return undefined
}
