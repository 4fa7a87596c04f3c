;; A valid module; the test appends a name custom section whose function
;; names carry the payload (wat identifiers cannot hold it).
(module
  (memory (export "memory") 1)
  (global $top (mut i32) (i32.const 1024))
  (func (export "allocate") (param i32) (result i32)
    (global.get $top)
    (global.set $top (i32.add (global.get $top) (i32.add (local.get 0) (i32.const 8)))))
  (func (export "deallocate") (param i32 i32))
  (func (export "process") (param i32 i32 i32) (result i32)
    (i32.store (local.get 2) (local.get 1))
    (local.get 0))
)
