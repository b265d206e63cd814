//! [`MemFs`]: an in-memory file system, mountable like a host directory (what the
//! browser build uses) and readable from the embedding program.

use std::collections::{BTreeMap, HashMap};
use std::io::SeekFrom;
use std::sync::{Arc, Mutex, MutexGuard};

use super::abi::{FILETYPE_DIRECTORY, FILETYPE_REGULAR_FILE, FILETYPE_SYMBOLIC_LINK};
use super::errno::Errno;
use super::fs::{DirEntry, Filestat, Fs, FsFile, OpenOptions, SetTime};

/// The largest file a [`MemFs`] holds (1 GiB): larger writes fail with `EFBIG` rather
/// than exhausting the host's memory.
pub const MEM_FILE_MAX: u64 = 1 << 30;

const ROOT: u64 = 1;

/// An in-memory file system: directories, files and symbolic links, shared by every
/// clone (an `Arc`). Mount it with [`crate::FsConfig::with_mem_mount`]; the embedding
/// program can fill it before and read it after a run.
///
/// Timestamps are whatever the guest sets (`fd_filestat_set_times`); writes do not
/// update them, which keeps runs deterministic.
///
/// ```
/// use wasmscope::MemFs;
/// let fs = MemFs::new();
/// fs.write_file("data/in.txt", b"hello").unwrap();
/// assert_eq!(fs.read_file("data/in.txt").as_deref(), Some(&b"hello"[..]));
/// assert_eq!(fs.read_dir("data"), Some(vec!["in.txt".to_string()]));
/// ```
#[derive(Clone)]
pub struct MemFs {
    inner: Arc<Mutex<Inner>>,
}

impl Default for MemFs {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for MemFs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MemFs({} nodes)", self.lock().nodes.len())
    }
}

enum Kind {
    Dir(BTreeMap<String, u64>),
    File(Vec<u8>),
    Symlink(String),
}

struct Node {
    kind: Kind,
    nlink: u64,
    /// Open file handles: an unlinked node lives until the last is closed.
    open: u32,
    atim: u64,
    mtim: u64,
    ctim: u64,
}

impl Node {
    fn new(kind: Kind) -> Self {
        Node {
            kind,
            nlink: 1,
            open: 0,
            atim: 0,
            mtim: 0,
            ctim: 0,
        }
    }

    fn filetype(&self) -> u8 {
        match self.kind {
            Kind::Dir(_) => FILETYPE_DIRECTORY,
            Kind::File(_) => FILETYPE_REGULAR_FILE,
            Kind::Symlink(_) => FILETYPE_SYMBOLIC_LINK,
        }
    }
}

struct Inner {
    nodes: HashMap<u64, Node>,
    next_ino: u64,
}

type Res<T> = Result<T, Errno>;

impl Inner {
    fn add(&mut self, kind: Kind) -> u64 {
        let ino = self.next_ino;
        self.next_ino += 1;
        self.nodes.insert(ino, Node::new(kind));
        ino
    }

    fn node(&self, ino: u64) -> Res<&Node> {
        self.nodes.get(&ino).ok_or(Errno::ENOENT)
    }

    fn node_mut(&mut self, ino: u64) -> Res<&mut Node> {
        self.nodes.get_mut(&ino).ok_or(Errno::ENOENT)
    }

    /// The node at `path`; symbolic links are never followed (a link in the middle of
    /// a path is `ENOTDIR`).
    fn lookup(&self, path: &[String]) -> Res<u64> {
        let mut ino = ROOT;
        for name in path {
            match &self.node(ino)?.kind {
                Kind::Dir(entries) => ino = *entries.get(name).ok_or(Errno::ENOENT)?,
                _ => return Err(Errno::ENOTDIR),
            }
        }
        Ok(ino)
    }

