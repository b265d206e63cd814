;; Learn 1: a loop with br_if — the sum 1 + 2 + ... + n.
;;
;; Call `sum` with a parameter (Params: 4). Step into, one instruction at a time, and
;; watch the Machine view:
;; - `local.get` pushes a local's value on the operand stack; `local.set` pops one into
;;   a local. The stack is empty between the statements of the loop body.
;; - `loop` pushes a label on the control stack. A branch to a loop's label goes back to
;;   its start: that is how WebAssembly repeats.
;; - `br_if 0` pops a condition: if it is not 0 it branches to label 0 (the loop, the
;;   innermost label, marked as the target), else it goes on past the loop's end.
;; - At the function's last `end` the one value left on the stack is the result.
(module
  (func $sum (export "sum") (param $n i32) (result i32)
    (local $i i32)
    (local $total i32)
    (local.set $i (i32.const 1))
    (loop $again
      (local.set $total (i32.add (local.get $total) (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.le_s (local.get $i) (local.get $n))))
    (local.get $total)))
