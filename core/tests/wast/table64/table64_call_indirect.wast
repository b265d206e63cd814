;; Hand-written tests of 64-bit tables (table64, from the memory64 proposal, WebAssembly 3.0):
;; not from the spec repository.
;;
;; call_indirect and return_call_indirect through a 64-bit table with an i64 index: valid
;; calls, out-of-bounds indices (including ones >= 2^32 whose low 32 bits are in bounds),
;; null entries, signature mismatches, entries added by table.grow/table.set, a 64-bit table
;; as table 0 next to a 32-bit one, deep tail recursion, and an index of the wrong type.
;;
;; Every expected value was checked on wasmtime 51 (the Python `wasmtime` package, memory64
;; and tail calls enabled) by a script that runs each command of this file.

(module
  (type $i-i (func (param i32) (result i32)))
  (type $v-i (func (result i32)))

  ;; table 0 is 64-bit, table 1 32-bit: call_indirect without a table index uses table 0
  (table $t i64 6 funcref)
  (table $s 4 funcref)
  ;; $t = [inc dbl other-type div null null]
  (elem (table $t) (i64.const 0) func $inc $dbl $other-type $div)
  ;; $s = [dbl inc null null]
  (elem (table $s) (i32.const 0) func $dbl $inc)
  (elem declare func $inc)

  (func $inc (type $i-i) (i32.add (local.get 0) (i32.const 1)))
  (func $dbl (type $i-i) (i32.mul (local.get 0) (i32.const 2)))
  (func $other-type (type $v-i) (i32.const 42))
  ;; 100 / x: traps for x = 0
  (func $div (type $i-i) (i32.div_s (i32.const 100) (local.get 0)))

  (func (export "call") (param $i i64) (param $x i32) (result i32)
    (call_indirect $t (type $i-i) (local.get $x) (local.get $i)))
  (func (export "call-v") (param $i i64) (result i32)
    (call_indirect $t (type $v-i) (local.get $i)))
  ;; the default table (0)
  (func (export "call-default") (param $i i64) (param $x i32) (result i32)
    (call_indirect (type $i-i) (local.get $x) (local.get $i)))
  ;; through the 32-bit table of the same module
  (func (export "call-32") (param $i i32) (param $x i32) (result i32)
    (call_indirect $s (type $i-i) (local.get $x) (local.get $i)))
  ;; an index computed in i64: hi * 2^32 + lo
  (func (export "call-split") (param $hi i32) (param $lo i32) (param $x i32) (result i32)
    (call_indirect $t (type $i-i)
      (local.get $x)
      (i64.or
        (i64.shl (i64.extend_i32_u (local.get $hi)) (i64.const 32))
        (i64.extend_i32_u (local.get $lo)))))

  (func (export "return-call") (param $i i64) (param $x i32) (result i32)
    (return_call_indirect $t (type $i-i) (local.get $x) (local.get $i)))

  (func (export "grow") (param i64) (result i64)
    (table.grow $t (ref.func $inc) (local.get 0)))
  (func (export "clear") (param i64) (table.set $t (local.get 0) (ref.null func)))
)

;; ---- valid calls ----
(assert_return (invoke "call" (i64.const 0) (i32.const 5)) (i32.const 6))
(assert_return (invoke "call" (i64.const 1) (i32.const 5)) (i32.const 10))
(assert_return (invoke "call" (i64.const 3) (i32.const 4)) (i32.const 25))
(assert_return (invoke "call-v" (i64.const 2)) (i32.const 42))
(assert_return (invoke "call-default" (i64.const 1) (i32.const 7)) (i32.const 14))
(assert_return (invoke "call-32" (i32.const 0) (i32.const 7)) (i32.const 14))
(assert_return (invoke "call-32" (i32.const 1) (i32.const 7)) (i32.const 8))
(assert_return (invoke "call-split" (i32.const 0) (i32.const 1) (i32.const 3)) (i32.const 6))

;; ---- out of bounds ----
(assert_trap (invoke "call" (i64.const 6) (i32.const 0)) "undefined element")
(assert_trap (invoke "call" (i64.const 0x1_0000_0000) (i32.const 0)) "undefined element")
(assert_trap (invoke "call" (i64.const 0x1_0000_0001) (i32.const 0)) "undefined element")
(assert_trap (invoke "call" (i64.const 0xffff_ffff) (i32.const 0)) "undefined element")
(assert_trap (invoke "call" (i64.const -1) (i32.const 0)) "undefined element")
(assert_trap (invoke "call-default" (i64.const 0x8000_0000_0000_0001) (i32.const 0)) "undefined element")
(assert_trap (invoke "call-split" (i32.const 1) (i32.const 1) (i32.const 0)) "undefined element")
(assert_trap (invoke "call-32" (i32.const 4) (i32.const 0)) "undefined element")

