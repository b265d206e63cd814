//! WASI preview1: the host modules `wasi_snapshot_preview1` and `wasi_unstable`, and the
//! per-module system state they work on (arguments, environment, standard streams, clocks,
//! randomness and mounted file systems).
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use wasmscope::{ModuleConfig, Runtime};
//! # fn main() -> Result<(), wasmscope::Error> {
//! let rt = Runtime::new();
//! wasmscope::wasi::instantiate(&rt)?;
//! let wasm = wat::parse_str(r#"(module
//!     (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
//!     (memory (export "memory") 1)
//!     (data (i32.const 8) "\10\00\00\00\06\00\00\00hello\n")
//!     (func (export "_start") (drop (call $fd_write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 0)))))"#).unwrap();
//! let out = Arc::new(Mutex::new(Vec::new()));
//! # struct W(Arc<Mutex<Vec<u8>>>);
//! # impl std::io::Write for W {
//! #     fn write(&mut self, b: &[u8]) -> std::io::Result<usize> { self.0.lock().unwrap().write(b) }
//! #     fn flush(&mut self) -> std::io::Result<()> { Ok(()) }
//! # }
//! rt.instantiate_with_config(&wasm, ModuleConfig::new().with_stdout(W(out.clone())))?;
//! assert_eq!(&*out.lock().unwrap(), b"hello\n");
//! # Ok(()) }
//! ```
//!
//! # Sandbox
//!
//! By default a module sees no file system, an empty stdin, discarded stdout and stderr,
//! fake clocks and a seeded random source (see [`crate::ModuleConfig`]). What it may see
//! of the host is what [`crate::FsConfig`] mounts, and a mount is a real sandbox: every
//! path is resolved component by component inside it, so `..` above the mount's root, an
//! absolute path, or a symbolic link whose target is absolute or climbs out of the mount
//! fail with [`Errno::ENOTCAPABLE`] (wasmtime says `EPERM` for some of these; WASI's
//! errno for "outside the capability" is `ENOTCAPABLE`). A guest cannot create a
//! symbolic link with an absolute target either.
//!
//! # Differences from wazero
//!
//! - Writes to a read-only mount fail with `EROFS`, including opening a file for writing
//!   (wazero says `ENOSYS` there).
//! - `wasi_unstable` (snapshot 0) is served by the same functions with its own layouts
//!   (`whence`, `filestat`, clock subscriptions).
//! - There are no sockets to configure: the `sock_*` functions fail with `ENOTSOCK` on
//!   every descriptor (`EBADF` on a closed one).
//! - A directory descriptor remembers its path, not its inode (there is no `openat`
//!   without `libc`): every use resolves that path again inside the mount, so a directory
//!   renamed after it was opened is no longer reached through the descriptor, and one
//!   replaced by a symbolic link is reached through the link, sandboxed like any other.
//! - `poll_oneoff` treats every file and standard stream as ready (stdin is a `Read`
//!   that cannot be polled); clock subscriptions sleep with the configured `nanosleep`.

// Some constants and options are used only by host directories.
#[cfg_attr(not(all(unix, not(target_arch = "wasm32"))), allow(dead_code))]
mod abi;
mod clock;
mod errno;
mod fd;
#[cfg_attr(not(all(unix, not(target_arch = "wasm32"))), allow(dead_code))]
mod fs;
#[cfg(all(unix, not(target_arch = "wasm32")))]
mod hostfs;
mod mem;
mod memfs;
mod preview1;

use std::sync::Arc;

pub use errno::Errno;
pub use memfs::{MemFs, MEM_FILE_MAX};

pub(crate) use clock::{Nanosleep, Nanotime, RandSource, Walltime};
pub(crate) use fd::{Reader, Writer};

use crate::config::{FsConfig, MountSource};
use crate::error::{Error, Result};
use crate::runtime::Runtime;
use fd::{FdEntry, FdObject, FdTable};

/// The name of the WASI preview1 host module.
pub const MODULE_NAME: &str = "wasi_snapshot_preview1";
/// The name of the older snapshot 0 module, served by the same functions.
pub const UNSTABLE_MODULE_NAME: &str = "wasi_unstable";

/// Instantiates the host modules [`MODULE_NAME`] and [`UNSTABLE_MODULE_NAME`] in `rt`, so
/// that modules importing WASI functions can be instantiated (wazero's
/// `wasi_snapshot_preview1.MustInstantiate`). Each module's WASI state comes from its own
/// [`crate::ModuleConfig`].
///
/// # Errors
/// The runtime is closed, or WASI was already instantiated in it (the module names are
/// in use).
pub fn instantiate(rt: &Runtime) -> Result<()> {
    preview1::host_module(rt, MODULE_NAME, abi::Abi::Preview1).instantiate()?;
    preview1::host_module(rt, UNSTABLE_MODULE_NAME, abi::Abi::Unstable).instantiate()?;
    Ok(())
}

