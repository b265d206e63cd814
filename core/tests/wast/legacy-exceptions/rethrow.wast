;; Hand-written tests of the legacy exception-handling instructions (not from the spec repository).
;;
;; rethrow: depth 0 from catch and catch_all, depth > 0 (an outer catch's exception from
;; inside a nested try or block), the caught exception surviving a nested catch, rethrow
;; to the caller and up a chain of frames, and validation of rethrow's label.

(module
  (tag $e0)
  (tag $e1 (param i32))
  (tag $e2 (param i32))
  (tag $e3 (param i64 f64))

  ;; 0 throws $e0, 1 $e1(11), 2 $e2(22), 3 $e3(33, 3.5); anything else returns normally.
  (func $throw-sel (param i32)
    (if (i32.eq (local.get 0) (i32.const 0)) (then (throw $e0)))
    (if (i32.eq (local.get 0) (i32.const 1)) (then (throw $e1 (i32.const 11))))
    (if (i32.eq (local.get 0) (i32.const 2)) (then (throw $e2 (i32.const 22))))
    (if (i32.eq (local.get 0) (i32.const 3)) (then (throw $e3 (i64.const 33) (f64.const 3.5)))))

  ;; rethrow 0 from catch and from catch_all; the enclosing try sees the same tag and payload
  (func (export "rethrow-0") (param i32) (result i32)
    try (result i32)
      try (result i32)
        (call $throw-sel (local.get 0))
        (i32.const 0)
      catch $e1
        rethrow 0
      catch_all
        rethrow 0
      end
    catch $e0
      (i32.const 100)
    catch $e1
      i32.const 1000
      i32.add
    catch $e2
      i32.const 2000
      i32.add
    catch $e3
      i32.trunc_f64_s
      i32.const 10
      i32.mul
      local.set 0
      i32.wrap_i64
      local.get 0
      i32.add
      i32.const 3000
      i32.add
    end)

  ;; rethrow 0 out of the function
  (func (export "rethrow-uncaught") (param i32)
    try
      (call $throw-sel (local.get 0))
    catch_all
      rethrow 0
    end)

  ;; rethrow 1 inside a nested try's catch: the OUTER catch_all's exception, not $e2(5)
  (func (export "rethrow-outer") (param i32) (result i32)
    try (result i32)
      try (result i32)
        (call $throw-sel (local.get 0))
        (i32.const 0)
      catch_all
        try (result i32)
          (throw $e2 (i32.const 5))
        catch $e2
          drop
          rethrow 1
        end
      end
    catch $e0
      (i32.const 100)
    catch $e1
      i32.const 1000
      i32.add
    catch $e2
      i32.const 2000
      i32.add
    catch_all
      (i32.const 9)
    end)

  ;; the same shape with rethrow 0: always the inner $e2(5)
  (func (export "rethrow-inner") (param i32) (result i32)
    try (result i32)
      try (result i32)
        (call $throw-sel (local.get 0))
        (i32.const 0)
      catch_all
        try (result i32)
          (throw $e2 (i32.const 5))
        catch $e2
          drop
          rethrow 0
        end
      end
    catch $e0
      (i32.const 100)
    catch $e1
      i32.const 1000
      i32.add
    catch $e2
      i32.const 2000
      i32.add
    catch_all
      (i32.const 9)
    end)

  ;; rethrow 2 from a catch two trys deep, with the catch of a tag (payload kept)
  (func (export "rethrow-2") (param i32) (result i32)
    try (result i32)
      try (result i32)
        (call $throw-sel (local.get 0))
        (i32.const 0)
      catch $e1
        drop
        try (result i32)
          (throw $e0)
        catch $e0
          try (result i32)
            (throw $e2 (i32.const 5))
          catch_all
            rethrow 2
          end
        end
      end
    catch $e1
      i32.const 1000
      i32.add
    catch_all
      (i32.const 9)
    end)

  ;; rethrow 1 through a block inside catch_all
  (func (export "rethrow-through-block") (param i32) (result i32)
    try (result i32)
      try (result i32)
        (call $throw-sel (local.get 0))
        (i32.const 0)
      catch_all
        (block (result i32)
          (rethrow 1))
      end
    catch $e1
      i32.const 1000
      i32.add
    catch_all
      (i32.const 7)
    end)

  ;; a nested try that catches and completes does not replace the caught exception
  (func (export "rethrow-after-nested") (param i32) (result i32)
    try (result i32)
      try (result i32)
        (call $throw-sel (local.get 0))
        (i32.const 0)
      catch_all
        try
          (throw $e2 (i32.const 5))
        catch $e2
          drop
        end
        rethrow 0
      end
    catch $e0
      (i32.const 100)
    catch $e1
      i32.const 1000
      i32.add
    catch $e2
      i32.const 2000
      i32.add
    catch_all
      (i32.const 9)
    end)

  ;; a callee that throws and catches in between does not replace it either
  (func $inner-catcher (result i32)
    try (result i32)
      (throw $e1 (i32.const 77))
    catch $e1
    end)
  (func (export "rethrow-after-call") (param i32) (result i32)
    try (result i32)
      try (result i32)
        (call $throw-sel (local.get 0))
        (i32.const 0)
      catch_all
        (drop (call $inner-catcher))
        rethrow 0
      end
    catch $e0
      (i32.const 100)
    catch $e1
      i32.const 1000
      i32.add
    catch $e2
      i32.const 2000
      i32.add
    catch_all
      (i32.const 9)
    end)

  ;; rethrow to the caller
  (func $rethrower (param i32)
    try
      (call $throw-sel (local.get 0))
    catch $e1
      drop
      rethrow 0
    catch_all
      rethrow 0
    end)
  (func (export "rethrow-to-caller") (param i32) (result i32)
    try (result i32)
      (call $rethrower (local.get 0))
      (i32.const 0)
    catch $e1
      i32.const 1000
      i32.add
    catch_all
      (i32.const 7)
    end)

  ;; rethrow only when the payload is odd, else handle it
  (func (export "rethrow-conditional") (param i32) (result i32)
    try (result i32)
      try (result i32)
        (throw $e1 (local.get 0))
      catch $e1
        local.tee 0
        i32.const 1
        i32.and
        if
          rethrow 1
        end
        local.get 0
      end
    catch $e1
      i32.const -1
      i32.mul
    end)

  ;; every frame of a recursion catches, counts and rethrows
  (global $count (mut i32) (i32.const 0))
  (func $rec-rethrow (param $n i32)
    (if (i32.eqz (local.get $n)) (then (throw $e1 (i32.const 42))))
    try
      (call $rec-rethrow (i32.sub (local.get $n) (i32.const 1)))
    catch_all
      (global.set $count (i32.add (global.get $count) (i32.const 1)))
      rethrow 0
    end)
  ;; the count of rethrowing frames if the payload arrived intact, else -2
  (func (export "rethrow-chain") (param $n i32) (result i32)
    (global.set $count (i32.const 0))
    try (result i32)
      (call $rec-rethrow (local.get $n))
      (i32.const -1)
    catch $e1
      i32.const 42
      i32.eq
      if (result i32)
        global.get $count
      else
        i32.const -2
      end
    end)
)

