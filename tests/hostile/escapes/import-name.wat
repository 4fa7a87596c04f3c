;; The same payload in an import's module and field names.
(module
  (import "wasi_snapshot_preview1 */ __attribute__((constructor)) static void dw_pwn1(void) { system(\"touch /tmp/dagwood-escape-markers/import-module\"); } /*" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write */ __attribute__((constructor)) static void dw_pwn2(void) { system(\"touch /tmp/dagwood-escape-markers/import-field\"); } /*" (func (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $top (mut i32) (i32.const 1024))
  (func (export "allocate") (param i32) (result i32)
    (global.get $top)
    (global.set $top (i32.add (global.get $top) (i32.add (local.get 0) (i32.const 8)))))
  (func (export "deallocate") (param i32 i32))
  (func (export "process") (param i32 i32 i32) (result i32)
    (i32.store (local.get 2) (local.get 1))
    (local.get 0))
)
