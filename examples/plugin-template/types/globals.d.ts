// The globals a sync plugin can use inside componentize-js's engine (StarlingMonkey) with http and
// fetch-event disabled. No Node APIs, no DOM, no fetch: a plugin talks to the world only through its
// imports (canister-call, wasi:filesystem) and stdout/stderr.

declare const console: {
  /** stdout: transient progress (icp shows it while the step runs). */
  log(...data: unknown[]): void
  info(...data: unknown[]): void
  debug(...data: unknown[]): void
  /** stderr: kept and printed after the step succeeds. */
  error(...data: unknown[]): void
  warn(...data: unknown[]): void
}

declare class TextEncoder {
  encode(input?: string): Uint8Array
}

declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean })
  decode(input?: Uint8Array): string
}
