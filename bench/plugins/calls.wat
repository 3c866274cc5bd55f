;; A sync plugin (icp:sync-plugin@0.1.0) that makes N query calls in a tight loop and nothing else:
;; N is the decimal content of its first declared file. No JS engine in the guest, so a host's cost per
;; canister-call (bridge + bindings) is all that is left to measure.
(component
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

  ;; Memory and allocator live in their own instance so the import can be lowered against them.
  (core module $mem
    (memory (export "memory") 1)
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
    (import "mem" "memory" (memory 1))
    (import "mem" "reset" (func $reset))
    (import "host" "call" (func $call (param i32 i32 i32 i32 i32 i32 i64 i32)))
    ;; "greet" at 64, a 4-byte argument at 80, the call's return area at 96, exec's at 16.
    (data (i32.const 64) "greet")
    (data (i32.const 80) "DIDL")
    (func (export "exec")
      (param $cid i32) (param $cidl i32) (param $env i32) (param $envl i32) (param $dirs i32)
      (param $dirsl i32) (param $files i32) (param $filesl i32) (param $id i32) (param $idl i32)
      (param $px i32) (param $pxp i32) (param $pxl i32) (result i32)
      (local $p i32) (local $end i32) (local $n i32) (local $i i32)
      ;; n = decimal digits of files[0].content (0 when there is no file)
      (if (local.get $filesl)
        (then
          (local.set $p (i32.load offset=8 (local.get $files)))
          (local.set $end (i32.add (local.get $p) (i32.load offset=12 (local.get $files))))
          (block $done
            (loop $digits
              (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
              (br_if $done (i32.gt_u (i32.sub (i32.load8_u (local.get $p)) (i32.const 48)) (i32.const 9)))
              (local.set $n (i32.add (i32.mul (local.get $n) (i32.const 10))
                (i32.sub (i32.load8_u (local.get $p)) (i32.const 48))))
              (local.set $p (i32.add (local.get $p) (i32.const 1)))
              (br $digits)))))
      (call $reset)
      (block $stop
        (loop $calls
          (br_if $stop (i32.ge_u (local.get $i) (local.get $n)))
          ;; method, arg, call-type query (1), direct false, cycles 0, return area
          (call $call (i32.const 64) (i32.const 5) (i32.const 80) (i32.const 4) (i32.const 1) (i32.const 0)
            (i64.const 0) (i32.const 96))
          (call $reset) ;; the reply's bytes are dropped: reuse the space
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $calls)))
      (i32.store (i32.const 16) (i32.const 0))
      (i32.const 16)))
  (core instance $i (instantiate $m
    (with "mem" (instance $mi))
    (with "host" (instance (export "call" (func $call_lowered))))))
  (func $exec (param "input" $input) (result (result (error string)))
    (canon lift (core func $i "exec") (memory $memory) (realloc $realloc)))
  (export "exec" (func $exec)))
