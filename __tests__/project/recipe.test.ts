// Recipes from http(s) (a loopback server started here), the registry form, sha256 checks and the
// on-disk cache; where icp-cli can fetch the same template, its result is the reference.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { createHash } from 'node:crypto'
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import {
  ManifestError,
  loadProject,
  registryUrl,
  renderTemplate,
  type FetchBytes,
} from '../../src/project/index.js'
import { icpErrorChain, runIcpAsync } from '../helpers/icp.js'
import { REPO_ROOT } from '../helpers/paths.js'
import { runProcess } from '../helpers/runner.js'

const TEMPLATE = `build:
  steps:
    - type: script
      command: echo {{ _.canister.name }}
sync:
  steps:
    - type: plugin
      url: {{ base }}/plugin-{{ replace "." "-" version }}.wasm
      sha256: "{{ sha }}"
      dirs: [{{ dir }}]
      fields:
        html: {{ html }}
`
const BROKEN = 'build:\n  steps: []\n'
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

let server: Server
let base: string
const hits: string[] = []
const bodies: Record<string, string> = {
  '/recipe.hbs': TEMPLATE,
  '/broken.hbs': BROKEN,
  '/registry.hbs': TEMPLATE,
}

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? '')
    const body = bodies[req.url ?? '']
    if (body === undefined) {
      res.writeHead(404).end('not found')
      return
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

function project(recipe: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'icp-recipe-'))
  writeFileSync(
    join(dir, 'icp.yaml'),
    `canisters:\n  - name: web-app\n    recipe:\n${recipe
      .split('\n')
      .map((l) => `      ${l}`)
      .join('\n')}\n`,
  )
  return dir
}

const config = (extra = '') =>
  `configuration:\n  base: https://example.com\n  version: "1.2.3"\n  sha: "${'a'.repeat(64)}"\n  dir: "www/<&>"\n  html: "<b>&amp;</b>"${extra}`

async function loadError(dir: string, cacheDir: string, fetch?: FetchBytes): Promise<ManifestError> {
  const err = await loadProject(dir, { cacheDir, ...(fetch ? { fetch } : {}) }).catch((e: unknown) => e)
  expect(err).toBeInstanceOf(ManifestError)
  return err as ManifestError
}

