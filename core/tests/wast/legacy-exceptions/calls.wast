;; Hand-written tests of the legacy exception-handling instructions (not from the spec repository).
;;
;; Exceptions thrown in callees: direct calls, call_indirect through a table (including the
;; table's traps, which are not caught), and deep recursion where an inner frame throws and
;; an outer frame catches, with and without non-matching handlers in between.

(module
  (tag $e (param i32))
  (tag $f)
  (type $i-i (func (param i32) (result i32)))

  (table 6 funcref)
  (elem (i32.const 0) $ok $thrower $catcher $thrower-f $other-type)

  (func $ok (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func $thrower (param i32) (result i32) (throw $e (local.get 0)))
  ;; catches what $thrower throws: 2x + 1
  (func $catcher (param i32) (result i32)
    try (result i32)
      (call $thrower (i32.mul (local.get 0) (i32.const 2)))
    catch $e
      i32.const 1
      i32.add
    end)
  (func $thrower-f (param i32) (result i32) (throw $f))
  (func $other-type (param i64) (result i32) (i32.const 0))

  ;; ---- direct calls ----
  (func (export "direct") (param i32) (result i32)
    try (result i32)
      (call $thrower (local.get 0))
    catch $e
    end)
  (func (export "direct-catcher") (param i32) (result i32)
    (call $catcher (local.get 0)))
  ;; a callee that catches returns normally; the caller's handler is not involved
  (func (export "direct-nested") (param i32) (result i32)
    try (result i32)
      (call $catcher (local.get 0))
    catch $e
      drop
      (i32.const -1)
    end)
  ;; two calls in one try: the second is not reached
  (func (export "direct-two") (param i32) (result i32)
    (local $x i32)
    try (result i32)
      (local.set $x (call $ok (local.get 0)))
      (local.set $x (call $thrower (local.get $x)))
      (i32.const -1)
    catch $e
      i32.const 1000
      i32.add
    end)
  (func (export "direct-uncaught")
    (drop (call $thrower-f (i32.const 0))))

  ;; ---- call_indirect ----
  ;; 0: x + 1   1: throws $e(x)   2: 2x + 1 (caught inside)   3: throws $f
  ;; 4: wrong type   5: null   6: out of bounds
  (func (export "indirect") (param $idx i32) (param $x i32) (result i32)
    try (result i32)
      (call_indirect (type $i-i) (local.get $x) (local.get $idx))
    catch $e
      i32.const 1000
      i32.add
    catch_all
      (i32.const -1)
    end)

  ;; ---- recursion ----
  ;; $rec(n) = $rec(n-1) + 1, and $rec(0) throws $e(1000): the exception unwinds every frame
  (func $rec (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (throw $e (i32.const 1000)))
      (else (i32.add (call $rec (i32.sub (local.get $n) (i32.const 1))) (i32.const 1)))))
  (func (export "deep") (param i32) (result i32)
    try (result i32)
      (call $rec (local.get 0))
    catch $e
    end)

  ;; every frame has a handler, for $f only: $e passes through all of them
  (func $rec-guarded (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (throw $e (i32.const 7)))
      (else
        try (result i32)
          (i32.add (call $rec-guarded (i32.sub (local.get $n) (i32.const 1))) (i32.const 1))
        catch $f
          (i32.const -1)
        end)))
  (func (export "deep-guarded") (param i32) (result i32)
    try (result i32)
      (call $rec-guarded (local.get 0))
    catch $e
      i32.const 100
      i32.add
    end)

  ;; $rec-k(n, k): $rec-k(0, _) throws $e(0); the frame with n = k catches it and returns
  ;; payload + 100; every frame above it adds 1. So the result is 100 + (n - k) when
  ;; 1 <= k <= n, and the exception escapes otherwise.
  (func $rec-k (param $n i32) (param $k i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (throw $e (i32.const 0)))
      (else
        (if (result i32) (i32.eq (local.get $n) (local.get $k))
          (then
            try (result i32)
              (call $rec-k (i32.sub (local.get $n) (i32.const 1)) (local.get $k))
            catch $e
              i32.const 100
              i32.add
            end)
          (else
            (i32.add
              (call $rec-k (i32.sub (local.get $n) (i32.const 1)) (local.get $k))
              (i32.const 1)))))))
  (func (export "catch-at") (param i32 i32) (result i32)
    (call $rec-k (local.get 0) (local.get 1)))

  ;; mutual recursion through the table: $ping(n) calls table[7] = $pong, which calls
  ;; table[6] = $ping with n - 1; $ping(0) throws $e(n0) where n0 was saved in a global
  (global $start (mut i32) (i32.const 0))
  (table $t2 8 funcref)
  (elem (table $t2) (i32.const 6) func $ping $pong)
  (func $ping (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (throw $e (global.get $start)))
      (else (call_indirect $t2 (type $i-i) (local.get $n) (i32.const 7)))))
  (func $pong (param $n i32) (result i32)
    (call_indirect $t2 (type $i-i) (i32.sub (local.get $n) (i32.const 1)) (i32.const 6)))
  (func (export "ping-pong") (param i32) (result i32)
    (global.set $start (i32.mul (local.get 0) (i32.const 3)))
    try (result i32)
      (call $ping (local.get 0))
    catch $e
    end)
)

