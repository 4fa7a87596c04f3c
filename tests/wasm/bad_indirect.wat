;; tests/wasm/bad_indirect.wat: hostile: call_indirect through a table slot
;; holding a function of another type, then through an empty slot.
(module
  (memory (export "memory") 1)
  (type $ii (func (param i32) (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $other)
  (func $other (param i32 i32) (result i32) (i32.const 7))
  (func (export "allocate") (param i32) (result i32) (i32.const 1024))
  (func (export "deallocate") (param i32 i32))
  (func (export "process") (param $in i32) (param $len i32) (param $out_len i32) (result i32)
    (call_indirect (type $ii) (i32.const 1) (local.get $len)))
)
