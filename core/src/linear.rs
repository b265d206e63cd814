//! The bytes of a linear memory: a `Vec`, or (Linux on x86-64, 32-bit memories) a
//! reservation of address space with *guard pages* after the memory's end.
//!
//! A guarded memory reserves [`RESERVATION`] bytes once, every 32-bit address plus every
//! 32-bit offset and the widest access: its bytes are readable and writable up to its
//! length, and the rest of the reservation faults on any access. Compiled code that
//! takes traps by signal (`compiler::signals`) then needs no bounds check for these
//! memories: an access out of bounds faults in the guard pages, and the fault address
//! less the base is its Wasm address. Growing makes more of the reservation accessible;
//! the base never moves.
//!
//! The invariant compiled code relies on: at every moment, the accessible part of the
//! reservation is the memory's length rounded up to the host's page size (4 KiB), and
//! the length is a multiple of that page size except after [`Bytes::resize`] to another
//! length (which only the interpreter's replay of recorded host calls does).
//!
//! `unsafe`: mapping, protecting and unmapping the reservation, and the slices over it.
//! Each block says why it is sound.
#![allow(unsafe_code)]

/// The address space a guarded memory reserves: 4 GiB of addresses plus a 4 GiB offset
/// and the widest access (16 bytes), rounded to a Wasm page.
#[cfg(target_pointer_width = "64")]
pub(crate) const RESERVATION: usize = (1 << 33) + (1 << 16);

/// Whether this process gives 32-bit memories guard pages: Linux on x86-64, unless the
/// environment sets `WASMSCOPE_EXPLICIT_TRAPS=1` or the process's address space is
/// limited (`ulimit -v`: 8 GiB a memory would not fit), where compiled code checks
/// bounds itself.
pub(crate) fn guard_pages() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| {
        #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
        {
            std::env::var_os("WASMSCOPE_EXPLICIT_TRAPS").is_none_or(|v| v.is_empty() || v == "0")
                && mapped::address_space_unlimited()
        }
        #[cfg(not(all(target_os = "linux", target_arch = "x86_64")))]
        false
    })
}

/// A linear memory's bytes (see the module's documentation).
pub(crate) struct Bytes(Repr);

enum Repr {
    Heap(Vec<u8>),
    #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
    Mapped(mapped::Mapping),
}

impl Bytes {
    /// `len` zero bytes. `guarded`: in a reservation with guard pages (`None` if the
    /// address space cannot be had); else in a `Vec` with room for `capacity` bytes
    /// where it can have it.
    pub(crate) fn new(len: usize, guarded: bool, capacity: usize) -> Option<Bytes> {
        #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
        if guarded {
            return mapped::Mapping::new(len).map(|m| Bytes(Repr::Mapped(m)));
        }
        let _ = guarded;
        let data = if capacity > len {
            let mut data = Vec::new();
            let _ = data.try_reserve_exact(capacity);
            data.resize(len, 0);
            data
        } else {
            // Zeroed allocation: the pages are mapped lazily by the OS.
            vec![0u8; len]
        };
        Some(Bytes(Repr::Heap(data)))
    }

    /// Whether the bytes have guard pages after them (compiled code may skip bounds
    /// checks).
    pub(crate) fn guarded(&self) -> bool {
        !matches!(self.0, Repr::Heap(_))
    }

    /// Grows to `new_len` bytes, zero-filled; `false` (nothing changed) when the host has
    /// no room.
    pub(crate) fn grow_to(&mut self, new_len: usize) -> bool {
        match &mut self.0 {
            Repr::Heap(v) => {
                if v.try_reserve_exact(new_len.saturating_sub(v.len()))
                    .is_err()
                {
                    return false;
                }
                v.resize(new_len.max(v.len()), 0);
                true
            }
            #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
            Repr::Mapped(m) => m.set_len(new_len),
        }
    }

    /// Grows or shrinks to `new_len` bytes (new bytes are zero). For restoring a
    /// memory's earlier state; `false` (nothing changed) where the host refuses.
    pub(crate) fn resize(&mut self, new_len: usize) -> bool {
        match &mut self.0 {
            Repr::Heap(v) => {
                v.resize(new_len, 0);
                true
            }
            #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
            Repr::Mapped(m) => m.set_len(new_len),
        }
    }
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match &self.0 {
            Repr::Heap(v) => v,
            #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
            Repr::Mapped(m) => m.bytes(),
        }
    }
}

impl std::ops::DerefMut for Bytes {
    fn deref_mut(&mut self) -> &mut [u8] {
        match &mut self.0 {
            Repr::Heap(v) => v,
            #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
            Repr::Mapped(m) => m.bytes_mut(),
        }
    }
}

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Bytes({} bytes, guarded: {})",
            self.len(),
            self.guarded()
        )
    }
}

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
mod mapped {
    use super::RESERVATION;

    const HOST_PAGE: usize = 4096;

    /// A reservation of [`RESERVATION`] bytes whose first `accessible` bytes (`len`
    /// rounded up to the host page) are readable and writable.
    pub(super) struct Mapping {
        base: *mut u8,
        len: usize,
        accessible: usize,
    }

