// One error type for everything wrong with a project: the message is icp-cli's text (so users who know
// icp recognise it), the position is ours (the exact node, where icp only names the enclosing item).

export interface SourcePosition {
  file: string
  line: number
  column: number
}

export class ManifestError extends Error {
  override name = 'ManifestError'
  readonly file: string
  readonly line?: number
  readonly column?: number
  /** Context links outside the message, outermost first (icp prints them as "Caused by"). */
  readonly causes: string[]

  constructor(
    message: string,
    where: { file: string; line?: number; column?: number },
    causes: string[] = [],
  ) {
    super(message)
    this.file = where.file
    this.line = where.line
    this.column = where.column
    this.causes = causes
  }

  /** `file:line:column: message`, the form compilers and GitHub annotations use. */
  toString(): string {
    const at = this.line === undefined ? this.file : `${this.file}:${this.line}:${this.column ?? 1}`
    return `${at}: ${this.message}`
  }
}
