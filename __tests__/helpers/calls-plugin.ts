// A WAT sync plugin (icp:sync-plugin@0.1.0) that makes `calls` query calls to its own canister with a
// method name of our choosing (text, or `fill` bytes of 'a' written at run time, e.g. 1 MiB) and a fixed
// argument, then succeeds. No JS engine in the guest: built in milliseconds, for hostile-call tests.
import { componentFromWat } from './wat.js'

export interface CallsPluginOptions {
  calls: number
  /** The method name as text; or `fill` bytes of 'a'. */
  method: string | { fill: number }
  /** The call's argument bytes; default the Candid encoding of `()`. */
  arg?: Uint8Array
}

/** Where the method name sits: above anything the host writes through `realloc` (replies, errors). */
const METHOD_OFFSET = 0x200000
const ARG_OFFSET = 0x100

function watBytes(bytes: Uint8Array): string {
  return [...bytes].map((b) => `\\${b.toString(16).padStart(2, '0')}`).join('')
}

export async function callsPlugin(options: CallsPluginOptions): Promise<Uint8Array> {
  const method = typeof options.method === 'string' ? new TextEncoder().encode(options.method) : undefined
  const methodLength = method ? method.length : (options.method as { fill: number }).fill
  const arg = options.arg ?? new Uint8Array([0x44, 0x49, 0x44, 0x4c, 0, 0])
  const pages = Math.ceil((METHOD_OFFSET + methodLength) / 65536) + 1
  const wat = `(component
  (import "icp:sync-plugin/types@0.1.0" (instance $types
    (type $fi (record (field "name" string) (field "content" string)))
    (export "file-input" (type $fi-t (eq $fi)))
    (type $in (record
      (field "canister-id" string)
      (field "environment" string)
      (field "dirs" (list string))
      (field "files" (list $fi-t))
      (field "identity-principal" string)
      (field "proxy-canister-id" (option string))))
    (export "sync-exec-input" (type (eq $in)))
    (type $ct (enum "update" "query"))
    (export "call-type" (type $ct-t (eq $ct)))
    (type $req (record
      (field "method" string)
      (field "arg" (list u8))
      (field "call-type" $ct-t)
      (field "direct" bool)
      (field "cycles" u64)))
    (export "canister-call-request" (type (eq $req)))))
  (alias export $types "sync-exec-input" (type $input))
  (alias export $types "canister-call-request" (type $request))
  (import "canister-call" (func $call (param "req" $request) (result (result (list u8) (error string)))))
  (core module $mem
    (memory (export "memory") ${pages})
    (global $bump (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) (local $r i32)
      global.get $bump local.set $r
      global.get $bump local.get 3 i32.add i32.const 7 i32.add i32.const -8 i32.and global.set $bump
      local.get $r)
    (func (export "reset") i32.const 1024 global.set $bump))
  (core instance $mi (instantiate $mem))
  (alias core export $mi "memory" (core memory $memory))
  (alias core export $mi "realloc" (core func $realloc))
  (core func $call_lowered (canon lower (func $call) (memory $memory) (realloc $realloc)))
  (core module $m
    (import "mem" "memory" (memory ${pages}))
    (import "mem" "reset" (func $reset))
    (import "host" "call" (func $call (param i32 i32 i32 i32 i32 i32 i64 i32)))
    (data (i32.const ${ARG_OFFSET}) "${watBytes(arg)}")
    ${method ? `(data (i32.const ${METHOD_OFFSET}) "${watBytes(method)}")` : ''}
    (func (export "exec")
      (param $cid i32) (param $cidl i32) (param $env i32) (param $envl i32) (param $dirs i32)
      (param $dirsl i32) (param $files i32) (param $filesl i32) (param $id i32) (param $idl i32)
      (param $px i32) (param $pxp i32) (param $pxl i32) (result i32)
      (local $i i32)
      ${method ? '' : `(memory.fill (i32.const ${METHOD_OFFSET}) (i32.const 97) (i32.const ${methodLength}))`}
      (block $stop
        (loop $calls
          (br_if $stop (i32.ge_u (local.get $i) (i32.const ${options.calls})))
          (call $reset)
          (call $call (i32.const ${METHOD_OFFSET}) (i32.const ${methodLength}) (i32.const ${ARG_OFFSET})
            (i32.const ${arg.length}) (i32.const 1) (i32.const 0) (i64.const 0) (i32.const 64))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $calls)))
      (i32.store (i32.const 16) (i32.const 0))
      (i32.const 16)))
  (core instance $i (instantiate $m
    (with "mem" (instance $mi))
    (with "host" (instance (export "call" (func $call_lowered))))))
  (func $exec (param "input" $input) (result (result (error string)))
    (canon lift (core func $i "exec") (memory $memory) (realloc $realloc)))
  (export "exec" (func $exec)))`
  return componentFromWat(wat)
}
