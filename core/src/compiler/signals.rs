//! Traps by signal (Linux on x86-64): compiled code that traps executes a faulting
//! instruction instead of branching to a trap block, and a signal handler turns the
//! fault into a trap of the call.
//!
//! Why: a trap block per check made the compiler's IR large (every memory access a
//! compare, a branch and a new block), and Cranelift's time grows with the blocks. Here
//! a memory access has no check, and the other checks are conditional trap instructions
//! inside the block they are in.
//!
//! - **Memory 0's accesses** (32-bit memories) are not checked: the memory has guard
//!   pages after its end, up to every 32-bit address plus every 32-bit offset
//!   (`crate::linear`), so an access out of bounds faults (`SIGSEGV`). The address it
//!   accessed (decoded from the faulting instruction, [`effective_address`]: the fault
//!   address is where the access entered the guard pages) less the memory's base is the
//!   Wasm address, for [`crate::Error::memory_access`].
//! - **The other checks** (divisors, conversions, tables, ...) are Cranelift's
//!   conditional traps (`ud2`, `SIGILL`).
//! - Each such instruction is a *site* of its function ([`Site`]): its code offset, its
//!   Wasm offset, and its Cranelift trap code (which says the trap, or the access's
//!   width). So is each call's return address, for the trace.
//! - Compiled code is entered through [`enter`], which saves the callee-saved
//!   registers and the stack pointer. The handler, when the faulting instruction is a
//!   site and the thread is inside [`enter`], walks the frame pointers of the compiled
//!   frames (Cranelift keeps them: `preserve_frame_pointers`), records their return
//!   addresses, and resumes the thread at [`enter`]'s landing, which returns as if the
//!   call had trapped. The caller then makes the trap and its trace ([`frames`]), as
//!   the explicit checks' trap blocks would have.
//! - A fault that is not at a site of compiled code running under [`enter`] goes to the
//!   handler that was installed before ours (Rust's stack-overflow handler, or the
//!   default action).
//!
//! Not here: code compiled for listeners (their `abort` hooks run as each frame
//! unwinds: explicit checks), 64-bit memories and memories other than 0 (explicit
//! checks), other platforms (explicit checks everywhere). `WASMSCOPE_EXPLICIT_TRAPS=1`
//! turns signals off for the process (a test runs both).
//!
//! `unsafe`: installing the handler, the handler (it reads the interrupted thread's
//! registers, code and stack and changes where it resumes), and the assembly of
//! [`enter`]. Each block says why it is sound.
#![allow(unsafe_code)]

use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock, RwLock};

/// A place in a compiled function the handler and the trace know: a trapping
/// instruction or a call's return address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Site {
    /// Offset in the function's machine code (the instruction, or the return address).
    pub code: u32,
    /// Module byte offset of the Wasm operator.
    pub wasm: u32,
    /// [`CALL`], or the Cranelift user trap code of the trapping instruction
    /// (`1..=TRAP_CODES.len()`: `TRAP_CODES[kind - 1]`; [`MEMORY`]` + log2(width)`:
    /// an access of memory 0).
    pub kind: u8,
}

/// [`Site::kind`] of a call's return address.
pub(crate) const CALL: u8 = 0;
/// [`Site::kind`] of the trap that ends an unwind block (unwinding by signal: the error
/// and the frame are recorded already; the frames above are walked).
pub(crate) const UNWIND: u8 = 31;
/// [`Site`]s registered with this as their function are not Wasm functions' (the
/// interpreter stubs): no frame.
pub(crate) const NO_FUNCTION: u32 = u32::MAX;
/// [`Site::kind`] of an access of `1 << (kind - MEMORY)` bytes of memory 0.
pub(crate) const MEMORY: u8 = 32;

/// Whether traps are taken by signal in this process: the platform supports it (its
/// 32-bit memories have guard pages, `crate::linear::guard_pages`, which
/// `WASMSCOPE_EXPLICIT_TRAPS=1` turns off) and the handler is installed. Installs the
/// handler on first use.
pub(crate) fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| crate::linear::guard_pages() && imp::install())
}

/// What the handler saw when compiled code trapped: the faulting instruction's address,
/// then each compiled frame's return address, innermost first; and for a memory
/// access, the address it accessed.
#[derive(Debug, Default)]
pub(crate) struct SignalTrap {
    pub pcs: Vec<usize>,
    pub address: usize,
}

