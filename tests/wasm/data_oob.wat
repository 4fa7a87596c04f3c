;; tests/wasm/data_oob.wat: hostile: a data segment past the end of memory
;; (a trap while instantiating).
(module
  (memory (export "memory") 1)
  (data (i32.const 65530) "0123456789")
  (func (export "allocate") (param i32) (result i32) (i32.const 1024))
  (func (export "deallocate") (param i32 i32))
  (func (export "process") (param i32 i32 i32) (result i32) (i32.const 0))
)
