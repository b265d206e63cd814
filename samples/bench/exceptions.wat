(module
  (tag $t (param i32))
  (func $deep (param $d i32) (param $x i32)
    (if (i32.eqz (local.get $d)) (then (throw $t (local.get $x))))
    (call $deep (i32.sub (local.get $d) (i32.const 1)) (local.get $x)))
  ;; n throws, each through `depth` frames, caught here.
  (func (export "run") (param $n i32) (param $depth i32) (result i32)
    (local $sum i32)
    (loop $again
      (block $h (result i32)
        (try_table (catch $t $h) (call $deep (local.get $depth) (local.get $n)))
        (i32.const 0))
      (local.set $sum (i32.add (local.get $sum)))
      (br_if $again (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $sum)))
