;; gc.wat — GC (WebAssembly 3.0): structs, arrays, i31 and casts, on the heap that
;; the runtime's collector manages (the interpreter runs GC; `RuntimeConfig::new()`
;; picks it for this module).
;;
;;   (invoke "build" (i32 1000))       =>  (i32 1000)    ; the list 999 ... 0 in $list
;;   (invoke "sum")                    =>  (i32 499500)  ; after build 1000
;;   (invoke "trees" (i32 20) (i32 10)) => (i32 40940)   ; 20 trees of 2047 nodes, garbage
;;   (invoke "hello_byte" (i32 1))     =>  (i32 101)     ; 'e' of an i8 array
;;   (invoke "i31" (i32 -1))           =>  (i32 -1)      ; through an i31ref and back
;;   (invoke "is_node" (i32 1))        =>  (i32 1)       ; ref.test of a $node
;;   (invoke "is_node" (i32 0))        =>  (i32 0)       ; ref.test of an i31ref
;;   (invoke "bad_cast")               =>  trap "cast failure"
;;   (invoke "pair" (i32 5))           =>  (i32 12)      ; 5 + 7, from two linked $nodes
;;
;; A struct or array lives on the runtime's heap; a reference to it is a value like any
;; other (in locals, globals, tables, other objects). The trees `trees` builds are
;; unreachable once counted: the collector frees them while the call runs.
(module
  (type $node (struct (field $value i32) (field $next (ref null $node))))
  (type $point (struct (field $x (mut f64)) (field $y (mut f64))))
  (type $bytes (array (mut i8)))
  (type $tree (struct (field $left (ref null $tree)) (field $right (ref null $tree))))

  (global $list (export "list") (mut (ref null $node)) (ref.null $node))

  ;; Builds the list n-1 ... 0 in $list; returns its length.
  (func (export "build") (param $n i32) (result i32)
    (local $i i32)
    (global.set $list (ref.null $node))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (global.set $list (struct.new $node (local.get $i) (global.get $list)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $n))

  ;; The sum of the values in $list.
  (func (export "sum") (result i32)
    (local $p (ref null $node))
    (local $acc i32)
    (local.set $p (global.get $list))
    (block $done
      (loop $next
        (br_if $done (ref.is_null (local.get $p)))
        (local.set $acc
          (i32.add (local.get $acc) (struct.get $node $value (local.get $p))))
        (local.set $p (struct.get $node $next (local.get $p)))
        (br $next)))
    (local.get $acc))

  ;; A complete binary tree of depth d.
  (func $make (param $d i32) (result (ref $tree))
    (if (result (ref $tree)) (i32.eqz (local.get $d))
      (then (struct.new $tree (ref.null $tree) (ref.null $tree)))
      (else
        (struct.new $tree
          (call $make (i32.sub (local.get $d) (i32.const 1)))
          (call $make (i32.sub (local.get $d) (i32.const 1)))))))

  ;; The nodes of a tree.
  (func $count (param $t (ref null $tree)) (result i32)
    (if (result i32) (ref.is_null (local.get $t))
      (then (i32.const 0))
      (else
        (i32.add (i32.const 1)
          (i32.add
            (call $count (struct.get $tree $left (local.get $t)))
            (call $count (struct.get $tree $right (local.get $t))))))))

  ;; Builds `rounds` trees of depth d and keeps none (the binary-trees benchmark's
  ;; shape); returns how many nodes they had.
  (func (export "trees") (param $rounds i32) (param $d i32) (result i32)
    (local $total i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $rounds)))
        (local.set $total
          (i32.add (local.get $total) (call $count (call $make (local.get $d)))))
        (local.set $rounds (i32.sub (local.get $rounds) (i32.const 1)))
        (br $next)))
    (local.get $total))

  ;; Byte i of "hello", an i8 array made from a data segment.
  (data $hello "hello")
  (func (export "hello_byte") (param $i i32) (result i32)
    (array.get_u $bytes
      (array.new_data $bytes $hello (i32.const 0) (i32.const 5))
      (local.get $i)))

  ;; A 31-bit integer as a reference (no allocation), read back with its sign.
  (func (export "i31") (param $v i32) (result i32)
    (i31.get_s (ref.i31 (local.get $v))))

  ;; 1 if the value is a $node: a new $node (which = 1) or an i31ref (which = 0).
  (func (export "is_node") (param $which i32) (result i32)
    (ref.test (ref $node)
      (select (result anyref)
        (struct.new $node (i32.const 0) (ref.null $node))
        (ref.i31 (i32.const 5))
        (local.get $which))))

  ;; A cast that fails: a $point is not a $node.
  (func (export "bad_cast") (result i32)
    (struct.get $node $value
      (ref.cast (ref $node) (struct.new $point (f64.const 1) (f64.const 2)))))

  ;; Two linked $nodes in a local (the workbench's Stack view opens them): n + 7.
  (func (export "pair") (param $n i32) (result i32)
    (local $first (ref null $node))
    (local.set $first
      (struct.new $node (local.get $n) (struct.new $node (i32.const 7) (ref.null $node))))
    (i32.add
      (struct.get $node $value (local.get $first))
      (struct.get $node $value
        (ref.as_non_null (struct.get $node $next (local.get $first)))))))
