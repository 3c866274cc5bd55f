// Bundles the Action and the CLI into dist/ so they run with no node_modules beside them.
// Usage: node scripts/bundle.mjs [outdir]   (default: dist)
//
// esbuild cannot see two kinds of files the code loads at run time, so they are copied next to the
// bundles (their loaders resolve them with `new URL(name, import.meta.url)`, i.e. relative to dist/):
// - jco-transpile's bindgen core wasm files;
// - preview2-shim's I/O worker, which the bindgen component's own WASI imports use.
//
// It also writes dist/licenses.txt, the licence and notice texts of every package whose code or assets
// went into dist/ (esbuild's metafile names the files), and compiles package.json's version in as
// __ICP_SYNC_VERSION__ (`icp-sync --version`).
import { copyFile, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

import { build } from 'esbuild'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const outdir = resolve(root, process.argv[2] ?? 'dist')

const ENTRY_POINTS = {
  index: 'src/index.ts',
  cli: 'src/cli/bin.ts',
  'plugin-worker': 'src/plugin/plugin-worker.ts',
}

const ASSETS = [
  'node_modules/@bytecodealliance/jco-transpile/vendor/js-component-bindgen-component.core.wasm',
  'node_modules/@bytecodealliance/jco-transpile/vendor/js-component-bindgen-component.core2.wasm',
  'node_modules/@bytecodealliance/preview2-shim/dist/io/worker-thread.bundle.js',
]

// mcl-wasm (certificate verification) decodes its embedded wasm with a per-byte JS callback, ~60 ms in
// every process; Buffer's native base64 decoder gives the same bytes in under 1 ms.
// Bundled packages whose npm tarball ships no licence file: the text from their upstream repository,
// kept in scripts/licenses/. Any other package without a licence file fails the bundle.
const SUPPLIED_LICENCE = {
  // dfinity/icp-js-core: packages/core/LICENSE links to the repository's LICENSE.
  '@icp-sdk/core': 'scripts/licenses/icp-sdk-core.txt',
  // The wasm build of herumi/mcl ("modified new BSD License", its readme): herumi/mcl's COPYRIGHT.
  'mcl-wasm': 'scripts/licenses/mcl-wasm.txt',
  // nodable/val-parsers (Entity/ is this package): the repository's LICENSE.
  '@nodable/entities': 'scripts/licenses/nodable-entities.txt',
}

const LICENCE_FILE = /^(licen[cs]e|copying|notice)([.-].*)?$/i

/** The package directory (relative to root) that holds `file`, or undefined for our own sources. */
function packageDirOf(file) {
  const parts = file.split('/')
  const at = parts.lastIndexOf('node_modules')
  if (at < 0) return undefined
  const scoped = parts[at + 1]?.startsWith('@')
  return parts.slice(0, at + (scoped ? 3 : 2)).join('/')
}

/** dist/licenses.txt: one section per bundled package, sorted by name, with its licence files verbatim. */
async function licenceNotices(files) {
  const dirs = [...new Set(files.map(packageDirOf).filter(Boolean))]
  const sections = []
  const missing = []
  for (const dir of dirs) {
    const pkg = JSON.parse(await readFile(join(root, dir, 'package.json'), 'utf8'))
    let files = (await readdir(join(root, dir))).filter((n) => LICENCE_FILE.test(n)).map((n) => join(dir, n))
    if (files.length === 0 && SUPPLIED_LICENCE[pkg.name]) files = [SUPPLIED_LICENCE[pkg.name]]
    if (files.length === 0) missing.push(`${pkg.name} (${dir})`)
    const texts = await Promise.all(
      files.sort().map(async (f) => (await readFile(join(root, f), 'utf8')).trim()),
    )
    const licence = typeof pkg.license === 'string' ? pkg.license : (pkg.license?.type ?? 'UNKNOWN')
    const body = texts.join('\n\n')
    sections.push({
      key: `${pkg.name}@${pkg.version}`,
      text: `${pkg.name}@${pkg.version} (${licence})\n\n${body}`,
    })
  }
  if (missing.length)
    throw new Error(
      `no licence text found for bundled package(s): ${missing.join(', ')}.\n` +
        'Add its upstream licence text to scripts/licenses/ and list it in SUPPLIED_LICENCE (scripts/bundle.mjs).',
    )
  // One package may be bundled from two directories (nested copies of one version): keep one.
  const unique = [...new Map(sections.map((s) => [s.key, s])).values()].sort((a, b) =>
    a.key < b.key ? -1 : a.key > b.key ? 1 : 0,
  )
  const rule = '-'.repeat(78)
  return (
    'Third-party software bundled in this directory, with the licence and notice texts each package ships.\n' +
    'icp-sync-action itself is licensed under the Apache License 2.0 (see LICENSE at the repository root).\n\n' +
    unique.map((s) => `${rule}\n${s.text}\n`).join('\n')
  )
}

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

const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'))
const entryPoints = Object.fromEntries(
  Object.entries(ENTRY_POINTS).filter(([, file]) => existsSync(join(root, file))),
)
const { metafile } = await build({
  absWorkingDir: root,
  metafile: true,
  // `icp-sync --version`: the version of the package.json this bundle was made from.
  define: { __ICP_SYNC_VERSION__: JSON.stringify(version) },
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
await writeFile(
  join(outdir, 'licenses.txt'),
  await licenceNotices([...Object.keys(metafile.inputs), ...ASSETS]),
)

const files = (await readdir(outdir)).sort()
console.log(`bundled into ${outdir}: ${files.join(', ')}`)
