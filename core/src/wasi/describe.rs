//! WASI preview1 calls decoded for people: what a debugger's catchpoint shows when it
//! pauses before a WASI call (its arguments: descriptors, paths, the data written, flags
//! and rights by name) or after it (the errno and the values the call wrote back).
//!
//! Everything here is a pure function of the raw parameters and (a view of) the guest's
//! memory 0, and never panics: a pointer or length out of range is shown as such.
//! Structures are read in `wasi_snapshot_preview1`'s layouts (`wasi_unstable` differs
//! in `whence`, `filestat` and clock subscriptions).

use std::fmt;

use super::errno::Errno;
use super::preview1;

/// At most this many bytes of a string or buffer are shown.
const PREVIEW: usize = 64;
/// At most this many iovecs, subscriptions, events or directory entries are shown.
const MAX_ITEMS: u64 = 16;
/// At most this many iovecs are walked to gather the bytes a read produced.
const MAX_GATHER: u64 = 4096;
/// What a pointer or length out of range shows after the pointer.
const OUT_OF_BOUNDS: &str = "(out of memory bounds)";

// Sizes of the structures read (preview1's).
const IOVEC_SIZE: u64 = 8;
const FDSTAT_SIZE: u64 = 24;
const FILESTAT_SIZE: u64 = 64;
const PRESTAT_SIZE: u64 = 8;
const SUBSCRIPTION_SIZE: u64 = 48;
const EVENT_SIZE: u64 = 32;
const DIRENT_SIZE: usize = 24;

/// The names WASI preview1 gives flags and enumerations, for tools that show calls:
/// a flag's name at its bit's index, an enumeration value's name at its value.
pub mod names {
    // Flags: the name of bit `i` is at index `i`.
    /// `path_open`'s `oflags`.
    pub const OFLAGS: &[&str] = &["CREAT", "DIRECTORY", "EXCL", "TRUNC"];
    /// `fdflags` (`path_open`, `fd_fdstat_set_flags`, an fdstat's flags).
    pub const FDFLAGS: &[&str] = &["APPEND", "DSYNC", "NONBLOCK", "RSYNC", "SYNC"];
    /// The `path_*` functions' lookup flags.
    pub const LOOKUPFLAGS: &[&str] = &["SYMLINK_FOLLOW"];
    /// `fst_flags` (which times a `*_set_times` sets).
    pub const FSTFLAGS: &[&str] = &["ATIM", "ATIM_NOW", "MTIM", "MTIM_NOW"];
    /// `sock_shutdown`'s `how`.
    pub const SDFLAGS: &[&str] = &["RD", "WR"];
    /// `sock_recv`'s `ri_flags`.
    pub const RIFLAGS: &[&str] = &["RECV_PEEK", "RECV_WAITALL"];
    /// `sock_recv`'s `ro_flags`.
    pub const ROFLAGS: &[&str] = &["RECV_DATA_TRUNCATED"];
    /// A clock subscription's flags (`poll_oneoff`).
    pub const SUBCLOCKFLAGS: &[&str] = &["ABSTIME"];
    /// An fd event's flags (`poll_oneoff`).
    pub const EVENTRWFLAGS: &[&str] = &["HANGUP"];
    /// Rights (`fs_rights_base`, `fs_rights_inheriting`).
    pub const RIGHTS: &[&str] = &[
        "FD_DATASYNC",
        "FD_READ",
        "FD_SEEK",
        "FD_FDSTAT_SET_FLAGS",
        "FD_SYNC",
        "FD_TELL",
        "FD_WRITE",
        "FD_ADVISE",
        "FD_ALLOCATE",
        "PATH_CREATE_DIRECTORY",
        "PATH_CREATE_FILE",
        "PATH_LINK_SOURCE",
        "PATH_LINK_TARGET",
        "PATH_OPEN",
        "FD_READDIR",
        "PATH_READLINK",
        "PATH_RENAME_SOURCE",
        "PATH_RENAME_TARGET",
        "PATH_FILESTAT_GET",
        "PATH_FILESTAT_SET_SIZE",
        "PATH_FILESTAT_SET_TIMES",
        "FD_FILESTAT_GET",
        "FD_FILESTAT_SET_SIZE",
        "FD_FILESTAT_SET_TIMES",
        "PATH_SYMLINK",
        "PATH_REMOVE_DIRECTORY",
        "PATH_UNLINK_FILE",
        "POLL_FD_READWRITE",
        "SOCK_SHUTDOWN",
        "SOCK_ACCEPT",
    ];

    // Enumerations: the name of value `i` is at index `i`.
    /// `fd_seek`'s `whence`.
    pub const WHENCE: &[&str] = &["SET", "CUR", "END"];
    /// Clock ids.
    pub const CLOCKS: &[&str] = &[
        "REALTIME",
        "MONOTONIC",
        "PROCESS_CPUTIME_ID",
        "THREAD_CPUTIME_ID",
    ];
    /// `fd_advise`'s `advice`.
    pub const ADVICE: &[&str] = &[
        "NORMAL",
        "SEQUENTIAL",
        "RANDOM",
        "WILLNEED",
        "DONTNEED",
        "NOREUSE",
    ];
    /// File types.
    pub const FILETYPES: &[&str] = &[
        "UNKNOWN",
        "BLOCK_DEVICE",
        "CHARACTER_DEVICE",
        "DIRECTORY",
        "REGULAR_FILE",
        "SOCKET_DGRAM",
        "SOCKET_STREAM",
        "SYMBOLIC_LINK",
    ];
    /// Event types (`poll_oneoff`).
    pub const EVENTTYPES: &[&str] = &["CLOCK", "FD_READ", "FD_WRITE"];
}
use names::*;

/// Every right WASI preview1 defines (shown as `ALL`).
const ALL_RIGHTS: u64 = (1 << 30) - 1;

/// A class of WASI functions (what a catchpoint by class catches).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WasiClass {
    /// Descriptors and paths: every `fd_*` and `path_*` function.
    Files,
    /// `clock_res_get` and `clock_time_get`.
    Clocks,
    /// `random_get`.
    Random,
    /// The command line and the environment: `args_get`, `args_sizes_get`,
    /// `environ_get`, `environ_sizes_get`.
    ArgsEnv,
    /// `proc_exit`.
    Exit,
    /// The rest: `poll_oneoff` (which polls and sleeps), `proc_raise`, `sched_yield` and
    /// the `sock_*` functions.
    Other,
}

