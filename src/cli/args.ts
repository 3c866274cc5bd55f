// Command-line arguments → SyncOptions: a loop over the option table (src/options/table.ts), plus the
// CLI's own switches. Kept apart from the entry so it can be tested without running.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs, type ParseArgsConfig } from 'node:util'

import { defaultCacheDir } from './cache-dir.js'
import { OPTION_TABLE, readOptions, type OptionRow } from '../options/table.js'
import { OptionError, type SyncOptions } from '../options/parse.js'

/** Where the text of `--help` puts the descriptions, and where it wraps them. */
const HELP_COLUMN = 36
const HELP_WIDTH = 104

/** One `--help` entry per row with a flag: the flag, its description, its default and bounds. */
function helpEntry(row: OptionRow): string {
  const [first, ...aliases] = row.flags!
  const single = aliases.length === 0
  const left = `  ${row.short && single ? `-${row.short}, ` : '    '}${first}${row.arg ? ` ${row.arg}` : ''}`
  const notes: string[] = []
  if (!single) notes.push(`also ${row.short ? `-${row.short}, ` : ''}${aliases.join(', ')}`)
  const fallback = row.helpDefault ?? row.cliDefault ?? row.default
  const defaults = [row.env && `$${row.env}`, fallback].filter(Boolean).join(', else ')
  if (row.arg && defaults) notes.push(`default: ${defaults}`)
  if (row.bounds) notes.push(`${row.bounds.min}–${row.bounds.max}`)
  const text = `${row.help}${notes.length ? ` (${notes.join('; ')})` : ''}`
  return (
    left.padEnd(HELP_COLUMN - 1) +
    ' ' +
    wrap(text, HELP_WIDTH - HELP_COLUMN).join(`\n${' '.repeat(HELP_COLUMN)}`)
  )
}

/** A variable the CLI reads for an option that has no flag (e.g. GITHUB_TOKEN). */
function envHelpEntry(row: OptionRow): string {
  const lines = wrap(row.help, HELP_WIDTH - HELP_COLUMN)
  return `  ${row.env!}`.padEnd(HELP_COLUMN - 1) + ' ' + lines.join(`\n${' '.repeat(HELP_COLUMN)}`)
}

/** `text` in lines of at most `width` characters, broken between words. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else line = line ? `${line} ${word}` : word
  }
  return [...lines, line]
}

export const USAGE = `usage: icp-sync [sync] [CANISTER...] [options]     run the sync steps of an icp.yaml project
       icp-sync inspect <plugin.wasm>                transpile a plugin; show its sha256, imports and exports

options:
${OPTION_TABLE.filter((row) => row.flags)
  .map(helpEntry)
  .join('\n')}
      --cache-dir <dir>             plugin, transpile, recipe and V8 code caches (default: $ICP_SYNC_CACHE_DIR, else $XDG_CACHE_HOME/icp-sync or ~/.cache/icp-sync)
      --json                        print the result as JSON on stdout
      --debug                       more detail on stderr: the options, each step's cache use and timings, the plan, whole error chains
  -V, --version                     print icp-sync's version
  -h, --help

environment:
${OPTION_TABLE.filter((row) => !row.flags && row.env)
  .map(envHelpEntry)
  .join('\n')}`

export class UsageError extends Error {}

/** The CLI's own switches, beside the option table's flags. */
const COMMAND_FLAGS: NonNullable<ParseArgsConfig['options']> = {
  'cache-dir': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  version: { type: 'boolean', short: 'V', default: false },
  debug: { type: 'boolean', default: false },
}

/** parseArgs' spec of every flag of the table (a row's `short` is the one-letter form of its last flag). */
function tableFlags(): NonNullable<ParseArgsConfig['options']> {
  const flags: NonNullable<ParseArgsConfig['options']> = {}
  for (const row of OPTION_TABLE) {
    for (const [i, flag] of (row.flags ?? []).entries()) {
      const last = i === row.flags!.length - 1
      flags[flag.slice(2)] = {
        type: row.arg ? 'string' : 'boolean',
        ...(last && row.short ? { short: row.short } : {}),
      }
    }
  }
  return flags
}

export function parseCli(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): {
  command: 'sync' | 'inspect' | 'help' | 'version'
  options?: SyncOptions
  json: boolean
  debug?: boolean
  cacheDir: string
  file?: string
} {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...tableFlags(), ...COMMAND_FLAGS },
  })
  const flag = (name: string) => values[name] as string | boolean | undefined
  const cacheDir = flag('cache-dir') ? resolve(flag('cache-dir') as string) : defaultCacheDir(env)
  if (flag('help')) return { command: 'help', json: false, cacheDir }
  if (flag('version')) return { command: 'version', json: false, cacheDir }
  const debug = (flag('debug') as boolean | undefined) ?? false
  const [first, ...rest] = positionals
  if (first === 'inspect') {
    if (rest.length !== 1) throw new UsageError('inspect takes exactly one plugin file')
    return { command: 'inspect', file: rest[0], json: false, cacheDir, debug }
  }
  const names = first === 'sync' ? rest : positionals

  const options = readOptions(
    'cli',
    (row) => {
      if (row.positional) return { name: 'CANISTER', value: names.join(',') }
      // The first of the row's flags that was given wins (--project-root-override over -p).
      const given = row.flags?.find((name) => flag(name.slice(2)) !== undefined)
      if (!given) return undefined
      const value = flag(given.slice(2))
      return { name: given, value: typeof value === 'boolean' ? String(value) : flagText(row, given, value!) }
    },
    env,
    cwd,
  )
  return { command: 'sync', options, json: (flag('json') as boolean | undefined) ?? false, cacheDir, debug }
}

/** A flag's value as the table's parser takes it: the text, or what the file it names holds. */
function flagText(row: OptionRow, flag: string, value: string): string {
  if (value === '') return value
  switch (row.cliValue) {
    case 'file':
      return readSecretFile(flag, value)
    case 'file-line':
      return readSecretFile(flag, value).replace(/\r?\n$/, '')
    case 'text-or-@file':
      return value.startsWith('@') ? readSecretFile(flag, value.slice(1)) : value
    default:
      return value
  }
}

function readSecretFile(flag: string, file: string): string {
  try {
    return readFileSync(resolve(file), 'utf8')
  } catch (error) {
    throw new OptionError(
      flag,
      `cannot read '${file}': ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    )
  }
}