/// A compiled function's code, for the handler and [`frames`].
struct Code {
    end: usize,
    def: u32,
    sites: Arc<[Site]>,
}

/// Every placed compiled function with sites, by code address.
static REGISTRY: RwLock<BTreeMap<usize, Code>> = RwLock::new(BTreeMap::new());

thread_local! {
    /// The innermost [`enter`] of this thread (null outside one).
    static ACTIVE: Cell<*mut JmpBuf> = const { Cell::new(std::ptr::null_mut()) };
    /// This thread holds the registry's write lock (the handler must not wait for it).
    static WRITING: Cell<bool> = const { Cell::new(false) };
}

fn write_registry(f: impl FnOnce(&mut BTreeMap<usize, Code>)) {
    WRITING.with(|w| w.set(true));
    let mut map = REGISTRY.write().unwrap_or_else(|e| e.into_inner());
    f(&mut map);
    drop(map);
    WRITING.with(|w| w.set(false));
}

/// Records the sites of defined function `def`, placed at `start` (`len` bytes).
pub(crate) fn register(start: usize, len: usize, def: u32, sites: Arc<[Site]>) {
    write_registry(|map| {
        map.insert(
            start,
            Code {
                end: start + len,
                def,
                sites,
            },
        );
    });
}

/// Forgets the functions placed at `starts` (their code is freed).
pub(crate) fn unregister(starts: &[usize]) {
    if starts.is_empty() {
        return;
    }
    write_registry(|map| {
        for s in starts {
            map.remove(s);
        }
    });
}

/// The site at `pc` of the kind `want` accepts, with its function.
fn site_at(
    map: &BTreeMap<usize, Code>,
    pc: usize,
    want: impl Fn(u8) -> bool,
) -> Option<(u32, Site)> {
    let (start, code) = map.range(..=pc).next_back()?;
    if pc >= code.end {
        return None;
    }
    let offset = u32::try_from(pc - start).ok()?;
    let first = code.sites.partition_point(|s| s.code < offset);
    (code.sites[first..].iter())
        .take_while(|s| s.code == offset)
        .find(|s| want(s.kind))
        .map(|s| (code.def, *s))
}

/// The trap `t` describes: the trapping site's kind, and the compiled frames as
/// (defined function, module offset), innermost first (frames of code without sites,
/// the trampolines, left out).
pub(crate) fn frames(t: &SignalTrap) -> (u8, Vec<(u32, u32)>) {
    let map = REGISTRY.read().unwrap_or_else(|e| e.into_inner());
    let mut kind = 0;
    let mut out = Vec::with_capacity(t.pcs.len());
    for (i, &pc) in t.pcs.iter().enumerate() {
        let site = match i {
            0 => site_at(&map, pc, |k| k != CALL),
            _ => site_at(&map, pc, |k| k == CALL),
        };
        if let Some((def, s)) = site {
            if i == 0 {
                kind = s.kind;
            }
            // (An unwind block's frame is recorded already.)
            if def != NO_FUNCTION && !(i == 0 && s.kind == UNWIND) {
                out.push((def, s.wasm));
            }
        }
    }
    (kind, out)
}

/// The array trampoline's type (`code::trampoline`), over the `VmCtx` type `V`.
pub(crate) type Entry<V> = extern "C" fn(*mut V, *mut u64, usize);

/// Where [`enter`] keeps what its landing needs. `sp` first: the assembly writes it.
#[repr(C)]
struct JmpBuf {
    sp: usize,
    trap: Option<SignalTrap>,
    /// Memory 0's reservation (guard pages included) when the call entered: a memory
    /// site's fault elsewhere is not a trap.
    memory: std::ops::Range<usize>,
}

