;; exceptions.wat — exception handling (WebAssembly 3.0): `throw`, `try_table` with its
;; four kinds of catch clause, `throw_ref`, and an exception nothing catches.
;;
;;   (invoke "safe_div" (i32 7) (i32 2))    =>  (i32 3)
;;   (invoke "safe_div" (i32 7) (i32 0))    =>  (i32 -1)     ; $div_by_zero caught
;;   (invoke "parse_digits" (i32 0) (i32 3)) =>  (i32 123)   ; "123" at address 0
;;   (invoke "parse_digits" (i32 4) (i32 3)) =>  (i32 -2)    ; "4x6": $bad_digit caught
;;   (invoke "cleanup_count" (i32 5))       =>  (i32 5)      ; catch_all_ref + throw_ref
;;   (invoke "uncaught" (i32 42))           =>  error "uncaught exception: tag 1
;;                                               ("bad_digit") ... with payload (i32 42)"
;;
;; An exception unwinds every frame between its `throw` and the `try_table` whose
;; clause matches its tag; the payload (the tag's parameters) arrives as the values of
;; the clause's label. An exception no clause catches ends the call: the error names
;; its tag and payload, and its stack trace shows where it was thrown.
(module
  (memory (export "memory") 1)
  (data (i32.const 0) "123\004x6")

  (tag $div_by_zero (export "div_by_zero"))
  (tag $bad_digit (export "bad_digit") (param i32))

  ;; a / b, throwing $div_by_zero when b is 0.
  (func $div (param $a i32) (param $b i32) (result i32)
    (if (i32.eqz (local.get $b)) (then (throw $div_by_zero)))
    (i32.div_s (local.get $a) (local.get $b)))

  ;; safe_div(a, b): a / b, or -1 when $div threw.
  (func (export "safe_div") (param $a i32) (param $b i32) (result i32)
    (block $caught
      (return
        (try_table (result i32) (catch $div_by_zero $caught)
          (call $div (local.get $a) (local.get $b)))))
    (i32.const -1))

  ;; The digit at address $p, or $bad_digit with the byte.
  (func $digit (param $p i32) (result i32)
    (local $c i32)
    (local.set $c (i32.sub (i32.load8_u (local.get $p)) (i32.const 48)))
    (if (i32.gt_u (local.get $c) (i32.const 9))
      (then (throw $bad_digit (i32.load8_u (local.get $p)))))
    (local.get $c))

  ;; parse_digits(p, n): the decimal number in the n bytes at p, or -2 if one is not a
  ;; digit (the catch clause receives the byte, dropped here).
  (func (export "parse_digits") (param $p i32) (param $n i32) (result i32)
    (local $acc i32)
    (block $bad (result i32)
      (try_table (catch $bad_digit $bad)
        (loop $next
          (if (local.get $n)
            (then
              (local.set $acc
                (i32.add (i32.mul (local.get $acc) (i32.const 10))
                         (call $digit (local.get $p))))
              (local.set $p (i32.add (local.get $p) (i32.const 1)))
              (local.set $n (i32.sub (local.get $n) (i32.const 1)))
              (br $next)))))
      (return (local.get $acc)))
    (drop)
    (i32.const -2))

  ;; A frame that must run cleanup code as an exception passes: it catches any
  ;; exception with its reference (catch_all_ref), counts, and throws it on (throw_ref).
  (global $cleanups (mut i32) (i32.const 0))
  (func $with_cleanup (param $depth i32)
    (block $cleanup (result exnref)
      (try_table (catch_all_ref $cleanup)
        (if (i32.eqz (local.get $depth))
          (then (throw $bad_digit (i32.const 0)))
          (else (call $with_cleanup (i32.sub (local.get $depth) (i32.const 1))))))
      (return))
    (global.set $cleanups (i32.add (global.get $cleanups) (i32.const 1)))
    (throw_ref))

  ;; cleanup_count(n): n frames each with a cleanup, an exception thrown from the
  ;; innermost and caught outside them all: how many cleanups ran (n).
  (func (export "cleanup_count") (param $n i32) (result i32)
    (global.set $cleanups (i32.const 0))
    (block $done
      (try_table (catch_all $done)
        (call $with_cleanup (i32.sub (local.get $n) (i32.const 1)))))
    (global.get $cleanups))

  ;; uncaught(x): throws $bad_digit with x, and nothing catches it.
  (func (export "uncaught") (param $x i32)
    (throw $bad_digit (local.get $x)))
)
