;; tests/wasm/hook_import.wat: imports a function outside the WASI subset (the name binaryen once used for dagwood's fuel hook).
(module
  (import "env" "log_execution" (func (param i32)))
  (memory (export "memory") 1)
  (func (export "allocate") (param i32) (result i32) (i32.const 1024))
  (func (export "deallocate") (param i32 i32))
  (func (export "process") (param i32 i32 i32) (result i32) (i32.const 0))
)
