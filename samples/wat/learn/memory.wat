;; Learn 3: memory — loads and stores at addresses.
;;
;; Call `swap` (no parameters). Linear memory is an array of bytes; `i32.store` pops a
;; value, then an address, and writes the value's 4 bytes there (little-endian: watch
;; the Memory view at address 0x10); `i32.load` pops an address and pushes the 4 bytes
;; found there. An access past the memory's end traps.
(module
  (memory (export "memory") 1)
  (func $swap (export "swap") (result i32)
    (local $tmp i32)
    (i32.store (i32.const 16) (i32.const 0x11223344))
    (i32.store (i32.const 20) (i32.const 0x55667788))
    ;; swap the two words
    (local.set $tmp (i32.load (i32.const 16)))
    (i32.store (i32.const 16) (i32.load (i32.const 20)))
    (i32.store (i32.const 20) (local.get $tmp))
    (i32.load offset=16 (i32.const 0))))
