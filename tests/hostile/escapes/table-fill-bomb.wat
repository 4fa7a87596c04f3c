;; A loop of table.fill over a table of a million entries.
(module
  (table $t 1000000 funcref)
  (memory (export "memory") 1)
  (func (export "allocate") (param i32) (result i32) (i32.const 1024))
  (func (export "deallocate") (param i32 i32))
  (func (export "process") (param i32 i32 i32) (result i32)
    (loop $l
      (table.fill $t (i32.const 0) (ref.null func) (i32.const 1000000))
      (br $l))
    (i32.const 0))
)
