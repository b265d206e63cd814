;; Hand-written tests of 64-bit tables (table64, from the memory64 proposal, WebAssembly 3.0):
;; not from the spec repository.
;;
;; 64-bit tables shared between modules: exported, registered and imported (with exact,
;; smaller and absent limits), re-exported, grown and written through the import and read
;; through the export, active segments with i64 offsets into an imported table (one
;; instantiation traps after an earlier segment was written: the write stays), and imports
;; whose type does not match (index type, limits, element type).
;;
;; Every expected value was checked on wasmtime 51 (the Python `wasmtime` package, memory64
;; enabled) by a script that runs each command of this file.

(module $ex
  (type $v-i (func (result i32)))
  (table $t (export "t") i64 4 8 funcref)
  (table $e (export "e") i64 2 externref)
  (func $one (result i32) (i32.const 1))
  (func $two (result i32) (i32.const 2))
  (elem (table $t) (i64.const 0) func $one $two)
  (func (export "size") (result i64) (table.size $t))
  (func (export "call") (param i64) (result i32) (call_indirect $t (type $v-i) (local.get 0)))
  (func (export "size-e") (result i64) (table.size $e))
  (func (export "get-e") (param i64) (result externref) (table.get $e (local.get 0)))
)
(register "ex" $ex)

(module $im
  (type $v-i (func (result i32)))
  (import "ex" "t" (table $t i64 4 8 funcref))
  (import "ex" "e" (table $e i64 1 externref))
  (func $three (result i32) (i32.const 3))
  (elem (table $t) (i64.const 2) func $three)
  (func (export "size") (result i64) (table.size $t))
  (func (export "call") (param i64) (result i32) (call_indirect $t (type $v-i) (local.get 0)))
  (func (export "grow") (param i64) (result i64)
    (table.grow $t (ref.func $three) (local.get 0)))
  (func (export "size-e") (result i64) (table.size $e))
  (func (export "grow-e") (param i64) (result i64)
    (table.grow $e (ref.null extern) (local.get 0)))
  (func (export "set-e") (param i64 externref) (table.set $e (local.get 0) (local.get 1)))
)

;; ---- one table, seen from both modules ----
(assert_return (invoke $im "size") (i64.const 4))
(assert_return (invoke $im "call" (i64.const 0)) (i32.const 1))
(assert_return (invoke $im "call" (i64.const 1)) (i32.const 2))
;; written by $im's active segment
(assert_return (invoke $ex "call" (i64.const 2)) (i32.const 3))
(assert_trap (invoke $ex "call" (i64.const 3)) "uninitialized element")
(assert_trap (invoke $im "call" (i64.const 4)) "undefined element")
(assert_trap (invoke $im "call" (i64.const 0x1_0000_0001)) "undefined element")

;; grown through the import, up to the exporter's maximum
(assert_return (invoke $im "grow" (i64.const 2)) (i64.const 4))
(assert_return (invoke $ex "size") (i64.const 6))
(assert_return (invoke $ex "call" (i64.const 5)) (i32.const 3))
(assert_return (invoke $im "grow" (i64.const 3)) (i64.const -1))
(assert_return (invoke $im "grow" (i64.const 0x1_0000_0002)) (i64.const -1))
(assert_return (invoke $im "grow" (i64.const 2)) (i64.const 6))
(assert_return (invoke $ex "size") (i64.const 8))
(assert_return (invoke $im "grow" (i64.const 1)) (i64.const -1))
(assert_return (invoke $ex "call" (i64.const 7)) (i32.const 3))

;; the externref table: imported with a smaller minimum and no maximum
(assert_return (invoke $im "size-e") (i64.const 2))
(invoke $im "set-e" (i64.const 1) (ref.extern 5))
(assert_return (invoke $ex "get-e" (i64.const 1)) (ref.extern 5))
(assert_return (invoke $im "grow-e" (i64.const 3)) (i64.const 2))
(assert_return (invoke $ex "size-e") (i64.const 5))
(assert_trap (invoke $im "set-e" (i64.const 0x1_0000_0001) (ref.extern 6)) "out of bounds table access")
(assert_return (invoke $ex "get-e" (i64.const 1)) (ref.extern 5))

;; ---- re-exported ----
(module $re
  (import "ex" "t" (table $t i64 8 funcref))
  (export "t2" (table $t))
)
(register "re" $re)
(module $user
  (type $v-i (func (result i32)))
  (import "re" "t2" (table $t i64 0 8 funcref))
  (func $four (result i32) (i32.const 4))
  (elem (table $t) (i64.const 3) func $four)
  (func (export "size") (result i64) (table.size $t))
  (func (export "call") (param i64) (result i32) (call_indirect $t (type $v-i) (local.get 0)))
)
(assert_return (invoke $user "size") (i64.const 8))
(assert_return (invoke $user "call" (i64.const 0)) (i32.const 1))
(assert_return (invoke $ex "call" (i64.const 3)) (i32.const 4))

;; ---- an instantiation that traps after writing to an imported table ----
;; the first segment is written before the second one traps, and stays
(assert_trap
  (module
    (import "ex" "t" (table $t i64 8 funcref))
    (func $five (result i32) (i32.const 5))
    (elem (table $t) (i64.const 6) func $five)
    (elem (table $t) (i64.const 7) func $five $five))
  "out of bounds table access")
(assert_return (invoke $ex "call" (i64.const 6)) (i32.const 5))
(assert_return (invoke $ex "call" (i64.const 7)) (i32.const 3))
(assert_trap
  (module
    (import "ex" "t" (table $t i64 8 funcref))
    (func $six (result i32) (i32.const 6))
    (elem (table $t) (i64.const 0) func $six)
    (elem (table $t) (i64.const 0x1_0000_0000) func $six))
  "out of bounds table access")
(assert_return (invoke $ex "call" (i64.const 0)) (i32.const 6))
(assert_return (invoke $ex "call" (i64.const 1)) (i32.const 2))

;; ---- imports that do not match ----
;; a 64-bit table is not a 32-bit one, nor the other way round
(assert_unlinkable
  (module (import "ex" "t" (table 4 funcref)))
  "incompatible import type")
(assert_unlinkable
  (module (import "ex" "e" (table 0 externref)))
  "incompatible import type")
(assert_unlinkable
  (module (import "spectest" "table" (table i64 10 funcref)))
  "incompatible import type")
;; limits: the table has 8 entries and a maximum of 8
(assert_unlinkable
  (module (import "ex" "t" (table i64 9 funcref)))
  "incompatible import type")
(assert_unlinkable
  (module (import "ex" "t" (table i64 0 7 funcref)))
  "incompatible import type")
;; $e has no maximum
(assert_unlinkable
  (module (import "ex" "e" (table i64 0 0x1_0000_0000 externref)))
  "incompatible import type")
;; element type
(assert_unlinkable
  (module (import "ex" "e" (table i64 0 funcref)))
  "incompatible import type")
