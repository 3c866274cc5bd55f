// Errors in a componentize-js plugin. StarlingMonkey turns a thrown Error (or a TypeError, a rejected
// promise, "too much recursion") into an opaque wasm trap: the host sees `unreachable` and the message
// is lost. Only a thrown *string* becomes the `err` of `exec`'s result, which icp and this Action
// print as "plugin returned error: <string>". So: throw strings, and wrap exec with `entryPoint`.

/** The text of anything thrown: an import's `err` payload, an Error's message (with stack), a string. */
export function errorText(e: unknown): string {
  if (typeof e === 'string') return e
  if (e && typeof e === 'object') {
    if ('payload' in e) return errorText((e as { payload: unknown }).payload) // a failed import call
    if (e instanceof Error) return e.stack ? `${e.message}\n${e.stack}` : e.message
  }
  return String(e)
}

/** Wraps an `exec` so that whatever it throws leaves as a string: `export const exec = entryPoint(run)`. */
export function entryPoint<I>(run: (input: I) => void): (input: I) => void {
  return (input) => {
    try {
      run(input)
    } catch (e) {
      throw errorText(e)
    }
  }
}
