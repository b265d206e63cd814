//! The file descriptor table of a module: 0–2 are stdin, stdout and stderr, 3.. the
//! pre-opened mounts in configuration order, then whatever the guest opens (the lowest
//! free number, as POSIX does).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};

use super::abi::*;
use super::errno::Errno;
use super::fs::{Components, FsFile};

/// A shared reader (`ModuleConfig::with_stdin`).
pub(crate) type Reader = Arc<Mutex<dyn Read + Send>>;
/// A shared writer (`ModuleConfig::with_stdout`, `with_stderr`).
pub(crate) type Writer = Arc<Mutex<dyn Write + Send>>;

/// What a descriptor refers to.
pub(crate) enum FdObject {
    /// Standard input; `None` reads as empty.
    Stdin(Option<Reader>),
    /// Standard output or error; `None` discards.
    Stdout(Option<Writer>),
    /// An open regular file of mount `mount`.
    File { file: Box<dyn FsFile>, mount: usize },
    /// A directory of mount `mount`, at `path` (directories are not held open: their
    /// resolved path is what relative lookups start from).
    Dir { mount: usize, path: Components },
}

/// One open descriptor.
pub(crate) struct FdEntry {
    pub obj: FdObject,
    /// The guest path of a pre-opened mount.
    pub preopen: Option<String>,
    pub readable: bool,
    pub writable: bool,
    /// `fdflags` (only `APPEND` changes behaviour).
    pub flags: u16,
    pub rights_base: u64,
    pub rights_inheriting: u64,
    /// A standard stream that is a terminal: a character device to the guest (which is
    /// what `isatty` looks for); other streams are of unknown type, as in wasmtime.
    pub terminal: bool,
}

impl FdEntry {
    pub(crate) fn stdio(obj: FdObject, terminal: bool) -> Self {
        let (readable, rights) = match obj {
            FdObject::Stdin(_) => (true, RIGHT_FD_READ | RIGHTS_STDIO),
            _ => (false, RIGHT_FD_WRITE | RIGHTS_STDIO),
        };
        FdEntry {
            obj,
            preopen: None,
            readable,
            writable: !readable,
            flags: 0,
            rights_base: rights,
            rights_inheriting: 0,
            terminal,
        }
    }

    pub(crate) fn dir(mount: usize, path: Components, preopen: Option<String>) -> Self {
        FdEntry {
            obj: FdObject::Dir { mount, path },
            preopen,
            readable: true,
            writable: false,
            flags: 0,
            rights_base: RIGHTS_DIR,
            rights_inheriting: RIGHTS_DIR | RIGHTS_FILE,
            terminal: false,
        }
    }

    /// Whether the descriptor is a directory.
    pub(crate) fn is_dir(&self) -> bool {
        matches!(self.obj, FdObject::Dir { .. })
    }

    /// `ENOTCAPABLE` unless the descriptor has every right of `rights`.
    pub(crate) fn need(&self, rights: u64) -> Result<(), Errno> {
        if self.rights_base & rights == rights {
            Ok(())
        } else {
            Err(Errno::ENOTCAPABLE)
        }
    }
}

/// The open descriptors of one module.
#[derive(Default)]
pub(crate) struct FdTable {
    map: BTreeMap<u32, FdEntry>,
}

impl FdTable {
    pub(crate) fn get(&self, fd: u32) -> Result<&FdEntry, Errno> {
        self.map.get(&fd).ok_or(Errno::EBADF)
    }

    pub(crate) fn get_mut(&mut self, fd: u32) -> Result<&mut FdEntry, Errno> {
        self.map.get_mut(&fd).ok_or(Errno::EBADF)
    }

    /// Adds `entry` under the lowest free number.
    pub(crate) fn insert(&mut self, entry: FdEntry) -> Result<u32, Errno> {
        let mut fd = 0u32;
        for k in self.map.keys() {
            if *k != fd {
                break;
            }
            fd = fd.checked_add(1).ok_or(Errno::EMFILE)?;
        }
        self.map.insert(fd, entry);
        Ok(fd)
    }

    /// Closes `fd`. A pre-opened directory can be closed too (as in wasmtime): its number
    /// is then free and `fd_prestat_get` no longer finds it.
    pub(crate) fn close(&mut self, fd: u32) -> Result<(), Errno> {
        self.map.remove(&fd).map(drop).ok_or(Errno::EBADF)
    }

    /// Moves `from` to `to`, closing what `to` was (both must be open; either may be a
    /// pre-open, which keeps its pre-open name under the new number, as in wasmtime).
    pub(crate) fn renumber(&mut self, from: u32, to: u32) -> Result<(), Errno> {
        self.get(from)?;
        self.get(to)?;
        if from != to {
            let entry = self.map.remove(&from).ok_or(Errno::EBADF)?;
            self.map.insert(to, entry);
        }
        Ok(())
    }
}
