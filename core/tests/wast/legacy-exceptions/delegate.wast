;; Hand-written tests of the legacy exception-handling instructions (not from the spec repository).
;;
;; try ... delegate l: an exception thrown in the body reappears just inside label l
;; (counted from outside the try-delegate), so it skips the handlers of the labels in
;; between. If label l is a try in its body, that try's clauses see it; if label l is a
;; block or loop, or a try already in a catch, it goes on to the handlers enclosing it; if
;; l is the function's own label, it goes to the caller.

(module
  (tag $e0)
  (tag $e1 (param i32))
  (tag $e2 (param i32))

  ;; 0 throws $e0, 1 $e1(11), 2 $e2(22); anything else returns normally.
  (func $throw-sel (param i32)
    (if (i32.eq (local.get 0) (i32.const 0)) (then (throw $e0)))
    (if (i32.eq (local.get 0) (i32.const 1)) (then (throw $e1 (i32.const 11))))
    (if (i32.eq (local.get 0) (i32.const 2)) (then (throw $e2 (i32.const 22)))))

  (func (export "delegate-no-throw") (result i32)
    try (result i32)
      try (result i32)
        (i32.const 1)
      delegate 0
    catch_all
      (i32.const 2)
    end)

  ;; delegate 0 to the enclosing try: its clauses handle the exception
  (func (export "delegate-to-try") (param i32) (result i32)
    try (result i32)
      try (result i32)
        (call $throw-sel (local.get 0))
        (i32.const 0)
      delegate 0
    catch $e0
      (i32.const 100)
    catch $e1
      i32.const 1000
      i32.add
    end)

  ;; delegate $outer skips the middle try's catch_all
  (func (export "delegate-skip") (param i32) (result i32)
    try $outer (result i32)
      try (result i32)
        try (result i32)
          (call $throw-sel (local.get 0))
          (i32.const 0)
        delegate $outer
      catch_all
        (i32.const 5)
      end
    catch $e1
      i32.const 1000
      i32.add
    catch_all
      (i32.const 7)
    end)

  ;; the same with the numeric depth
  (func (export "delegate-skip-1") (param i32) (result i32)
    try (result i32)
      try (result i32)
        try (result i32)
          (call $throw-sel (local.get 0))
          (i32.const 0)
        delegate 1
      catch_all
        (i32.const 5)
      end
    catch $e1
      i32.const 1000
      i32.add
    catch_all
      (i32.const 7)
    end)

  ;; delegate to a block: the try inside the block does not see it, the try around does
  (func (export "delegate-to-block") (param i32) (result i32)
    try (result i32)
      block $b (result i32)
        try (result i32)
          try (result i32)
            (call $throw-sel (local.get 0))
            (i32.const 0)
          delegate $b
        catch_all
          (i32.const 5)
        end
      end
    catch $e1
      i32.const 1000
      i32.add
    catch_all
      (i32.const 7)
    end)

  ;; delegate to a loop, likewise
  (func (export "delegate-to-loop") (param i32) (result i32)
    try (result i32)
      loop $l (result i32)
        try (result i32)
          try (result i32)
            (call $throw-sel (local.get 0))
            (i32.const 0)
          delegate $l
        catch_all
          (i32.const 5)
        end
      end
    catch $e1
      i32.const 1000
      i32.add
    catch_all
      (i32.const 7)
    end)

  ;; delegate to a try from inside a block in its body: that try's clauses apply
  (func (export "delegate-through-block") (param i32) (result i32)
    try $t (result i32)
      block (result i32)
        try (result i32)
          (call $throw-sel (local.get 0))
          (i32.const 0)
        delegate $t
      end
    catch $e1
      i32.const 1000
      i32.add
    end)

  ;; delegate to a try that is in its catch: no handler there, the exception goes out
  ;; (the catch_all after the running catch does not see it)
  (func (export "delegate-in-catch") (param i32) (result i32)
    try (result i32)
      try (result i32)
        (throw $e0)
      catch $e0
        try (result i32)
          (call $throw-sel (local.get 0))
          (i32.const 0)
        delegate 0
      catch_all
        (i32.const 5)
      end
    catch $e1
      i32.const 1000
      i32.add
    catch_all
      (i32.const 7)
    end)

  ;; delegate to the function's own label (depth 1 here): the caller gets the exception,
  ;; the catch_all of this function does not
  (func $delegate-to-caller (param i32) (result i32)
    try (result i32)
      try (result i32)
        (call $throw-sel (local.get 0))
        (i32.const 0)
      delegate 1
    catch_all
      (i32.const 5)
    end)
  (export "delegate-to-caller" (func $delegate-to-caller))
  (func (export "call-delegate-to-caller") (param i32) (result i32)
    try (result i32)
      (call $delegate-to-caller (local.get 0))
    catch $e1
      i32.const 1000
      i32.add
    catch_all
      (i32.const 7)
    end)

  ;; a try-delegate directly in the function: delegate 0 is the function's label
  (func (export "delegate-0-to-caller")
    try
      (throw $e0)
    delegate 0)

  ;; depth 2 from inside a block and a try: again the function's label
  (func (export "delegate-to-caller-deep") (param i32) (result i32)
    try (result i32)
      block (result i32)
        try (result i32)
          (call $throw-sel (local.get 0))
          (i32.const 0)
        delegate 2
      end
    catch_all
      (i32.const 5)
    end)

  ;; D delegates to C, C (a try-delegate itself) delegates to A, skipping B's catch
  (func (export "delegate-chain") (param i32) (result i32)
    try (result i32)                    ;; A
      try (result i32)                  ;; B
        try (result i32)                ;; C
          try (result i32)              ;; D
            (call $throw-sel (local.get 0))
            (i32.const 0)
          delegate 0                    ;; to C
        delegate 1                      ;; to A
      catch $e2
        i32.const 2000
        i32.add
      end
    catch $e1
      i32.const 1000
      i32.add
    catch_all
      (i32.const 7)
    end)

  ;; the same, but C delegates to B
  (func (export "delegate-chain-b") (param i32) (result i32)
    try (result i32)                    ;; A
      try (result i32)                  ;; B
        try (result i32)                ;; C
          try (result i32)              ;; D
            (call $throw-sel (local.get 0))
            (i32.const 0)
          delegate 0                    ;; to C
        delegate 0                      ;; to B
      catch $e2
        i32.const 2000
        i32.add
      end
    catch $e1
      i32.const 1000
      i32.add
    catch_all
      (i32.const 7)
    end)

  ;; a try-delegate with a param: x + 1 when nothing is thrown
  (func (export "delegate-param") (param i32) (result i32)
    try (result i32)
      (local.get 0)
      try (param i32) (result i32)
        i32.const 1
        i32.add
        (call $throw-sel (local.get 0))
      delegate 0
    catch $e1
      i32.const 1000
      i32.add
    catch_all
      (i32.const 7)
    end)

  ;; br to the try-delegate's own label
  (func (export "delegate-br") (param i32) (result i32)
    try (result i32)
      try $t (result i32)
        (br_if $t (i32.const 9) (local.get 0))
        drop
        (call $throw-sel (i32.const 1))
        (i32.const 0)
      delegate 0
    catch $e1
      i32.const 1000
      i32.add
    end)

  ;; a thrown-and-delegated exception in every iteration; adds the payloads 0..n-1
  (func (export "delegate-loop") (param $n i32) (result i32)
    (local $i i32) (local $sum i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
        try
          try
            (throw $e1 (local.get $i))
          delegate 0
        catch $e1
          local.get $sum
          i32.add
          local.set $sum
        end
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $sum))

  ;; delegate through a callee: the callee's try-delegate goes to its caller
  (func $callee-delegates (param i32)
    try
      try
        (call $throw-sel (local.get 0))
      delegate 1
    catch_all
      unreachable
    end)
  (func (export "delegate-across-call") (param i32) (result i32)
    try (result i32)
      try (result i32)
        (call $callee-delegates (local.get 0))
        (i32.const 0)
      delegate 0
    catch $e0
      (i32.const 100)
    catch $e2
      i32.const 2000
      i32.add
    end)
)

