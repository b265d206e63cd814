;; Hand-written tests of the legacy exception-handling instructions (not from the spec repository).
;;
;; try / catch / catch_all / throw: empty trys, block types with params and results,
;; payloads of every number type, clause order, propagation to outer handlers and out of
;; the function, handlers left by br / return, throws inside catch bodies, traps (never
;; caught), locals seen by the handler, and a loop that throws and catches many times.
;;
;; The folded `(try (do ...) (catch ...))` form is not parsed by the `wast` crate this
;; repository uses, so every try here is in the flat form `try ... catch ... end`.

(module
  (tag $e0)
  (tag $e1 (param i32))
  (tag $e2 (param i64))
  (tag $e3 (param f32))
  (tag $e4 (param f64))
  (tag $e5 (param i32 i64 f32 f64))
  (tag $e6 (param i32))                 ;; the same type as $e1, a different tag

  (type $ii (func (param i32) (result i32)))

  ;; 0 throws $e0, 1 $e1(11), 2 $e2(22), 3 $e3(3.5), 4 $e4(4.5),
  ;; 5 $e5(1, 2, 3.0, 4.0), 6 $e6(66); anything else returns normally.
  (func $throw-sel (param i32)
    (if (i32.eq (local.get 0) (i32.const 0)) (then (throw $e0)))
    (if (i32.eq (local.get 0) (i32.const 1)) (then (throw $e1 (i32.const 11))))
    (if (i32.eq (local.get 0) (i32.const 2)) (then (throw $e2 (i64.const 22))))
    (if (i32.eq (local.get 0) (i32.const 3)) (then (throw $e3 (f32.const 3.5))))
    (if (i32.eq (local.get 0) (i32.const 4)) (then (throw $e4 (f64.const 4.5))))
    (if (i32.eq (local.get 0) (i32.const 5))
      (then (throw $e5 (i32.const 1) (i64.const 2) (f32.const 3) (f64.const 4))))
    (if (i32.eq (local.get 0) (i32.const 6)) (then (throw $e6 (i32.const 66)))))
  (export "throw-sel" (func $throw-sel))

  ;; ---- empty trys ----
  (func (export "empty-try")
    try
    end)
  (func (export "empty-try-catch")
    try
    catch $e0
    end)
  (func (export "empty-try-catch-all")
    try
    catch_all
    end)
  (func (export "empty-try-clauses") (result i32)
    try
    catch $e0
    catch $e1
      drop
    catch_all
    end
    (i32.const 5))

  ;; ---- results and params ----
  (func (export "try-no-throw") (result i32)
    try (result i32)
      (i32.const 10)
    catch $e1
      i32.const 100
      i32.add
    catch_all
      (i32.const -1)
    end)

  ;; param via (type): x + 1
  (func (export "try-type-param") (param i32) (result i32)
    (local.get 0)
    try (type $ii)
      i32.const 1
      i32.add
    catch_all
      (i32.const -1)
    end)

  ;; param via (type), thrown: the payload is 2x, the catch adds 1
  (func (export "try-type-param-throw") (param i32) (result i32)
    (local.get 0)
    try (type $ii)
      i32.const 2
      i32.mul
      throw $e1
    catch $e1
      i32.const 1
      i32.add
    end)

  ;; inline param: 10x, or 99 when x < 0 (the param left on the stack is dropped)
  (func (export "try-inline-param") (param i32) (result i32)
    (local.get 0)
    try (param i32) (result i32)
      (if (i32.lt_s (local.get 0) (i32.const 0)) (then (throw $e1 (i32.const 99))))
      i32.const 10
      i32.mul
    catch $e1
    end)

  ;; two params: a - b
  (func (export "try-two-params") (param i32 i32) (result i32)
    (local.get 0)
    (local.get 1)
    try (param i32 i32) (result i32)
      i32.sub
    catch_all
      (i32.const 0)
    end)

  ;; two results: (1, 2) normally; $e1 -> (11, 3); $e2 -> (4, 22); others -> (5, 6)
  (func (export "try-multi-result") (param i32) (result i32 i64)
    (local $t i64)
    try (result i32 i64)
      (call $throw-sel (local.get 0))
      (i32.const 1)
      (i64.const 2)
    catch $e1
      (i64.const 3)
    catch $e2
      local.set $t
      (i32.const 4)
      (local.get $t)
    catch_all
      (i32.const 5)
      (i64.const 6)
    end)

  ;; values pushed in the try body before the throw are discarded
  (func (export "stack-reset") (param i32) (result i32)
    (i32.const 1000)
    try (result i32)
      (i32.const 1)
      (i32.const 2)
      (i32.const 3)
      (call $throw-sel (local.get 0))
      i32.add
      i32.add
    catch $e1
    catch_all
      (i32.const 0)
    end
    i32.add)

  ;; a throw from nested block / loop / if inside the try body
  (func (export "nested-blocks") (param i32) (result i32)
    try (result i32)
      (block (result i32)
        (i32.const 1)
        (loop (result i32)
          (i32.const 2)
          (if (result i32) (local.get 0)
            (then (throw $e1 (local.get 0)))
            (else (i32.const 3)))
          i32.add)
        i32.add)
    catch $e1
      i32.const 10
      i32.mul
    end)

  ;; ---- payloads ----
  (func (export "catch-i32") (param i32) (result i32)
    try (result i32)
      (throw $e1 (local.get 0))
    catch $e1
    end)
  (func (export "catch-i64") (param i64) (result i64)
    try (result i64)
      (throw $e2 (local.get 0))
    catch $e2
    end)
  (func (export "catch-f32") (param f32) (result f32)
    try (result f32)
      (throw $e3 (local.get 0))
    catch $e3
    end)
  (func (export "catch-f64") (param f64) (result f64)
    try (result f64)
      (throw $e4 (local.get 0))
    catch $e4
    end)
  (func (export "catch-multi") (param i32 i64 f32 f64) (result i32 i64 f32 f64)
    try (result i32 i64 f32 f64)
      (throw $e5 (local.get 0) (local.get 1) (local.get 2) (local.get 3))
    catch $e5
    end)
  ;; a*1000 + b*100 + trunc(c)*10 + trunc(d), from the payload (checks its order)
  (func (export "catch-multi-mix") (param i32 i64 f32 f64) (result i32)
    (local $a i32) (local $b i64) (local $c f32) (local $d f64)
    try (result i32)
      (throw $e5 (local.get 0) (local.get 1) (local.get 2) (local.get 3))
    catch $e5
      local.set $d
      local.set $c
      local.set $b
      local.set $a
      (i32.add
        (i32.add
          (i32.mul (local.get $a) (i32.const 1000))
          (i32.mul (i32.wrap_i64 (local.get $b)) (i32.const 100)))
        (i32.add
          (i32.mul (i32.trunc_f32_s (local.get $c)) (i32.const 10))
          (i32.trunc_f64_s (local.get $d))))
    end)

  ;; ---- catch_all and clause order ----
  (func (export "catch-all") (param i32) (result i32)
    try (result i32)
      (call $throw-sel (local.get 0))
      (i32.const 0)
    catch_all
      (i32.const 1)
    end)

  (func (export "dispatch") (param i32) (result i32)
    try (result i32)
      (call $throw-sel (local.get 0))
      (i32.const -1)
    catch $e0
      (i32.const 100)
    catch $e1
      i32.const 1000
      i32.add
    catch $e2
      i32.wrap_i64
      i32.const 2000
      i32.add
    catch $e3
      i32.trunc_f32_s
      i32.const 3000
      i32.add
    catch $e4
      i32.trunc_f64_s
      i32.const 4000
      i32.add
    catch $e5
      drop
      drop
      drop
      i32.const 5000
      i32.add
    catch_all
      (i32.const 9999)
    end)

  ;; the same tag twice: the first clause wins
  (func (export "first-match") (param i32) (result i32)
    try (result i32)
      (call $throw-sel (local.get 0))
      (i32.const 0)
    catch $e1
      i32.const 1
      i32.add
    catch $e1
      i32.const 2
      i32.add
    catch_all
      (i32.const 3)
    end)

  ;; ---- propagation ----
  (func (export "propagate-outer") (param i32) (result i32)
    try (result i32)
      try (result i32)
        (call $throw-sel (local.get 0))
        (i32.const 0)
      catch $e1
        i32.const 10
        i32.add
      end
    catch $e0
      (i32.const 30)
    catch $e2
      drop
      (i32.const 40)
    end)

  (func (export "uncaught") (param i32) (result i32)
    try (result i32)
      (call $throw-sel (local.get 0))
      (i32.const 0)
    catch $e1
    end)

  (func (export "throw-no-try")
    (throw $e0))

  ;; ---- br / return out of a try and out of a catch ----
  (func (export "br-from-catch") (param i32) (result i32)
    block $out (result i32)
      try (result i32)
        (call $throw-sel (local.get 0))
        (i32.const 0)
      catch $e1
        br $out
      catch_all
        (i32.const 2)
      end
      i32.const 100
      i32.add
    end)

  (func (export "return-from-catch") (param i32) (result i32)
    try (result i32)
      (call $throw-sel (local.get 0))
      (i32.const 0)
    catch $e1
      return
    catch_all
      (i32.const 2)
    end
    i32.const 100
    i32.add)

  ;; leaving a try with br uninstalls its handler
  (func (export "br-out-then-throw") (result i32)
    block $b
      try
        br $b
      catch_all
      end
    end
    (throw $e0))

  (func $ret-from-try (result i32)
    try (result i32)
      (return (i32.const 5))
    catch_all
      (i32.const 6)
    end)
  (func (export "return-from-try") (result i32)
    (call $ret-from-try))
  ;; the callee's handler is gone once it has returned
  (func (export "return-from-try-then-throw") (result i32)
    (drop (call $ret-from-try))
    (throw $e0))

  ;; br from a try body back to the loop around it, then a throw after the loop
  (func (export "br-loop-from-try") (param $n i32) (result i32)
    (local $i i32)
    try (result i32)
      (loop $l
        try
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_s (local.get $i) (local.get $n)))
        catch_all
          (local.set $i (i32.const -1000))
        end)
      (throw $e1 (local.get $i))
    catch $e1
    end)

  ;; a loop inside a try body
  (func (export "loop-in-try") (param $n i32) (result i32)
    (local $i i32)
    try (result i32)
      (loop $l
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_s (local.get $i) (local.get $n))))
      (throw $e1 (local.get $i))
    catch $e1
    end)

  ;; ---- a throw inside a catch body goes to the outer handlers ----
  (func (export "throw-in-catch") (param i32) (result i32)
    try (result i32)
      try (result i32)
        (call $throw-sel (local.get 0))
        (i32.const 0)
      catch $e0
        (throw $e1 (i32.const 7))
      catch $e1
        i32.const 1
        i32.add
      catch_all
        (i32.const 2)
      end
    catch $e1
      i32.const 100
      i32.add
    end)

  (func (export "throw-in-catch-all") (param i32) (result i32)
    try (result i32)
      try (result i32)
        (call $throw-sel (local.get 0))
        (i32.const 0)
      catch_all
        (throw $e1 (i32.const 5))
      end
    catch $e1
      i32.const 100
      i32.add
    end)

  (func (export "throw-in-catch-uncaught") (param i32) (result i32)
    try (result i32)
      (call $throw-sel (local.get 0))
      (i32.const 0)
    catch_all
      (throw $e0)
    end)

  ;; ---- locals ----
  (func (export "locals-in-catch") (param i32) (result i32)
    (local $x i32)
    try
      (local.set $x (i32.const 5))
      (call $throw-sel (local.get 0))
      (local.set $x (i32.const 7))
    catch_all
      (local.set $x (i32.add (local.get $x) (i32.const 100)))
    end
    (local.get $x))

  ;; the param is changed in the try body before the throw
  (func (export "param-in-catch") (param $p i32) (result i32)
    try (result i32)
      (local.set $p (i32.mul (local.get $p) (i32.const 3)))
      (throw $e1 (i32.const 1))
    catch $e1
      local.get $p
      i32.add
    end)

  ;; ---- loops ----
  ;; throws $e1(i) for i in 0..n and adds the payloads: n(n-1)/2
  (func (export "loop-throw-catch") (param $n i32) (result i32)
    (local $i i32) (local $sum i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
        try
          (throw $e1 (local.get $i))
        catch $e1
          local.get $sum
          i32.add
          local.set $sum
        end
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $sum))

  ;; throws through a call for i in 0..n: i mod 3 = 0 -> $e0 (+1), 1 -> $e1(11) (+11),
  ;; 2 -> $e2(22) (caught by catch_all, +100)
  (func (export "loop-mixed") (param $n i32) (result i32)
    (local $i i32) (local $count i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
        try
          (call $throw-sel (i32.rem_u (local.get $i) (i32.const 3)))
        catch $e0
          (local.set $count (i32.add (local.get $count) (i32.const 1)))
        catch $e1
          local.get $count
          i32.add
          local.set $count
        catch_all
          (local.set $count (i32.add (local.get $count) (i32.const 100)))
        end
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $count))
)

