// The option table (src/options/table.ts) is the one place an option is declared: both edges read it,
// and `--help`, action.yml and README's inputs table must say what it says.
import { afterEach, describe, expect, test } from '@jest/globals'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'

import { getInputs } from '../../src/action/inputs.js'
import { USAGE, parseCli } from '../../src/cli/args.js'
import { OPTION_TABLE, type OptionRow } from '../../src/options/table.js'
import type { SyncOptions } from '../../src/options/parse.js'
import { optionsDebugLines } from '../../src/report/debug.js'
import { REPO_ROOT } from '../helpers/paths.js'

const bounds = (row: OptionRow) => row.bounds && [row.bounds.min, row.bounds.max]

describe('--help', () => {
  /** The entry of one flag in the help text: its line and the indented lines that continue it. */
  function entry(flag: string): string {
    const lines = USAGE.split('\n')
    const at = lines.findIndex((line) => new RegExp(`^ {2}(-\\w, | {4})${flag}( |$)`).test(line))
    expect(at).toBeGreaterThan(-1)
    let end = at + 1
    while (end < lines.length && /^ {36}\S/.test(lines[end]!)) end++
    return lines.slice(at, end).join(' ').replace(/\s+/g, ' ')
  }

  test.each(OPTION_TABLE.filter((row) => row.flags).map((row) => [row.flags![0]!, row] as const))(
    '%s: its spellings, placeholder, default and bounds',
    (flag, row) => {
      const text = entry(flag)
      if (row.short && row.flags!.length === 1) expect(text).toContain(`-${row.short}, ${flag}`)
      for (const alias of row.flags!.slice(1)) expect(text).toContain(alias)
      if (row.arg) expect(text).toContain(`${flag} ${row.arg}`)
      const fallback = row.helpDefault ?? row.cliDefault ?? row.default
      if (row.arg && fallback) expect(text).toContain(fallback)
      if (row.env) expect(text).toContain(`$${row.env}`)
      if (row.bounds) expect(text).toContain(`${row.bounds.min}–${row.bounds.max}`)
    },
  )

  test('every flag it shows is one the CLI accepts, and no flag of the table is missing', () => {
    const shown = [...new Set(USAGE.match(/(?<=^ {2}(?:-\w, | {4}))--[a-z-]+/gm))]
    const own = ['--cache-dir', '--json', '--debug', '--version', '--help']
    expect(shown.sort()).toEqual(
      [...OPTION_TABLE.flatMap((row) => (row.flags ? [row.flags[0]!] : [])), ...own].sort(),
    )
    const dir = mkdtempSync(join(tmpdir(), 'icp-sync-help-'))
    for (const flag of shown) {
      const row = OPTION_TABLE.find((candidate) => candidate.flags?.[0] === flag)
      const value = row?.arg || flag === '--cache-dir' ? [dir] : []
      // Accepted = not refused by the argument parser; a value may still be refused by its option.
      expect(() => {
        try {
          parseCli([flag, ...value], {}, dir)
        } catch (error) {
          if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) throw error
        }
      }).not.toThrow()
    }
  })
})

describe('action.yml', () => {
  const inputs = (
    parse(readFileSync(join(REPO_ROOT, 'action.yml'), 'utf8')) as {
      inputs: Record<string, { description: string; default: string }>
    }
  ).inputs

  test('declares exactly the table’s inputs', () => {
    expect(Object.keys(inputs).sort()).toEqual(OPTION_TABLE.map((row) => row.input).sort())
  })

  test.each(OPTION_TABLE.map((row) => [row.input, row] as const))(
    '%s: its default, and its bounds in its description',
    (input, row) => {
      expect(inputs[input]?.default).toBe(row.actionDefault ?? row.default)
      if (row.bounds) expect(inputs[input]?.description).toContain(`${row.bounds.min} to ${row.bounds.max}`)
      if (row.env && row.envOnAction) expect(inputs[input]?.description).toContain(row.env)
    },
  )
})

