;; Learn 5: a trap — the machine stops.
;;
;; Call `average` with 10 and 0. `i32.div_u` pops the divisor, then the dividend; a
;; divisor of 0 has no answer, so the instruction traps: the call ends at once with
;; "integer divide by zero", and the Stack view keeps the frame as it was (Pause on
;; trap), the two operands still on its stack. With a divisor that is not 0 the
;; quotient is pushed and the function returns it.
(module
  (func (export "average") (param $sum i32) (param $count i32) (result i32)
    (i32.div_u (local.get $sum) (local.get $count))))
