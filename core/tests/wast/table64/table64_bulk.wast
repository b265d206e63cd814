;; Hand-written tests of 64-bit tables (table64, from the memory64 proposal, WebAssembly 3.0):
;; not from the spec repository.
;;
;; The bulk table instructions on 64-bit tables: table.fill (i64 start and length),
;; table.copy within a 64-bit table and between a 32-bit and a 64-bit table in both
;; directions (the destination index has the destination table's index type, the source
;; index the source table's, the length is i64 only when both tables are 64-bit),
;; table.init into a 64-bit table (i64 destination, i32 segment offset and length),
;; elem.drop, and active element segments with an (i64.const N) offset, one of them out of
;; bounds (instantiation traps). A bounds failure traps before anything is written.
;;
;; Every expected value was checked on wasmtime 51 (the Python `wasmtime` package, memory64
;; enabled) by a script that runs each command of this file.

(module
  (type $v-i (func (result i32)))
  (func $f0 (result i32) (i32.const 0))
  (func $f1 (result i32) (i32.const 1))
  (func $f2 (result i32) (i32.const 2))
  (func $f3 (result i32) (i32.const 3))
  (func $f4 (result i32) (i32.const 4))

  (table $t64 i64 10 funcref)
  (table $t32 10 funcref)
  (table $e64 i64 6 externref)
  (table $e32 6 externref)

  ;; active segments with i64 offsets: $t64 = [f0 f1 f2 null null null null null f3 f4]
  (elem (table $t64) (i64.const 0) func $f0 $f1 $f2)
  (elem (table $t64) (i64.const 8) func $f3 $f4)
  ;; an empty segment at the end of the table is in bounds
  (elem (table $t64) (i64.const 10) func)
  ;; $t32 = [null null null f4 f3 null ...]
  (elem (table $t32) (i32.const 3) func $f4 $f3)
  ;; passive segments for table.init
  (elem $p func $f4 $f3 $f2 $f1)
  (elem $q funcref (ref.func $f2) (ref.null func) (ref.func $f0))

  ;; what entry i holds: its function's number, -1 for null (traps out of bounds)
  (func $n64 (param i64) (result i32)
    (if (result i32) (ref.is_null (table.get $t64 (local.get 0)))
      (then (i32.const -1))
      (else (call_indirect $t64 (type $v-i) (local.get 0)))))
  (func (export "t64") (param i64) (result i32) (call $n64 (local.get 0)))
  (func (export "t32") (param i32) (result i32)
    (if (result i32) (ref.is_null (table.get $t32 (local.get 0)))
      (then (i32.const -1))
      (else (call_indirect $t32 (type $v-i) (local.get 0)))))
  ;; all ten entries of $t64 as the decimal digits of one number, null as 9, after a
  ;; leading 1: [f0 f1 null ...] is 1019...
  (func (export "t64-all") (result i64)
    (local $i i64) (local $acc i64) (local $v i32)
    (local.set $acc (i64.const 1))
    (loop $l
      (local.set $v (call $n64 (local.get $i)))
      (local.set $acc
        (i64.add (i64.mul (local.get $acc) (i64.const 10))
          (i64.extend_i32_u
            (select (i32.const 9) (local.get $v) (i32.lt_s (local.get $v) (i32.const 0))))))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $l (i64.lt_u (local.get $i) (i64.const 10))))
    (local.get $acc))

  (func (export "fill-t64") (param $i i64) (param $n i64)
    (table.fill $t64 (local.get $i) (ref.func $f1) (local.get $n)))
  (func (export "fill-t64-null") (param $i i64) (param $n i64)
    (table.fill $t64 (local.get $i) (ref.null func) (local.get $n)))
  (func (export "fill-e64") (param $i i64) (param $r externref) (param $n i64)
    (table.fill $e64 (local.get $i) (local.get $r) (local.get $n)))
  (func (export "get-e64") (param i64) (result externref) (table.get $e64 (local.get 0)))
  (func (export "get-e32") (param i32) (result externref) (table.get $e32 (local.get 0)))

  (func (export "copy-64-64") (param $d i64) (param $s i64) (param $n i64)
    (table.copy $t64 $t64 (local.get $d) (local.get $s) (local.get $n)))
  ;; 64-bit source into a 32-bit destination: i32 destination, i64 source, i32 length
  (func (export "copy-64-to-32") (param $d i32) (param $s i64) (param $n i32)
    (table.copy $t32 $t64 (local.get $d) (local.get $s) (local.get $n)))
  ;; 32-bit source into a 64-bit destination: i64 destination, i32 source, i32 length
  (func (export "copy-32-to-64") (param $d i64) (param $s i32) (param $n i32)
    (table.copy $t64 $t32 (local.get $d) (local.get $s) (local.get $n)))
  (func (export "copy-e32-to-e64") (param $d i64) (param $s i32) (param $n i32)
    (table.copy $e64 $e32 (local.get $d) (local.get $s) (local.get $n)))
  (func (export "copy-e64-to-e32") (param $d i32) (param $s i64) (param $n i32)
    (table.copy $e32 $e64 (local.get $d) (local.get $s) (local.get $n)))

  ;; table.init into a 64-bit table: i64 destination, i32 offset and length in the segment
  (func (export "init-p") (param $d i64) (param $s i32) (param $n i32)
    (table.init $t64 $p (local.get $d) (local.get $s) (local.get $n)))
  (func (export "init-q") (param $d i64) (param $s i32) (param $n i32)
    (table.init $t64 $q (local.get $d) (local.get $s) (local.get $n)))
  (func (export "drop-p") (elem.drop $p))
)

