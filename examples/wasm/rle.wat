;; examples/wasm/rle.wat: the run-length encoder written by hand in the
;; WebAssembly text format, for dagwood's C-style ABI: "hello world" ->
;; "1h1e2l1o1 1w1o1r1l1d". A bump allocator starts at 1024 and grows memory.
(module
  (memory (export "memory") 1)
  (global $top (mut i32) (i32.const 1024))

  (func $allocate (export "allocate") (param $n i32) (result i32)
    (local $p i32) (local $end i32) (local $have i32)
    (local.set $p (i32.and (i32.add (global.get $top) (i32.const 7)) (i32.const -8)))
    (local.set $end (i32.add (local.get $p) (local.get $n)))
    (local.set $have (i32.shl (memory.size) (i32.const 16)))
    (if (i32.gt_u (local.get $end) (local.get $have))
      (then
        (if (i32.eq
              (memory.grow (i32.shr_u (i32.add (i32.sub (local.get $end) (local.get $have))
                                               (i32.const 65535))
                                      (i32.const 16)))
              (i32.const -1))
          (then (return (i32.const 0))))))
    (global.set $top (local.get $end))
    (local.get $p))

  (func (export "deallocate") (param i32 i32))

  ;; write the decimal digits of $v at $o, return the new end
  (func $digits (param $v i32) (param $o i32) (result i32)
    (local $div i32)
    (local.set $div (i32.const 1))
    (block $b (loop $l
      (br_if $b (i32.lt_u (local.get $v) (i32.mul (local.get $div) (i32.const 10))))
      (br_if $b (i32.ge_u (local.get $div) (i32.const 1000000000)))
      (local.set $div (i32.mul (local.get $div) (i32.const 10)))
      (br $l)))
    (block $b2 (loop $l2
      (i32.store8 (local.get $o)
        (i32.add (i32.const 48) (i32.rem_u (i32.div_u (local.get $v) (local.get $div)) (i32.const 10))))
      (local.set $o (i32.add (local.get $o) (i32.const 1)))
      (br_if $b2 (i32.eq (local.get $div) (i32.const 1)))
      (local.set $div (i32.div_u (local.get $div) (i32.const 10)))
      (br $l2)))
    (local.get $o))

  (func (export "process") (param $in i32) (param $len i32) (param $out_len i32) (result i32)
    (local $out i32) (local $o i32) (local $i i32) (local $j i32) (local $c i32)
    (local.set $out (call $allocate (i32.add (i32.mul (local.get $len) (i32.const 2)) (i32.const 16))))
    (if (i32.eqz (local.get $out)) (then (return (i32.const 0))))
    (local.set $o (local.get $out))
    (block $done (loop $runs
      (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
      (local.set $c (i32.load8_u (i32.add (local.get $in) (local.get $i))))
      (local.set $j (local.get $i))
      (block $end (loop $scan
        (br_if $end (i32.ge_u (local.get $j) (local.get $len)))
        (br_if $end (i32.ne (i32.load8_u (i32.add (local.get $in) (local.get $j))) (local.get $c)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $scan)))
      (local.set $o (call $digits (i32.sub (local.get $j) (local.get $i)) (local.get $o)))
      (i32.store8 (local.get $o) (local.get $c))
      (local.set $o (i32.add (local.get $o) (i32.const 1)))
      (local.set $i (local.get $j))
      (br $runs)))
    (i32.store (local.get $out_len) (i32.sub (local.get $o) (local.get $out)))
    (local.get $out))
)
