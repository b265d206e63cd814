;; tail_calls.wat — tail calls (WebAssembly 3.0): loops of a million calls that need no
;; stack, through `return_call` and `return_call_indirect`, and a trap after one.
;;
;;   (invoke "count" (i32 1000000))     =>  (i32 1000000)   ; a million tail calls
;;   (invoke "is_even" (i32 1000001))   =>  (i32 0)         ; mutual recursion by table
;;   (invoke "sum_to" (i64 1000000))    =>  (i64 500000500000)
;;   (invoke "fail_after" (i32 3))      =>  trap "unreachable"
;;
;; With `call` instead, each of these would need a million frames and end in "call
;; stack exhausted". A frame replaced by a tail call is gone: the trap's stack trace of
;; `fail_after` shows $boom and the export, not the $down frames it replaced.
(module
  (type $pred (func (param i32) (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $even $odd)

  ;; count(n): counts n down to 0 in tail calls, returning how many it made.
  (func $count_from (param $n i32) (param $acc i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (local.get $acc))
      (else (return_call $count_from
              (i32.sub (local.get $n) (i32.const 1))
              (i32.add (local.get $acc) (i32.const 1))))))
  (func (export "count") (param $n i32) (result i32)
    (return_call $count_from (local.get $n) (i32.const 0)))

  ;; is_even(n) and odd(n), each calling the other through the table.
  (func $even (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 1))
      (else (return_call_indirect (type $pred)
              (i32.sub (local.get $n) (i32.const 1)) (i32.const 1)))))
  (func $odd (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (return_call_indirect (type $pred)
              (i32.sub (local.get $n) (i32.const 1)) (i32.const 0)))))
  (func (export "is_even") (param $n i32) (result i32)
    (call $even (local.get $n)))

  ;; sum_to(n) = n + (n - 1) + ... + 1, with an accumulator.
  (func $sum (param $n i64) (param $acc i64) (result i64)
    (if (result i64) (i64.eqz (local.get $n))
      (then (local.get $acc))
      (else (return_call $sum (i64.sub (local.get $n) (i64.const 1))
                              (i64.add (local.get $acc) (local.get $n))))))
  (func (export "sum_to") (param $n i64) (result i64)
    (call $sum (local.get $n) (i64.const 0)))

  ;; fail_after(n): n tail calls, then a trap.
  (func $boom (result i32) unreachable)
  (func $down (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (return_call $boom))
      (else (return_call $down (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "fail_after") (param $n i32) (result i32)
    (call $down (local.get $n))))
