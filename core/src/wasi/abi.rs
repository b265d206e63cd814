//! WASI preview1's constants and the byte layouts of its structures in guest memory
//! (`wasi_snapshot_preview1.witx`), and where `wasi_unstable` (snapshot 0) differs.

/// Which of the two ABIs a function was imported under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Abi {
    /// `wasi_snapshot_preview1`.
    Preview1,
    /// `wasi_unstable` (snapshot 0): other `whence` values, a 32-bit `nlink` in
    /// `filestat`, and a clock subscription with an extra identifier.
    Unstable,
}

// Clocks.
pub(crate) const CLOCK_REALTIME: u32 = 0;
pub(crate) const CLOCK_MONOTONIC: u32 = 1;

// File types.
pub(crate) const FILETYPE_UNKNOWN: u8 = 0;
pub(crate) const FILETYPE_BLOCK_DEVICE: u8 = 1;
pub(crate) const FILETYPE_CHARACTER_DEVICE: u8 = 2;
pub(crate) const FILETYPE_DIRECTORY: u8 = 3;
pub(crate) const FILETYPE_REGULAR_FILE: u8 = 4;
pub(crate) const FILETYPE_SOCKET_STREAM: u8 = 6;
pub(crate) const FILETYPE_SYMBOLIC_LINK: u8 = 7;

// fdflags.
pub(crate) const FDFLAGS_APPEND: u16 = 1;
pub(crate) const FDFLAGS_NONBLOCK: u16 = 4;

// lookupflags.
pub(crate) const LOOKUP_SYMLINK_FOLLOW: u32 = 1;

// oflags.
pub(crate) const OFLAGS_CREAT: u16 = 1;
pub(crate) const OFLAGS_DIRECTORY: u16 = 2;
pub(crate) const OFLAGS_EXCL: u16 = 4;
pub(crate) const OFLAGS_TRUNC: u16 = 8;

// fstflags.
pub(crate) const FSTFLAGS_ATIM: u16 = 1;
pub(crate) const FSTFLAGS_ATIM_NOW: u16 = 2;
pub(crate) const FSTFLAGS_MTIM: u16 = 4;
pub(crate) const FSTFLAGS_MTIM_NOW: u16 = 8;

// Rights: what a descriptor may be used for. Every call that a right guards checks it
// (`ENOTCAPABLE` without it); `fd_fdstat_set_rights` can only take rights away.
pub(crate) const RIGHT_FD_DATASYNC: u64 = 1 << 0;
pub(crate) const RIGHT_FD_READ: u64 = 1 << 1;
pub(crate) const RIGHT_FD_SEEK: u64 = 1 << 2;
pub(crate) const RIGHT_FD_FDSTAT_SET_FLAGS: u64 = 1 << 3;
pub(crate) const RIGHT_FD_SYNC: u64 = 1 << 4;
pub(crate) const RIGHT_FD_TELL: u64 = 1 << 5;
pub(crate) const RIGHT_FD_WRITE: u64 = 1 << 6;
pub(crate) const RIGHT_FD_ADVISE: u64 = 1 << 7;
pub(crate) const RIGHT_FD_ALLOCATE: u64 = 1 << 8;
pub(crate) const RIGHT_PATH_CREATE_DIRECTORY: u64 = 1 << 9;
pub(crate) const RIGHT_PATH_CREATE_FILE: u64 = 1 << 10;
pub(crate) const RIGHT_PATH_LINK_SOURCE: u64 = 1 << 11;
pub(crate) const RIGHT_PATH_LINK_TARGET: u64 = 1 << 12;
pub(crate) const RIGHT_PATH_OPEN: u64 = 1 << 13;
pub(crate) const RIGHT_FD_READDIR: u64 = 1 << 14;
pub(crate) const RIGHT_PATH_READLINK: u64 = 1 << 15;
pub(crate) const RIGHT_PATH_RENAME_SOURCE: u64 = 1 << 16;
pub(crate) const RIGHT_PATH_RENAME_TARGET: u64 = 1 << 17;
pub(crate) const RIGHT_PATH_FILESTAT_GET: u64 = 1 << 18;
pub(crate) const RIGHT_PATH_FILESTAT_SET_SIZE: u64 = 1 << 19;
pub(crate) const RIGHT_PATH_FILESTAT_SET_TIMES: u64 = 1 << 20;
pub(crate) const RIGHT_FD_FILESTAT_GET: u64 = 1 << 21;
pub(crate) const RIGHT_FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
pub(crate) const RIGHT_FD_FILESTAT_SET_TIMES: u64 = 1 << 23;
pub(crate) const RIGHT_PATH_SYMLINK: u64 = 1 << 24;
pub(crate) const RIGHT_PATH_REMOVE_DIRECTORY: u64 = 1 << 25;
pub(crate) const RIGHT_PATH_UNLINK_FILE: u64 = 1 << 26;
pub(crate) const RIGHT_POLL_FD_READWRITE: u64 = 1 << 27;
/// The rights of a regular file: `fd_*` up to `fd_allocate`, `fd_filestat_*`,
/// `poll_fd_readwrite`.
pub(crate) const RIGHTS_FILE: u64 = 0x1ff | 0b111 << 21 | RIGHT_POLL_FD_READWRITE;
/// The rights of a directory: `fd_fdstat_set_flags`, `fd_sync`, `fd_advise`, every
/// `path_*`, `fd_readdir`, `fd_filestat_get`/`set_times`, `poll_fd_readwrite`.
pub(crate) const RIGHTS_DIR: u64 = 1 << 3 | 1 << 4 | 1 << 7 | 0xfff << 9 | 1 << 21 | 0b11111 << 23;
/// The rights of the standard streams besides reading or writing.
pub(crate) const RIGHTS_STDIO: u64 = RIGHT_FD_FDSTAT_SET_FLAGS
    | RIGHT_FD_SYNC
    | RIGHT_FD_DATASYNC
    | RIGHT_FD_FILESTAT_GET
    | RIGHT_POLL_FD_READWRITE;

