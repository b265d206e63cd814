;; Hand-written tests of 64-bit tables (table64, from the memory64 proposal, WebAssembly 3.0):
;; not from the spec repository.
;;
;; table.size, table.grow, table.get and table.set on funcref and externref tables with an
;; i64 index type: sizes and indices are i64, an index is never truncated to 32 bits (an index
;; like 0x1_0000_0001, whose low 32 bits are in bounds, traps), a failed table.grow returns
;; (i64.const -1). Also the binary encoding of a 64-bit table (limits flags 0x04/0x05), the
;; table64 limits, and operands of the wrong index type.
;;
;; Every expected value was checked on wasmtime 51 (the Python `wasmtime` package, memory64
;; enabled) by a script that runs each command of this file.

(module
  (table $t i64 10 funcref)
  (table $e i64 2 5 externref)
  (table $z i64 0 funcref)
  (elem declare func $f)
  (func $f)

  (func (export "size-t") (result i64) (table.size $t))
  (func (export "size-e") (result i64) (table.size $e))
  (func (export "size-z") (result i64) (table.size $z))

  (func (export "grow-t") (param i64) (result i64)
    (table.grow $t (ref.func $f) (local.get 0)))
  (func (export "grow-e") (param i64 externref) (result i64)
    (table.grow $e (local.get 1) (local.get 0)))
  (func (export "grow-z") (param i64) (result i64)
    (table.grow $z (ref.null func) (local.get 0)))

  (func (export "get-t") (param i64) (result funcref) (table.get $t (local.get 0)))
  (func (export "set-t") (param i64) (table.set $t (local.get 0) (ref.func $f)))
  (func (export "set-t-null") (param i64) (table.set $t (local.get 0) (ref.null func)))
  (func (export "get-e") (param i64) (result externref) (table.get $e (local.get 0)))
  (func (export "set-e") (param i64 externref) (table.set $e (local.get 0) (local.get 1)))
  (func (export "get-z") (param i64) (result funcref) (table.get $z (local.get 0)))

  ;; the index computed in i64 arithmetic: base + 2^32 is out of bounds for any small base
  (func (export "get-t-offset") (param $base i64) (result funcref)
    (table.get $t (i64.add (local.get $base) (i64.const 0x1_0000_0000))))
)

;; ---- table.size ----
(assert_return (invoke "size-t") (i64.const 10))
(assert_return (invoke "size-e") (i64.const 2))
(assert_return (invoke "size-z") (i64.const 0))

;; ---- table.get / table.set: funcref ----
(assert_return (invoke "get-t" (i64.const 0)) (ref.null func))
(invoke "set-t" (i64.const 3))
(assert_return (invoke "get-t" (i64.const 3)) (ref.func))
(invoke "set-t" (i64.const 9))
(invoke "set-t-null" (i64.const 9))
(assert_return (invoke "get-t" (i64.const 9)) (ref.null func))

;; out of bounds: index = size, indices whose low 32 bits are in bounds (and set), -1
(assert_trap (invoke "get-t" (i64.const 10)) "out of bounds table access")
(assert_trap (invoke "get-t" (i64.const 0x1_0000_0000)) "out of bounds table access")
(assert_trap (invoke "get-t" (i64.const 0x1_0000_0003)) "out of bounds table access")
(assert_trap (invoke "get-t" (i64.const 0xffff_ffff)) "out of bounds table access")
(assert_trap (invoke "get-t" (i64.const -1)) "out of bounds table access")
(assert_trap (invoke "get-t-offset" (i64.const 3)) "out of bounds table access")
(assert_trap (invoke "set-t" (i64.const 10)) "out of bounds table access")
(assert_trap (invoke "set-t" (i64.const 0x1_0000_0002)) "out of bounds table access")
(assert_trap (invoke "set-t-null" (i64.const -1)) "out of bounds table access")
;; the traps wrote nothing: entry 2 is still null
(assert_return (invoke "get-t" (i64.const 2)) (ref.null func))
(assert_trap (invoke "get-z" (i64.const 0)) "out of bounds table access")

