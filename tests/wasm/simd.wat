;; tests/wasm/simd.wat: uses a SIMD instruction (refused).
(module
  (memory (export "memory") 1)
  (func (export "allocate") (param i32) (result i32) (i32.const 1024))
  (func (export "deallocate") (param i32 i32))
  (func (export "process") (param i32 i32 i32) (result i32)
    (drop (v128.const i32x4 1 2 3 4))
    (i32.const 0))
)
