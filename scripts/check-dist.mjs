// Fails when the committed dist/ differs from a fresh bundle of the current sources.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const fresh = await mkdtemp(join(tmpdir(), 'icp-sync-dist-'))
try {
  execFileSync(process.execPath, [join(root, 'scripts/bundle.mjs'), fresh], { cwd: root, stdio: 'pipe' })
  const committed = join(root, 'dist')
  const names = async (dir) => (await readdir(dir).catch(() => [])).sort()
  const [want, have] = [await names(fresh), await names(committed)]
  const problems = []
  for (const name of new Set([...want, ...have])) {
    if (!have.includes(name)) problems.push(`missing from dist/: ${name}`)
    else if (!want.includes(name)) problems.push(`stale file in dist/: ${name}`)
    else if (!(await readFile(join(fresh, name))).equals(await readFile(join(committed, name))))
      problems.push(`out of date: dist/${name}`)
  }
  if (problems.length) {
    console.error(
      `dist/ does not match the sources:\n  ${problems.join('\n  ')}\nRun \`npm run bundle\` and commit dist/.`,
    )
    process.exit(1)
  }
  console.log(`dist/ is up to date (${want.length} files)`)
} finally {
  await rm(fresh, { recursive: true, force: true })
}
