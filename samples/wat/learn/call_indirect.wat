;; Learn 4: call_indirect — calling through a table.
;;
;; Call `apply` with 1 and 7. A table holds function references; `call_indirect` pops an
;; index into the table (the last operand), then the callee's parameters, checks the
;; function's type at run time and calls it. Index 0 doubles, 1 squares, 2 negates; an
;; index past the table's end traps ("undefined element").
(module
  (type $unary (func (param i32) (result i32)))
  (table 3 funcref)
  (elem (i32.const 0) $double $square $negate)
  (func $double (type $unary) (i32.mul (local.get 0) (i32.const 2)))
  (func $square (type $unary) (i32.mul (local.get 0) (local.get 0)))
  (func $negate (type $unary) (i32.sub (i32.const 0) (local.get 0)))
  (func (export "apply") (param $which i32) (param $x i32) (result i32)
    (call_indirect (type $unary) (local.get $x) (local.get $which))))