;; ---- table.get / table.set: externref ----
(assert_return (invoke "get-e" (i64.const 0)) (ref.null extern))
(invoke "set-e" (i64.const 0) (ref.extern 11))
(invoke "set-e" (i64.const 1) (ref.extern 12))
(assert_return (invoke "get-e" (i64.const 0)) (ref.extern 11))
(assert_return (invoke "get-e" (i64.const 1)) (ref.extern 12))
(assert_trap (invoke "get-e" (i64.const 2)) "out of bounds table access")
(assert_trap (invoke "get-e" (i64.const 0x1_0000_0001)) "out of bounds table access")
(assert_trap (invoke "get-e" (i64.const -1)) "out of bounds table access")
(assert_trap (invoke "set-e" (i64.const 0x1_0000_0000) (ref.extern 13)) "out of bounds table access")
(assert_return (invoke "get-e" (i64.const 0)) (ref.extern 11))

;; ---- table.grow: funcref, no maximum ----
(assert_return (invoke "grow-t" (i64.const 0)) (i64.const 10))
(assert_return (invoke "grow-t" (i64.const 5)) (i64.const 10))
(assert_return (invoke "size-t") (i64.const 15))
;; the new entries hold the grow operand; the old ones are unchanged
(assert_return (invoke "get-t" (i64.const 14)) (ref.func))
(assert_return (invoke "get-t" (i64.const 2)) (ref.null func))
(assert_trap (invoke "get-t" (i64.const 15)) "out of bounds table access")
(assert_trap (invoke "get-t" (i64.const 0x1_0000_000e)) "out of bounds table access")
;; a delta that overflows the 64-bit size
(assert_return (invoke "grow-t" (i64.const 0xffff_ffff_ffff_ffff)) (i64.const -1))
;; 2^32 entries: more than both engines allow for one table (a resource limit, which the
;; spec lets table.grow fail on)
(assert_return (invoke "grow-t" (i64.const 0x1_0000_0000)) (i64.const -1))
(assert_return (invoke "size-t") (i64.const 15))

;; ---- table.grow: externref, maximum 5 ----
(assert_return (invoke "grow-e" (i64.const 3) (ref.extern 21)) (i64.const 2))
(assert_return (invoke "size-e") (i64.const 5))
(assert_return (invoke "get-e" (i64.const 2)) (ref.extern 21))
(assert_return (invoke "get-e" (i64.const 4)) (ref.extern 21))
(assert_trap (invoke "get-e" (i64.const 5)) "out of bounds table access")
;; at the maximum: growing by 0 succeeds, by anything else fails
(assert_return (invoke "grow-e" (i64.const 0) (ref.null extern)) (i64.const 5))
(assert_return (invoke "grow-e" (i64.const 1) (ref.null extern)) (i64.const -1))
(assert_return (invoke "grow-e" (i64.const 0x1_0000_0001) (ref.null extern)) (i64.const -1))
(assert_return (invoke "grow-e" (i64.const 0xffff_ffff_ffff_ffff) (ref.null extern)) (i64.const -1))
(assert_return (invoke "size-e") (i64.const 5))

;; ---- table.grow: from size 0 ----
(assert_return (invoke "grow-z" (i64.const 2)) (i64.const 0))
(assert_return (invoke "size-z") (i64.const 2))
(assert_trap (invoke "get-z" (i64.const 2)) "out of bounds table access")

;; ---- a maximum above 2^32 ----
(module
  (table $t i64 1 0x1_0000_0005 funcref)
  (table $m i64 0 0xffff_ffff_ffff_ffff externref)
  (func (export "size") (result i64) (table.size $t))
  (func (export "grow") (param i64) (result i64)
    (table.grow $t (ref.null func) (local.get 0)))
  (func (export "size-m") (result i64) (table.size $m))
  (func (export "grow-m") (param i64) (result i64)
    (table.grow $m (ref.null extern) (local.get 0)))
)
(assert_return (invoke "size") (i64.const 1))
(assert_return (invoke "grow" (i64.const 1)) (i64.const 1))
;; past the maximum
(assert_return (invoke "grow" (i64.const 0x1_0000_0004)) (i64.const -1))
(assert_return (invoke "size") (i64.const 2))
(assert_return (invoke "size-m") (i64.const 0))
(assert_return (invoke "grow-m" (i64.const 3)) (i64.const 0))
;; 3 + (2^64 - 3) = 2^64: past the largest maximum, 2^64 - 1
(assert_return (invoke "grow-m" (i64.const 0xffff_ffff_ffff_fffd)) (i64.const -1))
(assert_return (invoke "size-m") (i64.const 3))