impl WasiClass {
    /// All classes.
    pub const ALL: [WasiClass; 6] = [
        WasiClass::Files,
        WasiClass::Clocks,
        WasiClass::Random,
        WasiClass::ArgsEnv,
        WasiClass::Exit,
        WasiClass::Other,
    ];

    /// The class of WASI preview1 function `name` (`None`: not a WASI preview1
    /// function).
    ///
    /// ```
    /// use wasmscope::wasi::WasiClass;
    /// assert_eq!(WasiClass::of("path_open"), Some(WasiClass::Files));
    /// assert_eq!(WasiClass::of("poll_oneoff"), Some(WasiClass::Other));
    /// assert_eq!(WasiClass::of("printf"), None);
    /// ```
    pub fn of(name: &str) -> Option<WasiClass> {
        signature(name)?;
        Some(match name {
            "clock_res_get" | "clock_time_get" => WasiClass::Clocks,
            "random_get" => WasiClass::Random,
            "args_get" | "args_sizes_get" | "environ_get" | "environ_sizes_get" => {
                WasiClass::ArgsEnv
            }
            "proc_exit" => WasiClass::Exit,
            n if n.starts_with("fd_") || n.starts_with("path_") => WasiClass::Files,
            _ => WasiClass::Other,
        })
    }

    /// Parses a class name as a user types it, ignoring case and surrounding spaces:
    /// `files` (or `file`, `fs`), `clocks` (`clock`, `time`), `random`, `args`
    /// (`environment`, `env`, `args-env`, `args_env`), `exit` and `other`. A function
    /// name such as `proc_exit` is not a class name.
    pub fn parse(s: &str) -> Option<WasiClass> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "files" | "file" | "fs" => WasiClass::Files,
            "clocks" | "clock" | "time" => WasiClass::Clocks,
            "random" => WasiClass::Random,
            "args" | "environment" | "env" | "args-env" | "args_env" => WasiClass::ArgsEnv,
            "exit" => WasiClass::Exit,
            "other" => WasiClass::Other,
            _ => return None,
        })
    }

    /// The name [`WasiClass::parse`] accepts first: `files`, `clocks`, `random`, `args`,
    /// `exit` or `other`.
    pub fn name(self) -> &'static str {
        match self {
            WasiClass::Files => "files",
            WasiClass::Clocks => "clocks",
            WasiClass::Random => "random",
            WasiClass::ArgsEnv => "args",
            WasiClass::Exit => "exit",
            WasiClass::Other => "other",
        }
    }

    /// The WASI preview1 functions of this class, in the witx order (the order in
    /// which the host module defines them).
    pub fn functions(self) -> Vec<&'static str> {
        preview1::signatures()
            .map(|(name, _)| name)
            .filter(|name| WasiClass::of(name) == Some(self))
            .collect()
    }
}

impl fmt::Display for WasiClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One argument or result of a WASI call, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WasiArg {
    /// Its name in WASI: `fd`, `iovs`, `path`, ...; `result.nwritten` for an output
    /// pointer (its value read back after the call), `errno` for the result, and `data`,
    /// `path`, `entries` or `events` for what a call filled a buffer with.
    pub name: String,
    /// Its raw value: the parameter; for an output read back from memory, the value
    /// read (for a structure, its address); for `errno`, the number; for filled data,
    /// its length in bytes (or number of events).
    pub value: u64,
    /// What it means, for people: a descriptor with its standard stream
    /// (`1 (stdout)`), a path quoted (`"dir/file.txt"`), iovecs with the data written
    /// as text and hex, flags and rights by name (`CREAT|TRUNC`), pointers in hex,
    /// other numbers in decimal, `ENOSPC (51)` for an errno.
    pub text: String,
}

impl fmt::Display for WasiArg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.name, self.text)
    }
}

/// The arguments of a call of WASI preview1 function `function` with `params` (raw,
/// one `u64` per wasm parameter, `i32` zero-extended), decoded with the guest's memory
/// 0 if given (`None`: numbers and pointers only). For an unknown function, each
/// parameter as `argN` with its number.
///
/// Memory is only read, and never out of range: a pointer or length that does not fit
/// shows as `0x10000 (out of memory bounds)`; strings and buffers show at most their
/// first 64 bytes, then `…(N bytes)`. Output pointers (`result.*`) show as pointers:
/// [`describe_results`] reads them back after the call.
///
/// ```
/// use wasmscope::wasi::describe_params;
/// // An iovec at 0: {buf: 8, buf_len: 3}, then "hi\n" at 8.
/// let mut memory = vec![8, 0, 0, 0, 3, 0, 0, 0];
/// memory.extend_from_slice(b"hi\n");
/// let args = describe_params("fd_write", &[1, 0, 1, 16], Some(&memory));
/// let shown: Vec<String> = args.iter().map(|a| a.to_string()).collect();
/// assert_eq!(
///     shown,
///     [
///         "fd=1 (stdout)",
///         r#"iovs=[{buf=0x8 len=3 "hi\n" 68 69 0a}]"#,
///         "iovs_len=1",
///         "result.nwritten=0x10",
///     ]
/// );
/// assert_eq!(args[1].value, 0);
/// ```
pub fn describe_params(function: &str, params: &[u64], memory: Option<&[u8]>) -> Vec<WasiArg> {
    let Some(names) = signature(function) else {
        return numbered("arg", params);
    };
    let mem = Mem(memory);
    names
        .iter()
        .zip(params)
        .enumerate()
        .map(|(i, (&name, &value))| WasiArg {
            name: name.to_string(),
            value,
            text: param_text(function, names, params, i, mem),
        })
        .collect()
}

