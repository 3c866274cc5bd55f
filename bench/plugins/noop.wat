;; The smallest sync plugin (icp:sync-plugin@0.1.0): `exec` returns ok without doing anything.
;; Shows a host's fixed cost per plugin step without a 12 MB JS engine to compile.
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
    (export "sync-exec-input" (type (eq $in)))))
  (alias export $types "sync-exec-input" (type $input))
  (core module $m
    (memory (export "memory") 1)
    (global $bump (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) (local $r i32)
      global.get $bump local.set $r
      global.get $bump local.get 3 i32.add i32.const 7 i32.add i32.const -8 i32.and global.set $bump
      local.get $r)
    (func (export "exec")
      (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)
      i32.const 16 i32.const 0 i32.store
      i32.const 16))
  (core instance $i (instantiate $m))
  (alias core export $i "memory" (core memory $memory))
  (alias core export $i "realloc" (core func $realloc))
  (func $exec (param "input" $input) (result (result (error string)))
    (canon lift (core func $i "exec") (memory $memory) (realloc $realloc)))
  (export "exec" (func $exec)))