;; ---- null entries, signature mismatches, traps in the callee ----
(assert_trap (invoke "call" (i64.const 4) (i32.const 0)) "uninitialized element")
(assert_trap (invoke "call-32" (i32.const 2) (i32.const 0)) "uninitialized element")
(assert_trap (invoke "call" (i64.const 2) (i32.const 0)) "indirect call type mismatch")
(assert_trap (invoke "call-v" (i64.const 0)) "indirect call type mismatch")
(assert_trap (invoke "call" (i64.const 3) (i32.const 0)) "integer divide by zero")

;; ---- return_call_indirect ----
(assert_return (invoke "return-call" (i64.const 0) (i32.const 41)) (i32.const 42))
(assert_return (invoke "return-call" (i64.const 1) (i32.const 21)) (i32.const 42))
(assert_trap (invoke "return-call" (i64.const 6) (i32.const 0)) "undefined element")
(assert_trap (invoke "return-call" (i64.const 0x1_0000_0000) (i32.const 0)) "undefined element")
(assert_trap (invoke "return-call" (i64.const 4) (i32.const 0)) "uninitialized element")
(assert_trap (invoke "return-call" (i64.const 2) (i32.const 0)) "indirect call type mismatch")
(assert_trap (invoke "return-call" (i64.const 3) (i32.const 0)) "integer divide by zero")

;; ---- entries added by table.grow, removed by table.set ----
(assert_return (invoke "grow" (i64.const 2)) (i64.const 6))
(assert_return (invoke "call" (i64.const 6) (i32.const 9)) (i32.const 10))
(assert_return (invoke "call" (i64.const 7) (i32.const 9)) (i32.const 10))
(assert_trap (invoke "call" (i64.const 8) (i32.const 0)) "undefined element")
(invoke "clear" (i64.const 7))
(assert_trap (invoke "call" (i64.const 7) (i32.const 0)) "uninitialized element")
(assert_return (invoke "return-call" (i64.const 6) (i32.const 1)) (i32.const 2))

;; ---- recursion through a 64-bit table ----
(module
  (type $ii-i (func (param i32 i32) (result i32)))
  (table $t i64 3 funcref)
  ;; entry 2: $sum(n, acc) = $sum(n - 1, acc + n) by a tail call through entry 2
  ;; entry 1: $rec(n) = 1 + $rec(n - 1) by a plain call through entry 1, never ending
  (elem (table $t) (i64.const 1) func $rec $sum)
  (func $sum (type $ii-i)
    (if (result i32) (i32.eqz (local.get 0))
      (then (local.get 1))
      (else
        (return_call_indirect $t (type $ii-i)
          (i32.sub (local.get 0) (i32.const 1))
          (i32.add (local.get 1) (local.get 0))
          (i64.const 2)))))
  (func $rec (type $ii-i)
    (i32.add (i32.const 1)
      (call_indirect $t (type $ii-i)
        (i32.sub (local.get 0) (i32.const 1)) (local.get 1) (i64.const 1))))
  (func (export "sum") (param i32) (result i32)
    (call_indirect $t (type $ii-i) (local.get 0) (i32.const 0) (i64.const 2)))
  (func (export "rec") (param i32) (result i32)
    (call $rec (local.get 0) (i32.const 0)))
)
(assert_return (invoke "sum" (i32.const 0)) (i32.const 0))
(assert_return (invoke "sum" (i32.const 100)) (i32.const 5050))
;; a million tail calls in constant stack space
(assert_return (invoke "sum" (i32.const 1_000_000)) (i32.const 1_784_293_664))
(assert_exhaustion (invoke "rec" (i32.const 0)) "call stack exhausted")

;; ---- the index's type ----
(assert_invalid
  (module (type $v (func)) (table i64 1 funcref)
    (func (call_indirect (type $v) (i32.const 0))))
  "type mismatch")
(assert_invalid
  (module (type $v (func)) (table 1 funcref)
    (func (call_indirect (type $v) (i64.const 0))))
  "type mismatch")
(assert_invalid
  (module (type $v (func)) (table 1 funcref) (table $t i64 1 funcref)
    (func (call_indirect $t (type $v) (i32.const 0))))
  "type mismatch")
(assert_invalid
  (module (type $v (func)) (table $t i64 1 funcref)
    (func (return_call_indirect $t (type $v) (i32.const 0))))
  "type mismatch")
;; call_indirect needs a funcref table
(assert_invalid
  (module (type $v (func)) (table i64 1 externref)
    (func (call_indirect (type $v) (i64.const 0))))
  "type mismatch")
