// The error of a bad input or flag. Down here because the modules that check an option's value against
// the project (project/plan.ts, policy/) sit below options/, which reads the inputs and flags.

/** Thrown for a bad input or flag; `input` names it so the user knows what to fix. */
export class OptionError extends Error {
  override name = 'OptionError'
  constructor(
    readonly input: string,
    message: string,
  ) {
    super(`input '${input}': ${message}`)
  }
}
