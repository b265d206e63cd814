//! The GC roots compiled code holds, found conservatively, as the interpreter's are
//! (`Store::collect_garbage` takes every slot of its stack): every 8-byte word of the
//! thread's stack between the `Gc` libcall and the frame that entered compiled code from
//! the host ([`Entered`]), and the callee-saved registers.
//!
//! Why that is every reference compiled code holds when a `Gc` libcall runs: compiled
//! code keeps a reference (an `i64`) in a register or in its frame. Across the call to
//! the libcall, a value in a caller-saved register is spilled to the frame; one in a
//! callee-saved register either stays there (read here) or is saved, by a Rust frame
//! between, on the stack above this function's (scanned). Compiled frames of the call
//! below another instance's are on the same stack (cross-instance calls do not switch
//! stacks); a call through the interpreter (tiered) or through a host function does not
//! collect (`Store::collect_garbage` runs only for a store's only call, and the `Gc`
//! libcall not across engines). A word that only looks like a reference keeps an
//! object alive: that costs memory, never correctness, and a reference the heap does not
//! know is ignored.
//!
//! `unsafe` here, and why it holds: the stack words are copied by assembly from this
//! function's stack pointer up to the address [`Entered`] noted, a local of a frame
//! that is live (the guard lives in it) on the same stack (checked: below it, and within
//! [`MAX_SCAN`]); the copy is a machine read of mapped memory, so the words the Rust
//! frames between leave uninitialised are read as whatever bits they hold.
#![allow(unsafe_code)]

use std::cell::Cell;

thread_local! {
    /// The address above the compiled frames of this thread's innermost call entered from
    /// the host (0: none).
    static TOP: Cell<usize> = const { Cell::new(0) };
}

/// The most bytes of stack scanned: a larger distance means that the entry noted is on
/// another stack, and nothing is scanned (the call does not collect).
const MAX_SCAN: usize = 1 << 30;

/// Notes, while it lives, that this thread entered compiled code from the host below
/// address `top` (a local of the entering frame): the `Gc` libcall scans the stack up
/// to it. The entry it replaces (a host function's call into another store) comes back
/// when it is dropped.
pub(crate) struct Entered {
    outer: usize,
}

impl Entered {
    pub(crate) fn new(top: usize) -> Self {
        Entered {
            outer: TOP.with(|t| t.replace(top)),
        }
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        TOP.with(|t| t.set(self.outer));
    }
}

/// The words that may be references compiled code holds now (see the module's doc): the
/// callee-saved registers, then the stack's words from this function's frame up to the
/// innermost host entry. `None` when no entry is noted or it is not on this stack.
#[inline(never)]
pub(crate) fn words() -> Option<Vec<u64>> {
    let top = TOP.with(Cell::get);
    let (sp, regs) = registers();
    if top == 0 || top <= sp || top - sp > MAX_SCAN {
        return None;
    }
    let n = (top - sp) / 8;
    let mut out = Vec::with_capacity(regs.len() + n);
    out.extend_from_slice(&regs);
    let start = out.len();
    out.resize(start + n, 0);
    if n > 0 {
        // SAFETY: `[sp, sp + 8n)` lies in this thread's stack: `sp` is the stack
        // pointer of this function's frame, `top` the address of a local of a live frame
        // above it on the same stack (the `Entered` guard's; above `sp` and within
        // `MAX_SCAN`, checked). `out` has room for `n` words from `start`.
        unsafe { copy_words(sp, out[start..].as_mut_ptr(), n) };
    }
    Some(out)
}

