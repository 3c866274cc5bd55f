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
