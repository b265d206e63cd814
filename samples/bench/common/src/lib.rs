//! Runtime support shared by the bench workloads when built for wasm32:
//! a panic handler that traps (`unreachable`) and a tiny bump allocator that
//! grows linear memory with `memory.grow`. Nothing here imports anything
//! from the host, so the workload modules have an empty import section.
//!
//! On the host (for `cargo test`) this crate is empty and std is used.
#![no_std]

/// Call from a workload so the crate is linked (`bench_common::link()`),
/// which brings in the panic handler and the global allocator.
#[inline(always)]
pub fn link() {}

#[cfg(target_arch = "wasm32")]
mod wasm {
    use core::alloc::{GlobalAlloc, Layout};
    use core::arch::wasm32;
    use core::cell::Cell;

    const PAGE: usize = 65536;

    #[panic_handler]
    fn panic(_: &core::panic::PanicInfo) -> ! {
        wasm32::unreachable()
    }

    /// Bump allocator starting at the end of the initial memory. Freeing the
    /// most recent allocation rewinds the bump pointer, so a workload that
    /// drops its buffers in reverse order leaves the heap empty and repeated
    /// `run` calls on one instance do not keep growing memory.
    struct Bump {
        top: Cell<usize>,
        end: Cell<usize>,
    }

    // wasm32-unknown-unknown is single-threaded.
    unsafe impl Sync for Bump {}

    #[global_allocator]
    static ALLOC: Bump = Bump {
        top: Cell::new(0),
        end: Cell::new(0),
    };

    unsafe impl GlobalAlloc for Bump {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            if self.end.get() == 0 {
                let end = wasm32::memory_size(0) * PAGE;
                self.top.set(end);
                self.end.set(end);
            }
            let align = layout.align();
            let start = match self.top.get().checked_add(align - 1) {
                Some(v) => v & !(align - 1),
                None => return core::ptr::null_mut(),
            };
            let new_top = match start.checked_add(layout.size()) {
                Some(v) => v,
                None => return core::ptr::null_mut(),
            };
            if new_top > self.end.get() {
                let pages = (new_top - self.end.get()).div_ceil(PAGE);
                if wasm32::memory_grow(0, pages) == usize::MAX {
                    return core::ptr::null_mut();
                }
                self.end.set(self.end.get() + pages * PAGE);
            }
            self.top.set(new_top);
            start as *mut u8
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            if ptr as usize + layout.size() == self.top.get() {
                self.top.set(ptr as usize);
            }
        }
    }
}