/// What a call of WASI preview1 function `function` with `params` returned, with
/// `results` its raw results (the errno) and the guest's memory 0 after the call if
/// given: `errno` first (`ESUCCESS (0)`, `ENOSPC (51)`), then, when it is 0, the value
/// of each output pointer read back (`result.nwritten` = 6; descriptors, `fdstat`,
/// `filestat` and `prestat` decoded), then what the call filled a buffer with: `data`
/// (the bytes `fd_read`, `fd_pread` and `sock_recv` read, as text and hex; the bytes
/// of `random_get`, in hex; the target of `path_readlink`), `path` (of
/// `fd_prestat_dir_name`), `entries` (of `fd_readdir`) or `events` (of `poll_oneoff`).
/// A call that failed wrote no outputs: just its errno.
///
/// Without memory, the output pointers show as pointers. `proc_exit`, which does not
/// return, has nothing to show; nor has a call without results. For an unknown
/// function, each result as `resultN` with its number.
pub fn describe_results(
    function: &str,
    params: &[u64],
    results: &[u64],
    memory: Option<&[u8]>,
) -> Vec<WasiArg> {
    let Some(names) = signature(function) else {
        return numbered("result", results);
    };
    if function == "proc_exit" {
        return Vec::new();
    }
    let Some(&errno) = results.first() else {
        return Vec::new();
    };
    let mut out = vec![WasiArg {
        name: "errno".into(),
        value: errno,
        text: errno_text(errno),
    }];
    if errno != 0 {
        return out;
    }
    let mem = Mem(memory);
    for (&name, &ptr) in names.iter().zip(params) {
        if let Some(field) = name.strip_prefix("result.") {
            out.push(output(name, field, ptr, mem));
        }
    }
    if memory.is_some() {
        out.extend(filled(function, names, params, mem));
    }
    out
}

/// The parameter names of WASI preview1 function `function`.
/// The guest memory WASI function `function`, called with `params`, reads:
/// `(address, length)` ranges of `memory` — its paths, the iovec arrays of reads and
/// writes and the buffers a write sends, `poll_oneoff`'s subscriptions. (What read
/// watchpoints see of a host call: its loads are not the guest's instructions.)
///
/// ```
/// use wasmscope::wasi::input_ranges;
/// // An iovec at 0: {buf: 8, buf_len: 3}.
/// let mut memory = vec![0u8; 16];
/// memory[0] = 8;
/// memory[4] = 3;
/// assert_eq!(input_ranges("fd_write", &[1, 0, 1, 12], &memory), [(0, 8), (8, 3)]);
/// // fd_read reads the iovec array only (it writes the buffers).
/// assert_eq!(input_ranges("fd_read", &[0, 0, 1, 12], &memory), [(0, 8)]);
/// assert_eq!(input_ranges("path_open", &[3, 0, 100, 5, 0, 0, 0, 0, 64], &memory), [(100, 5)]);
/// ```
pub fn input_ranges(function: &str, params: &[u64], memory: &[u8]) -> Vec<(u64, u64)> {
    super::abi::input_ranges(super::abi::Abi::Preview1, function, params, memory)
}

fn signature(function: &str) -> Option<&'static [&'static str]> {
    preview1::signatures()
        .find(|(name, _)| *name == function)
        .map(|(_, names)| names)
}

fn arg(name: &str, value: u64, text: String) -> WasiArg {
    WasiArg {
        name: name.to_string(),
        value,
        text,
    }
}

/// `values` as `{prefix}0`, `{prefix}1`, ... with their numbers.
fn numbered(prefix: &str, values: &[u64]) -> Vec<WasiArg> {
    values
        .iter()
        .enumerate()
        .map(|(i, &v)| WasiArg {
            name: format!("{prefix}{i}"),
            value: v,
            text: v.to_string(),
        })
        .collect()
}

/// Parameter `i` of `function` (`i` is below the lengths of both `names` and `params`).
fn param_text(function: &str, names: &[&str], params: &[u64], i: usize, mem: Mem<'_>) -> String {
    let (name, value) = (names[i], params[i]);
    let at = |j: usize| params.get(j).copied().unwrap_or(0);
    // A pointer followed by its length (`path`, `path_len`).
    let len_follows = names
        .get(i + 1)
        .is_some_and(|n| n.strip_suffix("_len") == Some(name));
    match name {
        "fd" | "old_fd" | "new_fd" | "to" => fd_text(value),
        // `fd_prestat_dir_name`'s `path` is a buffer the call fills.
        "path" | "old_path" | "new_path" if len_follows && function != "fd_prestat_dir_name" => {
            mem.quoted(value, at(i + 1))
        }
        "iovs" | "ri_data" | "si_data" if len_follows => {
            // What a write writes is there before the call; what a read reads, after.
            let contents = matches!(function, "fd_write" | "fd_pwrite" | "sock_send");
            mem.iovecs(value, at(i + 1), contents)
        }
        "in" if function == "poll_oneoff" => mem.subscriptions(value, at(2)),
        "oflags" => flags(value, OFLAGS),
        "fdflags" => flags(value, FDFLAGS),
        "flags" if matches!(function, "fd_fdstat_set_flags" | "sock_accept") => {
            flags(value, FDFLAGS)
        }
        // The `path_*` functions' lookup flags.
        "dirflags" | "flags" | "old_flags" => flags(value, LOOKUPFLAGS),
        "fst_flags" => flags(value, FSTFLAGS),
        "ri_flags" => flags(value, RIFLAGS),
        "how" => flags(value, SDFLAGS),
        "fs_rights_base" | "fs_rights_inheriting" => rights(value),
        "whence" => named(value, WHENCE),
        "id" => named(value, CLOCKS),
        "advice" => named(value, ADVICE),
        // A `filedelta`: signed.
        "offset" if function == "fd_seek" => (value as i64).to_string(),
        "argv" | "argv_buf" | "environ" | "environ_buf" | "buf" | "in" | "out" | "path" => {
            hex(value)
        }
        n if n.starts_with("result.") => hex(value),
        _ => value.to_string(),
    }
}

/// Output `name` (`result.field`) at `ptr`, read back after a successful call.
fn output(name: &str, field: &str, ptr: u64, mem: Mem<'_>) -> WasiArg {
    let read = match field {
        "timestamp" | "resolution" | "newoffset" | "offset" => {
            mem.uint(ptr, 8).map(|v| (v, v.to_string()))
        }
        "opened_fd" | "fd" => mem.uint(ptr, 4).map(|v| (v, fd_text(v))),
        "ro_flags" => mem.uint(ptr, 2).map(|v| (v, flags(v, ROFLAGS))),
        "stat" => mem.bytes(ptr, FDSTAT_SIZE).map(|b| (ptr, fdstat(b))),
        "filestat" => mem.bytes(ptr, FILESTAT_SIZE).map(|b| (ptr, filestat(b))),
        "prestat" => mem.bytes(ptr, PRESTAT_SIZE).map(|b| (ptr, prestat(b))),
        _ => mem.uint(ptr, 4).map(|v| (v, v.to_string())),
    };
    match read {
        Ok((value, text)) => arg(name, value, text),
        Err(text) => arg(name, ptr, text),
    }
}

