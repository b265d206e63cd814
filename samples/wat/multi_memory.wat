;; multi_memory.wat — multi-memory (WebAssembly 3.0): a module with two memories, each
;; with its own data, bounds and size, and a copy from one to the other.
;;
;;   (invoke "sum" (i32 0) (i32 4))          =>  (i32 10)    ; bytes 1 2 3 4 of $input
;;   (invoke "reverse_into_output" (i32 4))  =>  (i32 4)     ; $output: 4 3 2 1
;;   (invoke "output_byte" (i32 0))          =>  (i32 4)     ; after reverse_into_output
;;   (invoke "copy_out" (i32 8) (i32 3))     =>  (i32 3)     ; memory.copy $input -> $output
;;   (invoke "sizes")                        =>  (i32 1) (i32 2)
;;   (invoke "output_byte" (i32 131072))     =>  trap "out of bounds memory access"
;;
;; Each load, store and bulk operator names its memory (`i32.load8_u $input`, `memory.copy
;; $output $input`); memory 0 is the default. An access is checked against the bounds
;; of the memory it names: $output has two pages, so address 131072 is out of it.
(module
  (memory $input (export "input") 1)
  (memory $output (export "output") 2)
  (data (memory $input) (i32.const 0) "\01\02\03\04")
  (data (memory $input) (i32.const 8) "abc")

  ;; The sum of the n bytes at p in $input.
  (func (export "sum") (param $p i32) (param $n i32) (result i32)
    (local $acc i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (i32.add (local.get $acc) (i32.load8_u $input (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $acc))

  ;; $output[0..n] = $input[n-1..0]: byte by byte, each access in its memory.
  (func (export "reverse_into_output") (param $n i32) (result i32)
    (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store8 $output
          (local.get $i)
          (i32.load8_u $input
            (i32.sub (i32.sub (local.get $n) (local.get $i)) (i32.const 1))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $n))

  (func (export "output_byte") (param $p i32) (result i32)
    (i32.load8_u $output (local.get $p)))

  ;; Copies n bytes at p of $input to the same address in $output; the byte count.
  (func (export "copy_out") (param $p i32) (param $n i32) (result i32)
    (memory.copy $output $input (local.get $p) (local.get $p) (local.get $n))
    (local.get $n))

  ;; Both memories' sizes in pages.
  (func (export "sizes") (result i32 i32)
    (memory.size $input)
    (memory.size $output))
)