/// Calls `f(vm, values, code)` (an array trampoline, see [`Entry`]) so that a trap by
/// signal in the compiled code returns here: `Err` with what the handler saw.
/// `memory_base`: memory 0's base address (0: none), whose guard pages its accesses
/// may fault in.
///
/// # Safety
///
/// As calling `f(vm, values, code)` directly: `f` is an array trampoline of compiled
/// code and its arguments are what it expects.
pub(crate) unsafe fn enter<V>(
    f: Entry<V>,
    vm: *mut V,
    values: *mut u64,
    code: usize,
    memory_base: usize,
) -> Result<(), SignalTrap> {
    let memory = match memory_base {
        0 => 0..0,
        base => base..base.saturating_add(crate::linear::RESERVATION),
    };
    let mut buf = JmpBuf {
        sp: 0,
        trap: None,
        memory,
    };
    let buf_ptr: *mut JmpBuf = &raw mut buf;
    let outer = ACTIVE.with(|a| a.replace(buf_ptr));
    // SAFETY: `imp::enter` saves the callee-saved registers and the stack pointer (into
    // `buf.sp`), calls `f` with the other three arguments, and returns 0; or, resumed at
    // its landing by the handler (after a fault at a site of compiled code `f` called),
    // restores them and returns 1. Either way it returns to here as a normal call would;
    // the frames skipped by the landing are compiled code's, which hold nothing to drop.
    // `buf` outlives the call; the handler writes `buf.trap` only while the thread is
    // stopped in compiled code (no reference to `buf` is live meanwhile).
    let trapped = unsafe { imp::enter(buf_ptr, f as usize, vm as *mut (), values, code) };
    ACTIVE.with(|a| a.set(outer));
    match trapped {
        0 => Ok(()),
        // SAFETY: the call is over; the handler wrote `trap` before the landing.
        _ => Err(unsafe { (*buf_ptr).trap.take() }.unwrap_or_default()),
    }
}

/// The address an x86-64 instruction with a memory operand (`code`, its bytes) accesses,
/// given the registers (`reg(n)`, by number: rax = 0 ... r15 = 15): base, plus index
/// times scale, plus displacement. `None` for what this does not decode (no memory
/// operand, addressing relative to the instruction).
///
/// The loads and stores compiled code makes are legacy, REX, VEX and (on hosts with
/// AVX-512, folded into vector operations) EVEX encoded moves and operations (`mov`,
/// `movzx`, `movsx`, SSE and AVX moves, `pextr`/`pinsr`, ...): prefixes, an
/// opcode of one to three bytes, then ModRM, SIB and displacement.
pub(crate) fn effective_address(code: &[u8], reg: impl Fn(u8) -> u64) -> Option<u64> {
    let mut at = 0;
    let byte = |i: usize| code.get(i).copied();
    // Legacy prefixes.
    while matches!(
        byte(at)?,
        0x66 | 0x67 | 0xf2 | 0xf3 | 0xf0 | 0x2e | 0x3e | 0x26 | 0x36 | 0x64 | 0x65
    ) {
        at += 1;
    }
    let (mut x, mut b) = (0u8, 0u8);
    // The opcode map: 0 one-byte opcodes, 1 `0F`, 2 `0F38`, 3 `0F3A`.
    let mut map = 0u8;
    // EVEX: displacements of one byte are scaled by the operand's size (`disp8 * N`),
    // which depends on the instruction; taken as 16 (a whole `v128`), the one size of
    // the accesses compiled code folds into EVEX instructions (the caller checks the
    // result against the fault address). Scalar accesses, which carry a Wasm offset as
    // their displacement, are never EVEX-encoded.
    let mut disp8_scale = 1i64;
    match byte(at)? {
        0x62 => {
            let p0 = byte(at + 1)?;
            x = u8::from(p0 & 0x40 == 0);
            b = u8::from(p0 & 0x20 == 0);
            map = p0 & 0x07;
            if !(1..=3).contains(&map) {
                return None;
            }
            disp8_scale = 16;
            at += 4;
        }
        0xc5 => {
            map = 1;
            at += 2;
        }
        0xc4 => {
            let p = byte(at + 1)?;
            x = u8::from(p & 0x40 == 0);
            b = u8::from(p & 0x20 == 0);
            map = p & 0x1f;
            if !(1..=3).contains(&map) {
                return None;
            }
            at += 3;
        }
        rex @ 0x40..=0x4f => {
            x = (rex >> 1) & 1;
            b = rex & 1;
            at += 1;
        }
        _ => {}
    }
    if map == 0 && byte(at)? == 0x0f {
        at += 1;
        map = match byte(at)? {
            0x38 => {
                at += 1;
                2
            }
            0x3a => {
                at += 1;
                3
            }
            _ => 1,
        };
    }
    let _ = map;
    at += 1; // the opcode
    let modrm = byte(at)?;
    at += 1;
    let (md, rm) = (modrm >> 6, modrm & 7);
    if md == 3 || (md == 0 && rm == 5) {
        return None;
    }
    let mut address: u64 = 0;
    let mut no_base = false;
    if rm == 4 {
        let sib = byte(at)?;
        at += 1;
        let (scale, index, base) = (sib >> 6, ((sib >> 3) & 7) | (x << 3), sib & 7);
        if index != 4 {
            address = reg(index) << scale;
        }
        if base == 5 && md == 0 {
            no_base = true;
        } else {
            address = address.wrapping_add(reg(base | (b << 3)));
        }
    } else {
        address = reg(rm | (b << 3));
    }
    let disp = match (md, no_base) {
        (0, true) | (2, _) => i32::from_le_bytes(code.get(at..at + 4)?.try_into().ok()?) as i64,
        (1, _) => byte(at)? as i8 as i64 * disp8_scale,
        _ => 0,
    };
    Some(address.wrapping_add(disp as u64))
}

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
mod imp {
    use super::{site_at, JmpBuf, SignalTrap, ACTIVE, CALL, MEMORY, REGISTRY, WRITING};
    use std::sync::OnceLock;