(assert_return (invoke "delegate-no-throw") (i32.const 1))

(assert_return (invoke "delegate-to-try" (i32.const 0)) (i32.const 100))
(assert_return (invoke "delegate-to-try" (i32.const 1)) (i32.const 1011))
(assert_exception (invoke "delegate-to-try" (i32.const 2)))
(assert_return (invoke "delegate-to-try" (i32.const 3)) (i32.const 0))

(assert_return (invoke "delegate-skip" (i32.const 0)) (i32.const 7))
(assert_return (invoke "delegate-skip" (i32.const 1)) (i32.const 1011))
(assert_return (invoke "delegate-skip" (i32.const 2)) (i32.const 7))
(assert_return (invoke "delegate-skip" (i32.const 3)) (i32.const 0))
(assert_return (invoke "delegate-skip-1" (i32.const 0)) (i32.const 7))
(assert_return (invoke "delegate-skip-1" (i32.const 1)) (i32.const 1011))
(assert_return (invoke "delegate-skip-1" (i32.const 3)) (i32.const 0))

(assert_return (invoke "delegate-to-block" (i32.const 0)) (i32.const 7))
(assert_return (invoke "delegate-to-block" (i32.const 1)) (i32.const 1011))
(assert_return (invoke "delegate-to-block" (i32.const 2)) (i32.const 7))
(assert_return (invoke "delegate-to-block" (i32.const 3)) (i32.const 0))

