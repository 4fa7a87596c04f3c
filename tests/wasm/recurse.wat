;; tests/wasm/recurse.wat: hostile: unbounded recursion (call stack exhausted).
(module
  (memory (export "memory") 1)
  (global $top (mut i32) (i32.const 1024))
  (func $allocate (export "allocate") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $top))
    (global.set $top (i32.add (global.get $top) (i32.and (i32.add (local.get $n) (i32.const 7)) (i32.const -8))))
    (local.get $p))
  (func (export "deallocate") (param i32 i32))
  (func $down (param $n i32) (result i32)
    ;; the store after the call keeps the C compiler from turning this into a loop
    (local.set $n (call $down (i32.add (local.get $n) (i32.const 1))))
    (i32.store (i32.const 0) (local.get $n))
    (local.get $n))
  (func (export "process") (param $in i32) (param $len i32) (param $out_len i32) (result i32)
    (call $down (i32.const 0)))
)
