// Values as handlebars-rust holds icp's recipe configuration (serde_json::Value): the manifest builds
// them from YAML, the recipe renderer prints them. Their own module so neither of those imports the other.

/** How handlebars-rust prints a value into a template: nothing for null/missing. */
export function display(value: unknown): string {
  return value === undefined || value === null ? '' : String(value)
}

/** An array that prints the way handlebars-rust prints a JSON array: `[1, b]`. */
class RustArray extends Array<unknown> {
  override toString(): string {
    return `[${this.map((v) => display(v)).join(', ')}]`
  }
}

const RUST_OBJECT = Object.create(Object.prototype, {
  toString: { value: () => '[object]', enumerable: false },
})

/** A map as serde_json holds it (keys sorted) that prints as handlebars-rust does: `[object]`. */
export function rustJsonObject(entries: Record<string, unknown>): Record<string, unknown> {
  const out = Object.create(RUST_OBJECT) as Record<string, unknown>
  for (const key of Object.keys(entries).sort()) out[key] = entries[key]
  return out
}

export function rustJsonArray(items: unknown[]): unknown[] {
  const out = new RustArray()
  out.push(...items)
  return out
}