/// What a successful call of `function` filled a buffer with, if anything.
fn filled(function: &str, names: &[&str], params: &[u64], mem: Mem<'_>) -> Option<WasiArg> {
    let at = |i: usize| params.get(i).copied();
    // The count that output `result.{field}` holds after the call.
    let count = |field: &str| -> Option<u64> {
        let i = names
            .iter()
            .position(|n| n.strip_prefix("result.") == Some(field))?;
        mem.uint(at(i)?, 4).ok()
    };
    Some(match function {
        "fd_read" | "fd_pread" => {
            let n = count("nread")?;
            arg("data", n, mem.gather(at(1)?, at(2)?, n))
        }
        "sock_recv" => {
            let n = count("ro_datalen")?;
            arg("data", n, mem.gather(at(1)?, at(2)?, n))
        }
        "random_get" => {
            let (buf, len) = (at(0)?, at(1)?);
            let text = match mem.bytes(buf, len) {
                Ok(b) => show_bytes(b, len, false, true),
                Err(text) => text,
            };
            arg("data", len, text)
        }
        "fd_prestat_dir_name" => {
            let (buf, len) = (at(1)?, at(2)?);
            arg("path", len, mem.quoted(buf, len))
        }
        "path_readlink" => {
            let n = count("bufused")?;
            arg("data", n, mem.quoted(at(3)?, n))
        }
        "fd_readdir" => {
            let n = count("bufused")?;
            let text = match mem.bytes(at(1)?, n) {
                Ok(b) => dirents(b),
                Err(text) => text,
            };
            arg("entries", n, text)
        }
        "poll_oneoff" => {
            let n = count("nevents")?;
            arg("events", n, mem.events(at(1)?, n))
        }
        _ => return None,
    })
}

/// The guest's memory 0, if known: every read is bounds-checked.
#[derive(Clone, Copy)]
struct Mem<'a>(Option<&'a [u8]>);

impl<'a> Mem<'a> {
    /// `len` bytes at `ptr`, or what to show instead: the pointer without memory, the
    /// pointer out of bounds when they do not fit.
    fn bytes(self, ptr: u64, len: u64) -> Result<&'a [u8], String> {
        let memory = self.0.ok_or_else(|| hex(ptr))?;
        slice(memory, ptr, len).ok_or_else(|| out_of_bounds(ptr))
    }

    /// A little-endian unsigned integer of `width` bytes (at most 8) at `ptr`.
    fn uint(self, ptr: u64, width: u64) -> Result<u64, String> {
        self.bytes(ptr, width).map(le)
    }

    /// The iovec (`buf`, `buf_len`) at `ptr`.
    fn iovec(self, ptr: u64) -> Option<(u64, u64)> {
        let b = self.bytes(ptr, IOVEC_SIZE).ok()?;
        Some((le(&b[..4]), le(&b[4..])))
    }

    /// The `len` bytes at `ptr` as quoted text (a path).
    fn quoted(self, ptr: u64, len: u64) -> String {
        match self.bytes(ptr, len) {
            Ok(b) => show_bytes(b, len, true, false),
            Err(text) => text,
        }
    }

    /// The `count` iovecs at `ptr`: `[{buf=0x1010 len=3 "hi\n" 68 69 0a}]`, with the
    /// contents of their buffers if `contents`.
    fn iovecs(self, ptr: u64, count: u64, contents: bool) -> String {
        if self.0.is_none() {
            return hex(ptr);
        }
        let mut items = Vec::new();
        for i in 0..count.min(MAX_ITEMS) {
            let Some((buf, len)) = ptr
                .checked_add(i * IOVEC_SIZE)
                .and_then(|at| self.iovec(at))
            else {
                return out_of_bounds(ptr);
            };
            let mut item = format!("{{buf={buf:#x} len={len}");
            if contents {
                item.push(' ');
                match self.bytes(buf, len) {
                    Ok(b) => item.push_str(&show_bytes(b, len, true, true)),
                    Err(_) => item.push_str(OUT_OF_BOUNDS),
                }
            }
            item.push('}');
            items.push(item);
        }
        list(items, count, "iovecs")
    }

    /// The first bytes of the `n` that a read put in the `count` iovecs at `ptr`, as
    /// text and hex.
    fn gather(self, ptr: u64, count: u64, n: u64) -> String {
        let mut head = Vec::new();
        let mut left = n;
        let mut i = 0;
        while left > 0 && head.len() < PREVIEW && i < count.min(MAX_GATHER) {
            let Some((buf, len)) = ptr
                .checked_add(i * IOVEC_SIZE)
                .and_then(|at| self.iovec(at))
            else {
                return out_of_bounds(ptr);
            };
            let take = len.min(left);
            let Ok(b) = self.bytes(buf, take) else {
                return out_of_bounds(buf);
            };
            let room = PREVIEW - head.len();
            head.extend_from_slice(&b[..b.len().min(room)]);
            left -= take;
            i += 1;
        }
        show_bytes(&head, n, true, true)
    }

    /// The `count` subscriptions at `ptr` (`poll_oneoff`'s `in`).
    fn subscriptions(self, ptr: u64, count: u64) -> String {
        if self.0.is_none() {
            return hex(ptr);
        }
        let mut items = Vec::new();
        for i in 0..count.min(MAX_ITEMS) {
            let Some(s) = ptr
                .checked_add(i * SUBSCRIPTION_SIZE)
                .and_then(|at| self.bytes(at, SUBSCRIPTION_SIZE).ok())
            else {
                return out_of_bounds(ptr);
            };
            let userdata = le(&s[..8]);
            let item = match s[8] {
                0 => {
                    let mut item = format!(
                        "{{userdata={userdata} CLOCK id={} timeout={} precision={}",
                        named(le(&s[16..20]), CLOCKS),
                        le(&s[24..32]),
                        le(&s[32..40]),
                    );
                    let clock_flags = le(&s[40..42]);
                    if clock_flags != 0 {
                        item.push_str(" flags=");
                        item.push_str(&flags(clock_flags, SUBCLOCKFLAGS));
                    }
                    item.push('}');
                    item
                }
                tag @ (1 | 2) => format!(
                    "{{userdata={userdata} {} fd={}}}",
                    named(u64::from(tag), EVENTTYPES),
                    fd_text(le(&s[16..20])),
                ),
                tag => format!("{{userdata={userdata} type={tag}}}"),
            };
            items.push(item);
        }
        list(items, count, "subscriptions")
    }

    /// The `count` events at `ptr` (`poll_oneoff`'s `out`).
    fn events(self, ptr: u64, count: u64) -> String {
        if self.0.is_none() {
            return hex(ptr);
        }
        let mut items = Vec::new();
        for i in 0..count.min(MAX_ITEMS) {
            let Some(e) = ptr
                .checked_add(i * EVENT_SIZE)
                .and_then(|at| self.bytes(at, EVENT_SIZE).ok())
            else {
                return out_of_bounds(ptr);
            };
            let ty = e[10];
            let kind = match ty {
                0..=2 => named(u64::from(ty), EVENTTYPES),
                t => format!("type={t}"),
            };
            let mut item = format!("{{userdata={} {kind}", le(&e[..8]));
            let error = le(&e[8..10]);
            if error != 0 {
                item.push_str(" error=");
                item.push_str(&errno_name(error));
            }
            if ty == 1 || ty == 2 {
                item.push_str(&format!(" nbytes={}", le(&e[16..24])));
                let rw_flags = le(&e[24..26]);
                if rw_flags != 0 {
                    item.push_str(" flags=");
                    item.push_str(&flags(rw_flags, EVENTRWFLAGS));
                }
            }
            item.push('}');
            items.push(item);
        }
        list(items, count, "events")
    }
}

