;; Hand-written tests of the legacy exception-handling instructions (not from the spec repository).
;;
;; A `try` whose first instruction is a `br_if` on a comparison made before the `try` (a
;; `try` block parameter), and a `throw` right after it: the throw is inside the `try`, and
;; its `catch` catches it. (The interpreter fuses a comparison, an `i32.eqz` of it and an
;; add of a constant to a local before it into the `br_if`; none of that may move the
;; throw out of the `try`.)

(module
  (tag $e)
  ;; 0 when the branch is taken; 2 when the throw is caught.
  (func (export "cmp") (param i32 i32) (result i32) (local i32)
    (i32.lt_u (local.get 0) (local.get 1))
    try (param i32)
      br_if 0
      throw $e
    catch $e
      (local.set 2 (i32.const 2))
    end
    (local.get 2))
  (func (export "eqz_cmp") (param i32 i32) (result i32) (local i32)
    (i32.eqz (i32.lt_u (local.get 0) (local.get 1)))
    try (param i32)
      br_if 0
      throw $e
    catch $e
      (local.set 2 (i32.const 2))
    end
    (local.get 2))
  (func (export "add_cmp") (param i32 i32) (result i32) (local i32)
    (local.set 0 (i32.add (local.get 0) (i32.const 1)))
    (i32.lt_u (local.get 0) (local.get 1))
    try (param i32)
      br_if 0
      throw $e
    catch $e
      (local.set 2 (i32.const 2))
    end
    (local.get 2)))

(assert_return (invoke "cmp" (i32.const 1) (i32.const 9)) (i32.const 0))
(assert_return (invoke "cmp" (i32.const 9) (i32.const 1)) (i32.const 2))
(assert_return (invoke "eqz_cmp" (i32.const 9) (i32.const 1)) (i32.const 0))
(assert_return (invoke "eqz_cmp" (i32.const 1) (i32.const 9)) (i32.const 2))
(assert_return (invoke "add_cmp" (i32.const 1) (i32.const 9)) (i32.const 0))
(assert_return (invoke "add_cmp" (i32.const 8) (i32.const 9)) (i32.const 2))
(assert_return (invoke "add_cmp" (i32.const 9) (i32.const 1)) (i32.const 2))
