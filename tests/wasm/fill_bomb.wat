;; tests/wasm/fill_bomb.wat: hostile: grows to 48 MiB, then fills it again and
;; again. Each memory.fill is one instruction but takes milliseconds: it is
;; charged fuel by its length, and the deadline is checked after it.
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
