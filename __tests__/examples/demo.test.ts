// `npm run demo`'s core, end to end: replica, TypeScript plugin, the bundled Action, a `show` query.
import { beforeAll, describe, expect, test } from '@jest/globals'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

import { type DemoResult, readableLog, runDemo } from '../../examples/demo/demo.js'
import { REPO_ROOT } from '../helpers/paths.js'

const SEED_DIR = join(REPO_ROOT, 'examples/seed-data/seed-data')
let demo: DemoResult
const lines: string[] = []

beforeAll(async () => {
  demo = await runDemo({ log: (line) => lines.push(line) })
}, 300_000)

describe('the demo', () => {
  test('passes, and says so', () => {
    expect(demo.failures).toEqual([])
    expect(demo.ok).toBe(true)
    expect(lines.at(-1)).toMatch(/^demo passed in \d+\.\d s/)
  })

  test('every seed file is registered with its trimmed content', () => {
    const files = (
      readdirSync(SEED_DIR, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[]
    )
      .filter((d) => d.isFile())
      .map((d) => join(d.parentPath, d.name))
    expect(files.length).toBeGreaterThanOrEqual(3)
    const fromDisk = files.map((f) => [
      `seed-data/${f.slice(SEED_DIR.length + 1)}`,
      readFileSync(f, 'utf8').trim(),
    ])
    expect([...demo.entries].sort()).toEqual(fromDisk.sort())
    expect(demo.entries.some(([, content]) => content !== content.trim())).toBe(false)
  })

  test('the uploader is the generated identity, set through the proxy', () => {
    expect(demo.uploader).toBe(demo.identityPrincipal)
    expect(lines).toContain('  ✓ set_uploader arrived from the proxy (direct: false)')
  })

  test('the Action ran the TypeScript plugin and reported it', () => {
    expect(demo.action.status).toBe(0)
    expect(demo.action.outputs.synced).toBe('seed-data')
    expect(demo.action.outputs.failed).toBe('')
    const result = JSON.parse(demo.action.outputs.result!) as {
      canisters: {
        name: string
        steps: { plugin?: { interfaceVersion: string }; persistentStderr: string[] }[]
      }[]
    }
    const step = result.canisters[0]!.steps[0]!
    expect(step.plugin?.interfaceVersion).toBe('0.1.0')
    expect(step.persistentStderr).toEqual([
      `registered ${demo.expected.length} item(s) in canister ${demo.canisterId} (environment: demo)`,
    ])
    expect(demo.action.summary).toContain(`### ✅ \`seed-data\` \`${demo.canisterId}\``)
    expect(lines.join('\n')).toContain('── job summary ($GITHUB_STEP_SUMMARY) ──')
  })
})

describe('readableLog', () => {
  test('renders workflow commands and drops masks', () => {
    expect(
      readableLog(
        '::add-mask::abc\n::group::step 1\nhello\n::endgroup::\n::error title=x,file=icp.yaml::bad',
      ),
    ).toEqual(['▸ step 1', 'hello', 'error: bad'])
  })
})