(assert_return (invoke "empty-try"))
(assert_return (invoke "empty-try-catch"))
(assert_return (invoke "empty-try-catch-all"))
(assert_return (invoke "empty-try-clauses") (i32.const 5))

(assert_exception (invoke "throw-sel" (i32.const 0)))
(assert_exception (invoke "throw-sel" (i32.const 1)))
(assert_exception (invoke "throw-sel" (i32.const 2)))
(assert_exception (invoke "throw-sel" (i32.const 3)))
(assert_exception (invoke "throw-sel" (i32.const 4)))
(assert_exception (invoke "throw-sel" (i32.const 5)))
(assert_exception (invoke "throw-sel" (i32.const 6)))
(assert_return (invoke "throw-sel" (i32.const 7)))
(assert_exception (invoke "throw-no-try"))

(assert_return (invoke "try-no-throw") (i32.const 10))
(assert_return (invoke "try-type-param" (i32.const 5)) (i32.const 6))
(assert_return (invoke "try-type-param" (i32.const -1)) (i32.const 0))
(assert_return (invoke "try-type-param-throw" (i32.const 5)) (i32.const 11))
(assert_return (invoke "try-type-param-throw" (i32.const -3)) (i32.const -5))
(assert_return (invoke "try-inline-param" (i32.const 3)) (i32.const 30))
(assert_return (invoke "try-inline-param" (i32.const 0)) (i32.const 0))
(assert_return (invoke "try-inline-param" (i32.const -1)) (i32.const 99))
(assert_return (invoke "try-two-params" (i32.const 10) (i32.const 3)) (i32.const 7))
(assert_return (invoke "try-multi-result" (i32.const 7)) (i32.const 1) (i64.const 2))
(assert_return (invoke "try-multi-result" (i32.const 1)) (i32.const 11) (i64.const 3))
(assert_return (invoke "try-multi-result" (i32.const 2)) (i32.const 4) (i64.const 22))
(assert_return (invoke "try-multi-result" (i32.const 0)) (i32.const 5) (i64.const 6))
(assert_return (invoke "try-multi-result" (i32.const 5)) (i32.const 5) (i64.const 6))
(assert_return (invoke "stack-reset" (i32.const 7)) (i32.const 1006))
(assert_return (invoke "stack-reset" (i32.const 1)) (i32.const 1011))
(assert_return (invoke "stack-reset" (i32.const 0)) (i32.const 1000))
(assert_return (invoke "nested-blocks" (i32.const 0)) (i32.const 6))
(assert_return (invoke "nested-blocks" (i32.const 4)) (i32.const 40))
(assert_return (invoke "nested-blocks" (i32.const -1)) (i32.const -10))

