//! A host directory as a mount, through `std::fs`.
//!
//! Paths arrive resolved by [`super::fs::resolve`] (and directory descriptors' paths
//! re-resolved by [`super::fs::revalidate`]): plain names, none of them a symbolic link
//! except possibly the last, which the callers check before anything follows it.
//! The one gap left is a race with *another host process* that swaps a directory for a
//! link between the check and the use (no `openat`/`O_NOFOLLOW` without `libc`); guests
//! cannot race each other, though calls on different modules run in parallel: the WASI
//! functions that walk paths run one at a time in the process (`preview1::PATH_WALK`).

use std::fs::{self, File, FileTimes};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{FileExt, FileTypeExt, MetadataExt};
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::abi::*;
use super::errno::{from_io, Errno};
use super::fs::{DirEntry, Filestat, Fs, FsFile, OpenOptions, SetTime};

type Res<T> = Result<T, Errno>;

fn io<T>(r: std::io::Result<T>) -> Res<T> {
    r.map_err(|e| from_io(&e))
}

/// A host directory.
pub(crate) struct HostFs {
    root: PathBuf,
}

impl HostFs {
    /// Mounts `root`, which must be a directory.
    pub(crate) fn new(root: PathBuf) -> std::io::Result<Self> {
        let meta = fs::metadata(&root)?;
        if !meta.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotADirectory,
                "not a directory",
            ));
        }
        Ok(HostFs { root })
    }

    fn host(&self, path: &[String]) -> PathBuf {
        let mut p = self.root.clone();
        p.extend(path);
        p
    }
}

fn filetype(ft: fs::FileType) -> u8 {
    if ft.is_symlink() {
        FILETYPE_SYMBOLIC_LINK
    } else if ft.is_dir() {
        FILETYPE_DIRECTORY
    } else if ft.is_file() {
        FILETYPE_REGULAR_FILE
    } else if ft.is_block_device() {
        FILETYPE_BLOCK_DEVICE
    } else if ft.is_char_device() {
        FILETYPE_CHARACTER_DEVICE
    } else if ft.is_socket() {
        FILETYPE_SOCKET_STREAM
    } else {
        FILETYPE_UNKNOWN
    }
}