(assert_return (invoke "direct" (i32.const 42)) (i32.const 42))
(assert_return (invoke "direct" (i32.const -7)) (i32.const -7))
(assert_return (invoke "direct-catcher" (i32.const 5)) (i32.const 11))
(assert_return (invoke "direct-nested" (i32.const 5)) (i32.const 11))
(assert_return (invoke "direct-two" (i32.const 5)) (i32.const 1006))
(assert_exception (invoke "direct-uncaught"))

(assert_return (invoke "indirect" (i32.const 0) (i32.const 5)) (i32.const 6))
(assert_return (invoke "indirect" (i32.const 1) (i32.const 5)) (i32.const 1005))
(assert_return (invoke "indirect" (i32.const 2) (i32.const 5)) (i32.const 11))
(assert_return (invoke "indirect" (i32.const 3) (i32.const 5)) (i32.const -1))
(assert_trap (invoke "indirect" (i32.const 4) (i32.const 5)) "indirect call type mismatch")
(assert_trap (invoke "indirect" (i32.const 5) (i32.const 5)) "uninitialized element")
(assert_trap (invoke "indirect" (i32.const 6) (i32.const 5)) "undefined element")

(assert_return (invoke "deep" (i32.const 0)) (i32.const 1000))
(assert_return (invoke "deep" (i32.const 1)) (i32.const 1000))
(assert_return (invoke "deep" (i32.const 1000)) (i32.const 1000))
(assert_return (invoke "deep-guarded" (i32.const 0)) (i32.const 107))
(assert_return (invoke "deep-guarded" (i32.const 1000)) (i32.const 107))

(assert_return (invoke "catch-at" (i32.const 10) (i32.const 3)) (i32.const 107))
(assert_return (invoke "catch-at" (i32.const 10) (i32.const 10)) (i32.const 100))
(assert_return (invoke "catch-at" (i32.const 10) (i32.const 1)) (i32.const 109))
(assert_return (invoke "catch-at" (i32.const 1000) (i32.const 500)) (i32.const 600))
(assert_exception (invoke "catch-at" (i32.const 10) (i32.const 0)))
(assert_exception (invoke "catch-at" (i32.const 10) (i32.const 11)))
(assert_exception (invoke "catch-at" (i32.const 0) (i32.const 0)))

(assert_return (invoke "ping-pong" (i32.const 0)) (i32.const 0))
(assert_return (invoke "ping-pong" (i32.const 1)) (i32.const 3))
(assert_return (invoke "ping-pong" (i32.const 300)) (i32.const 900))