(assert_return (invoke "catch-i32" (i32.const 7)) (i32.const 7))
(assert_return (invoke "catch-i32" (i32.const 0)) (i32.const 0))
(assert_return (invoke "catch-i32" (i32.const -1)) (i32.const -1))
(assert_return (invoke "catch-i64" (i64.const 0x7fff_ffff_ffff_ffff)) (i64.const 0x7fff_ffff_ffff_ffff))
(assert_return (invoke "catch-i64" (i64.const -5)) (i64.const -5))
(assert_return (invoke "catch-f32" (f32.const 1.5)) (f32.const 1.5))
(assert_return (invoke "catch-f32" (f32.const -0.0)) (f32.const -0.0))
(assert_return (invoke "catch-f32" (f32.const nan:0x200000)) (f32.const nan:0x200000))
(assert_return (invoke "catch-f64" (f64.const -2.25)) (f64.const -2.25))
(assert_return (invoke "catch-f64" (f64.const inf)) (f64.const inf))
(assert_return (invoke "catch-f64" (f64.const -nan:0x4000000000000)) (f64.const -nan:0x4000000000000))
(assert_return
  (invoke "catch-multi" (i32.const 1) (i64.const -2) (f32.const 3.25) (f64.const -4.5))
  (i32.const 1) (i64.const -2) (f32.const 3.25) (f64.const -4.5))