    /// The directory holding `path`'s last component, and that name.
    fn parent<'p>(&self, path: &'p [String]) -> Res<(u64, &'p str)> {
        let (name, dir) = path.split_last().ok_or(Errno::EBUSY)?;
        let ino = self.lookup(dir)?;
        match self.node(ino)?.kind {
            Kind::Dir(_) => Ok((ino, name)),
            _ => Err(Errno::ENOTDIR),
        }
    }

    fn entries_mut(&mut self, dir: u64) -> Res<&mut BTreeMap<String, u64>> {
        match &mut self.node_mut(dir)?.kind {
            Kind::Dir(e) => Ok(e),
            _ => Err(Errno::ENOTDIR),
        }
    }

    /// Drops a link to `ino`, freeing it when no link and no handle is left.
    fn unref(&mut self, ino: u64) {
        if let Some(n) = self.nodes.get_mut(&ino) {
            n.nlink = n.nlink.saturating_sub(1);
            if n.nlink == 0 && n.open == 0 {
                self.nodes.remove(&ino);
            }
        }
    }

    fn insert_new(&mut self, path: &[String], kind: Kind) -> Res<u64> {
        let (dir, name) = self.parent(path)?;
        if self.entries_mut(dir)?.contains_key(name) {
            return Err(Errno::EEXIST);
        }
        let ino = self.add(kind);
        self.entries_mut(dir)?.insert(name.to_owned(), ino);
        Ok(ino)
    }
}

fn stat_of(ino: u64, n: &Node) -> Filestat {
    let size = match &n.kind {
        Kind::Dir(_) => 0,
        Kind::File(d) => d.len() as u64,
        Kind::Symlink(t) => t.len() as u64,
    };
    Filestat {
        dev: 0,
        ino,
        filetype: n.filetype(),
        nlink: n.nlink,
        size,
        atim: n.atim,
        mtim: n.mtim,
        ctim: n.ctim,
    }
}

fn set_node_times(n: &mut Node, atim: SetTime, mtim: SetTime, now: u64) {
    let apply = |t: &mut u64, s: SetTime| match s {
        SetTime::Omit => {}
        SetTime::Now => *t = now,
        SetTime::At(v) => *t = v,
    };
    apply(&mut n.atim, atim);
    apply(&mut n.mtim, mtim);
    n.ctim = now;
}

/// Splits a host-side path (`a/b/c`, leading `/` allowed) into names; `None` for `..`.
fn host_path(path: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => return None,
            c => out.push(c.to_owned()),
        }
    }
    Some(out)
}

