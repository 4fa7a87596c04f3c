;; tests/wasm/start_loop.wat: hostile: its start function never returns
;; (out of fuel during instantiation).
(module
  (memory (export "memory") 1)
  (func $start (loop $l (br $l)))
  (start $start)
  (func (export "allocate") (param i32) (result i32) (i32.const 1024))
  (func (export "deallocate") (param i32 i32))
  (func (export "process") (param i32 i32 i32) (result i32) (i32.const 0))
)