/// `len` bytes at `ptr` in `memory`, if they are all in it.
fn slice(memory: &[u8], ptr: u64, len: u64) -> Option<&[u8]> {
    let start = usize::try_from(ptr).ok()?;
    let end = start.checked_add(usize::try_from(len).ok()?)?;
    memory.get(start..end)
}

/// `bytes` as a little-endian unsigned integer (at most 8 of them).
fn le(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .rev()
        .fold(0, |acc, &b| (acc << 8) | u64::from(b))
}

fn hex(value: u64) -> String {
    format!("{value:#x}")
}

fn out_of_bounds(ptr: u64) -> String {
    format!("{ptr:#x} {OUT_OF_BOUNDS}")
}

fn fd_text(fd: u64) -> String {
    match fd {
        0 => "0 (stdin)".into(),
        1 => "1 (stdout)".into(),
        2 => "2 (stderr)".into(),
        _ => fd.to_string(),
    }
}

/// Value `value` of an enumeration by name (`names[value]`), its number otherwise.
fn named(value: u64, names: &[&str]) -> String {
    usize::try_from(value)
        .ok()
        .and_then(|i| names.get(i).copied())
        .map_or_else(|| value.to_string(), str::to_string)
}

/// Flags by name (bit `i` is `names[i]`) joined with `|`, unnamed bits in hex, `0`
/// for none.
fn flags(value: u64, names: &[&str]) -> String {
    if value == 0 {
        return "0".into();
    }
    let mut parts = Vec::new();
    let mut rest = value;
    for (i, name) in names.iter().enumerate() {
        let bit = 1u64 << i;
        if value & bit != 0 {
            parts.push((*name).to_string());
            rest &= !bit;
        }
    }
    if rest != 0 {
        parts.push(hex(rest));
    }
    parts.join("|")
}

/// Rights by name, `ALL` for all of them.
fn rights(value: u64) -> String {
    if value & ALL_RIGHTS != ALL_RIGHTS {
        return flags(value, RIGHTS);
    }
    match value & !ALL_RIGHTS {
        0 => "ALL".into(),
        rest => format!("ALL|{rest:#x}"),
    }
}

/// An errno's WASI name, `ESUCCESS` for 0.
fn errno_symbol(errno: u64) -> Option<&'static str> {
    match u16::try_from(errno) {
        Ok(0) => Some("ESUCCESS"),
        Ok(e) => Errno(e).name(),
        Err(_) => None,
    }
}

/// An errno's name, `errno(N)` for one WASI does not define.
fn errno_name(errno: u64) -> String {
    errno_symbol(errno).map_or_else(|| format!("errno({errno})"), str::to_string)
}

/// An errno as `ENOSPC (51)`, `errno(N)` for one WASI does not define.
fn errno_text(errno: u64) -> String {
    match errno_symbol(errno) {
        Some(name) => format!("{name} ({errno})"),
        None => format!("errno({errno})"),
    }
}

