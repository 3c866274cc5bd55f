// The folder layout's rules (DESIGN.md, "Data flow"), read from the imports of src/: the sandbox is one
// room with one door, the store has one door, only the GitHub edge loads @actions/*, the CLI loads none
// of the Action. A new import that breaks a rule fails here, not in a review.
import { describe, expect, test } from '@jest/globals'
import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

import { REPO_ROOT } from '../helpers/paths.js'

const SRC = join(REPO_ROOT, 'src')

interface Edge {
  from: string
  /** A path under src/ (relative imports), or the package name. */
  to: string
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') ? [path] : []
  })
}

/** Every static import, re-export and literal dynamic import of every module under src/. */
function importEdges(): Edge[] {
  const specifier = /(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s+'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/g
  return sourceFiles(SRC).flatMap((file) => {
    const text = readFileSync(file, 'utf8')
    const from = relative(SRC, file)
    return [...text.matchAll(specifier)].map((match) => {
      const spec = (match[1] ?? match[2])!
      const to = spec.startsWith('.')
        ? relative(SRC, resolve(dirname(file), spec)).replace(/\.js$/, '.ts')
        : spec
      return { from, to }
    })
  })
}

const edges = importEdges()
const inside = (path: string, folder: string): boolean => path.startsWith(`${folder}/`)
const show = (list: Edge[]): string[] => list.map((edge) => `${edge.from} -> ${edge.to}`)

describe('the layout of src/', () => {
  test('the reader sees the imports (a broken reader would pass every rule)', () => {
    expect(edges.length).toBeGreaterThan(200)
    expect(edges).toContainEqual({ from: 'run/sync.ts', to: 'plugin/index.ts' })
    expect(edges).toContainEqual({ from: 'run/sync.ts', to: 'run/script.ts' }) // a dynamic import
  })

  test('the sandbox (src/plugin/) imports only itself, util/ and packages', () => {
    const out = edges.filter(
      (edge) =>
        inside(edge.from, 'plugin') &&
        edge.to.includes('/') &&
        !edge.to.startsWith('@') &&
        !inside(edge.to, 'plugin') &&
        !inside(edge.to, 'util') &&
        !edge.to.startsWith('node:'),
    )
    expect(show(out)).toEqual([])
  })

  test('src/plugin/ and src/store/ are entered only through their index.ts', () => {
    const past = edges.filter((edge) =>
      ['plugin', 'store'].some(
        (door) => !inside(edge.from, door) && inside(edge.to, door) && edge.to !== `${door}/index.ts`,
      ),
    )
    expect(show(past)).toEqual([])
  })

  test('only src/action/ imports @actions/*; the CLI imports nothing of the Action', () => {
    const github = edges.filter((edge) => edge.to.startsWith('@actions/') && !inside(edge.from, 'action'))
    expect(show(github)).toEqual([])
    const cliToAction = edges.filter((edge) => inside(edge.from, 'cli') && inside(edge.to, 'action'))
    expect(show(cliToAction)).toEqual([])
  })
})
