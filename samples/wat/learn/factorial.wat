;; Learn 2: factorial by recursion — a call is a new frame.
;;
;; Call `fac` with 4 and Step into. Each `call` pops the callee's parameter from the
;; operand stack and starts a new frame (the Stack view grows by one); the callee's
;; operand and control stacks start empty. `if` pops its condition and runs one of its
;; two branches; its block type `[] -> [i64]` says the branch leaves one i64. When a
;; frame's last `end` runs, its result is pushed on the caller's operand stack, right
;; where the call was.
(module
  (func $fac (export "fac") (param $n i64) (result i64)
    (if (result i64) (i64.le_u (local.get $n) (i64.const 1))
      (then (i64.const 1))
      (else
        (i64.mul (local.get $n)
                 (call $fac (i64.sub (local.get $n) (i64.const 1))))))))
