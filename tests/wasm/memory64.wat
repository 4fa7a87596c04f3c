;; tests/wasm/memory64.wat: a 64-bit memory (refused).
(module
  (memory (export "memory") i64 1)
  (func (export "allocate") (param i32) (result i32) (i32.const 1024))
  (func (export "deallocate") (param i32 i32))
  (func (export "process") (param i32 i32 i32) (result i32) (i32.const 0))
)
