// Hostile components for the containment tests, in WebAssembly text (built with jco's wasm-tools).
import { TYPES_V1_IMPORT, execExport } from './wat.js'

/**
 * `count` core instances, each with its own memory that `exec` grows 1 MiB at a time (touching every
 * page) towards `targetMiB`; a grow that fails is remembered and, once every memory has grown as far as
 * it could, `exec` traps (as an allocator that ran out would). Without a budget across memories, RSS
 * reaches count × targetMiB.
 */
export function manyMemoriesWat(count: number, targetMiB: number): string {
  const grower = (n: number) => `
  (core module $m${n}
    (memory 1)
    (func (export "grow") (result i32) (local $p i32)
      (block $done (loop $more
        memory.size i32.const ${targetMiB * 16} i32.ge_u br_if $done
        i32.const 16 memory.grow local.tee $p i32.const -1 i32.eq if i32.const 0 return end
        local.get $p i32.const 65536 i32.mul i32.const 1 i32.const 1048576 memory.fill
        br $more))
      i32.const 1))
  (core instance $i${n} (instantiate $m${n}))`
  const indices = [...Array(count).keys()]
  return `(component
  ${TYPES_V1_IMPORT}
  ${indices.map(grower).join('\n')}
  (core module $main
    ${indices.map((n) => `(import "m${n}" "grow" (func $g${n} (result i32)))`).join('\n    ')}
    (func (export "exec") (local $ok i32)
      i32.const 1 local.set $ok
      ${indices.map((n) => `call $g${n} local.get $ok i32.and local.set $ok`).join('\n      ')}
      local.get $ok i32.eqz if unreachable end))
  (core instance $main (instantiate $main
    ${indices.map((n) => `(with "m${n}" (instance $i${n}))`).join('\n    ')}))
  ${execExport('$main')}
)`
}

/** A bump allocator module with one memory, for lowering lists and strings. */
const MEMORY_MODULE = `
  (core module $mem
    (memory (export "memory") 1)
    (global $bump (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) (local $r i32)
      global.get $bump local.set $r
      global.get $bump local.get 3 i32.add i32.const 7 i32.add i32.const -8 i32.and global.set $bump
      local.get $r))
  (core instance $mi (instantiate $mem))
  (alias core export $mi "memory" (core memory $memory))
  (alias core export $mi "realloc" (core func $realloc))`

/** `exec` asks output-stream.blocking-write-zeroes-and-flush for 1 GiB on stdout; traps unless refused. */
export const WRITE_ZEROES_WAT = `(component
  ${TYPES_V1_IMPORT}
  (import "wasi:io/error@0.2.0" (instance $ioerr (export "error" (type (sub resource)))))
  (alias export $ioerr "error" (type $error))
  (import "wasi:io/streams@0.2.0" (instance $streams
    (export "error" (type $e (eq $error)))
    (export "output-stream" (type $os (sub resource)))
    (type $se (variant (case "last-operation-failed" (own $e)) (case "closed")))
    (export "stream-error" (type $sev (eq $se)))
    (export "[method]output-stream.blocking-write-zeroes-and-flush"
      (func (param "self" (borrow $os)) (param "len" u64) (result (result (error $sev)))))))
  (alias export $streams "output-stream" (type $output-stream))
  (alias export $streams "[method]output-stream.blocking-write-zeroes-and-flush" (func $zeroes))
  (import "wasi:cli/stdout@0.2.0" (instance $stdout
    (export "output-stream" (type $o (eq $output-stream)))
    (export "get-stdout" (func (result (own $o))))))
  (alias export $stdout "get-stdout" (func $getstdout))
  ${MEMORY_MODULE}
  (core func $getstdout_low (canon lower (func $getstdout)))
  (core func $zeroes_low (canon lower (func $zeroes) (memory $memory)))
  (core module $main
    (import "env" "memory" (memory 1))
    (import "env" "get-stdout" (func $get (result i32)))
    (import "env" "zeroes" (func $zeroes (param i32 i64 i32)))
    (func (export "exec")
      call $get i64.const 1073741824 i32.const 64 call $zeroes
      i32.const 64 i32.load8_u i32.const 1 i32.ne if unreachable end))
  (core instance $i (instantiate $main (with "env" (instance
    (export "memory" (memory $memory))
    (export "get-stdout" (func $getstdout_low))
    (export "zeroes" (func $zeroes_low))))))
  ${execExport('$i')}
)`

/** `exec` asks wasi:random for 1 GiB in one call. */
export const RANDOM_WAT = `(component
  ${TYPES_V1_IMPORT}
  (import "wasi:random/random@0.2.0" (instance $random
    (export "get-random-bytes" (func (param "len" u64) (result (list u8))))))
  (alias export $random "get-random-bytes" (func $bytes))
  ${MEMORY_MODULE}
  (core func $bytes_low (canon lower (func $bytes) (memory $memory) (realloc $realloc)))
  (core module $main
    (import "env" "memory" (memory 1))
    (import "env" "bytes" (func $bytes (param i64 i32)))
    (func (export "exec") i64.const 1073741824 i32.const 16 call $bytes))
  (core instance $i (instantiate $main (with "env" (instance
    (export "memory" (memory $memory)) (export "bytes" (func $bytes_low))))))
  ${execExport('$i')}
)`

/** Exports `exec: func(u32) -> u32` (not the world's type): must be refused, not reported a success. */
export const WRONG_EXEC_WAT = `(component
  ${TYPES_V1_IMPORT}
  (core module $m (func (export "exec") (param i32) (result i32) local.get 0))
  (core instance $i (instantiate $m))
  (func $exec (param "input" u32) (result u32) (canon lift (core func $i "exec")))
  (export "exec" (func $exec))
)`

/** Imports `canister-call: func(u32) -> u32`; its exec is well typed. */
export const WRONG_CALL_IMPORT_WAT = `(component
  ${TYPES_V1_IMPORT}
  (import "canister-call" (func $call (param "req" u32) (result u32)))
  (core func $call_low (canon lower (func $call)))
  (core module $m (import "host" "call" (func (param i32) (result i32))) (func (export "exec")))
  (core instance $i (instantiate $m (with "host" (instance (export "call" (func $call_low))))))
  ${execExport('$i')}
)`
