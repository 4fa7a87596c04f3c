;; tests/wasm/fill_once.wat: healthy: fills 4096 bytes per input byte once
;; (memory.fill is charged fuel by its length), returns its input.
(module
  (memory (export "memory") 64)
  (global $top (mut i32) (i32.const 1024))
  (func $allocate (export "allocate") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $top))
    (global.set $top (i32.add (global.get $top) (i32.and (i32.add (local.get $n) (i32.const 7)) (i32.const -8))))
    (local.get $p))
  (func (export "deallocate") (param i32 i32))
  (func (export "process") (param $in i32) (param $len i32) (param $out_len i32) (result i32)
    (memory.fill (i32.const 65536) (i32.const 7) (i32.mul (local.get $len) (i32.const 4096)))
    (i32.store (local.get $out_len) (local.get $len))
    (local.get $in))
)
