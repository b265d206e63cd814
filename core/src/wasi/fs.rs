//! The file systems behind mounts and the path resolution that keeps the guest inside
//! them.
//!
//! A mount is an [`Fs`]: a host directory (`hostfs.rs`) or a [`super::MemFs`]. Both are
//! addressed by *resolved* paths: lists of plain names from the mount's root, in which no
//! component but possibly the last is a symbolic link. [`resolve`] produces them from a
//! guest path, one component at a time: `.` is skipped, `..` pops a component (and is
//! `ENOTCAPABLE` above the directory descriptor the path is relative to: each descriptor
//! is its own boundary, not only the mount's root), and a symbolic link is read and its
//! target spliced into the rest of the path, so that a relative link is resolved inside
//! the descriptor's directory like any other path and an absolute one is `ENOTCAPABLE`.
//! Nothing is ever handed to the host that could name a file outside the mount.

use std::collections::VecDeque;

use super::abi::{FILETYPE_DIRECTORY, FILETYPE_SYMBOLIC_LINK};
use super::errno::Errno;

/// How many symbolic links one resolution may follow before `ELOOP` (Linux's limit).
pub(crate) const MAX_SYMLINKS: usize = 40;

/// A resolved path: plain names from the mount's root.
pub(crate) type Components = Vec<String>;

/// What `fd_filestat_get` and `path_filestat_get` report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Filestat {
    pub dev: u64,
    pub ino: u64,
    pub filetype: u8,
    pub nlink: u64,
    pub size: u64,
    pub atim: u64,
    pub mtim: u64,
    pub ctim: u64,
}

/// One entry of a directory listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DirEntry {
    pub name: String,
    pub ino: u64,
    pub filetype: u8,
}

/// How to open a file (never a directory: those are not opened, only remembered).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct OpenOptions {
    pub read: bool,
    pub write: bool,
    pub create: bool,
    pub exclusive: bool,
    pub truncate: bool,
}

/// A new access or modification time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SetTime {
    /// Leave it.
    Omit,
    /// The current time (the host's for host directories, the module's wall clock,
    /// given as `now`, for in-memory ones).
    Now,
    /// Nanoseconds since the Unix epoch.
    At(u64),
}

/// A file system a mount exposes. Paths are [`Components`] that [`resolve`] produced;
/// implementations never follow a symbolic link themselves.
pub(crate) trait Fs: Send + Sync {
    /// The status of `path` itself (a symbolic link is not followed).
    fn lstat(&self, path: &[String]) -> Result<Filestat, Errno>;
    /// The target of the symbolic link `path`.
    fn readlink(&self, path: &[String]) -> Result<String, Errno>;
    /// Opens (or creates) the file `path`; `EISDIR` for a directory, `ELOOP` for a
    /// symbolic link.
    fn open(&self, path: &[String], opts: OpenOptions) -> Result<Box<dyn FsFile>, Errno>;
    /// The entries of directory `path` (without `.` and `..`), sorted by name.
    fn read_dir(&self, path: &[String]) -> Result<Vec<DirEntry>, Errno>;
    /// Creates directory `path`.
    fn mkdir(&self, path: &[String]) -> Result<(), Errno>;
    /// Removes the empty directory `path`.
    fn rmdir(&self, path: &[String]) -> Result<(), Errno>;
    /// Removes the non-directory `path`.
    fn unlink(&self, path: &[String]) -> Result<(), Errno>;
    /// Renames `from` to `to`, replacing `to` as POSIX `rename` does.
    fn rename(&self, from: &[String], to: &[String]) -> Result<(), Errno>;
    /// Makes `to` a hard link to `from`.
    fn link(&self, from: &[String], to: &[String]) -> Result<(), Errno>;
    /// Creates the symbolic link `path` with the (relative) `target`.
    fn symlink(&self, target: &str, path: &[String]) -> Result<(), Errno>;
    /// Sets the times of `path` itself (a symbolic link's own times, not its target's).
    fn set_times(
        &self,
        path: &[String],
        atim: SetTime,
        mtim: SetTime,
        now: u64,
    ) -> Result<(), Errno>;
}

/// An open regular file.
pub(crate) trait FsFile: Send {
    /// Reads at the file position, advancing it.
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Errno>;
    /// Reads at `offset`, leaving the position.
    fn pread(&mut self, buf: &mut [u8], offset: u64) -> Result<usize, Errno>;
    /// Writes at the file position, advancing it.
    fn write(&mut self, buf: &[u8]) -> Result<usize, Errno>;
    /// Writes at `offset`, leaving the position.
    fn pwrite(&mut self, buf: &[u8], offset: u64) -> Result<usize, Errno>;
    /// Moves the position; returns the new one.
    fn seek(&mut self, pos: std::io::SeekFrom) -> Result<u64, Errno>;
    /// The file's status.
    fn stat(&self) -> Result<Filestat, Errno>;
    /// Truncates or extends the file.
    fn set_size(&mut self, size: u64) -> Result<(), Errno>;
    /// Flushes to storage (`data_only`: `fdatasync`).
    fn sync(&mut self, data_only: bool) -> Result<(), Errno>;
    /// Sets the file's times.
    fn set_times(&mut self, atim: SetTime, mtim: SetTime, now: u64) -> Result<(), Errno>;
}