describe("README's inputs table", () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')
  const begin = readme.indexOf('<!-- inputs:begin -->')
  const end = readme.indexOf('<!-- inputs:end -->')
  const rows = new Map(
    readme
      .slice(begin, end)
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map((line) => {
        const [name, fallback, meaning] = line
          .split('|')
          .slice(1, 4)
          .map((cell) => cell.trim())
        return [name!.replace(/`/g, ''), { fallback: fallback!, meaning: meaning! }] as const
      }),
  )

  test('is marked, and lists exactly the table’s inputs', () => {
    expect(begin).toBeGreaterThan(-1)
    expect(end).toBeGreaterThan(begin)
    expect([...rows.keys()].sort()).toEqual(OPTION_TABLE.map((row) => row.input).sort())
  })

  test.each(OPTION_TABLE.map((row) => [row.input, row] as const))(
    '%s: its default and bounds',
    (input, row) => {
      const doc = rows.get(input)
      const fallback = row.actionDefault ?? row.default
      if (fallback) expect(doc?.fallback).toContain(`\`${fallback}\``)
      // A default that depends on a variable may be told in either column.
      const whole = `${doc?.fallback} | ${doc?.meaning}`
      if (row.env && row.envOnAction) expect(whole).toContain(row.env)
      if (row.helpDefault && row.envOnAction) expect(whole).toContain(row.helpDefault)
      if (row.bounds) expect(doc?.meaning).toMatch(new RegExp(`${bounds(row)!.join('(–| to )')}\\b`))
    },
  )
})

describe('both edges read the same table', () => {
  const clearInputs = () => {
    for (const name of Object.keys(process.env)) if (name.startsWith('INPUT_')) delete process.env[name]
  }
  afterEach(clearInputs)

  /** The Action's reading of `inputs`, as the runner passes them (INPUT_<NAME>), with its log. */
  function action(inputs: Record<string, string>, env: NodeJS.ProcessEnv = {}, cwd = tmpdir()) {
    clearInputs()
    for (const [name, value] of Object.entries(inputs)) process.env[`INPUT_${name.toUpperCase()}`] = value
    let log = ''
    const write = process.stdout.write.bind(process.stdout)
    process.stdout.write = ((chunk: string) => ((log += chunk), true)) as typeof process.stdout.write
    try {
      return { options: getInputs(env, cwd), log }
    } catch (error) {
      return { error: (error as Error).message, log }
    } finally {
      process.stdout.write = write
    }
  }

  function cli(argv: string[], env: NodeJS.ProcessEnv = {}, cwd = tmpdir()) {
    try {
      return { options: parseCli(argv, env, cwd).options }
    } catch (error) {
      return { error: (error as Error).message }
    }
  }

  test('the same defaults, but where the table says the CLI differs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'icp-sync-defaults-'))
    const fromAction = action({}, {}, dir).options!
    const fromCli = cli([], {}, dir).options!
    const differ = OPTION_TABLE.filter((row) => row.cliDefault !== undefined).map((row) => row.key)
    expect(differ.sort()).toEqual(['projectDir', 'summary'])
    for (const key of Object.keys(fromAction) as Array<keyof SyncOptions>)
      if (!differ.includes(key)) expect([key, fromCli[key]]).toEqual([key, fromAction[key]])
    expect(fromAction).toMatchObject({
      projectDir: dir,
      summary: true,
      timeoutSeconds: 600,
      memoryLimitMb: 2048,
    })
    expect(fromCli).toMatchObject({ projectDir: dir, summary: false, computeLimitSeconds: 60, parallel: 1 })
  })

  // Per input: values its parser refuses, and values it takes.
  const cases: Record<string, { bad: string[]; good: string[] }> = {
    environment: { bad: [], good: ['staging'] },
    'network-url': { bad: ['file:///etc/passwd', 'not a url'], good: ['http://127.0.0.1:4943'] },
    'root-key': { bad: [], good: ['fetch'] },
    'canister-ids': {
      bad: ['[1, 2]', 'backend: rrkah-fqaaa-aaaaa-aaaaq-caj'],
      good: ['{"backend": "rrkah-fqaaa-aaaaa-aaaaq-cai"}'],
    },
    proxy: { bad: ['not-a-principal'], good: ['ryjl3-tyaaa-aaaaa-aaaba-cai'] },
    'compute-limit-seconds': { bad: ['1.5', '0'], good: ['7'] },
    'timeout-seconds': { bad: ['0', '21601', 'ten'], good: ['30'] },
    'memory-limit-mb': { bad: ['1', '4097'], good: ['16'] },
    parallel: { bad: ['lots', '0', '65'], good: ['3'] },
    'script-steps': { bad: ['maybe'], good: ['skip'] },
    shard: { bad: ['5/4', '0/1', '2'], good: ['2/4'] },
    'trusted-plugins': { bad: ['abc123'], good: ['A'.repeat(64)] },
    'baseline-dir': { bad: [], good: ['base'] },
    'plugin-changes': { bad: ['sometimes', 'refuse'], good: ['allow'] },
  }

  test('every input the CLI takes as text has its cases here', () => {
    const text = OPTION_TABLE.filter((row) => row.flags && row.arg && !row.cliValue?.startsWith('file'))
    expect(text.map((row) => row.input).sort()).toEqual(
      [...Object.keys(cases), 'project-dir'].sort(), // project-dir: the edges find it differently
    )
  })

  test.each(Object.entries(cases).flatMap(([input, { bad }]) => bad.map((value) => [input, value])))(
    '%s %j: the same error on both edges, each naming its own input or flag',
    (input, value) => {
      const row = OPTION_TABLE.find((candidate) => candidate.input === input)!
      const fromAction = action({ [input]: value })
      const fromCli = cli([row.flags![0]!, value])
      expect(fromAction.error).toMatch(new RegExp(`^input '${input}': `))
      expect(fromCli.error).toBe(
        fromAction
          .error!.replace(`input '${input}'`, `input '${row.flags![0]}'`)
          .replace(/set (\S+)$/, 'set --$1'),
      )
    },
  )

  test.each(Object.entries(cases).flatMap(([input, { good }]) => good.map((value) => [input, value])))(
    '%s %j: the same value on both edges',
    (input, value) => {
      const row = OPTION_TABLE.find((candidate) => candidate.input === input)!
      const fromAction = action({ [input]: value }).options!
      const fromCli = cli([row.flags![0]!, value]).options!
      expect(fromAction[row.key]).toBeDefined()
      expect(fromCli[row.key]).toEqual(fromAction[row.key])
    },
  )

  test('the compute limit falls back to icp’s variable on both edges, its error naming the variable', () => {
    const env = { ICP_CLI_PLUGIN_COMPUTE_LIMIT_SECS: '30O' }
    const message = "invalid ICP_CLI_PLUGIN_COMPUTE_LIMIT_SECS value '30O'"
    expect(action({}, env).error).toContain(message)
    expect(cli([], env).error).toContain(message)
    expect(action({}, { ICP_CLI_PLUGIN_COMPUTE_LIMIT_SECS: '42' }).options?.computeLimitSeconds).toBe(42)
  })

  test('github-token: the Action masks it, the CLI takes GITHUB_TOKEN, --debug never shows it', () => {
    const token = 'ghs_' + 'x'.repeat(36)
    const fromAction = action({ 'github-token': token })
    expect(fromAction.options?.githubToken).toBe(token)
    expect(fromAction.log).toContain(`::add-mask::${token}`)
    expect(OPTION_TABLE.find((row) => row.key === 'githubToken')).toMatchObject({ secret: true })
    expect(OPTION_TABLE.find((row) => row.key === 'githubToken')?.flags).toBeUndefined()
    const fromCli = cli([], { GITHUB_TOKEN: token }).options!
    expect(fromCli.githubToken).toBe(token)
    expect(optionsDebugLines(fromCli).join('\n')).not.toContain(token)
    expect(action({}, { GITHUB_TOKEN: token }).options?.githubToken).toBeUndefined() // the input, not the variable
  })
})