/// The function imports of `compiled` (by any runtime) that a runtime with WASI and
/// nothing else does not provide, as `module.name (params) results` in import order:
/// what a WASI command line or the workbench would have to stub
/// ([`Runtime::define_unknown_imports`]).
///
/// ```
/// let wasm = wat::parse_str(r#"(module
///     (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
///     (import "env" "draw" (func (param f64) (result i32))))"#).unwrap();
/// let compiled = wasmscope::Runtime::new().compile_module(&wasm).unwrap();
/// assert_eq!(wasmscope::wasi::unknown_imports(&compiled), ["env.draw (f64) i32"]);
/// ```
pub fn unknown_imports(compiled: &crate::CompiledModule) -> Vec<String> {
    let rt = Runtime::new();
    if instantiate(&rt).is_err() {
        return Vec::new();
    }
    rt.unknown_imports(compiled)
        .iter()
        .filter_map(|f| {
            let (module, name) = f.import()?;
            Some(format!("{module}.{name} {}", f.func_type()))
        })
        .collect()
}

/// The WASI options of a [`crate::ModuleConfig`].
#[derive(Clone, Default)]
pub(crate) struct SysConfig {
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    pub stdin: Option<Reader>,
    pub stdout: Option<Writer>,
    pub stderr: Option<Writer>,
    /// Whether stdin, stdout and stderr are terminals (`ModuleConfig::with_terminals`).
    pub terminals: [bool; 3],
    pub fs: FsConfig,
    pub walltime: Walltime,
    pub nanotime: Nanotime,
    pub nanosleep: Nanosleep,
    pub rand: RandSource,
}

/// A mounted file system.
pub(crate) struct Mount {
    pub fs: Arc<dyn fs::Fs>,
    pub read_only: bool,
}

/// The WASI state of one module instance, built from its configuration when it is
/// instantiated and dropped (closing its files) when it closes.
pub(crate) struct SysContext {
    /// NUL-free argument strings.
    pub args: Vec<String>,
    /// `KEY=value` strings.
    pub env: Vec<String>,
    pub clocks: clock::Clocks,
    pub mounts: Vec<Mount>,
    pub fds: FdTable,
}

impl SysContext {
    /// Builds the state that `config` describes, opening its mounts.
    ///
    /// # Errors
    /// An argument or environment string holds a NUL byte, an environment key is empty
    /// or holds `=`, a clock resolution is 0, or a host directory to mount is missing or
    /// not a directory (or host directories are not supported on this platform).
    pub(crate) fn new(config: &SysConfig) -> Result<Self> {
        if let Some(a) = config.args.iter().find(|a| a.contains('\0')) {
            return Err(Error::usage(format!(
                "args invalid: {a:?} contains a NUL byte"
            )));
        }
        let mut env = Vec::with_capacity(config.env.len());
        for (k, v) in &config.env {
            if k.is_empty() || k.contains('=') || k.contains('\0') || v.contains('\0') {
                return Err(Error::usage(format!(
                    "environ invalid: {k:?}={v:?} (the key must be non-empty without '=', neither may hold NUL)"
                )));
            }
            env.push(format!("{k}={v}"));
        }
        let zero_res = matches!(config.walltime, Walltime::Custom(_, 0))
            || matches!(config.nanotime, Nanotime::Custom(_, 0));
        if zero_res {
            return Err(Error::usage("clock resolution must be at least 1 ns"));
        }
        let mut fds = FdTable::default();
        let [tty_in, tty_out, tty_err] = config.terminals;
        fds.insert(FdEntry::stdio(
            FdObject::Stdin(config.stdin.clone()),
            tty_in,
        ))
        .map_err(|_| Error::usage("fd table full"))?;
        fds.insert(FdEntry::stdio(
            FdObject::Stdout(config.stdout.clone()),
            tty_out,
        ))
        .map_err(|_| Error::usage("fd table full"))?;
        fds.insert(FdEntry::stdio(
            FdObject::Stdout(config.stderr.clone()),
            tty_err,
        ))
        .map_err(|_| Error::usage("fd table full"))?;
        let mut mounts = Vec::new();
        for m in &config.fs.mounts {
            let fs: Arc<dyn fs::Fs> = match &m.source {
                MountSource::Mem(mem) => Arc::new(mem.clone()),
                MountSource::Dir(dir) => mount_dir(dir, &m.guest_path)?,
            };
            let index = mounts.len();
            mounts.push(Mount {
                fs,
                read_only: m.read_only,
            });
            fds.insert(FdEntry::dir(index, Vec::new(), Some(m.guest_path.clone())))
                .map_err(|_| Error::usage("fd table full"))?;
        }
        Ok(SysContext {
            args: config.args.clone(),
            env,
            clocks: clock::Clocks::new(
                config.walltime.clone(),
                config.nanotime.clone(),
                config.nanosleep.clone(),
                config.rand.clone(),
            ),
            mounts,
            fds,
        })
    }
}

#[cfg(all(unix, not(target_arch = "wasm32")))]
fn mount_dir(dir: &std::path::Path, guest: &str) -> Result<Arc<dyn fs::Fs>> {
    match hostfs::HostFs::new(dir.to_path_buf()) {
        Ok(fs) => Ok(Arc::new(fs)),
        Err(e) => Err(Error::usage(format!(
            "fs mount {guest:?}: cannot mount host directory {}: {e}",
            dir.display()
        ))),
    }
}

#[cfg(not(all(unix, not(target_arch = "wasm32"))))]
fn mount_dir(dir: &std::path::Path, guest: &str) -> Result<Arc<dyn fs::Fs>> {
    Err(Error::usage(format!(
        "fs mount {guest:?}: host directories ({}) cannot be mounted on this platform; use a MemFs",
        dir.display()
    )))
}
