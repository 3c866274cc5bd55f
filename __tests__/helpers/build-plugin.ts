// Builds a JS or TypeScript sync plugin into a component, cached by content: a typed door to the shared
// builder scripts/build-plugin.mjs (also used by the demo and the plugin authoring kit).
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

import { REPO_ROOT } from './paths.js'

export const PLUGIN_CACHE_DIR = join(REPO_ROOT, '.cache/plugins')

export interface BuildOptions {
  world: 'v1' | 'v2'
  /** Type-check a TypeScript entry against the kit's bindings (default true; ignored for .js). */
  typecheck?: boolean
}

export interface BuiltPlugin {
  wasm: string
  cached: boolean
  ms: number
}

interface Builder {
  buildPlugin(entry: string, options: BuildOptions & { cacheDir?: string }): Promise<BuiltPlugin>
}

let builder: Promise<Builder> | undefined

/** The shared builder, loaded from the source tree (tests run from build/, the script is not compiled). */
function loadBuilder(): Promise<Builder> {
  builder ??= import(pathToFileURL(join(REPO_ROOT, 'scripts/build-plugin.mjs')).href) as Promise<Builder>
  return builder
}

/** Builds `entry` (one ES module, or a TypeScript entry bundled into one) and reports where and how. */
export async function buildPlugin(entry: string, options: BuildOptions): Promise<BuiltPlugin> {
  return (await loadBuilder()).buildPlugin(entry, { ...options, cacheDir: PLUGIN_CACHE_DIR })
}

/** Returns the path of the cached component built from `sourceFile`. */
export async function buildJsPlugin(sourceFile: string, opts: { world: 'v1' | 'v2' }): Promise<string> {
  return (await buildPlugin(sourceFile, opts)).wasm
}