impl MemFs {
    /// An empty file system (just its root directory).
    pub fn new() -> Self {
        let mut nodes = HashMap::new();
        nodes.insert(ROOT, Node::new(Kind::Dir(BTreeMap::new())));
        MemFs {
            inner: Arc::new(Mutex::new(Inner { nodes, next_ino: 2 })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Creates directory `path` and its missing parents (`/`-separated, relative to
    /// the root; `..` is not allowed).
    ///
    /// # Errors
    /// A component exists and is not a directory (`ENOTDIR`), or `path` has `..`
    /// (`EINVAL`).
    pub fn create_dir_all(&self, path: &str) -> Result<(), Errno> {
        let names = host_path(path).ok_or(Errno::EINVAL)?;
        let mut inner = self.lock();
        let mut dir = ROOT;
        for name in names {
            let existing = inner.entries_mut(dir)?.get(&name).copied();
            dir = match existing {
                Some(ino) => ino,
                None => {
                    let ino = inner.add(Kind::Dir(BTreeMap::new()));
                    inner.entries_mut(dir)?.insert(name, ino);
                    ino
                }
            };
        }
        inner.entries_mut(dir).map(|_| ())
    }

    /// Writes the file `path` (creating it and its parent directories, replacing its
    /// contents).
    ///
    /// # Errors
    /// Those of [`MemFs::create_dir_all`] for the parent; `EISDIR` if `path` is a
    /// directory; `EFBIG` past [`MEM_FILE_MAX`].
    pub fn write_file(&self, path: &str, contents: &[u8]) -> Result<(), Errno> {
        let names = host_path(path).ok_or(Errno::EINVAL)?;
        let (name, dir) = names.split_last().ok_or(Errno::EISDIR)?;
        if contents.len() as u64 > MEM_FILE_MAX {
            return Err(Errno::EFBIG);
        }
        self.create_dir_all(&dir.join("/"))?;
        let mut inner = self.lock();
        let dir = inner.lookup(dir)?;
        let existing = inner.entries_mut(dir)?.get(name).copied();
        match existing {
            Some(ino) => match &mut inner.node_mut(ino)?.kind {
                Kind::File(data) => *data = contents.to_vec(),
                Kind::Dir(_) => return Err(Errno::EISDIR),
                Kind::Symlink(_) => return Err(Errno::ELOOP),
            },
            None => {
                let ino = inner.add(Kind::File(contents.to_vec()));
                inner.entries_mut(dir)?.insert(name.clone(), ino);
            }
        }
        Ok(())
    }

    /// Creates the symbolic link `path` pointing to `target` (stored as given: a guest
    /// that follows it stays inside the mount whatever it says).
    ///
    /// # Errors
    /// `path` exists (`EEXIST`) or its parent does not (`ENOENT`).
    pub fn symlink(&self, target: &str, path: &str) -> Result<(), Errno> {
        let names = host_path(path).ok_or(Errno::EINVAL)?;
        self.lock()
            .insert_new(&names, Kind::Symlink(target.to_owned()))
            .map(|_| ())
    }

    /// The contents of file `path`; `None` if it is missing or not a regular file.
    pub fn read_file(&self, path: &str) -> Option<Vec<u8>> {
        let inner = self.lock();
        let ino = inner.lookup(&host_path(path)?).ok()?;
        match &inner.node(ino).ok()?.kind {
            Kind::File(data) => Some(data.clone()),
            _ => None,
        }
    }

    /// The names in directory `path`, sorted; `None` if it is missing or not a
    /// directory.
    pub fn read_dir(&self, path: &str) -> Option<Vec<String>> {
        let inner = self.lock();
        let ino = inner.lookup(&host_path(path)?).ok()?;
        match &inner.node(ino).ok()?.kind {
            Kind::Dir(entries) => Some(entries.keys().cloned().collect()),
            _ => None,
        }
    }

    /// Whether `path` exists (a symbolic link counts, whatever it points to).
    pub fn exists(&self, path: &str) -> bool {
        host_path(path).is_some_and(|p| self.lock().lookup(&p).is_ok())
    }
}

impl Fs for MemFs {
    fn lstat(&self, path: &[String]) -> Res<Filestat> {
        let inner = self.lock();
        let ino = inner.lookup(path)?;
        Ok(stat_of(ino, inner.node(ino)?))
    }

    fn readlink(&self, path: &[String]) -> Res<String> {
        let inner = self.lock();
        match &inner.node(inner.lookup(path)?)?.kind {
            Kind::Symlink(t) => Ok(t.clone()),
            _ => Err(Errno::EINVAL),
        }
    }

    fn open(&self, path: &[String], opts: OpenOptions) -> Res<Box<dyn FsFile>> {
        let mut inner = self.lock();
        let ino = match inner.lookup(path) {
            Ok(ino) => {
                if opts.create && opts.exclusive {
                    return Err(Errno::EEXIST);
                }
                let node = inner.node_mut(ino)?;
                match &mut node.kind {
                    Kind::Dir(_) => return Err(Errno::EISDIR),
                    Kind::Symlink(_) => return Err(Errno::ELOOP),
                    Kind::File(data) => {
                        if opts.truncate {
                            data.clear();
                        }
                    }
                }
                ino
            }
            Err(Errno::ENOENT) if opts.create => inner.insert_new(path, Kind::File(Vec::new()))?,
            Err(e) => return Err(e),
        };
        inner.node_mut(ino)?.open += 1;
        Ok(Box::new(MemFile {
            fs: self.clone(),
            ino,
            pos: 0,
        }))
    }

    fn read_dir(&self, path: &[String]) -> Res<Vec<DirEntry>> {
        let inner = self.lock();
        match &inner.node(inner.lookup(path)?)?.kind {
            Kind::Dir(entries) => entries
                .iter()
                .map(|(name, ino)| {
                    Ok(DirEntry {
                        name: name.clone(),
                        ino: *ino,
                        filetype: inner.node(*ino)?.filetype(),
                    })
                })
                .collect(),
            _ => Err(Errno::ENOTDIR),
        }
    }

    fn mkdir(&self, path: &[String]) -> Res<()> {
        self.lock()
            .insert_new(path, Kind::Dir(BTreeMap::new()))
            .map(|_| ())
    }

    fn rmdir(&self, path: &[String]) -> Res<()> {
        let mut inner = self.lock();
        let (dir, name) = inner.parent(path)?;
        let ino = inner.lookup(path)?;
        match &inner.node(ino)?.kind {
            Kind::Dir(e) if !e.is_empty() => return Err(Errno::ENOTEMPTY),
            Kind::Dir(_) => {}
            _ => return Err(Errno::ENOTDIR),
        }
        inner.entries_mut(dir)?.remove(name);
        inner.unref(ino);
        Ok(())
    }

    fn unlink(&self, path: &[String]) -> Res<()> {
        let mut inner = self.lock();
        let (dir, name) = inner.parent(path)?;
        let ino = inner.lookup(path)?;
        if let Kind::Dir(_) = inner.node(ino)?.kind {
            return Err(Errno::EISDIR);
        }
        inner.entries_mut(dir)?.remove(name);
        inner.unref(ino);
        Ok(())
    }

    fn rename(&self, from: &[String], to: &[String]) -> Res<()> {
        let mut inner = self.lock();
        let (from_dir, from_name) = inner.parent(from)?;
        let (to_dir, to_name) = inner.parent(to)?;
        let ino = inner.lookup(from)?;
        let is_dir = matches!(inner.node(ino)?.kind, Kind::Dir(_));
        if is_dir && to.len() > from.len() && to.starts_with(from) {
            return Err(Errno::EINVAL); // into its own subdirectory
        }
        if let Ok(existing) = inner.lookup(to) {
            if existing == ino {
                return Ok(());
            }
            match (&inner.node(existing)?.kind, is_dir) {
                (Kind::Dir(e), true) if !e.is_empty() => return Err(Errno::ENOTEMPTY),
                (Kind::Dir(_), true) => {}
                (Kind::Dir(_), false) => return Err(Errno::EISDIR),
                (_, true) => return Err(Errno::ENOTDIR),
                (_, false) => {}
            }
            inner.entries_mut(to_dir)?.remove(to_name);
            inner.unref(existing);
        }
        inner.entries_mut(from_dir)?.remove(from_name);
        inner.entries_mut(to_dir)?.insert(to_name.to_owned(), ino);
        Ok(())
    }

    fn link(&self, from: &[String], to: &[String]) -> Res<()> {
        let mut inner = self.lock();
        let ino = inner.lookup(from)?;
        if let Kind::Dir(_) = inner.node(ino)?.kind {
            return Err(Errno::EPERM);
        }
        let (dir, name) = inner.parent(to)?;
        if inner.entries_mut(dir)?.contains_key(name) {
            return Err(Errno::EEXIST);
        }
        inner.entries_mut(dir)?.insert(name.to_owned(), ino);
        inner.node_mut(ino)?.nlink += 1;
        Ok(())
    }

    fn symlink(&self, target: &str, path: &[String]) -> Res<()> {
        self.lock()
            .insert_new(path, Kind::Symlink(target.to_owned()))
            .map(|_| ())
    }

    fn set_times(&self, path: &[String], atim: SetTime, mtim: SetTime, now: u64) -> Res<()> {
        let mut inner = self.lock();
        let ino = inner.lookup(path)?;
        set_node_times(inner.node_mut(ino)?, atim, mtim, now);
        Ok(())
    }
}

/// An open file of a [`MemFs`].
struct MemFile {
    fs: MemFs,
    ino: u64,
    pos: u64,
}

impl Drop for MemFile {
    fn drop(&mut self) {
        let mut inner = self.fs.lock();
        if let Some(n) = inner.nodes.get_mut(&self.ino) {
            n.open = n.open.saturating_sub(1);
            if n.open == 0 && n.nlink == 0 {
                inner.nodes.remove(&self.ino);
            }
        }
    }
}

impl MemFile {
    fn with_data<R>(&self, f: impl FnOnce(&mut Vec<u8>) -> Res<R>) -> Res<R> {
        let mut inner = self.fs.lock();
        match &mut inner.node_mut(self.ino)?.kind {
            Kind::File(data) => f(data),
            _ => Err(Errno::EBADF),
        }
    }
}

fn read_at(data: &[u8], buf: &mut [u8], offset: u64) -> usize {
    let Ok(start) = usize::try_from(offset) else {
        return 0;
    };
    let Some(src) = data.get(start..) else {
        return 0;
    };
    let n = src.len().min(buf.len());
    buf[..n].copy_from_slice(&src[..n]);
    n
}

fn write_at(data: &mut Vec<u8>, buf: &[u8], offset: u64) -> Res<usize> {
    let end = offset
        .checked_add(buf.len() as u64)
        .filter(|e| *e <= MEM_FILE_MAX)
        .ok_or(Errno::EFBIG)?;
    if end as usize > data.len() {
        data.try_reserve(end as usize - data.len())
            .map_err(|_| Errno::ENOSPC)?;
        data.resize(end as usize, 0);
    }
    data[offset as usize..end as usize].copy_from_slice(buf);
    Ok(buf.len())
}

impl FsFile for MemFile {
    fn read(&mut self, buf: &mut [u8]) -> Res<usize> {
        let pos = self.pos;
        let n = self.with_data(|d| Ok(read_at(d, buf, pos)))?;
        self.pos += n as u64;
        Ok(n)
    }

    fn pread(&mut self, buf: &mut [u8], offset: u64) -> Res<usize> {
        self.with_data(|d| Ok(read_at(d, buf, offset)))
    }

    fn write(&mut self, buf: &[u8]) -> Res<usize> {
        let pos = self.pos;
        let n = self.with_data(|d| write_at(d, buf, pos))?;
        self.pos += n as u64;
        Ok(n)
    }

    fn pwrite(&mut self, buf: &[u8], offset: u64) -> Res<usize> {
        self.with_data(|d| write_at(d, buf, offset))
    }

    fn seek(&mut self, pos: SeekFrom) -> Res<u64> {
        let len = self.with_data(|d| Ok(d.len() as u64))?;
        let new = match pos {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
            SeekFrom::End(d) => len.checked_add_signed(d),
        };
        let new = new.filter(|p| *p <= i64::MAX as u64).ok_or(Errno::EINVAL)?;
        self.pos = new;
        Ok(new)
    }

    fn stat(&self) -> Res<Filestat> {
        let inner = self.fs.lock();
        Ok(stat_of(self.ino, inner.node(self.ino)?))
    }

    fn set_size(&mut self, size: u64) -> Res<()> {
        if size > MEM_FILE_MAX {
            return Err(Errno::EFBIG);
        }
        self.with_data(|d| {
            if size as usize > d.len() {
                d.try_reserve(size as usize - d.len())
                    .map_err(|_| Errno::ENOSPC)?;
            }
            d.resize(size as usize, 0);
            Ok(())
        })
    }

    fn sync(&mut self, _data_only: bool) -> Res<()> {
        Ok(())
    }

    fn set_times(&mut self, atim: SetTime, mtim: SetTime, now: u64) -> Res<()> {
        let mut inner = self.fs.lock();
        set_node_times(inner.node_mut(self.ino)?, atim, mtim, now);
        Ok(())
    }
}