/// `bytes` as a quoted string: UTF-8 text escaped as Rust's `{:?}` escapes it, every
/// byte that is not UTF-8 as `\xNN` (never U+FFFD: the bytes stay readable, and a
/// font without that glyph draws them).
fn quote_bytes(bytes: &[u8]) -> String {
    let mut out = String::from("\"");
    for chunk in bytes.utf8_chunks() {
        out.extend(chunk.valid().chars().flat_map(char::escape_debug));
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out.push('"');
    out
}

/// The first bytes of `bytes` (the first of `total`) as quoted text if `as_text` and
/// in hex if `as_hex`, then `…(total bytes)` if that is not all of them.
fn show_bytes(bytes: &[u8], total: u64, as_text: bool, as_hex: bool) -> String {
    let head = &bytes[..bytes.len().min(PREVIEW)];
    let mut parts = Vec::new();
    if as_text {
        parts.push(quote_bytes(head));
    }
    if as_hex && !head.is_empty() {
        let digits: Vec<String> = head.iter().map(|b| format!("{b:02x}")).collect();
        parts.push(digits.join(" "));
    }
    let mut s = parts.join(" ");
    if total > head.len() as u64 {
        s.push_str(&format!("…({total} bytes)"));
    }
    if s.is_empty() {
        s.push_str("(0 bytes)");
    }
    s
}

/// `items` in brackets, with `…(count what)` when there were more than shown.
fn list(mut items: Vec<String>, count: u64, what: &str) -> String {
    if count > items.len() as u64 {
        items.push(format!("…({count} {what})"));
    }
    format!("[{}]", items.join(", "))
}

/// `fdstat`: filetype, flags and rights.
fn fdstat(b: &[u8]) -> String {
    format!(
        "filetype={} flags={} rights_base={} rights_inheriting={}",
        named(le(&b[..1]), FILETYPES),
        flags(le(&b[2..4]), FDFLAGS),
        rights(le(&b[8..16])),
        rights(le(&b[16..24])),
    )
}

/// `filestat` (preview1's layout).
fn filestat(b: &[u8]) -> String {
    format!(
        "filetype={} size={} dev={} ino={} nlink={} atim={} mtim={} ctim={}",
        named(le(&b[16..17]), FILETYPES),
        le(&b[32..40]),
        le(&b[..8]),
        le(&b[8..16]),
        le(&b[24..32]),
        le(&b[40..48]),
        le(&b[48..56]),
        le(&b[56..64]),
    )
}

/// `prestat`: a directory and the length of its name.
fn prestat(b: &[u8]) -> String {
    match b[0] {
        0 => format!("dir name_len={}", le(&b[4..8])),
        tag => format!("tag={tag}"),
    }
}

/// The directory entries `fd_readdir` put in `bytes`: `[{next=1 ino=5 DIRECTORY "."}]`
/// (the last may be cut short by the end of the buffer).
fn dirents(bytes: &[u8]) -> String {
    let mut items = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        if items.len() as u64 == MAX_ITEMS || rest.len() < DIRENT_SIZE {
            items.push(format!("…({} bytes)", bytes.len()));
            break;
        }
        let (head, tail) = rest.split_at(DIRENT_SIZE);
        let namlen = le(&head[16..20]);
        let shown = usize::try_from(namlen).map_or(tail.len(), |n| n.min(tail.len()));
        let name = &tail[..shown];
        items.push(format!(
            "{{next={} ino={} {} {}}}",
            le(&head[..8]),
            le(&head[8..16]),
            named(u64::from(head[20]), FILETYPES),
            show_bytes(name, namlen, true, false),
        ));
        rest = &tail[shown..];
    }
    format!("[{}]", items.join(", "))
}

#[cfg(test)]
mod tests {
    /// `abi::input_ranges`' parameter positions are those of the functions' path,
    /// iovec and subscription parameters, each followed by its length.
    #[test]
    fn input_ranges_read_the_parameters_the_signatures_name() {
        for (function, names) in preview1::signatures() {
            let params: Vec<u64> = (0..names.len() as u64).map(|i| 1000 * (i + 1)).collect();
            let memory = vec![0u8; 16];
            let ranges = input_ranges(function, &params, &memory);
            let mut expected = Vec::new();
            for (i, name) in names.iter().enumerate() {
                let len_follows = names
                    .get(i + 1)
                    .is_some_and(|n| n.strip_suffix("_len") == Some(*name));
                let ptr = params[i];
                match *name {
                    "path" | "old_path" | "new_path"
                        if len_follows && function != "fd_prestat_dir_name" =>
                    {
                        expected.push((ptr, params[i + 1]));
                    }
                    "iovs" | "ri_data" | "si_data" if len_follows => {
                        expected.push((ptr, params[i + 1] * 8));
                    }
                    "in" if function == "poll_oneoff" => expected.push((ptr, params[i + 2] * 48)),
                    _ => {}
                }
            }
            // (The buffers of writes are outside this memory: not walked.)
            assert_eq!(ranges, expected, "{function} {names:?}");
        }
    }

    use super::*;

    /// A memory of `size` zero bytes with `bytes` written at each `(offset, bytes)`.
    fn memory(size: usize, writes: &[(usize, &[u8])]) -> Vec<u8> {
        let mut m = vec![0u8; size];
        for (at, bytes) in writes {
            m[*at..*at + bytes.len()].copy_from_slice(bytes);
        }
        m
    }