/// This function's stack pointer, and the callee-saved registers that cannot be named
/// as clobbered (the frame pointer, and the register the compiler keeps for itself); the
/// others are declared clobbered, so that the prologue saves them in the frame, which
/// the scan starts from.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn registers() -> (usize, [u64; 2]) {
    let (sp, rbx, rbp): (usize, u64, u64);
    // SAFETY: reads registers into outputs; the clobbered ones are declared.
    unsafe {
        std::arch::asm!(
            "mov {sp}, rsp",
            "mov {b}, rbx",
            "mov {p}, rbp",
            sp = out(reg) sp,
            b = out(reg) rbx,
            p = out(reg) rbp,
            out("r12") _,
            out("r13") _,
            out("r14") _,
            out("r15") _,
            out("rsi") _,
            out("rdi") _,
            options(nomem, nostack, preserves_flags),
        );
    }
    (sp, [rbx, rbp])
}

#[cfg(target_arch = "aarch64")]
#[inline(always)]
fn registers() -> (usize, [u64; 2]) {
    let (sp, x19, x29): (usize, u64, u64);
    // SAFETY: reads registers into outputs; the clobbered ones are declared.
    unsafe {
        std::arch::asm!(
            "mov {sp}, sp",
            "mov {a}, x19",
            "mov {b}, x29",
            sp = out(reg) sp,
            a = out(reg) x19,
            b = out(reg) x29,
            out("x20") _,
            out("x21") _,
            out("x22") _,
            out("x23") _,
            out("x24") _,
            out("x25") _,
            out("x26") _,
            out("x27") _,
            out("x28") _,
            options(nomem, nostack, preserves_flags),
        );
    }
    (sp, [x19, x29])
}

/// Copies `n` (at least 1) words from `src` to `dst`.
///
/// # Safety
/// `[src, src + 8n)` is mapped, readable memory and `[dst, dst + 8n)` writable memory
/// that nothing else uses meanwhile, not overlapping it.
// SAFETY: an `unsafe fn` for its callers' contract (`# Safety` above), which its one
// caller, `words`, states at the call.
#[cfg(target_arch = "x86_64")]
unsafe fn copy_words(src: usize, dst: *mut u64, n: usize) {
    // SAFETY: the caller's contract; the direction flag is clear (the ABI's).
    unsafe {
        std::arch::asm!(
            "rep movsq",
            inout("rcx") n => _,
            inout("rsi") src => _,
            inout("rdi") dst => _,
            options(nostack, preserves_flags),
        );
    }
}

// SAFETY: an `unsafe fn` for the contract of the x86-64 version (its `# Safety`), which
// `words` states at the call.
#[cfg(target_arch = "aarch64")]
unsafe fn copy_words(src: usize, dst: *mut u64, n: usize) {
    // SAFETY: the caller's contract; `n` is at least 1.
    unsafe {
        std::arch::asm!(
            "2:",
            "ldr {t}, [{s}], #8",
            "str {t}, [{d}], #8",
            "subs {n}, {n}, #1",
            "b.ne 2b",
            s = inout(reg) src => _,
            d = inout(reg) dst => _,
            n = inout(reg) n => _,
            t = out(reg) _,
            options(nostack),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_words_include_what_a_frame_between_holds() {
        assert!(words().is_none(), "no entry noted");
        let top = 0u8;
        let _entered = Entered::new(std::ptr::addr_of!(top) as usize);
        between();

        /// A frame below the entry's, holding two words in its stack.
        #[inline(never)]
        fn between() {
            let marker = [0x5eed_0001_u64, 0x5eed_0002];
            std::hint::black_box(&marker);
            let found = inner();
            assert!(found.contains(&0x5eed_0001) && found.contains(&0x5eed_0002));
            std::hint::black_box(&marker);
        }

        #[inline(never)]
        fn inner() -> Vec<u64> {
            words().expect("an entry noted on this stack")
        }
    }

    #[test]
    fn an_entry_on_another_stack_is_not_scanned_and_the_outer_one_comes_back() {
        let top = 0u8;
        let outer = Entered::new(std::ptr::addr_of!(top) as usize);
        {
            // An address below this frame: not an entry above it.
            let _inner = Entered::new(16);
            assert!(words().is_none());
        }
        assert!(words().is_some());
        drop(outer);
        assert!(words().is_none());
    }
}