;; ---- active segments with i64 offsets ----
(assert_return (invoke "t64-all") (i64.const 10129999934))
(assert_return (invoke "t32" (i32.const 3)) (i32.const 4))

;; ---- table.fill ----
(invoke "fill-t64" (i64.const 3) (i64.const 2))
(assert_return (invoke "t64-all") (i64.const 10121199934))
;; length 0 at the end is in bounds, one past the end is not
(invoke "fill-t64" (i64.const 10) (i64.const 0))
(assert_trap (invoke "fill-t64" (i64.const 11) (i64.const 0)) "out of bounds table access")
;; start + length past the end: nothing is written
(assert_trap (invoke "fill-t64" (i64.const 8) (i64.const 3)) "out of bounds table access")
;; values whose low 32 bits would be in bounds
(assert_trap (invoke "fill-t64" (i64.const 0x1_0000_0000) (i64.const 1)) "out of bounds table access")
(assert_trap (invoke "fill-t64" (i64.const 0) (i64.const 0x1_0000_0001)) "out of bounds table access")
;; start + length wraps around 2^64
(assert_trap (invoke "fill-t64" (i64.const 5) (i64.const 0xffff_ffff_ffff_ffff)) "out of bounds table access")
(assert_trap (invoke "fill-t64" (i64.const 0x1_0000_0000) (i64.const 0)) "out of bounds table access")
(assert_return (invoke "t64-all") (i64.const 10121199934))
(invoke "fill-t64-null" (i64.const 4) (i64.const 6))
(assert_return (invoke "t64-all") (i64.const 10121999999))

(invoke "fill-e64" (i64.const 1) (ref.extern 7) (i64.const 3))
(assert_return (invoke "get-e64" (i64.const 0)) (ref.null extern))
(assert_return (invoke "get-e64" (i64.const 3)) (ref.extern 7))
(assert_return (invoke "get-e64" (i64.const 4)) (ref.null extern))
(assert_trap (invoke "fill-e64" (i64.const 4) (ref.extern 8) (i64.const 3)) "out of bounds table access")
(assert_trap (invoke "fill-e64" (i64.const 0x1_0000_0004) (ref.extern 8) (i64.const 1)) "out of bounds table access")
(assert_return (invoke "get-e64" (i64.const 5)) (ref.null extern))

