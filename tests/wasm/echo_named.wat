;; tests/wasm/echo_named.wat: ok_echo.wat's code with extra exports whose
;; names carry C text (the canonical re-encoding drops them; the test also
;; appends custom sections). Its canonical form must equal ok_echo's.
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
    (local $out i32)
    (local.set $out (call $allocate (local.get $len)))
    (memory.copy (local.get $out) (local.get $in) (local.get $len))
    (i32.store (local.get $out_len) (local.get $len))
    (local.get $out))
  (export "*/ int dw_injected = 1; /*" (func $allocate))
  (export "x\n#include \"/etc/passwd\"\n" (global $top))
)