    // `wasmscope_signals_enter(buf, f, vm, values, code) -> u64`: pushes the
    // callee-saved registers, stores the stack pointer in `buf.sp`, calls `f(vm, values,
    // code)`, and returns 0. The handler resumes a trapped call at
    // `wasmscope_signals_landing` with the stack pointer at `buf.sp`: it pops the
    // registers and returns 1. `wasmscope_signals_enter_ret` is the return address of
    // the call, where the handler's walk of the frames stops.
    std::arch::global_asm!(
        ".text",
        ".p2align 4",
        ".globl wasmscope_signals_enter",
        ".hidden wasmscope_signals_enter",
        ".type wasmscope_signals_enter,@function",
        "wasmscope_signals_enter:",
        "push rbp",
        "mov rbp, rsp",
        "push rbx",
        "push r12",
        "push r13",
        "push r14",
        "push r15",
        "sub rsp, 8",
        "mov [rdi], rsp",
        "mov rax, rsi",
        "mov rdi, rdx",
        "mov rsi, rcx",
        "mov rdx, r8",
        "call rax",
        ".globl wasmscope_signals_enter_ret",
        ".hidden wasmscope_signals_enter_ret",
        "wasmscope_signals_enter_ret:",
        "xor eax, eax",
        "2:",
        "add rsp, 8",
        "pop r15",
        "pop r14",
        "pop r13",
        "pop r12",
        "pop rbx",
        "pop rbp",
        "ret",
        ".globl wasmscope_signals_landing",
        ".hidden wasmscope_signals_landing",
        "wasmscope_signals_landing:",
        "mov eax, 1",
        "jmp 2b",
        ".size wasmscope_signals_enter, . - wasmscope_signals_enter",
    );

    // The assembly's symbols. Calling `wasmscope_signals_enter` is `enter`'s business
    // (its contract below); the other two are only addresses, never called from Rust.
    unsafe extern "C" {
        fn wasmscope_signals_enter(
            sp: *mut usize,
            f: usize,
            vm: *mut (),
            values: *mut u64,
            code: usize,
        ) -> u64;
        fn wasmscope_signals_enter_ret();
        fn wasmscope_signals_landing();
    }

    /// Runs the assembly: see [`super::enter`].
    ///
    /// # Safety
    ///
    /// `buf` is the caller's live `JmpBuf`, and `f(vm, values, code)` is a sound call of
    /// an array trampoline ([`super::enter`]'s contract).
    pub(super) unsafe fn enter(
        buf: *mut JmpBuf,
        f: usize,
        vm: *mut (),
        values: *mut u64,
        code: usize,
    ) -> u64 {
        // SAFETY: the caller's contract (see `super::enter`).
        unsafe { wasmscope_signals_enter(&raw mut (*buf).sp, f, vm, values, code) }
    }

