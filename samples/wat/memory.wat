;; memory.wat — linear memory: active data segments, a store loop, loads.
;;
;; One page (64 KiB) of memory, exported as "memory". Data segments put
;; "hello, wasmscope!" (17 bytes) at offset 16 and the bytes 01 02 03 04 at offset 64.
;;
;;   (invoke "fill" (i32 256) (i32 100) (i32 7))  ; stores 7 into bytes 256..355, returns
;;                                                ; the address after the last one: 356
;;   (invoke "sum" (i32 256) (i32 100))  =>  (i32 700) ; after the fill above
;;   (invoke "sum" (i32 64) (i32 4))     =>  (i32 10)  ; the second data segment
;;   (invoke "load32" (i32 64))          =>  (i32 0x04030201) (67305985)  ; little-endian
;;   (invoke "load32" (i32 65534))       =>  trap "out of bounds memory access"
;;   (invoke "fill" (i32 65530) (i32 10) (i32 1))  =>  trap "out of bounds memory access"
;;                                                ; after storing 6 bytes (65530..65535)
(module
  (memory (export "memory") 1)
  (data (i32.const 16) "hello, wasmscope!")
  (data (i32.const 64) "\01\02\03\04")

  ;; Stores the low byte of $value into $len bytes from $addr; returns $addr + $len.
  (func (export "fill") (param $addr i32) (param $len i32) (param $value i32) (result i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $len)))
        (i32.store8 (local.get $addr) (local.get $value))
        (local.set $addr (i32.add (local.get $addr) (i32.const 1)))
        (local.set $len (i32.sub (local.get $len) (i32.const 1)))
        (br $next)))
    (local.get $addr))

  ;; Sum of the $len bytes from $addr (unsigned).
  (func (export "sum") (param $addr i32) (param $len i32) (result i32)
    (local $total i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $len)))
        (local.set $total
          (i32.add (local.get $total) (i32.load8_u (local.get $addr))))
        (local.set $addr (i32.add (local.get $addr) (i32.const 1)))
        (local.set $len (i32.sub (local.get $len) (i32.const 1)))
        (br $next)))
    (local.get $total))

  (func (export "load32") (param $addr i32) (result i32)
    (i32.load (local.get $addr))))
