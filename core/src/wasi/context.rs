//! The WASI state of one module instance ([`SysContext`]) and the configuration it is
//! built from ([`SysConfig`], [`FsConfig`]): below the store, which keeps the state per
//! instance, and the public configuration ([`crate::ModuleConfig`]), which sets it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::clock::{self, Nanosleep, Nanotime, RandSource, Walltime};
use super::fd::{FdEntry, FdObject, FdTable, Reader, Writer};
use super::fs;
use super::memfs::MemFs;
use crate::error::{Error, Result};

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
    match super::hostfs::HostFs::new(dir.to_path_buf()) {
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

/// The file systems a module may use (wazero's `FSConfig`). An immutable builder; each
/// mount is pre-opened for the guest as a directory named by its guest path, in the
/// order added (fd 3, 4, ...). Adding a mount at a guest path already used replaces
/// that mount.
///
/// Unlike wazero's, a mount is a real sandbox: `..`, absolute paths and symbolic links
/// can never reach outside it (see [`crate::wasi`]).
///
/// ```
/// use wasmscope::{FsConfig, MemFs, ModuleConfig};
/// let scratch = MemFs::new();
/// let fs = FsConfig::new()
///     .with_read_only_dir_mount("/usr/share/data", "/data")
///     .with_mem_mount(scratch.clone(), "/tmp");
/// let config = ModuleConfig::new().with_fs_config(fs);
/// # let _ = config;
/// ```
#[derive(Clone, Debug, Default)]
pub struct FsConfig {
    pub(crate) mounts: Vec<MountConfig>,
}

/// One mount of an [`FsConfig`].
#[derive(Clone, Debug)]
pub(crate) struct MountConfig {
    pub guest_path: String,
    pub source: MountSource,
    pub read_only: bool,
}

/// What a mount exposes.
#[derive(Clone, Debug)]
pub(crate) enum MountSource {
    Dir(PathBuf),
    Mem(MemFs),
}

impl FsConfig {
    /// No mounts.
    pub fn new() -> Self {
        Self::default()
    }

    fn with_mount(mut self, guest_path: &str, source: MountSource, read_only: bool) -> Self {
        let mut guest = guest_path.trim_end_matches('/').to_string();
        if guest.is_empty() {
            guest = "/".into();
        }
        let mount = MountConfig {
            guest_path: guest,
            source,
            read_only,
        };
        match self
            .mounts
            .iter_mut()
            .find(|m| m.guest_path == mount.guest_path)
        {
            Some(m) => *m = mount,
            None => self.mounts.push(mount),
        }
        self
    }

    /// Mounts host directory `host_dir` at `guest_path` (`/` for the guest's root),
    /// readable and writable.
    ///
    /// # Errors
    /// A missing `host_dir` makes instantiation fail; so does any host directory on
    /// platforms without one (`wasm32`): use [`FsConfig::with_mem_mount`] there.
    pub fn with_dir_mount(self, host_dir: impl AsRef<Path>, guest_path: &str) -> Self {
        self.with_mount(
            guest_path,
            MountSource::Dir(host_dir.as_ref().into()),
            false,
        )
    }

    /// Like [`FsConfig::with_dir_mount`], but every change fails with `EROFS`.
    ///
    /// # Errors
    /// As for [`FsConfig::with_dir_mount`].
    pub fn with_read_only_dir_mount(self, host_dir: impl AsRef<Path>, guest_path: &str) -> Self {
        self.with_mount(guest_path, MountSource::Dir(host_dir.as_ref().into()), true)
    }

    /// Mounts the in-memory file system `fs` at `guest_path`, readable and writable.
    /// `fs` is shared: the embedder sees what the guest writes.
    pub fn with_mem_mount(self, fs: MemFs, guest_path: &str) -> Self {
        self.with_mount(guest_path, MountSource::Mem(fs), false)
    }

    /// Like [`FsConfig::with_mem_mount`], but every change fails with `EROFS`.
    pub fn with_read_only_mem_mount(self, fs: MemFs, guest_path: &str) -> Self {
        self.with_mount(guest_path, MountSource::Mem(fs), true)
    }

    /// The guest paths of the mounts, in pre-open order.
    pub fn guest_paths(&self) -> Vec<&str> {
        self.mounts.iter().map(|m| m.guest_path.as_str()).collect()
    }
}