(assert_return
  (invoke "catch-multi" (i32.const 0xffff_ffff) (i64.const 0x1_0000_0000) (f32.const -0.0) (f64.const 0x1p-1074))
  (i32.const -1) (i64.const 4294967296) (f32.const -0.0) (f64.const 0x1p-1074))
(assert_return
  (invoke "catch-multi-mix" (i32.const 1) (i64.const 2) (f32.const 3) (f64.const 4))
  (i32.const 1234))
(assert_return
  (invoke "catch-multi-mix" (i32.const 9) (i64.const 8) (f32.const 7) (f64.const 6))
  (i32.const 9876))
(assert_return
  (invoke "catch-multi-mix" (i32.const 5) (i64.const 0) (f32.const 2.9) (f64.const 1.1))
  (i32.const 5021))

(assert_return (invoke "catch-all" (i32.const 0)) (i32.const 1))
(assert_return (invoke "catch-all" (i32.const 1)) (i32.const 1))
(assert_return (invoke "catch-all" (i32.const 2)) (i32.const 1))
(assert_return (invoke "catch-all" (i32.const 3)) (i32.const 1))
(assert_return (invoke "catch-all" (i32.const 4)) (i32.const 1))
(assert_return (invoke "catch-all" (i32.const 5)) (i32.const 1))
(assert_return (invoke "catch-all" (i32.const 6)) (i32.const 1))
(assert_return (invoke "catch-all" (i32.const 7)) (i32.const 0))

