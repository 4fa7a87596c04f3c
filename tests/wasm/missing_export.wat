;; tests/wasm/missing_export.wat: lacks `process` and exports `allocate` with
;; the wrong type.
(module
  (memory (export "memory") 1)
  (func (export "allocate") (param i32 i32) (result i32) (i32.const 1024))
  (func (export "deallocate") (param i32 i32))
)