describe('recipes over http', () => {
  test('a sync keeps fetched templates under its cache dir (recipes/), not elsewhere', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'recipe-sync-cache-'))
    const dir = project(`type: ${base}/recipe.hbs\nsha256: ${sha256(TEMPLATE)}\n${config()}`)
    const before = hits.length
    // The plan then fails (no canister ID for web-app); the template was fetched before that.
    const run = await runProcess(process.execPath, [join(REPO_ROOT, 'build/src/cli/bin.js'), '-p', dir], {
      env: { PATH: process.env.PATH, HOME: join(cacheDir, 'home'), ICP_SYNC_CACHE_DIR: cacheDir },
    })
    expect(run.stderr).toMatch(/web-app/)
    expect(hits.length - before).toBe(1)
    expect(readdirSync(join(cacheDir, 'recipes')).length).toBeGreaterThan(0)
  })

  test('a pinned template renders like icp-cli renders it, and is then served from the cache', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'recipe-cache-'))
    const dir = project(`type: ${base}/recipe.hbs\nsha256: ${sha256(TEMPLATE)}\n${config()}`)
    const before = hits.length
    const ours = await loadProject(dir, { cacheDir })
    expect(hits.length - before).toBe(1)

    const icp = await runIcpAsync(['project', 'show'], dir)
    expect(icp.stderr).not.toContain('Error:')
    const shown = parse(icp.stdout, { logLevel: 'silent' }) as {
      canisters: Record<string, [string, { sync: { steps: Array<Record<string, unknown>> } }]>
    }
    const icpStep = shown.canisters['web-app']![1].sync.steps[0]!
    const step = ours.canisters[0]!.sync[0]!
    expect(step.kind).toBe('plugin')
    if (step.kind !== 'plugin') return
    expect(step.source).toEqual({ url: icpStep['url'] })
    expect(step.sha256).toBe(icpStep['sha256'])
    expect(step.dirs).toEqual((icpStep['dirs'] as string[]).map((path) => ({ path })))
    expect(step.fields).toEqual([
      { name: 'html', value: (icpStep['fields'] as Record<string, string>)['html'] },
    ])
    // No HTML escaping, the replace helper and the `_` context, as icp renders them.
    expect(step.fields[0]!.value).toBe('<b>&amp;</b>')
    expect(step.source).toEqual({ url: 'https://example.com/plugin-1-2-3.wasm' })
    expect(ours.canisters[0]!.recipe).toBe(`${base}/recipe.hbs`)

    const again = hits.length
    await loadProject(project(`type: ${base}/recipe.hbs\nsha256: ${sha256(TEMPLATE)}\n${config()}`), {
      cacheDir,
    })
    expect(hits.length).toBe(again)
  })

  test('a wrong sha256 fails with icp-cli’s checksum message', async () => {
    const wrong = sha256('something else')
    const dir = project(`type: ${base}/recipe.hbs\nsha256: ${wrong}\n${config()}`)
    const ours = await loadError(dir, mkdtempSync(join(tmpdir(), 'recipe-cache-')))
    const expected = `sha256 checksum mismatch for recipe template: expected ${wrong}, actual ${sha256(TEMPLATE)}`
    expect(ours.message).toBe(`failed to fetch canister recipe: Url("${base}/recipe.hbs"): ${expected}`)
    expect({ line: ours.line, column: ours.column }).toEqual({ line: 4, column: 7 })
    const icp = icpErrorChain((await runIcpAsync(['project', 'show'], dir)).stderr)
    expect(icp).toContain(expected)
    expect(icp).toContain(`failed to fetch canister recipe: Url("${base}/recipe.hbs")`)
  })

  test('an uppercase sha256 never matches (icp compares lowercase hex)', async () => {
    const dir = project(`type: ${base}/recipe.hbs\nsha256: ${sha256(TEMPLATE).toUpperCase()}\n${config()}`)
    expect((await loadError(dir, mkdtempSync(join(tmpdir(), 'recipe-cache-')))).message).toMatch(
      /checksum mismatch/,
    )
  })

  test('a 404 gives icp-cli’s status message', async () => {
    const dir = project(`type: ${base}/missing.hbs\n${config()}`)
    const ours = await loadError(dir, mkdtempSync(join(tmpdir(), 'recipe-cache-')))
    const expected = `request to '${base}/missing.hbs' returned '404' status-code`
    expect(ours.message).toBe(`failed to fetch canister recipe: Url("${base}/missing.hbs"): ${expected}`)
    expect(icpErrorChain((await runIcpAsync(['project', 'show'], dir)).stderr)).toContain(expected)
  })

  test('an unpinned template is cached only once it rendered', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'recipe-cache-'))
    const broken = project(`type: ${base}/broken.hbs`)
    const before = hits.length
    const err = await loadError(broken, cacheDir)
    expect(err.message).toMatch(
      new RegExp(
        `^recipe '${base}/broken.hbs' did not render into a valid build/sync manifest: Array must not be empty`,
      ),
    )
    const icp = icpErrorChain((await runIcpAsync(['project', 'show'], broken)).stderr)
    expect(icp).toContain(`recipe '${base}/broken.hbs' did not render into a valid build/sync manifest`)
    await loadError(broken, cacheDir)
    expect(hits.length - before).toBe(3) // ours twice (never cached) + icp once

    const good = project(`type: ${base}/recipe.hbs\n${config()}`)
    const start = hits.length
    await loadProject(good, { cacheDir })
    await loadProject(good, { cacheDir })
    expect(hits.length - start).toBe(1)
  })

  test('the registry form fetches the icp-cli-recipes release asset, through the injected fetch', async () => {
    const requested: string[] = []
    const fetch: FetchBytes = async (url) => {
      requested.push(url)
      const response = await globalThis.fetch(`${base}/registry.hbs`)
      return { status: response.status, body: new Uint8Array(await response.arrayBuffer()) }
    }
    const dir = project(`type: "@dfinity/static-site@v0.3.1"\n${config()}`)
    const loaded = await loadProject(dir, { cacheDir: mkdtempSync(join(tmpdir(), 'recipe-cache-')), fetch })
    expect(requested).toEqual([
      'https://github.com/dfinity/icp-cli-recipes/releases/download/static-site-v0.3.1/recipe.hbs',
    ])
    expect(registryUrl('static-site', 'v0.3.1')).toBe(requested[0])
    expect(loaded.canisters[0]!.recipe).toBe('@dfinity/static-site@v0.3.1')
    expect(loaded.canisters[0]!.sync).toHaveLength(1)
  })

  test('a network error from the injected fetch', async () => {
    const fetch: FetchBytes = async () => {
      throw new Error('connect ECONNREFUSED')
    }
    const dir = project(`type: https://recipes.invalid/r.hbs\n${config()}`)
    const err = await loadError(dir, mkdtempSync(join(tmpdir(), 'recipe-cache-')), fetch)
    expect(err.message).toBe(
      'failed to fetch canister recipe: Url("https://recipes.invalid/r.hbs"): failed to execute http request: connect ECONNREFUSED',
    )
  })

  test('only the dfinity registry exists', async () => {
    const dir = project(`type: "@acme/site@v1"`)
    expect((await loadError(dir, mkdtempSync(join(tmpdir(), 'recipe-cache-')))).message).toMatch(
      /only the dfinity registry is currently supported$/,
    )
  })
})

