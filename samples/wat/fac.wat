;; fac.wat — recursive factorial on i64, one real `call` per level.
;;
;;   (invoke "fac" (i64 0))   =>  (i64 1)
;;   (invoke "fac" (i64 5))   =>  (i64 120)
;;   (invoke "fac" (i64 20))  =>  (i64 2432902008176640000)
;;
;; Arithmetic wraps at 2^64 (fac(25) = 7034535277573963776); the recursion depth is n,
;; so a large n (e.g. 1000000) exhausts the call stack.
(module
  (func $fac (export "fac") (param $n i64) (result i64)
    (if (result i64) (i64.eqz (local.get $n))
      (then (i64.const 1))
      (else
        (i64.mul
          (local.get $n)
          (call $fac (i64.sub (local.get $n) (i64.const 1))))))))