;; ---- table.copy within the 64-bit table ----
;; $t64 = [0 1 2 1 n n n n n n]
(invoke "copy-64-64" (i64.const 6) (i64.const 0) (i64.const 4))
(assert_return (invoke "t64-all") (i64.const 10121990121))
;; overlapping, forwards and backwards
(invoke "copy-64-64" (i64.const 1) (i64.const 0) (i64.const 3))
(assert_return (invoke "t64-all") (i64.const 10012990121))
(invoke "copy-64-64" (i64.const 0) (i64.const 1) (i64.const 3))
(assert_return (invoke "t64-all") (i64.const 10122990121))
;; length 0 at the end of either table is in bounds, one past the end is not
(invoke "copy-64-64" (i64.const 10) (i64.const 10) (i64.const 0))
(assert_trap (invoke "copy-64-64" (i64.const 11) (i64.const 0) (i64.const 0)) "out of bounds table access")
(assert_trap (invoke "copy-64-64" (i64.const 0) (i64.const 11) (i64.const 0)) "out of bounds table access")
(assert_trap (invoke "copy-64-64" (i64.const 8) (i64.const 0) (i64.const 3)) "out of bounds table access")
(assert_trap (invoke "copy-64-64" (i64.const 0x1_0000_0000) (i64.const 0) (i64.const 1)) "out of bounds table access")
(assert_trap (invoke "copy-64-64" (i64.const 0) (i64.const 0x1_0000_0001) (i64.const 1)) "out of bounds table access")
(assert_trap (invoke "copy-64-64" (i64.const 0) (i64.const 1) (i64.const 0x1_0000_0002)) "out of bounds table access")
(assert_trap (invoke "copy-64-64" (i64.const 2) (i64.const 0) (i64.const -1)) "out of bounds table access")
(assert_return (invoke "t64-all") (i64.const 10122990121))

;; ---- table.copy between a 32-bit and a 64-bit table ----
;; $t32 = [n n n 4 3 n n n n n]
(invoke "copy-32-to-64" (i64.const 7) (i32.const 2) (i32.const 3))
(assert_return (invoke "t64-all") (i64.const 10122990943))
(invoke "copy-64-to-32" (i32.const 5) (i64.const 0) (i32.const 4))
(assert_return (invoke "t32" (i32.const 5)) (i32.const 0))
(assert_return (invoke "t32" (i32.const 8)) (i32.const 2))
(assert_return (invoke "t32" (i32.const 9)) (i32.const -1))
(invoke "copy-32-to-64" (i64.const 10) (i32.const 10) (i32.const 0))
(invoke "copy-64-to-32" (i32.const 10) (i64.const 10) (i32.const 0))
(assert_trap (invoke "copy-32-to-64" (i64.const 0x1_0000_0000) (i32.const 0) (i32.const 1)) "out of bounds table access")
(assert_trap (invoke "copy-32-to-64" (i64.const 9) (i32.const 0) (i32.const 2)) "out of bounds table access")
(assert_trap (invoke "copy-32-to-64" (i64.const 0) (i32.const 9) (i32.const 2)) "out of bounds table access")
(assert_trap (invoke "copy-64-to-32" (i32.const 0) (i64.const 0x1_0000_0000) (i32.const 1)) "out of bounds table access")
(assert_trap (invoke "copy-64-to-32" (i32.const 0) (i64.const 0x1_0000_0000) (i32.const 0)) "out of bounds table access")
(assert_trap (invoke "copy-64-to-32" (i32.const 0) (i64.const 0) (i32.const -1)) "out of bounds table access")
(assert_return (invoke "t64-all") (i64.const 10122990943))
(assert_return (invoke "t32" (i32.const 0)) (i32.const -1))

;; externref: $e64 = [n 7 7 7 n n]
(invoke "copy-e64-to-e32" (i32.const 0) (i64.const 2) (i32.const 3))
(assert_return (invoke "get-e32" (i32.const 1)) (ref.extern 7))
(assert_return (invoke "get-e32" (i32.const 2)) (ref.null extern))
(invoke "copy-e32-to-e64" (i64.const 4) (i32.const 0) (i32.const 2))
(assert_return (invoke "get-e64" (i64.const 5)) (ref.extern 7))
(assert_trap (invoke "copy-e32-to-e64" (i64.const 5) (i32.const 0) (i32.const 2)) "out of bounds table access")
(assert_trap (invoke "copy-e64-to-e32" (i32.const 0) (i64.const 0x1_0000_0001) (i32.const 1)) "out of bounds table access")

