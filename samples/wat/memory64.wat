;; memory64.wat — memory64 (WebAssembly 3.0): a memory with 64-bit addresses. Its
;; addresses, sizes and page counts are i64s; an address is checked whole (no 32-bit
;; wrap-around), and a memory may be larger than 4 GiB.
;;
;;   (invoke "roundtrip" (i64 4096) (i64 -2))      =>  (i64 -2)
;;   (invoke "pages")                              =>  (i64 1)
;;   (invoke "grow" (i64 2))                       =>  (i64 1)     ; old size in pages
;;   (invoke "load_at" (i64 4294967296))           =>  trap "out of bounds memory access"
;;   (invoke "far_roundtrip" (i64 42))             =>  (i64 42) with 65537 pages allowed (below)
;;
;; "load_at" at 4 GiB traps: that address is past this memory's end (a 32-bit memory
;; could not even name it; it would wrap to 0). "far_roundtrip" grows the memory past
;; 4 GiB and writes and reads at 4 GiB + 100: with a runtime whose memory limit allows
;; it (`RuntimeConfig::with_memory_limit_pages(65537)`, as `wasmscope run`, `wasmscope
;; debug` and the workbench have on 64-bit hosts; the runtime's default, 65536 pages,
;; makes the grow fail and the function return -1). The pages are mapped only when touched.
(module
  (memory (export "memory") i64 1)

  (func (export "roundtrip") (param $at i64) (param $v i64) (result i64)
    (i64.store (local.get $at) (local.get $v))
    (i64.load (local.get $at)))

  (func (export "load_at") (param $at i64) (result i64)
    (i64.load (local.get $at)))

  (func (export "pages") (result i64)
    (memory.size))

  (func (export "grow") (param $delta i64) (result i64)
    (memory.grow (local.get $delta)))

  ;; Grows to 65537 pages (4 GiB + 64 KiB), then stores $v at 4 GiB + 100 and reads it
  ;; back; -1 when the memory cannot grow that far.
  (func (export "far_roundtrip") (param $v i64) (result i64)
    (if (i64.lt_u (memory.size) (i64.const 65537))
      (then
        (if (i64.eq (memory.grow (i64.sub (i64.const 65537) (memory.size))) (i64.const -1))
          (then (return (i64.const -1))))))
    (i64.store (i64.const 4294967396) (local.get $v))
    (i64.load (i64.const 4294967396)))
)
