;; tests/wasm/exits.wat: calls proc_exit(3) (needs the capability proc_exit).
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "allocate") (param i32) (result i32) (i32.const 1024))
  (func (export "deallocate") (param i32 i32))
  (func (export "process") (param i32 i32 i32) (result i32)
    (call $exit (i32.const 3))
    (i32.const 0))
)