    // SAFETY: the mapping is owned by this value alone (like a `Vec`'s buffer); shared
    // references give shared slices only.
    unsafe impl Send for Mapping {}
    // SAFETY: as above.
    unsafe impl Sync for Mapping {}

    /// No limit on the process's address space (`RLIMIT_AS`).
    pub(super) fn address_space_unlimited() -> bool {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: `getrlimit` writes the structure it is given.
        let r = unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut limit) };
        r == 0 && limit.rlim_cur == libc::RLIM_INFINITY
    }

    fn round_up(n: usize) -> usize {
        n.div_ceil(HOST_PAGE) * HOST_PAGE
    }

    impl Mapping {
        pub(super) fn new(len: usize) -> Option<Mapping> {
            if len > RESERVATION - (1 << 32) {
                return None;
            }
            // SAFETY: a new private anonymous mapping with no access at an address the
            // kernel picks; owned by the `Mapping` from here, unmapped on drop.
            let base = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    RESERVATION,
                    libc::PROT_NONE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                    -1,
                    0,
                )
            };
            if base == libc::MAP_FAILED {
                return None;
            }
            let mut m = Mapping {
                base: base as *mut u8,
                len: 0,
                accessible: 0,
            };
            match m.set_len(len) {
                true => Some(m),
                false => None,
            }
        }

        /// Makes the first `len` bytes the memory (new ones zero), the rest of the
        /// reservation inaccessible. `false`: the host refused (nothing changed).
        pub(super) fn set_len(&mut self, len: usize) -> bool {
            if len > RESERVATION - (1 << 32) {
                return false;
            }
            let accessible = round_up(len);
            if accessible > self.accessible {
                // SAFETY: the range lies inside the reservation this value owns.
                let r = unsafe {
                    libc::mprotect(
                        self.base.add(self.accessible) as *mut libc::c_void,
                        accessible - self.accessible,
                        libc::PROT_READ | libc::PROT_WRITE,
                    )
                };
                if r != 0 {
                    return false;
                }
            } else if accessible < self.accessible {
                let len = self.accessible - accessible;
                // SAFETY: as above. Inaccessible first (else nothing changed: the guard
                // pages stay where they were); then given back, to read as zero when
                // made accessible again (private anonymous memory; should that fail,
                // they are zeroed here).
                unsafe {
                    let at = self.base.add(accessible);
                    let p = at as *mut libc::c_void;
                    if libc::mprotect(p, len, libc::PROT_NONE) != 0 {
                        return false;
                    }
                    if libc::madvise(p, len, libc::MADV_DONTNEED) != 0
                        && libc::mprotect(p, len, libc::PROT_READ | libc::PROT_WRITE) == 0
                    {
                        std::ptr::write_bytes(at, 0, len);
                        libc::mprotect(p, len, libc::PROT_NONE);
                    }
                }
            }
            // Bytes between the old and the new length in a page that was and stays
            // accessible (lengths that are not whole pages): zero. (Pages made
            // accessible now are zero already.)
            let (lo, hi) = (
                self.len.min(len),
                self.len.max(len).min(accessible).min(self.accessible),
            );
            if hi > lo {
                // SAFETY: `lo..hi` is inside the accessible part.
                unsafe { std::ptr::write_bytes(self.base.add(lo), 0, hi - lo) };
            }
            self.len = len;
            self.accessible = accessible;
            true
        }

        pub(super) fn bytes(&self) -> &[u8] {
            // SAFETY: the first `len` bytes are accessible and owned by this value;
            // the borrow of `self` keeps them alive and unchanged in length.
            unsafe { std::slice::from_raw_parts(self.base, self.len) }
        }

        pub(super) fn bytes_mut(&mut self) -> &mut [u8] {
            // SAFETY: as in `bytes`, borrowed exclusively.
            unsafe { std::slice::from_raw_parts_mut(self.base, self.len) }
        }
    }

    impl Drop for Mapping {
        fn drop(&mut self) {
            // SAFETY: the reservation this value mapped; no slice of it outlives it.
            unsafe { libc::munmap(self.base as *mut libc::c_void, RESERVATION) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_shrinks_and_zeroes() {
        for guarded in [false, true] {
            let Some(mut b) = Bytes::new(65536, guarded, 0) else {
                panic!("64 KiB of memory")
            };
            assert_eq!(b.len(), 65536);
            assert!(b.iter().all(|x| *x == 0));
            b[65535] = 7;
            assert!(b.grow_to(3 * 65536));
            assert_eq!((b.len(), b[65535], b[3 * 65536 - 1]), (3 * 65536, 7, 0));
            b[3 * 65536 - 1] = 9;
            b.resize(65536 + 10);
            assert_eq!(b.len(), 65546);
            b.resize(3 * 65536);
            assert_eq!(b[3 * 65536 - 1], 0, "bytes given back come back zero");
            assert_eq!(b[65535], 7);
            #[cfg(target_pointer_width = "64")]
            if guarded {
                assert!(!b.grow_to(RESERVATION), "past 4 GiB");
                assert_eq!(b.len(), 3 * 65536);
            }
        }
    }

    #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
    #[test]
    fn guarded_bytes_say_so() {
        assert!(Bytes::new(0, true, 0).unwrap().guarded());
        assert!(!Bytes::new(0, false, 1 << 20).unwrap().guarded());
    }
}
