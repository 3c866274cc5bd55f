// Hostile input: every case ends in a ManifestError naming the file, never a crash or a hang.
import { describe, expect, test } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ManifestError, MAX_MANIFEST_BYTES, loadProject, parseYaml } from '../../src/project/index.js'

function project(content: string | Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'icp-garbage-'))
  writeFileSync(join(dir, 'icp.yaml'), content)
  return dir
}

async function failure(content: string | Uint8Array): Promise<ManifestError> {
  const dir = project(content)
  const started = performance.now()
  try {
    await loadProject(dir)
  } catch (err) {
    expect(err).toBeInstanceOf(ManifestError)
    const e = err as ManifestError
    expect(e.file).toBe(join(dir, 'icp.yaml'))
    expect(e.message.length).toBeGreaterThan(0)
    // Generous: the point is "bounded", the bench measures the real numbers.
    expect(performance.now() - started).toBeLessThan(20_000)
    return e
  }
  throw new Error('loaded without error')
}

/** Deterministic pseudo-random bytes (sha256 in counter mode). */
function bytes(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i += 32) {
    out.set(
      createHash('sha256')
        .update(`${seed}:${i}`)
        .digest()
        .subarray(0, Math.min(32, length - i)),
      i,
    )
  }
  return out
}

describe('garbage input', () => {
  test.each([1, 2, 3, 4, 5, 6, 7, 8])('random bytes, seed %i', async (seed) => {
    await failure(bytes(seed, 4096))
  })

  test('random printable text', async () => {
    const text = Buffer.from(bytes(99, 20_000))
      .toString('base64')
      .replace(/[A-F]/g, '\n')
      .replace(/[G-K]/g, ': ')
      .replace(/[L-P]/g, '- ')
      .replace(/[Q-T]/g, '[')
      .replace(/[U-Z]/g, '{')
    await failure(text)
  })

  test('deep flow nesting is refused before the parser (which would abort the process)', async () => {
    const e = await failure(`canisters: ${'['.repeat(5000)}${']'.repeat(5000)}`)
    expect(e.message).toMatch(/nesting is too deep/)
    expect(e.line).toBe(1)
  })

  test('deep block nesting', async () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `${' '.repeat(i)}k${i}:`)
    const e = await failure(lines.join('\n') + ' x')
    expect(e.message).toMatch(/nesting is too deep/)
  })

  test('deep compact sequences on one line', async () => {
    const e = await failure(`canisters:\n${'- '.repeat(2000)}x\n`)
    expect(e.message).toMatch(/nesting is too deep/)
  })

  test('nesting within the limits still parses', () => {
    expect(() => parseYaml(`a: ${'['.repeat(90)}${']'.repeat(90)}`, 'x.yaml')).not.toThrow()
    // Brackets inside plain scalars (shell commands) open nothing.
    const commands = Array.from({ length: 300 }, (_, i) => `  - command: if [ -f f${i} ]; then echo {; fi [`)
    expect(() => parseYaml(`steps:\n${commands.join('\n')}\n`, 'x.yaml')).not.toThrow()
  })

  test('billion laughs (alias bomb)', async () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x]']
    for (let i = 1; i < 12; i++)
      lines.push(
        `a${i}: &a${i} [${Array(9)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      )
    const e = await failure(lines.join('\n'))
    expect(e.message).toMatch(/alias/i)
  })

  test('an alias bomb inside a recipe configuration', async () => {
    const bomb = ['    recipe:', '      type: file://r.hbs', '      configuration:']
    bomb.push('        a0: &a0 [x, x, x, x, x, x, x, x, x]')
    for (let i = 1; i < 10; i++)
      bomb.push(
        `        a${i}: &a${i} [${Array(9)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      )
    const e = await failure(`canisters:\n  - name: c\n${bomb.join('\n')}\n`)
    expect(e.message).toMatch(/alias/i)
  })

  test('a file over the size limit', async () => {
    const e = await failure(`canisters: []\n# ${'x'.repeat(MAX_MANIFEST_BYTES)}\n`)
    expect(e.message).toMatch(/bytes; icp-sync-action reads manifests up to/)
  })

  test('many keys just under the size limit are refused quickly, not in quadratic time', async () => {
    const keys: string[] = []
    for (let i = 0, size = 0; size < MAX_MANIFEST_BYTES - 64; i++) {
      keys.push(`k${i}: v`)
      size += keys[i]!.length + 1
    }
    const e = await failure(keys.join('\n'))
    expect(e.message).toBe(
      'unknown field `k0`, expected one of `canisters`, `dependencies`, `networks`, `environments`',
    )
  })

  test('invalid UTF-8 names the byte, line and column', async () => {
    const e = await failure(Buffer.concat([Buffer.from('canisters:\n  - ab'), Buffer.from([0xc3, 0x28])]))
    expect(e.message).toBe('invalid UTF-8 at byte 17')
    expect({ line: e.line, column: e.column }).toEqual({ line: 2, column: 7 })
  })

  test('a scalar, a sequence and a tagged value at the top level', async () => {
    expect((await failure('hello')).message).toBe(
      'invalid type: string "hello", expected struct ProjectManifest',
    )
    expect((await failure('- 1')).message).toBe('invalid type: sequence, expected struct ProjectManifest')
    expect((await failure('canisters: !!binary aGVsbG8=')).message).toMatch(/expected a sequence/)
  })

  test('a canister.yaml that is garbage names that file', async () => {
    const dir = project('canisters:\n  - svc\n')
    mkdirSync(join(dir, 'svc'))
    writeFileSync(join(dir, 'svc', 'canister.yaml'), bytes(7, 512))
    await expect(loadProject(dir)).rejects.toMatchObject({ file: join(dir, 'svc', 'canister.yaml') })
  })

  test('an args file that is a FIFO, a directory or /dev/zero: opened, never read, so no hang', async () => {
    const dir = project(`canisters:
  - name: app
    build: {steps: [{type: script, command: make}]}
    init_args: {path: pipe, format: bin}
    upgrade_args: {path: /dev/zero, format: bin}
  - name: dir
    build: {steps: [{type: script, command: make}]}
    upgrade_args: {path: ., format: bin}
`)
    execFileSync('mkfifo', [join(dir, 'pipe')])
    const started = performance.now()
    await expect(loadProject(dir)).rejects.toThrow(
      `failed to read upgrade_args file for canister 'dir': Filesystem operation failed at ${dir}: Is a directory (os error 21)`,
    )
    expect(performance.now() - started).toBeLessThan(5_000)
  })
})
