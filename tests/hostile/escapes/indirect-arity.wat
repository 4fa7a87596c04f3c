;; call_indirect with type () -> (i32) on a function of type (i32) -> ():
;; it must trap (once the two types shared an id and the call ran, reading a
;; parameter nobody passed and returning a result nobody produced).
(module
  (type $ret (func (result i32)))
  (type $arg (func (param i32)))
  (table 1 funcref)
  (elem (i32.const 0) $victim)
  (func $victim (type $arg) (drop (local.get 0)))
  (memory (export "memory") 1)
  (func (export "allocate") (param i32) (result i32) (i32.const 1024))
  (func (export "deallocate") (param i32 i32))
  (func (export "process") (param i32 i32 i32) (result i32)
    (i32.store (local.get 2) (call_indirect (type $ret) (i32.const 0)))
    (local.get 0))
)
