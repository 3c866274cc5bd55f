// Texts a plugin, a canister or a remote chose can be any length. Whatever the host keeps of them (call
// records, errors, the summary, the result output) goes through here first.

/** At most `max` characters of `text`, and when cut, how long it was: `abc… (1048576 characters in all)`. */
export function clipText(text: string, max: number): string {
  if (text.length <= max) return text
  return `${text.slice(0, max)}… (${text.length} characters in all)`
}