/// A guest path split into its components, and whether it ended with `/`.
fn split(path: &str) -> Result<(VecDeque<String>, bool), Errno> {
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    if path.starts_with('/') {
        return Err(Errno::ENOTCAPABLE);
    }
    if path.contains('\0') {
        return Err(Errno::EILSEQ);
    }
    let comps = path
        .split('/')
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect();
    Ok((comps, path.ends_with('/')))
}

/// Walks `pending` from `stack`; the last component is followed if it is a link only
/// when `follow_last` (a path with a trailing `/` always follows).
///
/// `stack` is the directory the walk starts from, and also its floor: each directory
/// descriptor is a capability of its own, so no `..` (in the path or in a link's target)
/// may climb above it, even where the mount would still be around it (as in wasmtime,
/// whose `cap-std` refuses any step out of the descriptor's directory).
fn walk(
    fs: &dyn Fs,
    mut stack: Components,
    mut pending: VecDeque<String>,
    follow_last: bool,
) -> Result<Components, Errno> {
    let floor = stack.len();
    let mut links = 0;
    while let Some(c) = pending.pop_front() {
        match c.as_str() {
            "." => continue,
            ".." => {
                if stack.len() <= floor {
                    return Err(Errno::ENOTCAPABLE);
                }
                stack.pop();
                continue;
            }
            _ => {}
        }
        let last = pending.is_empty();
        stack.push(c);
        if last && !follow_last {
            break;
        }
        let st = match fs.lstat(&stack) {
            Ok(st) => st,
            // A missing last component is for the caller to judge (it may create it).
            Err(Errno::ENOENT) if last => break,
            Err(e) => return Err(e),
        };
        if st.filetype == FILETYPE_SYMBOLIC_LINK {
            links += 1;
            if links > MAX_SYMLINKS {
                return Err(Errno::ELOOP);
            }
            let target = fs.readlink(&stack)?;
            stack.pop();
            let (comps, _) = split(&target)?;
            for c in comps.into_iter().rev() {
                pending.push_front(c);
            }
        } else if !last && st.filetype != FILETYPE_DIRECTORY {
            return Err(Errno::ENOTDIR);
        }
    }
    Ok(stack)
}

/// Resolves guest `path` relative to directory `base` (a resolved path) of `fs`. The
/// result may not exist yet; if `follow` is false it may be a symbolic link.
///
/// # Errors
/// `ENOTCAPABLE` for an absolute path, a `..` above `base` (the descriptor's directory,
/// not only the mount's root) or a link to an absolute path; `ELOOP` after [`MAX_SYMLINKS`] links; `ENOENT`/`ENOTDIR` for a missing
/// or non-directory intermediate component; `EILSEQ` for a NUL byte.
pub(crate) fn resolve(
    fs: &dyn Fs,
    base: &[String],
    path: &str,
    follow: bool,
) -> Result<Components, Errno> {
    let (comps, trailing_slash) = split(path)?;
    let resolved = walk(fs, base.to_vec(), comps, follow || trailing_slash)?;
    if trailing_slash {
        match fs.lstat(&resolved) {
            Ok(st) if st.filetype != FILETYPE_DIRECTORY => return Err(Errno::ENOTDIR),
            _ => {}
        }
    }
    Ok(resolved)
}

/// Re-resolves the path of a directory descriptor from the mount's root. A directory
/// descriptor remembers its path, not its inode: if a component of that path has since
/// been replaced by a symbolic link (say the guest renamed the directory and put a link
/// climbing out in its place), the link is followed here, inside the mount, never by the
/// host.
///
/// # Errors
/// Those of [`resolve`]; `ENOENT` if the directory is gone, `ENOTDIR` if it is no longer
/// a directory.
pub(crate) fn revalidate(fs: &dyn Fs, path: &[String]) -> Result<Components, Errno> {
    let resolved = walk(fs, Vec::new(), path.iter().cloned().collect(), true)?;
    match fs.lstat(&resolved)? {
        st if st.filetype == FILETYPE_DIRECTORY => Ok(resolved),
        _ => Err(Errno::ENOTDIR),
    }
}

/// Resolves the directory that holds the last component of `path`, for operations on
/// a name (create, remove, rename, link): returns the resolved path of the entry
/// itself, whose last component is never followed.
///
/// # Errors
/// Those of [`resolve`]; `ENOENT`/`ENOTDIR` when the parent is missing or not a
/// directory; `dot_errno` when the path ends in `.` or `..` (which name no entry that
/// could be created or removed).
pub(crate) fn resolve_entry(
    fs: &dyn Fs,
    base: &[String],
    path: &str,
    dot_errno: Errno,
) -> Result<(Components, bool), Errno> {
    let (mut comps, trailing_slash) = split(path)?;
    let name = comps.pop_back().ok_or(Errno::ENOENT)?;
    if name == "." || name == ".." {
        return Err(dot_errno);
    }
    let mut parent = walk(fs, base.to_vec(), comps, true)?;
    match fs.lstat(&parent) {
        Ok(st) if st.filetype == FILETYPE_DIRECTORY => {}
        Ok(_) => return Err(Errno::ENOTDIR),
        Err(e) => return Err(e),
    }
    parent.push(name);
    Ok((parent, trailing_slash))
}