;; ---- table.init into the 64-bit table ----
;; $p = [f4 f3 f2 f1], $q = [f2 null f0]
(invoke "init-p" (i64.const 0) (i32.const 1) (i32.const 3))
(assert_return (invoke "t64-all") (i64.const 13212990943))
(invoke "init-q" (i64.const 7) (i32.const 0) (i32.const 3))
(assert_return (invoke "t64-all") (i64.const 13212990290))
;; length 0 at the end of the table or of the segment is in bounds
(invoke "init-p" (i64.const 10) (i32.const 0) (i32.const 0))
(invoke "init-p" (i64.const 0) (i32.const 4) (i32.const 0))
(assert_trap (invoke "init-p" (i64.const 11) (i32.const 0) (i32.const 0)) "out of bounds table access")
(assert_trap (invoke "init-p" (i64.const 0) (i32.const 5) (i32.const 0)) "out of bounds table access")
(assert_trap (invoke "init-p" (i64.const 8) (i32.const 0) (i32.const 3)) "out of bounds table access")
(assert_trap (invoke "init-p" (i64.const 0) (i32.const 2) (i32.const 3)) "out of bounds table access")
(assert_trap (invoke "init-p" (i64.const 0x1_0000_0000) (i32.const 0) (i32.const 0)) "out of bounds table access")
(assert_trap (invoke "init-p" (i64.const -1) (i32.const 0) (i32.const 1)) "out of bounds table access")
(assert_return (invoke "t64-all") (i64.const 13212990290))

;; ---- elem.drop ----
(invoke "drop-p")
;; a dropped segment has length 0
(invoke "init-p" (i64.const 0) (i32.const 0) (i32.const 0))
(assert_trap (invoke "init-p" (i64.const 0) (i32.const 0) (i32.const 1)) "out of bounds table access")
(assert_trap (invoke "init-p" (i64.const 11) (i32.const 0) (i32.const 0)) "out of bounds table access")
(invoke "drop-p")
(invoke "init-q" (i64.const 2) (i32.const 1) (i32.const 1))
(assert_return (invoke "t64-all") (i64.const 13292990290))

;; ---- active segments out of bounds ----
(assert_trap
  (module
    (table i64 5 funcref)
    (func $f)
    (elem (i64.const 4) func $f $f))
  "out of bounds table access")
(assert_trap
  (module
    (table i64 5 funcref)
    (func $f)
    (elem (i64.const 0x1_0000_0000) func $f))
  "out of bounds table access")
;; even an empty segment must start within the table
(assert_trap
  (module
    (table i64 5 funcref)
    (elem (i64.const 6) func))
  "out of bounds table access")

;; an active segment's offset has the table's index type
(assert_invalid
  (module (table i64 5 funcref) (func $f) (elem (i32.const 0) func $f))
  "type mismatch")
(assert_invalid
  (module (table 5 funcref) (func $f) (elem (i64.const 0) func $f))
  "type mismatch")

;; ---- the operands' index types ----
(assert_invalid
  (module (table $a i64 1 funcref) (table $b 1 funcref)
    (func (table.copy $b $a (i32.const 0) (i64.const 0) (i64.const 0))))
  "type mismatch")
(assert_invalid
  (module (table $a i64 1 funcref) (table $b 1 funcref)
    (func (table.copy $a $b (i64.const 0) (i32.const 0) (i64.const 0))))
  "type mismatch")
(assert_invalid
  (module (table $a i64 1 funcref) (table $b 1 funcref)
    (func (table.copy $a $b (i32.const 0) (i32.const 0) (i32.const 0))))
  "type mismatch")
(assert_invalid
  (module (table $a i64 1 funcref)
    (func (table.copy $a $a (i64.const 0) (i64.const 0) (i32.const 0))))
  "type mismatch")
(assert_invalid
  (module (table i64 1 funcref) (elem $s func)
    (func (table.init 0 $s (i64.const 0) (i64.const 0) (i32.const 0))))
  "type mismatch")
(assert_invalid
  (module (table i64 1 funcref) (elem $s func)
    (func (table.init 0 $s (i64.const 0) (i32.const 0) (i64.const 0))))
  "type mismatch")
(assert_invalid
  (module (table i64 1 funcref) (elem $s func)
    (func (table.init 0 $s (i32.const 0) (i32.const 0) (i32.const 0))))
  "type mismatch")
(assert_invalid
  (module (table i64 1 externref)
    (func (table.fill 0 (i64.const 0) (ref.null extern) (i32.const 1))))
  "type mismatch")
