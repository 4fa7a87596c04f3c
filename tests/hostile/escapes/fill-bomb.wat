;; A loop of memory.fill over 48 MiB: one instruction that takes milliseconds.
;; It must end by fuel (charged by length) or by its deadline, quickly.
(module
  (memory (export "memory") 1)
  (func (export "allocate") (param i32) (result i32) (i32.const 1024))
  (func (export "deallocate") (param i32 i32))
  (func (export "process") (param i32 i32 i32) (result i32)
    (drop (memory.grow (i32.const 767)))
    (loop $l
      (memory.fill (i32.const 0) (i32.const 7) (i32.const 50331648))
      (br $l))
    (i32.const 0))
)