(assert_return (invoke "delegate-to-loop" (i32.const 0)) (i32.const 7))
(assert_return (invoke "delegate-to-loop" (i32.const 1)) (i32.const 1011))
(assert_return (invoke "delegate-to-loop" (i32.const 3)) (i32.const 0))

(assert_return (invoke "delegate-through-block" (i32.const 1)) (i32.const 1011))
(assert_exception (invoke "delegate-through-block" (i32.const 0)))
(assert_return (invoke "delegate-through-block" (i32.const 3)) (i32.const 0))

(assert_return (invoke "delegate-in-catch" (i32.const 0)) (i32.const 7))
(assert_return (invoke "delegate-in-catch" (i32.const 1)) (i32.const 1011))
(assert_return (invoke "delegate-in-catch" (i32.const 2)) (i32.const 7))
(assert_return (invoke "delegate-in-catch" (i32.const 3)) (i32.const 0))

(assert_exception (invoke "delegate-to-caller" (i32.const 0)))
(assert_exception (invoke "delegate-to-caller" (i32.const 1)))
(assert_exception (invoke "delegate-to-caller" (i32.const 2)))
(assert_return (invoke "delegate-to-caller" (i32.const 3)) (i32.const 0))
(assert_return (invoke "call-delegate-to-caller" (i32.const 0)) (i32.const 7))
(assert_return (invoke "call-delegate-to-caller" (i32.const 1)) (i32.const 1011))
(assert_return (invoke "call-delegate-to-caller" (i32.const 3)) (i32.const 0))
(assert_exception (invoke "delegate-0-to-caller"))
(assert_exception (invoke "delegate-to-caller-deep" (i32.const 1)))
(assert_return (invoke "delegate-to-caller-deep" (i32.const 3)) (i32.const 0))

(assert_return (invoke "delegate-chain" (i32.const 0)) (i32.const 7))
(assert_return (invoke "delegate-chain" (i32.const 1)) (i32.const 1011))
(assert_return (invoke "delegate-chain" (i32.const 2)) (i32.const 7))
(assert_return (invoke "delegate-chain" (i32.const 3)) (i32.const 0))
(assert_return (invoke "delegate-chain-b" (i32.const 0)) (i32.const 7))
(assert_return (invoke "delegate-chain-b" (i32.const 1)) (i32.const 1011))
(assert_return (invoke "delegate-chain-b" (i32.const 2)) (i32.const 2022))
(assert_return (invoke "delegate-chain-b" (i32.const 3)) (i32.const 0))

(assert_return (invoke "delegate-param" (i32.const 3)) (i32.const 4))
(assert_return (invoke "delegate-param" (i32.const 1)) (i32.const 1011))
(assert_return (invoke "delegate-param" (i32.const 0)) (i32.const 7))
(assert_return (invoke "delegate-param" (i32.const 2)) (i32.const 7))

(assert_return (invoke "delegate-br" (i32.const 1)) (i32.const 9))
(assert_return (invoke "delegate-br" (i32.const 0)) (i32.const 1011))

(assert_return (invoke "delegate-loop" (i32.const 0)) (i32.const 0))
(assert_return (invoke "delegate-loop" (i32.const 100)) (i32.const 4950))
(assert_return (invoke "delegate-loop" (i32.const 1000)) (i32.const 499500))

(assert_return (invoke "delegate-across-call" (i32.const 0)) (i32.const 100))
(assert_return (invoke "delegate-across-call" (i32.const 2)) (i32.const 2022))
(assert_exception (invoke "delegate-across-call" (i32.const 1)))
(assert_return (invoke "delegate-across-call" (i32.const 3)) (i32.const 0))

;; ---- validation ----
;; the function's label is the deepest a delegate can name
(assert_invalid
  (module (func try delegate 1))
  "unknown label: branch depth too large")
(assert_invalid
  (module (func block try delegate 2 end))
  "unknown label: branch depth too large")
(assert_invalid
  (module
    (func (result i32)
      try (result i32)
      delegate 0))
  "type mismatch")
(assert_invalid
  (module
    (func (result i32)
      try (result i32)
        (i64.const 0)
      delegate 0))
  "type mismatch")

;; Delegating to the label of a try_table (the 3.0 form): its clauses catch.
(module
  (tag $e (param i32))
  (func (export "delegate-to-try_table") (result i32)
    (block $h (result i32)
      (try_table (catch $e $h)
        try
          i32.const 5
          throw $e
        delegate 0)
      (i32.const 0)))
  (func (export "delegate-through-block-to-try_table") (result i32)
    (block $h (result i32)
      (try_table (catch $e $h)
        (block
          try
            i32.const 6
            throw $e
          delegate 1))
      (i32.const 0)))
)
(assert_return (invoke "delegate-to-try_table") (i32.const 5))
(assert_return (invoke "delegate-through-block-to-try_table") (i32.const 6))