    /// `ucontext_t`'s `gregs` index of each x86-64 register by its number in
    /// instructions (rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8-r15).
    const GREGS: [libc::c_int; 16] = [
        libc::REG_RAX,
        libc::REG_RCX,
        libc::REG_RDX,
        libc::REG_RBX,
        libc::REG_RSP,
        libc::REG_RBP,
        libc::REG_RSI,
        libc::REG_RDI,
        libc::REG_R8,
        libc::REG_R9,
        libc::REG_R10,
        libc::REG_R11,
        libc::REG_R12,
        libc::REG_R13,
        libc::REG_R14,
        libc::REG_R15,
    ];

    /// The handlers ours replaced (`SIGSEGV`, `SIGBUS`, `SIGILL`), to pass others' faults
    /// to.
    static PREVIOUS: OnceLock<[libc::sigaction; 3]> = OnceLock::new();
    const SIGNALS: [libc::c_int; 3] = [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL];

    pub(super) fn install() -> bool {
        static DONE: OnceLock<bool> = OnceLock::new();
        *DONE.get_or_init(|| {
            // SAFETY: `sigaction` with zeroed structures filled as it documents; the
            // previous handlers are read and kept (`PREVIOUS`) before ours is installed.
            unsafe {
                let mut previous: [libc::sigaction; 3] = std::mem::zeroed();
                let mut ours: libc::sigaction = std::mem::zeroed();
                ours.sa_sigaction = handler as *const () as usize;
                ours.sa_flags = libc::SA_SIGINFO | libc::SA_NODEFER | libc::SA_ONSTACK;
                libc::sigemptyset(&mut ours.sa_mask);
                for (i, s) in SIGNALS.iter().enumerate() {
                    if libc::sigaction(*s, std::ptr::null(), &mut previous[i]) != 0 {
                        return false;
                    }
                }
                let _ = PREVIOUS.set(previous);
                for s in SIGNALS {
                    if libc::sigaction(s, &ours, std::ptr::null_mut()) != 0 {
                        return false;
                    }
                }
            }
            true
        })
    }

    /// The signal handler.
    ///
    /// # Safety
    ///
    /// Called by the kernel with a valid `info` and `context` (`SA_SIGINFO`).
    unsafe extern "C" fn handler(
        signal: libc::c_int,
        info: *mut libc::siginfo_t,
        context: *mut libc::c_void,
    ) {
        // SAFETY: the kernel's arguments (see above).
        if unsafe { take(signal, info, context) } {
            return;
        }
        // SAFETY: the previous handler, called as the kernel would have.
        unsafe { chain(signal, info, context) }
    }

