// `npm run demo` entry point: runs the demo and exits non-zero on any failure.
import { runDemo } from './demo.js'

try {
  const result = await runDemo()
  process.exitCode = result.ok ? 0 : 1
} catch (error) {
  process.stderr.write(
    `demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  )
  process.exitCode = 1
}
