;; Hand-written tests of the legacy exception-handling instructions (not from the spec repository).
;;
;; Exceptions crossing module boundaries. A tag is identified by its instance, not its
;; type: a module that imports $M's tag catches $M's exceptions; a module that defines its
;; own tag of the same type does not; a re-exported tag is still $M's tag.

(module $M
  (tag $e (export "e") (param i32))
  (tag $f (export "f"))
  (table $tab (export "tab") 6 funcref)
  (type $v (func (param i32)))
  (func (export "throw") (param i32) (throw $e (local.get 0)))
  (func (export "throw-f") (throw $f))
  ;; calls tab[idx](x): $e -> payload + 1000, anything else -> -1, no exception -> 0
  (func (export "call-tab") (param $idx i32) (param $x i32) (result i32)
    try (result i32)
      (call_indirect $tab (type $v) (local.get $x) (local.get $idx))
      (i32.const 0)
    catch $e
      i32.const 1000
      i32.add
    catch_all
      (i32.const -1)
    end)
)
(register "M" $M)

(assert_exception (invoke $M "throw" (i32.const 1)))
(assert_exception (invoke $M "throw-f"))
(assert_trap (invoke $M "call-tab" (i32.const 0) (i32.const 1)) "uninitialized element")

(module $N
  (import "M" "e" (tag $e (param i32)))
  (import "M" "f" (tag $f))
  (import "M" "throw" (func $m-throw (param i32)))
  (import "M" "throw-f" (func $m-throw-f))
  (import "M" "tab" (table $tab 6 funcref))
  (tag $own (param i32))                ;; the same type as $e, a different tag
  (export "e-again" (tag $e))
  (export "own" (tag $own))

  (func $n-throw-e (param i32) (throw $e (local.get 0)))
  (func $n-throw-own (param i32) (throw $own (local.get 0)))
  (func $n-ok (param i32))
  ;; catches $M's exception with catch_all and rethrows it
  (func $n-rethrow (param i32)
    try
      (call $m-throw (local.get 0))
    catch_all
      rethrow 0
    end)
  (elem (table $tab) (i32.const 1) func $n-throw-e $n-throw-own $n-ok $n-rethrow)
  (export "throw-e" (func $n-throw-e))
  (export "throw-own" (func $n-throw-own))

  ;; $M's exception, caught through the imported tag; $own is checked first and skipped
  (func (export "catch-m") (param i32) (result i32)
    try (result i32)
      (call $m-throw (local.get 0))
      (i32.const 0)
    catch $own
      i32.const 2000
      i32.add
    catch $e
      i32.const 1000
      i32.add
    end)
  (func (export "catch-m-f") (result i32)
    try (result i32)
      (call $m-throw-f)
      (i32.const 0)
    catch $f
      (i32.const 1)
    end)
  ;; only $own: $M's $e escapes
  (func (export "catch-own-only") (param i32) (result i32)
    try (result i32)
      (call $m-throw (local.get 0))
      (i32.const 0)
    catch $own
    end)
  ;; own throw, own catch
  (func (export "catch-own") (param i32) (result i32)
    try (result i32)
      (call $n-throw-own (local.get 0))
      (i32.const 0)
    catch $e
      i32.const 1000
      i32.add
    catch $own
      i32.const 2000
      i32.add
    end)
)
(register "N" $N)

(assert_return (invoke $N "catch-m" (i32.const 5)) (i32.const 1005))
(assert_return (invoke $N "catch-m-f") (i32.const 1))
(assert_exception (invoke $N "catch-own-only" (i32.const 5)))
(assert_return (invoke $N "catch-own" (i32.const 5)) (i32.const 2005))
(assert_exception (invoke $N "throw-e" (i32.const 1)))
(assert_exception (invoke $N "throw-own" (i32.const 1)))

;; $M's table now holds $N's functions: $M catches what $N throws with $M's tag
(assert_return (invoke $M "call-tab" (i32.const 1) (i32.const 6)) (i32.const 1006))
(assert_return (invoke $M "call-tab" (i32.const 2) (i32.const 6)) (i32.const -1))
(assert_return (invoke $M "call-tab" (i32.const 3) (i32.const 6)) (i32.const 0))
(assert_return (invoke $M "call-tab" (i32.const 4) (i32.const 6)) (i32.const 1006))
(assert_trap (invoke $M "call-tab" (i32.const 0) (i32.const 6)) "uninitialized element")
(assert_trap (invoke $M "call-tab" (i32.const 5) (i32.const 6)) "uninitialized element")
(assert_trap (invoke $M "call-tab" (i32.const 6) (i32.const 6)) "undefined element")

;; a module with its own tag of the same type (and the same name) does not catch $M's
(module $O
  (import "M" "throw" (func $m-throw (param i32)))
  (tag $e (export "e") (param i32))
  (func (export "catch-local-tag") (param i32) (result i32)
    try (result i32)
      (call $m-throw (local.get 0))
      (i32.const 0)
    catch $e
      i32.const 1000
      i32.add
    end)
  (func (export "catch-local-tag-or-all") (param i32) (result i32)
    try (result i32)
      (call $m-throw (local.get 0))
      (i32.const 0)
    catch $e
      i32.const 1000
      i32.add
    catch_all
      (i32.const -1)
    end)
  (func (export "throw-local") (param i32) (throw $e (local.get 0)))
)
(register "O" $O)

(assert_exception (invoke $O "catch-local-tag" (i32.const 5)))
(assert_return (invoke $O "catch-local-tag-or-all" (i32.const 5)) (i32.const -1))

;; the re-exported tag is $M's tag; $O's "e" is not
(module $P
  (import "N" "e-again" (tag $e (param i32)))
  (import "N" "own" (tag $own (param i32)))
  (import "O" "e" (tag $o (param i32)))
  (import "M" "throw" (func $m-throw (param i32)))
  (import "N" "throw-own" (func $n-throw-own (param i32)))
  (import "O" "throw-local" (func $o-throw (param i32)))
  ;; 0: $M throws $e, 1: $N throws $own, 2: $O throws its $e
  (func (export "which") (param $sel i32) (param $x i32) (result i32)
    try (result i32)
      (if (i32.eq (local.get $sel) (i32.const 0)) (then (call $m-throw (local.get $x))))
      (if (i32.eq (local.get $sel) (i32.const 1)) (then (call $n-throw-own (local.get $x))))
      (if (i32.eq (local.get $sel) (i32.const 2)) (then (call $o-throw (local.get $x))))
      (i32.const 0)
    catch $o
      i32.const 3000
      i32.add
    catch $own
      i32.const 2000
      i32.add
    catch $e
      i32.const 1000
      i32.add
    end)
)

(assert_return (invoke $P "which" (i32.const 0) (i32.const 4)) (i32.const 1004))
(assert_return (invoke $P "which" (i32.const 1) (i32.const 4)) (i32.const 2004))
(assert_return (invoke $P "which" (i32.const 2) (i32.const 4)) (i32.const 3004))
(assert_return (invoke $P "which" (i32.const 3) (i32.const 4)) (i32.const 0))

;; a tag import must match the exported tag's type
(assert_unlinkable
  (module (import "M" "e" (tag (param i64))))
  "incompatible import type")
(assert_unlinkable
  (module (import "M" "f" (tag (param i32))))
  "incompatible import type")
(assert_unlinkable
  (module (import "M" "throw" (tag (param i32))))
  "incompatible import type")
