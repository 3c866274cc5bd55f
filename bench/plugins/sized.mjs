// Components of a chosen size whose `exec` returns at once: bench/plugins/noop.wat plus dead code (many
// unreferenced functions in the same core module). A host that compiles ahead of time (icp's wasmtime)
// pays for every byte; one that compiles lazily (V8) mostly does not — the size series shows which.
const UNITS_PER_FUNC = 1000

/** One dead function: a chain of arithmetic on its parameter, distinct constants so nothing folds away. */
function deadFunc(seed) {
  let body = ''
  for (let u = 0; u < UNITS_PER_FUNC; u++)
    body += `local.get 0 i32.const ${(seed * 7919 + u * 104729) % 1000000} i32.xor local.set 0\n`
  return `(func (param i32) (result i32) ${body} local.get 0)\n`
}

/** noop.wat with `count` dead functions inserted into its core module. */
export function sizedWat(noopWat, count) {
  const anchor = '(func (export "exec")'
  if (!noopWat.includes(anchor)) throw new Error('noop.wat no longer has the exec function sized.mjs expects')
  let dead = ''
  for (let i = 0; i < count; i++) dead += deadFunc(i)
  return noopWat.replace(anchor, `${dead}${anchor}`)
}

/** A component of about `bytes` bytes (calibrated on one parse of a small one). */
export async function sizedComponent(componentFromWat, noopWat, bytes) {
  const base = (await componentFromWat(sizedWat(noopWat, 0))).length
  const ten = (await componentFromWat(sizedWat(noopWat, 10))).length
  const perFunc = (ten - base) / 10
  return componentFromWat(sizedWat(noopWat, Math.max(0, Math.round((bytes - base) / perFunc))))
}
