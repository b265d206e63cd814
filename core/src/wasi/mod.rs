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
pub(crate) mod abi;
pub(crate) mod clock;
pub(crate) mod context;
mod describe;
mod errno;
mod fd;
#[cfg_attr(not(all(unix, not(target_arch = "wasm32"))), allow(dead_code))]
mod fs;
#[cfg(all(unix, not(target_arch = "wasm32")))]
mod hostfs;
mod mem;
mod memfs;
mod preview1;

pub use context::FsConfig;
pub use describe::{describe_params, describe_results, input_ranges, names, WasiArg, WasiClass};
pub use errno::Errno;
pub use memfs::{MemFs, MEM_FILE_MAX};

use crate::error::Result;
use crate::runtime::Runtime;

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