(assert_return (invoke "rethrow-0" (i32.const 0)) (i32.const 100))
(assert_return (invoke "rethrow-0" (i32.const 1)) (i32.const 1011))
(assert_return (invoke "rethrow-0" (i32.const 2)) (i32.const 2022))
(assert_return (invoke "rethrow-0" (i32.const 3)) (i32.const 3063))
(assert_return (invoke "rethrow-0" (i32.const 4)) (i32.const 0))

(assert_exception (invoke "rethrow-uncaught" (i32.const 0)))
(assert_exception (invoke "rethrow-uncaught" (i32.const 1)))
(assert_exception (invoke "rethrow-uncaught" (i32.const 2)))
(assert_exception (invoke "rethrow-uncaught" (i32.const 3)))
(assert_return (invoke "rethrow-uncaught" (i32.const 4)))

(assert_return (invoke "rethrow-outer" (i32.const 0)) (i32.const 100))
(assert_return (invoke "rethrow-outer" (i32.const 1)) (i32.const 1011))
(assert_return (invoke "rethrow-outer" (i32.const 2)) (i32.const 2022))
(assert_return (invoke "rethrow-outer" (i32.const 3)) (i32.const 9))
(assert_return (invoke "rethrow-outer" (i32.const 4)) (i32.const 0))

