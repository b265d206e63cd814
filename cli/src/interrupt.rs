//! Ctrl-C in `wasmscope debug`: while the program runs forward (in slices), it stops the
//! program where it is, as in gdb, instead of ending the debugger and the session with
//! it. Anywhere else (the prompt, a replay of the past) it ends the debugger as before.
//!
//! `unsafe`: installing a signal handler is a call into the C library (`sigaction`),
//! with a structure it reads, and the handler may end the process (`_exit`). The
//! handler does nothing else than that or a store to an atomic, both async-signal-safe.
//! Nothing else here is unsafe.
#![allow(unsafe_code)]

use std::sync::atomic::{AtomicBool, Ordering};

/// Set by the handler; read and cleared by [`take`].
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Whether the program runs where Ctrl-C is looked for ([`Running`]).
static RUNNING: AtomicBool = AtomicBool::new(false);

/// The exit code of a process that SIGINT ended (128 + 2), as a shell reports it.
#[cfg(unix)]
const EXIT_INTERRUPTED: libc::c_int = 130;

#[cfg(unix)]
extern "C" fn on_sigint(_: libc::c_int) {
    if RUNNING.load(Ordering::SeqCst) {
        INTERRUPTED.store(true, Ordering::SeqCst);
    } else {
        // Nothing looks for it (the prompt, a replay, a compile): Ctrl-C ends the
        // debugger, as it did before the handler. `_exit` is async-signal-safe.
        // SAFETY: `_exit` ends the process at once; it touches no state of ours.
        unsafe { libc::_exit(EXIT_INTERRUPTED) }
    }
}

/// While one lives, the program runs where Ctrl-C is looked for between slices: a
/// Ctrl-C then sets the flag [`take`] reads. Otherwise Ctrl-C ends the process (130).
pub struct Running(());

impl Running {
    /// Marks the program running until the value is dropped.
    pub fn start() -> Running {
        RUNNING.store(true, Ordering::SeqCst);
        Running(())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        RUNNING.store(false, Ordering::SeqCst);
    }
}

/// Makes SIGINT (Ctrl-C) set the flag [`take`] reads while a [`Running`] lives, instead
/// of ending the process (it still ends it otherwise, exit code 130). A read of the next
/// command that it interrupts goes on (`SA_RESTART`). Returns whether the handler is
/// installed (never where there are no Unix signals).
pub fn catch_ctrl_c() -> bool {
    #[cfg(unix)]
    {
        // SAFETY: `action` is a plain C structure, valid when zeroed; its handler is a
        // function with the signature `sa_sigaction` expects (no `SA_SIGINFO`), which
        // only stores to an atomic (async-signal-safe); `sigemptyset` and `sigaction`
        // get pointers to it that live across the calls, and the old action is not
        // asked for (null is allowed).
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_sigint as extern "C" fn(libc::c_int) as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(libc::SIGINT, &action, std::ptr::null_mut()) == 0
        }
    }
    #[cfg(not(unix))]
    false
}

/// Whether Ctrl-C was pressed since the last call; forgets it.
pub fn take() -> bool {
    INTERRUPTED.swap(false, Ordering::SeqCst)
}

#[cfg(all(test, unix))]
mod tests {
    #[test]
    fn sigint_sets_the_flag_and_the_process_goes_on() {
        assert!(super::catch_ctrl_c());
        assert!(!super::take());
        let _running = super::Running::start();
        // SAFETY: `raise` sends the signal to this thread; the handler above is installed.
        unsafe {
            libc::raise(libc::SIGINT);
        }
        assert!(super::take());
        assert!(!super::take());
    }
}
