// Bundles the Action and the CLI into dist/ so they run with no node_modules beside them.
// Usage: node scripts/bundle.mjs [outdir]   (default: dist)
//
// esbuild cannot see two kinds of files the code loads at run time, so they are copied next to the
// bundles (their loaders resolve them with `new URL(name, import.meta.url)`, i.e. relative to dist/):
// - jco-transpile's bindgen core wasm files;
// - preview2-shim's I/O worker, which the bindgen component's own WASI imports use.
import { copyFile, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

import { build } from 'esbuild'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const outdir = resolve(root, process.argv[2] ?? 'dist')

const ENTRY_POINTS = {
  index: 'src/index.ts',
  cli: 'src/cli.ts',
  'plugin-worker': 'src/plugin/plugin-worker.ts',
}

const ASSETS = [
  'node_modules/@bytecodealliance/jco-transpile/vendor/js-component-bindgen-component.core.wasm',
  'node_modules/@bytecodealliance/jco-transpile/vendor/js-component-bindgen-component.core2.wasm',
  'node_modules/@bytecodealliance/preview2-shim/dist/io/worker-thread.bundle.js',
]

// mcl-wasm (certificate verification) decodes its embedded wasm with a per-byte JS callback, ~60 ms in
// every process; Buffer's native base64 decoder gives the same bytes in under 1 ms.
const MCL_SLOW_DECODE = 'Uint8Array.from(atob(wasmBase64), function (c) { return c.charCodeAt(0); })'
const fastMclDecode = {
  name: 'mcl-wasm-fast-decode',
  setup(b) {
    b.onLoad({ filter: /mcl-wasm[\\/]dist[\\/]mcl_c\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8')
      if (!text.includes(MCL_SLOW_DECODE))
        throw new Error(`${args.path} no longer decodes its wasm as expected: update scripts/bundle.mjs`)
      return { contents: text.replace(MCL_SLOW_DECODE, "new Uint8Array(Buffer.from(wasmBase64, 'base64'))") }
    })
  },
}

await rm(outdir, { recursive: true, force: true })
await mkdir(outdir, { recursive: true })

const entryPoints = Object.fromEntries(
  Object.entries(ENTRY_POINTS).filter(([, file]) => existsSync(join(root, file))),
)
await build({
  absWorkingDir: root,
  entryPoints,
  outdir,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Code only some runs need (the transpiler on a cache miss, Handlebars for recipes, tool-cache)
  // sits in chunks loaded by import() on first use: a warm run parses and evaluates far less.
  // Chunks stay beside the entry points: bundled code finds its assets relative to import.meta.url.
  splitting: true,
  chunkNames: 'chunk-[hash]',
  legalComments: 'none',
  // Worktrees may symlink node_modules; keep the bundle's path comments identical wherever it is built.
  preserveSymlinks: true,
  logLevel: 'warning',
  plugins: [fastMclDecode],
  // CommonJS dependencies call require() for Node built-ins; give the ESM bundle a real one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
  },
})

for (const asset of ASSETS) await copyFile(join(root, asset), join(outdir, asset.split('/').pop()))
// dist/ must load as ESM whatever package.json sits above it in a user's checkout.
await writeFile(join(outdir, 'package.json'), '{ "type": "module" }\n')

const files = (await readdir(outdir)).sort()
console.log(`bundled into ${outdir}: ${files.join(', ')}`)
