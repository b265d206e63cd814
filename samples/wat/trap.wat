;; trap.wat — a trap three calls deep, for stack traces.
;;
;;   (invoke "run" (i32 0))  =>  (i32 42)           ; no trap
;;   (invoke "run" (i32 1))  =>  trap "unreachable"
;;
;; Call chain at the trap (innermost first): $inner <- $middle <- $outer <- run.
;; wasmscope's message: "wasm error: unreachable" followed by the wasm stack trace
;; (inner, middle, outer, run).
(module
  (func $inner (param $fail i32) (result i32)
    (if (local.get $fail) (then unreachable))
    (i32.const 42))
  (func $middle (param $fail i32) (result i32)
    (call $inner (local.get $fail)))
  (func $outer (param $fail i32) (result i32)
    (call $middle (local.get $fail)))
  (func (export "run") (param $fail i32) (result i32)
    (call $outer (local.get $fail))))