(assert_return (invoke "dispatch" (i32.const 0)) (i32.const 100))
(assert_return (invoke "dispatch" (i32.const 1)) (i32.const 1011))
(assert_return (invoke "dispatch" (i32.const 2)) (i32.const 2022))
(assert_return (invoke "dispatch" (i32.const 3)) (i32.const 3003))
(assert_return (invoke "dispatch" (i32.const 4)) (i32.const 4004))
(assert_return (invoke "dispatch" (i32.const 5)) (i32.const 5001))
(assert_return (invoke "dispatch" (i32.const 6)) (i32.const 9999))
(assert_return (invoke "dispatch" (i32.const 7)) (i32.const -1))

(assert_return (invoke "first-match" (i32.const 1)) (i32.const 12))
(assert_return (invoke "first-match" (i32.const 6)) (i32.const 3))
(assert_return (invoke "first-match" (i32.const 0)) (i32.const 3))
(assert_return (invoke "first-match" (i32.const 7)) (i32.const 0))

(assert_return (invoke "propagate-outer" (i32.const 0)) (i32.const 30))
(assert_return (invoke "propagate-outer" (i32.const 1)) (i32.const 21))
(assert_return (invoke "propagate-outer" (i32.const 2)) (i32.const 40))
(assert_exception (invoke "propagate-outer" (i32.const 3)))
(assert_exception (invoke "propagate-outer" (i32.const 6)))
(assert_return (invoke "propagate-outer" (i32.const 7)) (i32.const 0))

