// Benchmark plugin (icp:sync-plugin@0.1.0), built once with componentize-js and run by both hosts.
// The first declared file holds the command: `noop`, `calls <n> <update|query>` or `compute <n>`.
// It prints `t0=<epoch ms>` on stderr on entry to exec (process start → first exec), and times its own
// work with the wall clock, so the compile time of a host does not blur the numbers.
import canisterCall from 'canister-call'

const enc = new TextEncoder()

function call(method, arg, callType) {
  try {
    return canisterCall({ method, arg, callType, direct: true, cycles: 0n })
  } catch (e) {
    throw `${method}: ${String(e && typeof e === 'object' && 'payload' in e ? e.payload : e)}`
  }
}

/** Candid `()` and `(text)`. */
const NO_ARGS = new Uint8Array([0x44, 0x49, 0x44, 0x4c, 0, 0])
function textArg(s) {
  const bytes = enc.encode(s)
  return new Uint8Array([0x44, 0x49, 0x44, 0x4c, 0, 1, 0x71, bytes.length, ...bytes])
}

/** Integer and typed-array work in the shape of a compressor: hash chains over a pseudo-random buffer. */
function compute(rounds) {
  const size = 1 << 16
  const buf = new Uint8Array(size)
  const head = new Int32Array(1 << 12)
  let x = 2463534242
  let check = 0
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < size; i++) {
      x ^= x << 13
      x ^= x >>> 17
      x ^= x << 5
      buf[i] = x & 0x3f
    }
    head.fill(-1)
    for (let i = 0; i + 2 < size; i++) {
      const h = ((buf[i] << 8) ^ (buf[i + 1] << 4) ^ buf[i + 2]) & 0xfff
      const prev = head[h]
      if (prev >= 0 && buf[prev] === buf[i]) check = (check + i - prev) | 0
      head[h] = i
    }
  }
  return check
}

export function exec(input) {
  console.error(`t0=${Date.now()}`)
  const [command, ...args] = (input.files[0]?.content ?? 'noop').trim().split(/\s+/)
  const started = Date.now()
  if (command === 'calls') {
    const n = Number(args[0])
    const query = args[1] === 'query'
    for (let i = 0; i < n; i++) {
      if (query) call('greet', textArg('b'), 'query')
      else call('increment', NO_ARGS, 'update')
    }
    console.error(`work_ms=${Date.now() - started} calls=${n}`)
  } else if (command === 'compute') {
    const check = compute(Number(args[0]))
    console.error(`work_ms=${Date.now() - started} check=${check}`)
  } else if (command !== 'noop') {
    throw `unknown command ${command}`
  }
}
