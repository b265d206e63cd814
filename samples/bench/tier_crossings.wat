(module
  (memory 1)
  (global $g0 (mut i32) (i32.const 0))
  (func $leaf (param i32) (result i32)
    (i32.div_u (i32.const 100) (local.get 0)))
  (func $mid (param i32) (result i32)
    (i32.add (call $leaf (local.get 0)) (i32.const 1)))
  (func (export "_start") (local $n i32) (local $acc i32)
    (local.set $n (i32.const 3000000))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (i32.add (local.get $acc) (call $mid (local.get $n))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))))
