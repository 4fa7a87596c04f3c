;; A loop of memory.copy over 32 MiB.
(module
  (memory (export "memory") 1)
  (func (export "allocate") (param i32) (result i32) (i32.const 1024))
  (func (export "deallocate") (param i32 i32))
  (func (export "process") (param i32 i32 i32) (result i32)
    (drop (memory.grow (i32.const 1023)))
    (loop $l
      (memory.copy (i32.const 0) (i32.const 33554432) (i32.const 33554432))
      (br $l))
    (i32.const 0))
)