describe('rendering like handlebars-rust', () => {
  test('strict for plain expressions and #each/#with, lenient for #if/#unless and helper arguments', async () => {
    const ctx = { a: 1 }
    await expect(renderTemplate('{{ missing }}', ctx, 'c')).rejects.toThrow()
    const cause = async (template: string) => {
      try {
        await renderTemplate(template, ctx, 'c')
      } catch (err) {
        return (err as { causes: string[] }).causes.join(': ')
      }
      return 'rendered'
    }
    expect(await cause('{{#each missing}}x{{/each}}')).toBe(
      'Failed to access variable in strict mode (#each at line 1, column 1)',
    )
    expect(await cause('{{#with missing}}x{{/with}}')).toMatch(/^Failed to access variable in strict mode/)
    expect(await renderTemplate('{{#if missing}}x{{/if}}{{#unless missing}}y{{/unless}}', ctx, 'c')).toBe('y')
    expect(await renderTemplate('[{{ replace "a" "b" missing }}]', ctx, 'c')).toBe('[]')
  })

  test('replace with an empty pattern, comparison helpers, the canister name', async () => {
    expect(await renderTemplate('{{ replace "" "+" v }}', { v: 'ab' }, 'c')).toBe('+a+b+')
    expect(await renderTemplate('{{#if (eq n 3)}}three{{/if}} {{ len xs }}', { n: 3, xs: [1, 2] }, 'c')).toBe(
      'three 2',
    )
    expect(await renderTemplate('{{ _.canister.name }}', {}, 'my-canister')).toBe('my-canister')
  })
})

describe('recipes a pull request cannot turn against the host', () => {
  /** A project whose one canister takes its steps from `type`. */
  function recipeProject(type: string, files: Record<string, string> = {}): string {
    const dir = mkdtempSync(join(tmpdir(), 'icp-sync-recipe-hostile-'))
    writeFileSync(join(dir, 'icp.yaml'), `canisters:\n  - name: c\n    recipe:\n      type: ${type}\n`)
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content)
    return dir
  }
  const loadError = (dir: string, options = {}) =>
    loadProject(dir, { cacheDir: join(dir, '.cache'), ...options }).then(
      () => {
        throw new Error('expected a manifest error')
      },
      (e: unknown) => e as ManifestError,
    )

  test('file:// outside the project is refused when confined (the Action), read when not (icp, the CLI)', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'icp-sync-recipe-outside-'))
    writeFileSync(
      join(outside, 'steps.hbs'),
      'build:\n  steps:\n    - type: script\n      command: echo hi\n',
    )
    const dir = recipeProject(`file://${join(outside, 'steps.hbs')}`)
    const refused = await loadError(dir, { filesInsideProject: true })
    expect(refused.message).toContain('is outside the project directory')
    const relative = recipeProject('file://../x/../../etc/passwd')
    expect((await loadError(relative, { filesInsideProject: true })).message).toContain(
      'is outside the project directory',
    )
    const project = await loadProject(dir, { cacheDir: join(dir, '.cache') })
    expect(project.canisters[0]!.buildSteps).toBe(1)
  })

  test('a device is never read (it would never end)', async () => {
    const error = await loadError(recipeProject('file:///dev/zero'))
    expect(error.message).toContain('"/dev/zero" is not a regular file')
  })

  test('a one-line file that is not a manifest is quoted in a short excerpt, not whole', async () => {
    const line = 'secret-looking-line-'.repeat(5000)
    const error = await loadError(recipeProject('file://line.txt', { 'line.txt': line }), {
      filesInsideProject: true,
    })
    expect(error.message).toContain('invalid type: string "secret-looking-line-')
    expect(error.message).toContain('(100000 characters)')
    expect(error.message.length).toBeLessThan(1000)
  })

  test('a 265-byte template nesting replace ten times stops with a clear error, not a heap OOM', async () => {
    let nested = 'replace "a" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" x'
    for (let i = 0; i < 9; i++) nested = `replace "a" "aaaaaaaaaaaaaaaaaaaaaaaa" (${nested})`
    await expect(renderTemplate(`{{${nested}}}`, { x: 'a' }, 'c')).rejects.toMatchObject({
      causes: [expect.stringMatching(/^replace would produce \d+ characters, more than 1048576$/)],
    })
  })

  test('nested #each multiplying text is stopped as it grows', async () => {
    const list = Array.from({ length: 400 }, (_, i) => i)
    const template = '{{#each l}}{{#each @root.l}}{{#each @root.l}}{{@root.s}}{{/each}}{{/each}}{{/each}}'
    await expect(renderTemplate(template, { l: list, s: 'x'.repeat(100) }, 'c')).rejects.toMatchObject({
      causes: ['the template produces more than 16777216 characters'],
    })
  })
})
