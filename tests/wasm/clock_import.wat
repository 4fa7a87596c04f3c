;; tests/wasm/clock_import.wat: imports clock_time_get (needs `clock`) and
;; returns the 8-byte time it reads.
(module
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "allocate") (param i32) (result i32) (i32.const 1024))
  (func (export "deallocate") (param i32 i32))
  (func (export "process") (param i32) (param i32) (param $out_len i32) (result i32)
    (drop (call $clock (i32.const 1) (i64.const 1) (i32.const 512)))
    (i32.store (local.get $out_len) (i32.const 8))
    (i32.const 512))
)
