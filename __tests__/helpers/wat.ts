import { parse } from '@bytecodealliance/jco-transpile/wasm-tools'

/** Builds a component from WebAssembly text with jco's wasm-tools (no other toolchain needed). */
export async function componentFromWat(wat: string): Promise<Uint8Array> {
  return parse(wat)
}

/** The smallest useful component: exports `answer: func() -> u32` returning 42. */
export const ANSWER_COMPONENT_WAT = `(component
  (core module $m (func (export "f") (result i32) i32.const 42))
  (core instance $i (instantiate $m))
  (func $f (result u32) (canon lift (core func $i "f")))
  (export "answer" (func $f))
)`

/**
 * The icp:sync-plugin@0.1.0 types instance, imported as real plugins import it, with its
 * `sync-exec-input` aliased as `$sync-exec-input` for `execExport`.
 */
export const TYPES_V1_IMPORT = `(import "icp:sync-plugin/types@0.1.0" (instance $types
    (type $file (record (field "name" string) (field "content" string)))
    (export "file-input" (type $file-input (eq $file)))
    (type $input (record
      (field "canister-id" string) (field "environment" string) (field "dirs" (list string))
      (field "files" (list $file-input)) (field "identity-principal" string)
      (field "proxy-canister-id" (option string))))
    (export "sync-exec-input" (type (eq $input)))))
  (alias export $types "sync-exec-input" (type $sync-exec-input))`

/**
 * `exec: func(input: sync-exec-input) -> result<_, string>` (the 0.1.0 world's type) around the
 * argument-less core function `exec` of core instance `instance`: a shim takes the lowered input
 * (13 flat values, strings placed by its own realloc), calls it, and returns `ok`.
 */
export function execExport(instance: string): string {
  return `(core module $exec-shim
    (import "run" "exec" (func $run))
    (memory (export "memory") 1)
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) i32.const 1024)
    (func (export "exec") (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)
      call $run
      i32.const 0 i32.const 0 i32.store8
      i32.const 0))
  (core instance $exec-shim (instantiate $exec-shim (with "run" (instance ${instance}))))
  (alias core export $exec-shim "memory" (core memory $exec-memory))
  (alias core export $exec-shim "realloc" (core func $exec-realloc))
  (func $exec (param "input" $sync-exec-input) (result (result (error string)))
    (canon lift (core func $exec-shim "exec") (memory $exec-memory) (realloc $exec-realloc)))
  (export "exec" (func $exec))`
}