    fn texts(args: &[WasiArg]) -> Vec<String> {
        args.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn fd_write_text_and_hex() {
        let m = memory(
            0x1020,
            &[
                (0x100, &[0x10, 0x10, 0, 0, 3, 0, 0, 0]),
                (0x108, &[0x13, 0x10, 0, 0, 0, 0, 0, 0]),
                (0x1010, b"hi\n"),
            ],
        );
        let args = describe_params("fd_write", &[2, 0x100, 2, 0x200], Some(&m));
        assert_eq!(
            texts(&args),
            [
                "fd=2 (stderr)",
                r#"iovs=[{buf=0x1010 len=3 "hi\n" 68 69 0a}, {buf=0x1013 len=0 ""}]"#,
                "iovs_len=2",
                "result.nwritten=0x200",
            ]
        );
        assert_eq!(args[1].value, 0x100);
        // Without memory: numbers and pointers only.
        let args = describe_params("fd_write", &[7, 0x100, 2, 0x200], None);
        assert_eq!(
            texts(&args),
            ["fd=7", "iovs=0x100", "iovs_len=2", "result.nwritten=0x200"]
        );
        // fd_read shows the buffers only: they are what the call fills.
        let args = describe_params("fd_read", &[0, 0x100, 1, 0x200], Some(&m));
        assert_eq!(args[0].text, "0 (stdin)");
        assert_eq!(args[1].text, "[{buf=0x1010 len=3}]");
    }

    #[test]
    fn long_buffers_and_many_iovecs_are_capped() {
        let mut writes: Vec<(usize, Vec<u8>)> = Vec::new();
        for i in 0..20 {
            let mut iov = 0x1000u32.to_le_bytes().to_vec();
            iov.extend_from_slice(&100u32.to_le_bytes());
            writes.push((i * 8, iov));
        }
        writes.push((0x1000, vec![b'a'; 100]));
        let refs: Vec<(usize, &[u8])> = writes.iter().map(|(a, b)| (*a, &b[..])).collect();
        let m = memory(0x2000, &refs);
        let args = describe_params("fd_write", &[1, 0, 20, 0x200], Some(&m));
        let text = &args[1].text;
        assert_eq!(text.matches("{buf=").count(), 16);
        assert!(text.ends_with(", …(20 iovecs)]"), "{text}");
        let one = format!(
            "{{buf=0x1000 len=100 \"{}\" {}…(100 bytes)}}",
            "a".repeat(64),
            ["61"; 64].join(" ")
        );
        assert!(text.starts_with(&format!("[{one}, ")), "{text}");
    }

    #[test]
    fn out_of_bounds_never_panics() {
        let m = memory(16, &[(0, &[0, 0, 1, 0, 3, 0, 0, 0])]);
        // The iovec array out of memory, then its buffer.
        let args = describe_params("fd_write", &[1, 0x10000, 1, 0], Some(&m));
        assert_eq!(args[1].text, "0x10000 (out of memory bounds)");
        let args = describe_params("fd_write", &[1, 0, 1, 0], Some(&m));
        assert_eq!(args[1].text, "[{buf=0x10000 len=3 (out of memory bounds)}]");
        // A huge length, a huge count.
        let args = describe_params("path_open", &[3, 0, 4, u64::MAX, 0, 0, 0, 0, 8], Some(&m));
        assert_eq!(args[2].text, "0x4 (out of memory bounds)");
        assert_eq!(args[3].text, u64::MAX.to_string());
        let args = describe_params("fd_write", &[1, 8, u64::MAX, 0], Some(&m));
        assert_eq!(args[1].text, "0x8 (out of memory bounds)");
        // Outputs out of memory after a successful call.
        let r = describe_results("fd_write", &[1, 0, 1, 0x10000], &[0], Some(&m));
        assert_eq!(r[1].text, "0x10000 (out of memory bounds)");
        assert_eq!(r[1].value, 0x10000);
        // Every function, with every parameter at its largest and at 0, with and
        // without memory, before and after.
        let empty: &[u8] = &[];
        for (name, names) in preview1::signatures() {
            for mem in [None, Some(empty), Some(&m[..])] {
                for value in [0, 4, u64::MAX] {
                    let params = vec![value; names.len()];
                    assert_eq!(describe_params(name, &params, mem).len(), names.len());
                    describe_results(name, &params, &[0], mem);
                    describe_results(name, &params, &[u64::MAX], mem);
                    describe_results(name, &params, &[], mem);
                }
            }
        }
    }

    #[test]
    fn path_open_flags_and_rights() {
        let m = memory(64, &[(16, b"dir/file.txt")]);
        let params = [3, 1, 16, 12, 1 | 8 | 0x30, 2 | 64, ALL_RIGHTS, 1 | 4, 40];
        assert_eq!(
            texts(&describe_params("path_open", &params, Some(&m))),
            [
                "fd=3",
                "dirflags=SYMLINK_FOLLOW",
                "path=\"dir/file.txt\"",
                "path_len=12",
                "oflags=CREAT|TRUNC|0x30",
                "fs_rights_base=FD_READ|FD_WRITE",
                "fs_rights_inheriting=ALL",
                "fdflags=APPEND|NONBLOCK",
                "result.opened_fd=0x28",
            ]
        );
        let params = [3, 0, 16, 12, 0, 1 << 29, ALL_RIGHTS | (1 << 40), 0, 40];
        let args = describe_params("path_open", &params, Some(&m));
        assert_eq!(args[1].text, "0");
        assert_eq!(args[4].text, "0");
        assert_eq!(args[5].text, "SOCK_ACCEPT");
        assert_eq!(args[6].text, "ALL|0x10000000000");
        assert_eq!(RIGHTS.len(), 30);

        // After the call: the descriptor opened.
        let mut m = m;
        m[40] = 5;
        let r = describe_results("path_open", &params, &[0], Some(&m));
        assert_eq!(texts(&r), ["errno=ESUCCESS (0)", "result.opened_fd=5"]);
        assert_eq!(r[1].value, 5);
    }

    #[test]
    fn fd_write_results() {
        let m = memory(32, &[(16, &6u32.to_le_bytes())]);
        let r = describe_results("fd_write", &[1, 0, 1, 16], &[0], Some(&m));
        assert_eq!(
            r,
            [
                WasiArg {
                    name: "errno".into(),
                    value: 0,
                    text: "ESUCCESS (0)".into(),
                },
                WasiArg {
                    name: "result.nwritten".into(),
                    value: 6,
                    text: "6".into(),
                },
            ]
        );
        // Failed: the outputs were not written.
        let r = describe_results("fd_write", &[1, 0, 1, 16], &[51], Some(&m));
        assert_eq!(texts(&r), ["errno=ENOSPC (51)"]);
        assert_eq!(r[0].value, 51);
        let r = describe_results("fd_write", &[1, 0, 1, 16], &[999], Some(&m));
        assert_eq!(texts(&r), ["errno=errno(999)"]);
        // Without memory: the pointer.
        let r = describe_results("fd_write", &[1, 0, 1, 16], &[0], None);
        assert_eq!(texts(&r), ["errno=ESUCCESS (0)", "result.nwritten=0x10"]);
        // proc_exit never returns; an unknown function's results are numbers.
        assert!(describe_results("proc_exit", &[3], &[], Some(&m)).is_empty());
        assert_eq!(
            texts(&describe_results("draw", &[], &[7], None)),
            ["result0=7"]
        );
        assert_eq!(
            texts(&describe_params("draw", &[1, 2], None)),
            ["arg0=1", "arg1=2"]
        );
    }

    #[test]
    fn fd_read_data() {
        let m = memory(
            64,
            &[
                (0, &[16, 0, 0, 0, 2, 0, 0, 0]),
                (8, &[24, 0, 0, 0, 8, 0, 0, 0]),
                (16, b"ab"),
                (24, b"c\0zzzzzz"),
                (40, &3u32.to_le_bytes()),
            ],
        );
        let r = describe_results("fd_read", &[0, 0, 2, 40], &[0], Some(&m));
        assert_eq!(
            texts(&r),
            [
                "errno=ESUCCESS (0)",
                "result.nread=3",
                r#"data="abc" 61 62 63"#
            ]
        );
        assert_eq!(r[2].value, 3);
    }

    #[test]
    fn clock_time_get_timestamp() {
        let t: u64 = 0x1_0000_0002;
        let m = memory(16, &[(8, &t.to_le_bytes())]);
        let params = [1, 1000, 8];
        assert_eq!(
            texts(&describe_params("clock_time_get", &params, Some(&m))),
            ["id=MONOTONIC", "precision=1000", "result.timestamp=0x8"]
        );
        let r = describe_results("clock_time_get", &params, &[0], Some(&m));
        assert_eq!(
            texts(&r),
            ["errno=ESUCCESS (0)", "result.timestamp=4294967298"]
        );
        assert_eq!(r[1].value, t);
        assert_eq!(describe_params("clock_res_get", &[9, 0], None)[0].text, "9");
    }

    #[test]
    fn random_get_data() {
        let m = memory(16, &[(4, &[0xde, 0xad, 0xbe, 0xef])]);
        assert_eq!(
            texts(&describe_params("random_get", &[4, 4], Some(&m))),
            ["buf=0x4", "buf_len=4"]
        );
        let r = describe_results("random_get", &[4, 4], &[0], Some(&m));
        assert_eq!(texts(&r), ["errno=ESUCCESS (0)", "data=de ad be ef"]);
        assert_eq!(r[1].value, 4);
        let r = describe_results("random_get", &[4, 100], &[0], Some(&m));
        assert_eq!(r[1].text, "0x4 (out of memory bounds)");
    }

    #[test]
    fn structures() {
        let mut filestat = [0u8; 64];
        filestat[8] = 9; // ino
        filestat[16] = 4; // a regular file
        filestat[24] = 1; // nlink
        filestat[32] = 123; // size
        let m = memory(64, &[(0, &filestat)]);
        let r = describe_results("fd_filestat_get", &[3, 0], &[0], Some(&m));
        assert!(
            r[1].text
                .starts_with("filetype=REGULAR_FILE size=123 dev=0 ino=9 nlink=1"),
            "{}",
            r[1].text
        );
        let mut fdstat = [0u8; 24];
        fdstat[0] = 2;
        fdstat[2] = 1;
        fdstat[8] = 2 | 64;
        let m = memory(24, &[(0, &fdstat)]);
        let r = describe_results("fd_fdstat_get", &[1, 0], &[0], Some(&m));
        assert_eq!(
            r[1].text,
            "filetype=CHARACTER_DEVICE flags=APPEND rights_base=FD_READ|FD_WRITE \
             rights_inheriting=0"
        );
        let m = memory(16, &[(0, &[0, 0, 0, 0, 1, 0, 0, 0]), (8, b"/")]);
        let r = describe_results("fd_prestat_get", &[3, 0], &[0], Some(&m));
        assert_eq!(r[1].text, "dir name_len=1");
        let r = describe_results("fd_prestat_dir_name", &[3, 8, 1], &[0], Some(&m));
        assert_eq!(texts(&r), ["errno=ESUCCESS (0)", "path=\"/\""]);
        assert_eq!(
            describe_params("fd_prestat_dir_name", &[3, 8, 1], Some(&m))[1].text,
            "0x8"
        );
    }

    #[test]
    fn poll_oneoff_subscriptions_and_events() {
        let mut sub = [0u8; 48];
        sub[0] = 7; // userdata
        sub[16] = 1; // monotonic
        sub[24..32].copy_from_slice(&1_000_000u64.to_le_bytes());
        let mut event = [0u8; 32];
        event[0] = 7;
        let m = memory(128, &[(0, &sub), (48, &event), (80, &1u32.to_le_bytes())]);
        let args = describe_params("poll_oneoff", &[0, 48, 1, 80], Some(&m));
        assert_eq!(
            args[0].text,
            "[{userdata=7 CLOCK id=MONOTONIC timeout=1000000 precision=0}]"
        );
        assert_eq!(args[1].text, "0x30");
        let r = describe_results("poll_oneoff", &[0, 48, 1, 80], &[0], Some(&m));
        assert_eq!(
            texts(&r),
            [
                "errno=ESUCCESS (0)",
                "result.nevents=1",
                "events=[{userdata=7 CLOCK}]"
            ]
        );
    }

    #[test]
    fn classes() {
        let all: Vec<&str> = preview1::signatures().map(|(name, _)| name).collect();
        assert_eq!(all.len(), 46);
        let mut by_class: Vec<&str> = WasiClass::ALL.iter().flat_map(|c| c.functions()).collect();
        let mut sorted = all.clone();
        sorted.sort_unstable();
        by_class.sort_unstable();
        assert_eq!(by_class, sorted);
        for name in &all {
            let class = WasiClass::of(name).unwrap();
            assert!(class.functions().contains(name), "{name}");
        }
        for class in WasiClass::ALL {
            assert_eq!(WasiClass::parse(class.name()), Some(class));
            assert_eq!(WasiClass::parse(&class.name().to_uppercase()), Some(class));
            assert_eq!(class.to_string(), class.name());
        }
        assert_eq!(WasiClass::of("fd_write"), Some(WasiClass::Files));
        assert_eq!(WasiClass::of("path_open"), Some(WasiClass::Files));
        assert_eq!(WasiClass::of("clock_time_get"), Some(WasiClass::Clocks));
        assert_eq!(WasiClass::of("poll_oneoff"), Some(WasiClass::Other));
        assert_eq!(WasiClass::of("sock_send"), Some(WasiClass::Other));
        assert_eq!(WasiClass::of("proc_exit"), Some(WasiClass::Exit));
        assert_eq!(WasiClass::of("fd_nope"), None);
        assert_eq!(WasiClass::Exit.functions(), ["proc_exit"]);
        assert_eq!(WasiClass::Random.functions(), ["random_get"]);
        assert_eq!(
            WasiClass::Clocks.functions(),
            ["clock_res_get", "clock_time_get"]
        );
        assert_eq!(
            WasiClass::ArgsEnv.functions(),
            [
                "args_get",
                "args_sizes_get",
                "environ_get",
                "environ_sizes_get"
            ]
        );
        assert_eq!(
            WasiClass::Other.functions(),
            [
                "poll_oneoff",
                "proc_raise",
                "sched_yield",
                "sock_accept",
                "sock_recv",
                "sock_send",
                "sock_shutdown"
            ]
        );
        assert_eq!(WasiClass::parse(" Env "), Some(WasiClass::ArgsEnv));
        assert_eq!(WasiClass::parse("fs"), Some(WasiClass::Files));
        assert_eq!(WasiClass::parse("time"), Some(WasiClass::Clocks));
        assert_eq!(WasiClass::parse("proc_exit"), None);
        assert_eq!(WasiClass::parse("nope"), None);
    }

    #[test]
    fn bytes_that_are_not_utf8_are_escaped_not_replaced() {
        assert_eq!(
            quote_bytes(b"a\"\n\xff\xfe b\xe2\x82"),
            "\"a\\\"\\n\\xff\\xfe b\\xe2\\x82\""
        );
        assert!(!quote_bytes(&[0xc3, 0x28, 0x80]).contains('\u{fffd}'));
        assert_eq!(quote_bytes("é".as_bytes()), "\"é\"");
    }
}
