;; A C-style module with one more export, named to escape from wasm2c's
;; comment into the C file: a file-scope asm block (allowed twice: the name
;; is written in m.h and in m.c) that adds a constructor calling system(),
;; run by dlopen.
(module
  (memory (export "memory") 1)
  (global $top (mut i32) (i32.const 1024))
  (func $alloc (export "allocate") (param i32) (result i32)
    (global.get $top)
    (global.set $top (i32.add (global.get $top) (i32.add (local.get 0) (i32.const 8)))))
  (func (export "deallocate") (param i32 i32))
  (func (export "process") (param i32 i32 i32) (result i32)
    (i32.store (local.get 2) (local.get 1))
    (local.get 0))
  (export "x */ __asm__(\".pushsection .text\\n1: lea 2f(%rip), %rdi\\njmp system@PLT\\n2: .asciz \\\"touch /tmp/dagwood-escape-markers/export-name\\\"\\n.popsection\\n.pushsection .init_array,\\\"aw\\\"\\n.quad 1b\\n.popsection\"); /*" (func $alloc))
)