    /// Handles the fault if it is a trap of compiled code: records it and makes the
    /// thread resume at the landing of its innermost `enter`.
    ///
    /// # Safety
    ///
    /// As `handler`.
    unsafe fn take(
        signal: libc::c_int,
        info: *mut libc::siginfo_t,
        context: *mut libc::c_void,
    ) -> bool {
        let buf = ACTIVE.with(|a| a.get());
        // (A signal another process or thread sent, `si_code <= 0`, is never a trap.)
        // SAFETY: `info` is valid for this signal.
        if buf.is_null() || WRITING.with(|w| w.get()) || unsafe { (*info).si_code } <= 0 {
            return false;
        }
        let end;
        // SAFETY: `context` is the interrupted thread's `ucontext_t`.
        let gregs = unsafe { &mut (*(context as *mut libc::ucontext_t)).uc_mcontext.gregs };
        let pc = gregs[libc::REG_RIP as usize] as usize;
        let mut fp = gregs[libc::REG_RBP as usize] as usize;
        {
            // Not waiting on a lock this thread holds (`WRITING`); another thread's
            // write is short and never waits for this one. Allocating below is sound
            // for the same reason: the interrupted code is compiled code at a trap site,
            // never inside the allocator.
            let map = REGISTRY.read().unwrap_or_else(|e| e.into_inner());
            let want = |k: u8| match signal {
                libc::SIGILL => k != CALL && k < MEMORY,
                _ => k >= MEMORY,
            };
            if site_at(&map, pc, want).is_none() {
                return false;
            }
            end = map.range(..=pc).next_back().map_or(pc, |(_, c)| c.end);
        }
        let mut pcs = vec![pc];
        let stop = wasmscope_signals_enter_ret as *const () as usize;
        // The compiled frames up to `enter`'s: each keeps its caller's frame pointer at
        // `fp` and its return address at `fp + 8`.
        while fp != 0 && pcs.len() < 1 << 24 {
            // SAFETY: `fp` is the frame pointer of a frame of compiled code (or of the
            // array trampoline), all of which keep frame pointers, and all of which are
            // below `enter`'s frame on this thread's stack: the walk ends at the frame
            // whose return address is `enter`'s.
            let (caller_fp, ra) = unsafe { (*(fp as *const usize), *((fp + 8) as *const usize)) };
            if ra == stop {
                break;
            }
            pcs.push(ra);
            fp = caller_fp;
        }
        // SAFETY: `info` is valid for this signal.
        let fault = unsafe { (*info).si_addr() } as usize;
        // SAFETY: `buf` is this thread's innermost `enter`'s (see below).
        if signal != libc::SIGILL && !unsafe { &(*buf).memory }.contains(&fault) {
            return false;
        }
        let address = match signal {
            libc::SIGILL => 0,
            _ => {
                // SAFETY: `pc` is the faulting instruction of a compiled function (a
                // site), whose code is mapped up to `end`.
                let code =
                    unsafe { std::slice::from_raw_parts(pc as *const u8, (end - pc).min(15)) };
                let reg = |r: u8| gregs[GREGS[r as usize] as usize] as u64;
                // The access began at most 15 bytes before the fault (the widest is 16).
                super::effective_address(code, reg)
                    .map(|a| a as usize)
                    .filter(|a| *a <= fault && fault - *a < 16)
                    .unwrap_or(fault)
            }
        };
        // SAFETY: `buf` is the live `JmpBuf` of this thread's innermost `enter` (it
        // clears `ACTIVE` before `buf` goes away), and nothing else uses it while the
        // thread is stopped here.
        unsafe {
            (*buf).trap = Some(SignalTrap { pcs, address });
            gregs[libc::REG_RSP as usize] = (*buf).sp as i64;
        }
        gregs[libc::REG_RIP as usize] = wasmscope_signals_landing as *const () as usize as i64;
        true
    }

    /// Passes a fault that is not ours to the handler installed before ours, or to the
    /// default action (restored, so that the fault, happening again on return, ends the
    /// process as it would have).
    ///
    /// # Safety
    ///
    /// As `handler`.
    unsafe fn chain(signal: libc::c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
        let Some(previous) = PREVIOUS.get() else {
            return;
        };
        let Some(i) = SIGNALS.iter().position(|s| *s == signal) else {
            return;
        };
        let prev = &previous[i];
        // SAFETY: `info` is valid for this signal.
        let sent = unsafe { (*info).si_code } <= 0;
        match prev.sa_sigaction {
            libc::SIG_IGN if sent => {}
            libc::SIG_DFL | libc::SIG_IGN => {
                // SAFETY: restores the handler that was there before ours. A fault
                // happens again when the instruction is run again; a signal that was
                // sent is sent again (`SA_NODEFER`: delivered at once).
                unsafe {
                    libc::sigaction(signal, prev, std::ptr::null_mut());
                    if sent {
                        libc::raise(signal);
                    }
                }
            }
            f if prev.sa_flags & libc::SA_SIGINFO != 0 => {
                // SAFETY: a handler installed with `SA_SIGINFO` takes these arguments.
                let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                    unsafe { std::mem::transmute(f) };
                f(signal, info, context);
            }
            f => {
                // SAFETY: a handler installed without `SA_SIGINFO` takes the signal alone.
                let f: extern "C" fn(libc::c_int) = unsafe { std::mem::transmute(f) };
                f(signal);
            }
        }
    }
}

#[cfg(not(all(target_os = "linux", target_arch = "x86_64")))]
mod imp {
    use super::JmpBuf;

    pub(super) fn install() -> bool {
        false
    }