(assert_return (invoke "uncaught" (i32.const 1)) (i32.const 11))
(assert_exception (invoke "uncaught" (i32.const 0)))
(assert_exception (invoke "uncaught" (i32.const 6)))
(assert_return (invoke "uncaught" (i32.const 7)) (i32.const 0))

(assert_return (invoke "br-from-catch" (i32.const 1)) (i32.const 11))
(assert_return (invoke "br-from-catch" (i32.const 0)) (i32.const 102))
(assert_return (invoke "br-from-catch" (i32.const 7)) (i32.const 100))
(assert_return (invoke "return-from-catch" (i32.const 1)) (i32.const 11))
(assert_return (invoke "return-from-catch" (i32.const 0)) (i32.const 102))
(assert_return (invoke "return-from-catch" (i32.const 7)) (i32.const 100))
(assert_exception (invoke "br-out-then-throw"))
(assert_return (invoke "return-from-try") (i32.const 5))
(assert_exception (invoke "return-from-try-then-throw"))
(assert_return (invoke "br-loop-from-try" (i32.const 5)) (i32.const 5))
(assert_return (invoke "br-loop-from-try" (i32.const 0)) (i32.const 1))
(assert_return (invoke "loop-in-try" (i32.const 10)) (i32.const 10))
(assert_return (invoke "loop-in-try" (i32.const 0)) (i32.const 1))

(assert_return (invoke "throw-in-catch" (i32.const 0)) (i32.const 107))
(assert_return (invoke "throw-in-catch" (i32.const 1)) (i32.const 12))
(assert_return (invoke "throw-in-catch" (i32.const 2)) (i32.const 2))
(assert_return (invoke "throw-in-catch" (i32.const 7)) (i32.const 0))
(assert_return (invoke "throw-in-catch-all" (i32.const 0)) (i32.const 105))
(assert_return (invoke "throw-in-catch-all" (i32.const 1)) (i32.const 105))
(assert_return (invoke "throw-in-catch-all" (i32.const 7)) (i32.const 0))
(assert_exception (invoke "throw-in-catch-uncaught" (i32.const 1)))
(assert_return (invoke "throw-in-catch-uncaught" (i32.const 7)) (i32.const 0))

(assert_return (invoke "locals-in-catch" (i32.const 0)) (i32.const 105))
(assert_return (invoke "locals-in-catch" (i32.const 5)) (i32.const 105))
(assert_return (invoke "locals-in-catch" (i32.const 7)) (i32.const 7))
(assert_return (invoke "param-in-catch" (i32.const 4)) (i32.const 13))

(assert_return (invoke "loop-throw-catch" (i32.const 0)) (i32.const 0))
(assert_return (invoke "loop-throw-catch" (i32.const 1)) (i32.const 0))
(assert_return (invoke "loop-throw-catch" (i32.const 10)) (i32.const 45))
(assert_return (invoke "loop-throw-catch" (i32.const 1000)) (i32.const 499500))
(assert_return (invoke "loop-mixed" (i32.const 3)) (i32.const 112))
(assert_return (invoke "loop-mixed" (i32.const 4)) (i32.const 113))
(assert_return (invoke "loop-mixed" (i32.const 1000)) (i32.const 37297))

