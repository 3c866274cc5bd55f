// Prints how long loadProject takes on the valid corpus and on hostile input near the size limit.
// Run: npm run compile && node build/bench/project-load.js
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MAX_MANIFEST_BYTES, loadProject } from '../src/project/index.js'
import { REPO_ROOT } from '../__tests__/helpers/paths.js'

async function time(label: string, dir: string, runs: number): Promise<void> {
  const samples: number[] = []
  for (let i = 0; i < runs; i++) {
    const start = performance.now()
    await loadProject(dir).catch(() => undefined)
    samples.push(performance.now() - start)
  }
  samples.sort((a, b) => a - b)
  console.log(
    `${label.padEnd(34)} median ${samples[runs >> 1]!.toFixed(2)} ms  max ${samples[runs - 1]!.toFixed(2)} ms`,
  )
}

function project(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'bench-project-'))
  writeFileSync(join(dir, 'icp.yaml'), text)
  return dir
}

const valid = join(REPO_ROOT, '__tests__/fixtures/manifests/valid')
for (const name of readdirSync(valid).sort()) await time(`valid/${name}`, join(valid, name), 21)

const keys: string[] = []
for (let i = 0, size = 0; size < MAX_MANIFEST_BYTES - 64; i++) {
  keys.push(`k${i}: v`)
  size += keys[i]!.length + 1
}
await time('1 MiB of keys (refused)', project(keys.join('\n')), 3)
const canisters = ['canisters:']
for (let i = 0; canisters.join('\n').length < 200_000; i++) {
  canisters.push(
    `  - name: c${i}\n    build: {steps: [{type: script, command: make}]}\n    sync: {steps: [{type: plugin, path: p.wasm, dirs: [www]}]}`,
  )
}
await time(`${canisters.length - 1} canisters (200 kB)`, project(canisters.join('\n')), 5)
await time('flow nesting 5000 (refused)', project(`a: ${'['.repeat(5000)}${']'.repeat(5000)}`), 5)
const bomb = ['a0: &a0 [x, x, x, x, x, x, x, x, x]']
for (let i = 1; i < 12; i++)
  bomb.push(
    `a${i}: &a${i} [${Array(9)
      .fill(`*a${i - 1}`)
      .join(', ')}]`,
  )
await time('alias bomb (refused)', project(bomb.join('\n')), 5)
