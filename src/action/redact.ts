// Secrets out of whatever we write to files the runner does not mask (the result output, the summary)
// and out of annotations. Redaction works on strings, field by field, before anything is serialised:
// replacing a secret inside serialised JSON or Markdown can break their syntax (a password `false`
// once turned `{"ok":false,` into `{"ok":***,`).

/** `text` with every secret replaced by `***`, the longest secrets first (a PEM before its lines). */
export function redact(text: string, secrets: string[]): string {
  let out = text
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret) out = out.split(secret).join('***')
  }
  return out
}

/** A copy of a JSON-shaped value with `redact` applied to every string in it, keys included. */
export function redactDeep<T>(value: T, secrets: string[]): T {
  if (secrets.length === 0) return value
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return redact(node, secrets)
    if (Array.isArray(node)) return node.map(walk)
    if (node && typeof node === 'object')
      return Object.fromEntries(
        Object.entries(node).map(([key, inner]) => [redact(key, secrets), walk(inner)]),
      )
    return node
  }
  return walk(value) as T
}
