;; tests/wasm/oob_store.wat: hostile: stores just past the end of its memory.
(module
  (memory (export "memory") 1)
  (global $top (mut i32) (i32.const 1024))
  (func $allocate (export "allocate") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $top))
    (global.set $top (i32.add (global.get $top) (i32.and (i32.add (local.get $n) (i32.const 7)) (i32.const -8))))
    (local.get $p))
  (func (export "deallocate") (param i32 i32))
  (func (export "process") (param $in i32) (param $len i32) (param $out_len i32) (result i32)
    (i32.store (i32.const 65536) (i32.const 1))
    (i32.const 0))
)