fn nanos(sec: i64, nsec: i64) -> u64 {
    (sec.max(0) as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(nsec.max(0) as u64)
}

fn stat(m: &fs::Metadata) -> Filestat {
    Filestat {
        dev: m.dev(),
        ino: m.ino(),
        filetype: filetype(m.file_type()),
        nlink: m.nlink(),
        size: m.size(),
        atim: nanos(m.atime(), m.atime_nsec()),
        mtim: nanos(m.mtime(), m.mtime_nsec()),
        ctim: nanos(m.ctime(), m.ctime_nsec()),
    }
}

fn file_times(atim: SetTime, mtim: SetTime) -> FileTimes {
    let to_time = |s: SetTime| match s {
        SetTime::Omit => None,
        SetTime::Now => Some(SystemTime::now()),
        SetTime::At(ns) => Some(UNIX_EPOCH + Duration::from_nanos(ns)),
    };
    let mut t = FileTimes::new();
    if let Some(a) = to_time(atim) {
        t = t.set_accessed(a);
    }
    if let Some(m) = to_time(mtim) {
        t = t.set_modified(m);
    }
    t
}

impl Fs for HostFs {
    fn lstat(&self, path: &[String]) -> Res<Filestat> {
        io(fs::symlink_metadata(self.host(path))).map(|m| stat(&m))
    }

    fn readlink(&self, path: &[String]) -> Res<String> {
        let target = io(fs::read_link(self.host(path)))?;
        target
            .into_os_string()
            .into_string()
            .map_err(|_| Errno::EILSEQ)
    }

    fn open(&self, path: &[String], opts: OpenOptions) -> Res<Box<dyn FsFile>> {
        let host = self.host(path);
        match fs::symlink_metadata(&host) {
            Ok(m) if m.file_type().is_symlink() => return Err(Errno::ELOOP),
            Ok(m) if m.is_dir() => {
                return Err(if opts.create && opts.exclusive {
                    Errno::EEXIST
                } else {
                    Errno::EISDIR
                })
            }
            _ => {}
        }
        // The guest's flags decide, not std's rules: creating or truncating needs a
        // host handle that may write (std refuses `create`/`truncate` without it), even
        // when the guest's descriptor will only read. An existing file opened with
        // `CREAT` alone is just opened, so a read-only host file stays openable.
        let exists = fs::symlink_metadata(&host).is_ok();
        let host_write = opts.write || opts.truncate || (opts.create && !exists);
        let file = io(fs::OpenOptions::new()
            .read(opts.read || !opts.write)
            .write(host_write)
            .create(opts.create && !opts.exclusive && host_write)
            .create_new(opts.create && opts.exclusive)
            .truncate(opts.truncate)
            .open(&host))?;
        Ok(Box::new(HostFile(file)))
    }

    fn read_dir(&self, path: &[String]) -> Res<Vec<DirEntry>> {
        use std::os::unix::fs::DirEntryExt;
        let mut out = Vec::new();
        for entry in io(fs::read_dir(self.host(path)))? {
            let entry = io(entry)?;
            // Names that are not UTF-8 cannot be named by a guest; leave them out.
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            let filetype = entry.file_type().map(filetype).unwrap_or(FILETYPE_UNKNOWN);
            out.push(DirEntry {
                name,
                ino: entry.ino(),
                filetype,
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    fn mkdir(&self, path: &[String]) -> Res<()> {
        io(fs::create_dir(self.host(path)))
    }

    fn rmdir(&self, path: &[String]) -> Res<()> {
        if path.is_empty() {
            return Err(Errno::EBUSY);
        }
        io(fs::remove_dir(self.host(path)))
    }

    fn unlink(&self, path: &[String]) -> Res<()> {
        let host = self.host(path);
        if io(fs::symlink_metadata(&host))?.is_dir() {
            return Err(Errno::EISDIR);
        }
        io(fs::remove_file(host))
    }

    fn rename(&self, from: &[String], to: &[String]) -> Res<()> {
        if from.is_empty() || to.is_empty() {
            return Err(Errno::EBUSY);
        }
        io(fs::rename(self.host(from), self.host(to)))
    }

    fn link(&self, from: &[String], to: &[String]) -> Res<()> {
        io(fs::hard_link(self.host(from), self.host(to)))
    }

    fn symlink(&self, target: &str, path: &[String]) -> Res<()> {
        io(std::os::unix::fs::symlink(target, self.host(path)))
    }

    fn set_times(&self, path: &[String], atim: SetTime, mtim: SetTime, _now: u64) -> Res<()> {
        let host = self.host(path);
        if io(fs::symlink_metadata(&host))?.file_type().is_symlink() {
            // The link's own times (std has no `lutimes`): `utimensat` with
            // `AT_SYMLINK_NOFOLLOW`, `UTIME_OMIT`/`UTIME_NOW` as asked.
            let spec = |s: SetTime| match s {
                SetTime::Omit => rustix::fs::Timespec {
                    tv_sec: 0,
                    tv_nsec: rustix::fs::UTIME_OMIT,
                },
                SetTime::Now => rustix::fs::Timespec {
                    tv_sec: 0,
                    tv_nsec: rustix::fs::UTIME_NOW,
                },
                SetTime::At(ns) => rustix::fs::Timespec {
                    tv_sec: (ns / 1_000_000_000) as i64,
                    tv_nsec: (ns % 1_000_000_000) as _,
                },
            };
            let times = rustix::fs::Timestamps {
                last_access: spec(atim),
                last_modification: spec(mtim),
            };
            return rustix::fs::utimensat(
                rustix::fs::CWD,
                &host,
                &times,
                rustix::fs::AtFlags::SYMLINK_NOFOLLOW,
            )
            .map_err(|e| from_io(&std::io::Error::from(e)));
        }
        let file = File::open(&host).or_else(|_| fs::OpenOptions::new().write(true).open(&host));
        io(io(file)?.set_times(file_times(atim, mtim)))
    }
}

/// An open host file.
struct HostFile(File);

impl FsFile for HostFile {
    fn read(&mut self, buf: &mut [u8]) -> Res<usize> {
        io(self.0.read(buf))
    }

    fn pread(&mut self, buf: &mut [u8], offset: u64) -> Res<usize> {
        io(self.0.read_at(buf, offset))
    }

    fn write(&mut self, buf: &[u8]) -> Res<usize> {
        io(self.0.write(buf))
    }

    fn pwrite(&mut self, buf: &[u8], offset: u64) -> Res<usize> {
        io(self.0.write_at(buf, offset))
    }

    fn seek(&mut self, pos: SeekFrom) -> Res<u64> {
        io(self.0.seek(pos))
    }

    fn stat(&self) -> Res<Filestat> {
        io(self.0.metadata()).map(|m| stat(&m))
    }

    fn set_size(&mut self, size: u64) -> Res<()> {
        io(self.0.set_len(size))
    }

    fn sync(&mut self, data_only: bool) -> Res<()> {
        io(if data_only {
            self.0.sync_data()
        } else {
            self.0.sync_all()
        })
    }

    fn set_times(&mut self, atim: SetTime, mtim: SetTime, _now: u64) -> Res<()> {
        io(self.0.set_times(file_times(atim, mtim)))
    }
}
