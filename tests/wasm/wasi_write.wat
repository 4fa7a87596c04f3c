;; tests/wasm/wasi_write.wat: writes "hello\n" and "world\n" to stdout with
;; fd_write (needs the capability stdout), then echoes its input.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello\nworld\n")
  (global $top (mut i32) (i32.const 1024))
  (func $allocate (export "allocate") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $top))
    (global.set $top (i32.add (global.get $top) (i32.and (i32.add (local.get $n) (i32.const 7)) (i32.const -8))))
    (local.get $p))
  (func (export "deallocate") (param i32 i32))
  (func (export "process") (param $in i32) (param $len i32) (param $out_len i32) (result i32)
    ;; iovec at 0: {16, 12}
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 12))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    ;; a hostile iovec: pointer outside memory -> EFAULT (21), not a crash
    (i32.store (i32.const 0) (i32.const 0xfffffff0))
    (if (i32.ne (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)) (i32.const 21))
      (then unreachable))
    (i32.store (local.get $out_len) (local.get $len))
    (local.get $in))
)
