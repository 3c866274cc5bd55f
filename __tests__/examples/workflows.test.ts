// The example workflows: valid YAML, valid against the GitHub workflow schema (@action-validator/core,
// offline), and every use of this Action passes only inputs that action.yml declares, for environments
// the example manifest has.
import { describe, expect, test } from '@jest/globals'
import { readFileSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'

import { parse, parseDocument } from 'yaml'

import { loadProject } from '../../src/project/index.js'
import { runIcp } from '../helpers/icp.js'
import { REPO_ROOT } from '../helpers/paths.js'

interface Validator {
  validateWorkflow(src: string): { errors: unknown[] }
}
const validator = createRequire(import.meta.url)('@action-validator/core') as Validator

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

const DIR = join(REPO_ROOT, 'examples/workflows')
const WORKFLOWS = readdirSync(DIR).filter((f) => f.endsWith('.yml'))
const ACTION_INPUTS = Object.keys(
  (parse(readFileSync(join(REPO_ROOT, 'action.yml'), 'utf8')) as { inputs: object }).inputs,
)

interface Step {
  uses?: string
  with?: Record<string, unknown>
}
type Workflow = { jobs: Record<string, { steps?: Step[] }> }

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

describe('example workflows', () => {
  test('there are the three documented ones', () => {
    expect(WORKFLOWS.sort()).toEqual(['pr-preview.yml', 'release.yml', 'sharded-sync.yml'])
  })

  test.each(WORKFLOWS)('%s is valid YAML and a valid workflow', (file) => {
    const text = readFileSync(join(DIR, file), 'utf8')
    const doc = parseDocument(text, { uniqueKeys: true })
    expect(doc.errors.map((e) => e.message)).toEqual([])
    expect(validateWorkflow(text).errors).toEqual([])
  })

  test.each(WORKFLOWS)('%s uses the Action with declared inputs and known environments', async (file) => {
    const workflow = parse(readFileSync(join(DIR, file), 'utf8')) as Workflow
    const steps = actionSteps(workflow)
    expect(steps.length).toBeGreaterThan(0)
    expect(inputProblems(workflow)).toEqual([])
    const project = await loadProject(DIR)
    const environments = project.environments.map((e) => e.name)
    for (const { step } of steps) expect(environments).toContain(String(step.with?.environment ?? 'local'))
  })

  test('the matrix workflow shards with `shard: i/n` over the whole matrix', () => {
    const workflow = parse(readFileSync(join(DIR, 'sharded-sync.yml'), 'utf8')) as {
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

  test('the checks catch mistakes (an unknown key, an unknown input)', () => {
    const text = readFileSync(join(DIR, 'release.yml'), 'utf8')
    const typo = text.replace('runs-on: ubuntu-latest', 'runs_on: ubuntu-latest')
    expect(validateWorkflow(typo).errors.length).toBeGreaterThan(0)
    const badInput = parse(text.replace('identity-pem:', 'identity_pem:')) as Workflow
    expect(inputProblems(badInput)).toEqual([`jobs.release.steps[5]: unknown input 'identity_pem'`])
  })
})