;; ---- traps are not exceptions: catch_all does not catch them ----
(module
  (tag $e (param i32))
  (memory 1)
  (table 2 funcref)
  (elem (i32.const 0) $nullary)
  (type $v-i (func (param i32) (result i32)))

  (func $nullary (result i32) (i32.const 0))
  (func $trapper (unreachable))

  (func (export "trap-unreachable") (result i32)
    try (result i32)
      unreachable
    catch_all
      (i32.const 1)
    end)
  (func (export "trap-in-callee") (result i32)
    try (result i32)
      (call $trapper)
      (i32.const 0)
    catch_all
      (i32.const 1)
    end)
  (func (export "div") (param i32 i32) (result i32)
    try (result i32)
      (i32.div_s (local.get 0) (local.get 1))
    catch $e
    catch_all
      (i32.const -1)
    end)
  (func (export "load") (param i32) (result i32)
    try (result i32)
      (i32.load (local.get 0))
    catch_all
      (i32.const -1)
    end)
  (func (export "call-table") (param i32) (result i32)
    try (result i32)
      (call_indirect (type $v-i) (i32.const 0) (local.get 0))
    catch_all
      (i32.const -1)
    end)
  ;; a trap inside a catch body
  (func (export "trap-in-catch") (result i32)
    try (result i32)
      (throw $e (i32.const 1))
    catch $e
      unreachable
    end)
  ;; a trap in a nested try: the outer catch_all does not catch it either
  (func (export "trap-nested") (param i32) (result i32)
    try (result i32)
      try (result i32)
        (i32.rem_u (i32.const 7) (local.get 0))
      catch_all
        (i32.const -1)
      end
    catch_all
      (i32.const -2)
    end)
  ;; unbounded recursion with a catch_all in every frame
  (func $runaway
    try
      (call $runaway)
    catch_all
    end)
  (export "runaway" (func $runaway))
)

(assert_trap (invoke "trap-unreachable") "unreachable")
(assert_trap (invoke "trap-in-callee") "unreachable")
(assert_return (invoke "div" (i32.const 10) (i32.const 2)) (i32.const 5))
(assert_trap (invoke "div" (i32.const 10) (i32.const 0)) "integer divide by zero")
(assert_trap (invoke "div" (i32.const 0x8000_0000) (i32.const -1)) "integer overflow")
(assert_return (invoke "load" (i32.const 0)) (i32.const 0))
(assert_trap (invoke "load" (i32.const 65536)) "out of bounds memory access")
(assert_trap (invoke "call-table" (i32.const 0)) "indirect call type mismatch")
(assert_trap (invoke "call-table" (i32.const 1)) "uninitialized element")
(assert_trap (invoke "call-table" (i32.const 2)) "undefined element")
(assert_trap (invoke "trap-in-catch") "unreachable")
(assert_return (invoke "trap-nested" (i32.const 2)) (i32.const 1))
(assert_trap (invoke "trap-nested" (i32.const 0)) "integer divide by zero")
(assert_exhaustion (invoke "runaway") "call stack exhausted")

;; ---- validation ----
(assert_invalid
  (module (tag $e (param i64))
    (func (result i32)
      try (result i32)
        (i32.const 0)
      catch $e
      end))
  "type mismatch")
(assert_invalid
  (module (tag $e)
    (func (result i32)
      try (result i32)
        (i32.const 0)
      catch $e
      end))
  "type mismatch")
(assert_invalid
  (module
    (func (result i32)
      try (result i32)
        (i32.const 0)
      catch_all
      end))
  "type mismatch")
(assert_invalid
  (module (tag $e (param i32))
    (func
      try
      catch $e
      end))
  "type mismatch")
(assert_invalid
  (module
    (func
      try
      catch 0
      end))
  "unknown tag 0")
(assert_invalid
  (module (tag $e (param i32))
    (func (throw $e (i64.const 0))))
  "type mismatch")
(assert_invalid
  (module (func (throw 0)))
  "unknown tag 0")
(assert_invalid
  (module (tag $e)
    (func
      try
      catch_all
      catch $e
      end))
  "`catch` found outside `LegacyTry` block")
(assert_invalid
  (module
    (func
      try
      catch_all
      catch_all
      end))
  "`catch_all` found outside `LegacyTry` block")
