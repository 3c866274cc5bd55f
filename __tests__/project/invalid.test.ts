// The invalid corpus: loadProject fails with icp-cli 1.5.0's own message (checked against the binary
// on the same files) and names the exact file, line and column of the offending node.
import { describe, expect, test } from '@jest/globals'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ManifestError, loadProject } from '../../src/project/index.js'
import { icpErrorChain, icpInnermostError, runIcp } from '../helpers/icp.js'
import { REPO_ROOT } from '../helpers/paths.js'

const INVALID = join(REPO_ROOT, '__tests__/fixtures/manifests/invalid')
const cases = readdirSync(INVALID).sort()

interface Expect {
  file: string
  line: number
  column: number
  /** exact: same innermost text; context: icp's outer link is our message's start; fails: icp fails too. */
  icp: 'exact' | 'context' | 'fails'
}

async function loadError(dir: string): Promise<ManifestError> {
  try {
    await loadProject(dir, { cacheDir: join(dir, '.no-cache') })
  } catch (err) {
    if (err instanceof ManifestError) return err
    throw err
  }
  throw new Error(`${dir} loaded without error`)
}

describe.each(cases)('invalid manifest %s', (name) => {
  const dir = join(INVALID, name)
  const expected = JSON.parse(readFileSync(join(dir, 'expect.json'), 'utf8')) as Expect

  test('fails like icp-cli 1.5.0, at the offending node', async () => {
    const ours = await loadError(dir)
    expect({ file: ours.file, line: ours.line, column: ours.column }).toEqual({
      file: join(dir, expected.file),
      line: expected.line,
      column: expected.column,
    })
    const icp = runIcp(['project', 'show'], dir)
    expect(icp.code).not.toBe(0)
    expect(['exact', 'context', 'fails']).toContain(expected.icp) // a typo must not skip the comparison
    if (expected.icp === 'exact') expect(ours.message).toBe(icpInnermostError(icp.stderr))
    if (expected.icp === 'context') {
      const chain = icpErrorChain(icp.stderr)
      expect(chain.some((link) => ours.message.startsWith(link) && link.length > 20)).toBe(true)
    }
    expect(String(ours)).toBe(`${ours.file}:${ours.line}:${ours.column}: ${ours.message}`)
  })
})
