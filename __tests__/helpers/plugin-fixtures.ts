// Fixture components for the plugin runtime tests, built once and cached (see build-plugin.ts).
import { join } from 'node:path'

import { buildJsPlugin } from './build-plugin.js'
import { TYPES_V1_IMPORT, execExport } from './wat.js'
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
  ${TYPES_V1_IMPORT}
  (import "wasi:cli/exit@0.2.0" (instance $exit (export "exit" (func (param "status" (result))))))
  (alias export $exit "exit" (func $exitf))
  (core func $exitc (canon lower (func $exitf)))
  (core module $m (import "" "exit" (func $e (param i32))) (func (export "exec") i32.const 1 call $e))
  (core instance $i (instantiate $m (with "" (instance (export "exit" (func $exitc))))))
  ${execExport('$i')}
)`

/** `exec` asks wasi:cli/environment for the environment and traps if it is not empty. */
export const ENV_COMPONENT_WAT = `(component
  ${TYPES_V1_IMPORT}
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
  ${execExport('$i')}
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

/**
 * Imports wasi:sockets (network + tcp-create-socket) and tries to create a TCP socket in `exec`; traps
 * unless the host answered `err(access-denied)`. The socket handle type is simplified to u32: our host
 * never returns one, and the enum only needs the cases this test reads.
 */
export const SOCKETS_COMPONENT_WAT = `(component
  ${TYPES_V1_IMPORT}
  (import "wasi:sockets/network@0.2.0" (instance $net
    (type $fam (enum "ipv4" "ipv6"))
    (export "ip-address-family" (type (eq $fam)))
    (type $ec (enum "unknown" "access-denied"))
    (export "error-code" (type (eq $ec)))))
  (alias export $net "ip-address-family" (type $family))
  (alias export $net "error-code" (type $code))
  (import "wasi:sockets/tcp-create-socket@0.2.0" (instance $tcp
    (export "ip-address-family" (type $f (eq $family)))
    (export "error-code" (type $e (eq $code)))
    (export "create-tcp-socket" (func (param "address-family" $f) (result (result u32 (error $e)))))))
  (alias export $tcp "create-tcp-socket" (func $create))
  (core module $mem (memory (export "memory") 1))
  (core instance $mi (instantiate $mem))
  (alias core export $mi "memory" (core memory $memory))
  (core func $create_low (canon lower (func $create) (memory $memory)))
  (core module $main
    (import "env" "memory" (memory 1))
    (import "env" "create" (func $c (param i32 i32)))
    (func (export "exec")
      i32.const 0 i32.const 64 call $c
      i32.const 64 i32.load8_u i32.const 1 i32.ne if unreachable end
      i32.const 68 i32.load8_u i32.const 1 i32.ne if unreachable end))
  (core instance $i (instantiate $main (with "env" (instance
    (export "memory" (memory $memory)) (export "create" (func $create_low))))))
  ${execExport('$i')}
)`
