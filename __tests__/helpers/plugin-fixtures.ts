// Fixture components for the plugin runtime tests, built once and cached (see build-plugin.ts).
import { join } from 'node:path'

import { buildJsPlugin } from './build-plugin.js'
import { REPO_ROOT } from './paths.js'

export const FIXTURE_PLUGINS = join(REPO_ROOT, '__tests__/fixtures/plugins')

export function suiteV1(): Promise<string> {
  return buildJsPlugin(join(FIXTURE_PLUGINS, 'suite-v1.js'), { world: 'v1' })
}

export function suiteV2(): Promise<string> {
  return buildJsPlugin(join(FIXTURE_PLUGINS, 'suite-v2.js'), { world: 'v2' })
}

/** Imports only the 0.1.0 types instance and wasi:cli/exit; `exec` calls exit(err). */
export const EXIT_COMPONENT_WAT = `(component
  (import "icp:sync-plugin/types@0.1.0" (instance))
  (import "wasi:cli/exit@0.2.0" (instance $exit (export "exit" (func (param "status" (result))))))
  (alias export $exit "exit" (func $exitf))
  (core func $exitc (canon lower (func $exitf)))
  (core module $m (import "" "exit" (func $e (param i32))) (func (export "exec") i32.const 1 call $e))
  (core instance $i (instantiate $m (with "" (instance (export "exit" (func $exitc))))))
  (func $exec (canon lift (core func $i "exec")))
  (export "exec" (func $exec))
)`

/** `exec` asks wasi:cli/environment for the environment and traps if it is not empty. */
export const ENV_COMPONENT_WAT = `(component
  (import "icp:sync-plugin/types@0.1.0" (instance))
  (import "wasi:cli/environment@0.2.3" (instance $env
    (export "get-environment" (func (result (list (tuple string string)))))))
  (alias export $env "get-environment" (func $getenv))
  (core module $mem
    (memory (export "memory") 1)
    (global $bump (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) (local $r i32)
      global.get $bump local.set $r
      global.get $bump local.get 3 i32.add i32.const 7 i32.add i32.const -8 i32.and global.set $bump
      local.get $r))
  (core instance $mi (instantiate $mem))
  (alias core export $mi "memory" (core memory $memory))
  (alias core export $mi "realloc" (core func $realloc))
  (core func $getenv_low (canon lower (func $getenv) (memory $memory) (realloc $realloc)))
  (core module $main
    (import "env" "memory" (memory 1))
    (import "env" "getenv" (func $g (param i32)))
    (func (export "exec") i32.const 16 call $g i32.const 20 i32.load if unreachable end))
  (core instance $i (instantiate $main (with "env" (instance
    (export "memory" (memory $memory)) (export "getenv" (func $getenv_low))))))
  (func $exec (canon lift (core func $i "exec")))
  (export "exec" (func $exec))
)`

/** Imports wasi:http: must be refused before anything is instantiated. */
export const HTTP_COMPONENT_WAT = `(component
  (import "icp:sync-plugin/types@0.1.0" (instance))
  (import "wasi:http/outgoing-handler@0.2.0" (instance (export "ping" (func))))
)`

/** Declares an interface version icp-cli does not load. */
export const FUTURE_VERSION_COMPONENT_WAT = `(component
  (import "icp:sync-plugin/types@0.3.0" (instance))
)`
