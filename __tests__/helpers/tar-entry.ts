// What a writer of the cache scope can plant for a tar-unpacking client: an @actions/cache-style
// entry (a zstd-compressed tar, the toolkit's format when zstd is installed) whose members have names
// the toolkit's `tar -xf … -P -C $GITHUB_WORKSPACE` keeps as they are, so they land anywhere.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A tar.zst archive with one member per entry of `members` (member name → text), names kept verbatim. */
export function plantedTar(members: Record<string, string>): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'icp-sync-tar-'))
  try {
    const names = Object.keys(members)
    const transforms = names.flatMap((name, i) => {
      writeFileSync(join(dir, `m${i}`), members[name]!)
      return ['--transform', `s|^m${i}$|${name}|`]
    })
    const tar = execFileSync('tar', [
      '-P',
      '-cf',
      '-',
      '-C',
      dir,
      ...transforms,
      ...names.map((_, i) => `m${i}`),
    ])
    return execFileSync('zstd', ['-q', '-c'], { input: tar })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * The version @actions/cache 6.3.0 gives an entry of `paths` on Linux with zstd installed
 * (cacheUtils.getCacheVersion: paths, compression method, salt '1.0', joined by '|').
 */
export function toolkitCacheVersion(paths: string[]): string {
  return createHash('sha256')
    .update([...paths, 'zstd-without-long', '1.0'].join('|'))
    .digest('hex')
}