    /// Never called: [`super::enabled`] is false here.
    ///
    /// # Safety
    ///
    /// `f(vm, values, code)` is a sound call of an array trampoline ([`super::enter`]'s
    /// contract).
    pub(super) unsafe fn enter(
        _: *mut JmpBuf,
        f: usize,
        vm: *mut (),
        values: *mut u64,
        code: usize,
    ) -> u64 {
        // SAFETY: the caller's contract (see `super::enter`).
        let f: super::Entry<()> = unsafe { std::mem::transmute(f) };
        f(vm, values, code);
        0
    }
}

#[cfg(test)]
mod tests {
    use super::effective_address;

    /// Registers with distinct values: `reg(n) = 0x1000 * (n + 1)`.
    fn reg(n: u8) -> u64 {
        0x1000 * (n as u64 + 1)
    }

    #[test]
    fn decodes_the_memory_operands_of_moves() {
        let cases: &[(&[u8], Option<u64>)] = &[
            // mov eax, [rdi + rsi*1 + 8]
            (&[0x8b, 0x44, 0x37, 0x08], Some(reg(7) + reg(6) + 8)),
            // mov rax, [r12 + r13*4 + 0x12345]
            (
                &[0x4b, 0x8b, 0x84, 0xac, 0x45, 0x23, 0x01, 0x00],
                Some(reg(12) + (reg(13) << 2) + 0x12345),
            ),
            // movzx eax, word [rbx + rcx*1 - 2]
            (&[0x0f, 0xb7, 0x44, 0x0b, 0xfe], Some(reg(3) + reg(1) - 2)),
            // movsx rax, byte [r8]
            (&[0x49, 0x0f, 0xbe, 0x00], Some(reg(8))),
            // mov [rbp + 0x10], ecx
            (&[0x89, 0x4d, 0x10], Some(reg(5) + 0x10)),
            // mov word [rax + rdx*1], cx (operand-size prefix)
            (&[0x66, 0x89, 0x0c, 0x10], Some(reg(0) + reg(2))),
            // movsd xmm0, [rsi + rax*8]
            (
                &[0xf2, 0x0f, 0x10, 0x04, 0xc6],
                Some(reg(6) + (reg(0) << 3)),
            ),
            // movdqu xmm1, [r9 + r10*1 + 0x40] (REX.XB)
            (
                &[0xf3, 0x43, 0x0f, 0x6f, 0x4c, 0x11, 0x40],
                Some(reg(9) + reg(10) + 0x40),
            ),
            // pextrq [rdi], xmm0, 1 (0F 3A)
            (&[0x66, 0x48, 0x0f, 0x3a, 0x16, 0x07, 0x01], Some(reg(7))),
            // vmovdqu xmm0, [rcx + rdx*1] (VEX, two bytes)
            (&[0xc5, 0xfa, 0x6f, 0x04, 0x11], Some(reg(1) + reg(2))),
            // vmovdqu xmm0, [r11 + r14*2 + 4] (VEX, three bytes: X and B)
            (
                &[0xc4, 0x81, 0x7a, 0x6f, 0x44, 0x73, 0x04],
                Some(reg(11) + (reg(14) << 1) + 4),
            ),
            // mov eax, [rsp + 8] (SIB without index)
            (&[0x8b, 0x44, 0x24, 0x08], Some(reg(4) + 8)),
            // mov eax, [rcx*4 + 0x100] (SIB without base)
            (
                &[0x8b, 0x04, 0x8d, 0x00, 0x01, 0x00, 0x00],
                Some((reg(1) << 2) + 0x100),
            ),
            // vmovdqu32 xmm0, [rax] (EVEX); vpmullq xmm0, xmm1, [r9 + r10*1 + 2*16]
            // (EVEX, map 0F38, X and B, disp8 scaled by 16)
            (&[0x62, 0xf1, 0x7e, 0x08, 0x6f, 0x00], Some(reg(0))),
            (
                &[0x62, 0x92, 0xf5, 0x08, 0x40, 0x44, 0x11, 0x02],
                Some(reg(9) + reg(10) + 32),
            ),
            // mov eax, ecx (no memory operand); mov eax, [rip + 0]
            (&[0x8b, 0xc1], None),
            (&[0x8b, 0x05, 0, 0, 0, 0], None),
            // Truncated.
            (&[0x8b, 0x84, 0xac, 0x45], None),
        ];
        for (code, want) in cases {
            assert_eq!(effective_address(code, reg), *want, "{code:02x?}");
        }
    }
}
