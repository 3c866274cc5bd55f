// Error annotations that point at the offending line of icp.yaml in the pull request.
import { isAbsolute, relative } from 'node:path'

import * as core from '@actions/core'

import type { ErrorInfo } from '../report/result.js'

export function annotateError(error: ErrorInfo, title: string, redact: (text: string) => string): void {
  const text = redact([error.message, ...error.causes.map((cause) => `caused by: ${cause}`)].join('\n'))
  const position = error.position
  if (!position) return core.error(text, { title })
  const workspace = process.env.GITHUB_WORKSPACE
  const file = workspace && isAbsolute(position.file) ? relative(workspace, position.file) : position.file
  core.error(text, { title, file, startLine: position.line, startColumn: position.column })
}