(assert_return (invoke "rethrow-inner" (i32.const 0)) (i32.const 2005))
(assert_return (invoke "rethrow-inner" (i32.const 1)) (i32.const 2005))
(assert_return (invoke "rethrow-inner" (i32.const 2)) (i32.const 2005))
(assert_return (invoke "rethrow-inner" (i32.const 3)) (i32.const 2005))
(assert_return (invoke "rethrow-inner" (i32.const 4)) (i32.const 0))

(assert_return (invoke "rethrow-2" (i32.const 1)) (i32.const 1011))
(assert_return (invoke "rethrow-2" (i32.const 0)) (i32.const 9))
(assert_return (invoke "rethrow-2" (i32.const 2)) (i32.const 9))
(assert_return (invoke "rethrow-2" (i32.const 4)) (i32.const 0))

(assert_return (invoke "rethrow-through-block" (i32.const 1)) (i32.const 1011))
(assert_return (invoke "rethrow-through-block" (i32.const 0)) (i32.const 7))
(assert_return (invoke "rethrow-through-block" (i32.const 2)) (i32.const 7))
(assert_return (invoke "rethrow-through-block" (i32.const 4)) (i32.const 0))

(assert_return (invoke "rethrow-after-nested" (i32.const 0)) (i32.const 100))
(assert_return (invoke "rethrow-after-nested" (i32.const 1)) (i32.const 1011))
(assert_return (invoke "rethrow-after-nested" (i32.const 2)) (i32.const 2022))
(assert_return (invoke "rethrow-after-nested" (i32.const 3)) (i32.const 9))
(assert_return (invoke "rethrow-after-nested" (i32.const 4)) (i32.const 0))

(assert_return (invoke "rethrow-after-call" (i32.const 0)) (i32.const 100))
(assert_return (invoke "rethrow-after-call" (i32.const 1)) (i32.const 1011))
(assert_return (invoke "rethrow-after-call" (i32.const 2)) (i32.const 2022))
(assert_return (invoke "rethrow-after-call" (i32.const 4)) (i32.const 0))

(assert_return (invoke "rethrow-to-caller" (i32.const 1)) (i32.const 1011))
(assert_return (invoke "rethrow-to-caller" (i32.const 0)) (i32.const 7))
(assert_return (invoke "rethrow-to-caller" (i32.const 2)) (i32.const 7))
(assert_return (invoke "rethrow-to-caller" (i32.const 4)) (i32.const 0))

(assert_return (invoke "rethrow-conditional" (i32.const 4)) (i32.const 4))
(assert_return (invoke "rethrow-conditional" (i32.const 5)) (i32.const -5))
(assert_return (invoke "rethrow-conditional" (i32.const -3)) (i32.const 3))

(assert_return (invoke "rethrow-chain" (i32.const 0)) (i32.const 0))
(assert_return (invoke "rethrow-chain" (i32.const 1)) (i32.const 1))
(assert_return (invoke "rethrow-chain" (i32.const 10)) (i32.const 10))
(assert_return (invoke "rethrow-chain" (i32.const 500)) (i32.const 500))

;; ---- validation ----
;; rethrow outside any catch
(assert_invalid
  (module (func (rethrow 0)))
  "invalid rethrow label")
;; rethrow in a try body targets the try, not a catch
(assert_invalid
  (module
    (func
      try
        rethrow 0
      catch_all
      end))
  "invalid rethrow label: target was not a `catch` block")
;; rethrow 0 inside a block in a catch targets the block
(assert_invalid
  (module
    (func
      try
      catch_all
        block
          rethrow 0
        end
      end))
  "invalid rethrow label: target was not a `catch` block")
;; rethrow in a try-delegate body
(assert_invalid
  (module
    (func
      try
        rethrow 0
      delegate 0))
  "invalid rethrow label")
;; rethrow 1 from a catch whose try is directly in the function targets the function
(assert_invalid
  (module (tag $e)
    (func
      try
      catch $e
        rethrow 1
      end))
  "invalid rethrow label")
;; depth out of range
(assert_invalid
  (module
    (func
      try
      catch_all
        rethrow 2
      end))
  "unknown label: branch depth too large")