// Whence.
pub(crate) const WHENCE_SET: u8 = 0;
pub(crate) const WHENCE_CUR: u8 = 1;
pub(crate) const WHENCE_END: u8 = 2;

// Advice.
pub(crate) const ADVICE_NOREUSE: u8 = 5;

// Events and subscriptions.
pub(crate) const EVENTTYPE_CLOCK: u8 = 0;
pub(crate) const EVENTTYPE_FD_READ: u8 = 1;
pub(crate) const EVENTTYPE_FD_WRITE: u8 = 2;
pub(crate) const SUBCLOCK_ABSTIME: u16 = 1;

// Sizes of structures.
pub(crate) const IOVEC_SIZE: u32 = 8;
pub(crate) const FDSTAT_SIZE: u32 = 24;
pub(crate) const PRESTAT_SIZE: u32 = 8;
pub(crate) const EVENT_SIZE: u32 = 32;

impl Abi {
    /// Size of `filestat`.
    pub(crate) fn filestat_size(self) -> u32 {
        match self {
            Abi::Preview1 => 64,
            Abi::Unstable => 56,
        }
    }

    /// Size of `subscription`.
    pub(crate) fn subscription_size(self) -> u32 {
        match self {
            Abi::Preview1 => 48,
            Abi::Unstable => 56,
        }
    }

    /// Offset of a clock subscription's `id` within the subscription (`timeout`,
    /// `precision` and `flags` follow at +8, +16 and +24).
    pub(crate) fn subscription_clock_offset(self) -> u32 {
        match self {
            Abi::Preview1 => 16,
            Abi::Unstable => 24,
        }
    }

    /// Translates a `whence` to preview1's numbering (snapshot 0 had `CUR, END, SET`).
    pub(crate) fn whence(self, whence: u8) -> Option<u8> {
        match (self, whence) {
            (Abi::Preview1, w @ 0..=2) => Some(w),
            (Abi::Unstable, 0) => Some(WHENCE_CUR),
            (Abi::Unstable, 1) => Some(WHENCE_END),
            (Abi::Unstable, 2) => Some(WHENCE_SET),
            _ => None,
        }
    }
}

/// The guest memory WASI function `function` (under `abi`), called with `params`, reads
/// (see `wasi::input_ranges`): `(address, length)` ranges of `memory`. The parameter
/// positions are the witx signatures' (a test in `describe` checks them against the
/// parameter names).
pub(crate) fn input_ranges(
    abi: Abi,
    function: &str,
    params: &[u64],
    memory: &[u8],
) -> Vec<(u64, u64)> {
    let value = |i: usize| params.get(i).map_or(0, |v| *v as u32 as u64);
    let word = |at: u64| -> Option<u64> {
        let at = usize::try_from(at).ok()?;
        let b = memory.get(at..at.checked_add(4)?)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as u64)
    };
    // (pointer, length) parameter positions of the paths.
    let paths: &[(usize, usize)] = match function {
        "path_create_directory"
        | "path_readlink"
        | "path_remove_directory"
        | "path_unlink_file" => &[(1, 2)],
        "path_filestat_get" | "path_filestat_set_times" | "path_open" => &[(2, 3)],
        "path_link" => &[(2, 3), (5, 6)],
        "path_rename" => &[(1, 2), (4, 5)],
        "path_symlink" => &[(0, 1), (3, 4)],
        _ => &[],
    };
    let mut out: Vec<(u64, u64)> = paths.iter().map(|&(p, n)| (value(p), value(n))).collect();
    match function {
        "fd_read" | "fd_pread" | "sock_recv" => out.push((value(1), value(2).saturating_mul(8))),
        "fd_write" | "fd_pwrite" | "sock_send" => {
            let (array, count) = (value(1), value(2));
            out.push((array, count.saturating_mul(8)));
            // The buffers sent (at most 4096 of them: what a host walks is bounded too).
            for k in 0..count.min(4096) {
                let at = array + 8 * k;
                if let (Some(buf), Some(len)) = (word(at), word(at + 4)) {
                    out.push((buf, len));
                }
            }
        }
        "poll_oneoff" => out.push((
            value(0),
            value(2).saturating_mul(abi.subscription_size() as u64),
        )),
        _ => {}
    }
    out
}
