// What the sandbox runs: a component already turned into a JS module, and the function that turns it.
// The sandbox never makes one itself: the caller passes `transpile` in (src/store/transpile.ts, cached
// on disk by content), so nothing here depends on where plugin bytes or generated code are kept.

export interface TranspiledPlugin {
  /** Directory holding `plugin.mjs`, the core wasm files and `manifest.json`. */
  dir: string
  /** Absolute path of the generated ES module (`.mjs`: it must load as ESM wherever the cache lives). */
  modulePath: string
  /** Core module file names, in the order the generated module asks for them. */
  coreModules: string[]
  /** Import names as the generated `instantiate(getCoreModule, imports)` expects them (unversioned). */
  imports: string[]
  /** Exported names and their kinds. */
  exports: Array<[string, string]>
  /** sha256 of the component bytes. */
  sha256: string
  /** True when the output came from the cache. */
  cacheHit: boolean
  /** Milliseconds spent transpiling (0 on a cache hit). */
  transpileMs: number
}

/**
 * Component bytes → the module the sandbox runs. Throws `TranspileError` for bytes that are not a valid
 * component. `knownSha256`: the component's hash when the caller has just verified it.
 * `onTranspileStart`: called when no cached output exists and the transpiler starts (a progress line).
 */
export type Transpile = (
  component: Uint8Array,
  knownSha256?: string,
  onTranspileStart?: () => void,
) => Promise<TranspiledPlugin>

/** Bytes that are not a valid component: the sandbox reports it as a bad component. */
export class TranspileError extends Error {
  override name = 'TranspileError'
}
