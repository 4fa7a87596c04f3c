;; tests/wasm/scribble.wat: checks that every call starts from a pristine
;; instance. It grows to 8 pages (512 KiB: both the in-place reset and the
;; madvise part of the pooled memory), sums one byte per 4 KiB page, then
;; writes 0xab to all of those bytes and bumps a counter in memory and a
;; global. Output: 12 bytes, little-endian u32s: the sum seen (0 when
;; pristine), the memory counter (1), the global counter (1).
(module
  (memory (export "memory") 1)
  (global $calls (mut i32) (i32.const 0))
  (func (export "allocate") (param i32) (result i32) (i32.const 16))
  (func (export "deallocate") (param i32 i32))
  (func (export "process") (param i32) (param i32) (param $out_len i32) (result i32)
    (local $p i32) (local $sum i32)
    (drop (memory.grow (i32.const 7)))
    (local.set $p (i32.const 4096))
    (block $b (loop $l
      (br_if $b (i32.ge_u (local.get $p) (i32.const 524288)))
      (local.set $sum (i32.add (local.get $sum) (i32.load8_u (local.get $p))))
      (i32.store8 (local.get $p) (i32.const 0xab))
      (local.set $p (i32.add (local.get $p) (i32.const 4096)))
      (br $l)))
    (i32.store (i32.const 2048) (i32.add (i32.load (i32.const 2048)) (i32.const 1)))
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (i32.store (i32.const 1024) (local.get $sum))
    (i32.store (i32.const 1028) (i32.load (i32.const 2048)))
    (i32.store (i32.const 1032) (global.get $calls))
    (i32.store (local.get $out_len) (i32.const 12))
    (i32.const 1024))
)