;; ---- inline element segments of a 64-bit table ----
(module
  (type $v-i (func (result i32)))
  (func $a (result i32) (i32.const 1))
  (func $b (result i32) (i32.const 2))
  (table $t i64 funcref (elem $a $b $a))
  (func (export "size") (result i64) (table.size $t))
  (func (export "call") (param i64) (result i32) (call_indirect $t (type $v-i) (local.get 0)))
)
(assert_return (invoke "size") (i64.const 3))
(assert_return (invoke "call" (i64.const 0)) (i32.const 1))
(assert_return (invoke "call" (i64.const 1)) (i32.const 2))
(assert_trap (invoke "call" (i64.const 3)) "undefined element")

;; ---- the binary format: limits flags 0x05 (64-bit, with maximum) ----
(module binary
  "\00asm" "\01\00\00\00"
  "\01\0a\02\60\00\01\7e\60\01\7e\01\7e"  ;; types: [] -> [i64], [i64] -> [i64]
  "\03\03\02\00\01"                       ;; functions
  "\04\05\01\6f\05\01\03"                 ;; table: externref, flags 0x05, min 1, max 3
  "\07\0f\02\04size\00\00\04grow\00\01"   ;; exports
  "\0a\11\02"                             ;; code
  "\05\00\fc\10\00\0b"                    ;; table.size 0
  "\09\00\d0\6f\20\00\fc\0f\00\0b"        ;; table.grow 0 (ref.null extern) (local.get 0)
)
(assert_return (invoke "size") (i64.const 1))
(assert_return (invoke "grow" (i64.const 2)) (i64.const 1))
(assert_return (invoke "grow" (i64.const 1)) (i64.const -1))

;; flags 0x04: 64-bit, no maximum
(module binary
  "\00asm" "\01\00\00\00"
  "\01\0a\02\60\00\01\7e\60\01\7e\01\7e"
  "\03\03\02\00\01"
  "\04\04\01\70\04\02"                    ;; table: funcref, flags 0x04, min 2
  "\07\0f\02\04size\00\00\04grow\00\01"
  "\0a\11\02"
  "\05\00\fc\10\00\0b"
  "\09\00\d0\70\20\00\fc\0f\00\0b"
)
(assert_return (invoke "size") (i64.const 2))
(assert_return (invoke "grow" (i64.const 3)) (i64.const 2))
(assert_return (invoke "size") (i64.const 5))

;; ---- limits ----
;; a 64-bit table may declare sizes above 2^32 - 1; a 32-bit one may not
(assert_invalid
  (module (table 0 0x1_0000_0000 funcref))
  "table size must be at most 2^32-1")
(assert_invalid
  (module (table i64 2 1 funcref))
  "size minimum must not be greater than maximum")
(assert_invalid
  (module (table i64 0x1_0000_0001 0x1_0000_0000 externref))
  "size minimum must not be greater than maximum")

;; ---- the operands' index type ----
(assert_invalid
  (module (table i64 1 funcref)
    (func (result funcref) (table.get 0 (i32.const 0))))
  "type mismatch")
(assert_invalid
  (module (table i64 1 externref)
    (func (result i64) (table.grow 0 (ref.null extern) (i32.const 1))))
  "type mismatch")
(assert_invalid
  (module (table i64 1 externref)
    (func (result i32) (table.size 0)))
  "type mismatch")
;; and the converse: a 32-bit table with i64 operands
(assert_invalid
  (module (table 1 funcref)
    (func (result funcref) (table.get 0 (i64.const 0))))
  "type mismatch")
(assert_invalid
  (module (table 1 externref)
    (func (result i64) (table.size 0)))
  "type mismatch")
