;; add.wat — the smallest useful module: one exported function, no imports, no memory.
;;
;;   (invoke "add" (i32 2) (i32 3))  =>  (i32 5)
;;
;; i32 addition wraps: add(0x7fffffff, 1) = 0x80000000 (-2147483648).
(module
  (func $add (export "add") (param $a i32) (param $b i32) (result i32)
    local.get $a
    local.get $b
    i32.add))
