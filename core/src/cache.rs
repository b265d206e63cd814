//! A cache of compiled modules, shared between runtimes: in memory, and for the
//! compiler's machine code also in a directory ([`CompilationCache::with_dir`]).

// The disk half holds machine code, which only the compiler's platforms make.
#![cfg_attr(
    not(any(target_arch = "x86_64", target_arch = "aarch64")),
    allow(dead_code)
)]

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::interp::code::WasmCode;
use crate::options::CodeOptions;

/// Compiled modules keyed by their bytes and the options that change compiled code
/// (fuel metering, interrupt checks). Cheap to clone; clones share the entries, so
/// several runtimes configured with [`crate::RuntimeConfig::with_compilation_cache`]
/// compile each module once.
///
/// ```
/// use wasmscope::{CompilationCache, Runtime, RuntimeConfig};
/// # fn main() -> Result<(), wasmscope::Error> {
/// let cache = CompilationCache::new();
/// let wasm = wat::parse_str("(module (func (export \"f\")))").unwrap();
/// for _ in 0..3 {
///     let rt = Runtime::with_config(RuntimeConfig::interpreter().with_compilation_cache(cache.clone()));
///     rt.instantiate(&wasm)?;
/// }
/// assert_eq!(cache.len(), 1);
/// # Ok(()) }
/// ```
///
/// # On disk
///
/// A cache made with [`CompilationCache::with_dir`] also keeps the compiler engine's
/// machine code in a directory, one file per module and configuration, so that the next
/// process that compiles the same module finds it there and compiles nothing (as
/// wazero's `NewCompilationCacheWithDir` and wasmtime's cache). A file is used only if
/// it was written for the same module bytes (SHA-256), the same crate version, target
/// and CPU features, and the same options that change code (fuel, interrupt checks,
/// WebAssembly features),
/// and its contents are intact (SHA-256 checksum) and well formed; any other file is
/// ignored and replaced by a fresh compile's ([`CacheStats::disk_rejected`]). Files
/// are written whole under another name and then renamed, so that a reader never sees
/// half a file.
///
/// - Only the compiler's code goes to disk: the interpreter's translation is quick and
///   is kept in memory only.
/// - A module that is not on disk is compiled whole when the runtime compiles it (every
///   function, on every core) and then written, whatever the
///   [`crate::CompilationMode`]; with [`crate::CompilationMode::Lazy`] (bodies not
///   validated up front) nothing is read or written.
/// - Failing to write a file does not fail the compile (the cache is an optimisation).
/// - Nothing is ever deleted: remove the directory's files to reclaim the space.
/// - The directory is trusted like the program itself: its files hold machine code
///   that runs in this process. Whoever can write to it can run code in every process
///   that uses it; keep it private to the user (the checks above catch damage and
///   stale files, not an attacker).
///
/// ```no_run
/// use wasmscope::{CompilationCache, Runtime, RuntimeConfig};
/// # fn main() -> Result<(), wasmscope::Error> {
/// let cache = CompilationCache::with_dir("/tmp/wasmscope-cache")?;
/// let rt = Runtime::with_config(RuntimeConfig::compiler().with_compilation_cache(cache.clone()));
/// let wasm = std::fs::read("app.wasm").unwrap();
/// rt.compile_module(&wasm)?; // read from the directory if an earlier run wrote it
/// println!("{:?}", cache.stats());
/// # Ok(()) }
/// ```
#[derive(Clone, Default)]
pub struct CompilationCache {
    entries: Arc<Mutex<Entries>>,
    /// The directory of the machine code on disk, if any.
    dir: Option<Arc<PathBuf>>,
    counters: Arc<Counters>,
}

/// What a [`CompilationCache`] has done since it was made (over all its clones).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CacheStats {
    /// Compiles answered from memory.
    pub memory_hits: u64,
    /// Modules whose machine code was read from the directory instead of compiled.
    pub disk_hits: u64,
    /// Files written to the directory.
    pub disk_writes: u64,
    /// Files found for a module and not used: unreadable, damaged, or written for other
    /// bytes, another version, target or options. Each is replaced by a fresh compile's.
    pub disk_rejected: u64,
}

#[derive(Default)]
struct Counters {
    memory_hits: AtomicU64,
    disk_hits: AtomicU64,
    disk_writes: AtomicU64,
    disk_rejected: AtomicU64,
}

/// Where a module's machine code lives on disk, and what its file must say it is for.
pub(crate) struct DiskKey {
    file: PathBuf,
    material: Vec<u8>,
}

/// The start of every cache file (the format's version is its last byte).
const MAGIC: &[u8; 8] = b"WSCODE\0\x01";

/// Compiled modules by hash of their bytes (collisions are told apart by the bytes).
type Entries = HashMap<u64, Vec<(CodeOptions, Arc<WasmCode>)>>;

impl std::fmt::Debug for CompilationCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CompilationCache({} modules)", self.len())
    }
}

fn hash(bytes: &[u8]) -> u64 {
    let mut h = DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

impl CompilationCache {
    /// An empty cache, in memory only.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty cache in memory that also keeps the compiler's machine code in `dir`
    /// (created if missing), and finds there what earlier processes wrote. See
    /// "On disk" above.
    ///
    /// # Errors
    /// `dir` cannot be created, or is not a directory.
    pub fn with_dir(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|e| {
            Error::new(format!(
                "compilation cache directory {}: {e}",
                dir.display()
            ))
        })?;
        if !dir.is_dir() {
            return Err(Error::new(format!(
                "compilation cache directory {}: not a directory",
                dir.display()
            )));
        }
        Ok(CompilationCache {
            dir: Some(Arc::new(dir.to_path_buf())),
            ..Self::default()
        })
    }

    /// The directory given to [`CompilationCache::with_dir`], if any.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref().map(PathBuf::as_path)
    }

    /// What the cache has done so far.
    pub fn stats(&self) -> CacheStats {
        let c = &self.counters;
        CacheStats {
            memory_hits: c.memory_hits.load(Ordering::Relaxed),
            disk_hits: c.disk_hits.load(Ordering::Relaxed),
            disk_writes: c.disk_writes.load(Ordering::Relaxed),
            disk_rejected: c.disk_rejected.load(Ordering::Relaxed),
        }
    }

    /// How many compiled modules it holds.
    pub fn len(&self) -> usize {
        self.lock().values().map(Vec::len).sum()
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops every entry in memory (modules already compiled stay usable; files on disk
    /// stay).
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The cached compilation of `bytes` with `options` that `fits` (the engine the
    /// asking runtime's rule gives the module: `RuntimeConfig::engine_for`), or
    /// `compile(bytes)`'s, which is then cached. Failures are not cached. Compilation
    /// runs without the cache's lock. (`bytes` go to `compile` as they are: owned bytes
    /// are kept without a copy.)
    pub(crate) fn get_or_compile<'b>(
        &self,
        bytes: std::borrow::Cow<'b, [u8]>,
        options: CodeOptions,
        fits: impl Fn(&WasmCode) -> bool,
        compile: impl FnOnce(std::borrow::Cow<'b, [u8]>) -> Result<Arc<WasmCode>>,
    ) -> Result<Arc<WasmCode>> {
        let key = hash(&bytes);
        let found = self.lock().get(&key).and_then(|entries| {
            entries
                .iter()
                .find(|(o, info)| *o == options && **info.bytes == *bytes && fits(info))
                .map(|(_, info)| info.clone())
        });
        if let Some(info) = found {
            self.counters.memory_hits.fetch_add(1, Ordering::Relaxed);
            return Ok(info);
        }
        let info = compile(bytes)?;
        let mut entries = self.lock();
        let slot = entries.entry(key).or_default();
        if let Some((_, existing)) = slot
            .iter()
            .find(|(o, i)| *o == options && *i.bytes == *info.bytes && fits(i))
        {
            return Ok(existing.clone());
        }
        slot.push((options, info.clone()));
        Ok(info)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl CompilationCache {
    /// Where the machine code of `wasm` compiled with `options` for `target` (the code
    /// generator's description: triple, CPU features, settings) lives on disk; `None`
    /// without a directory.
    pub(crate) fn disk_key(
        &self,
        wasm: &[u8],
        options: CodeOptions,
        target: &str,
    ) -> Option<DiskKey> {
        let dir = self.dir.as_ref()?;
        let material = format!(
            "wasmscope {}\ntarget {target}\nfuel {} interrupts {} features {:?}\nmodule sha256 {}\n",
            env!("CARGO_PKG_VERSION"),
            options.fuel,
            options.interrupts,
            options.features,
            hex(&Sha256::digest(wasm)),
        )
        .into_bytes();
        let name = hex(&Sha256::digest(&material));
        Some(DiskKey {
            file: dir.join(format!("{name}.wsc")),
            material,
        })
    }

    /// The payload of `key`'s file, if there is one and it is intact and for this key
    /// (a file that is not counts as rejected).
    pub(crate) fn read(&self, key: &DiskKey) -> Option<Vec<u8>> {
        let bytes = match std::fs::read(&key.file) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(_) => {
                self.reject();
                return None;
            }
        };
        match parse_file(&bytes, &key.material) {
            Some(start) => {
                let mut bytes = bytes;
                // The payload, without copying it (it can be a hundred megabytes).
                bytes.drain(..start);
                Some(bytes)
            }
            None => {
                self.reject();
                None
            }
        }
    }

    /// Counts a file that was found and not used.
    pub(crate) fn reject(&self) {
        self.counters.disk_rejected.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a module read from disk.
    pub(crate) fn hit_disk(&self) {
        self.counters.disk_hits.fetch_add(1, Ordering::Relaxed);
    }

    /// Writes `payload` as `key`'s file (whole, then renamed into place); failures are
    /// ignored.
    pub(crate) fn write(&self, key: &DiskKey, payload: &[u8]) {
        let mut file = Vec::with_capacity(payload.len() + key.material.len() + 60);
        file.extend_from_slice(MAGIC);
        file.extend_from_slice(&(key.material.len() as u32).to_le_bytes());
        file.extend_from_slice(&key.material);
        file.extend_from_slice(&Sha256::digest(payload));
        file.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        file.extend_from_slice(payload);
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let tmp = key.file.with_extension(format!(
            "{}.{}.tmp",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let written = std::fs::write(&tmp, &file).and_then(|()| std::fs::rename(&tmp, &key.file));
        match written {
            Ok(()) => {
                self.counters.disk_writes.fetch_add(1, Ordering::Relaxed);
            }
            Err(_) => {
                let _ = std::fs::remove_file(&tmp);
            }
        }
    }
}

/// Where the payload of a cache file starts, if the file starts as this format's files
/// do, says it is for `material`, and its checksum matches.
fn parse_file(bytes: &[u8], material: &[u8]) -> Option<usize> {
    let rest = bytes.strip_prefix(MAGIC.as_slice())?;
    let (len, rest) = rest.split_first_chunk::<4>()?;
    let len = u32::from_le_bytes(*len) as usize;
    if rest.get(..len)? != material {
        return None;
    }
    let rest = &rest[len..];
    let (sum, rest) = rest.split_first_chunk::<32>()?;
    let (len, payload) = rest.split_first_chunk::<8>()?;
    if u64::from_le_bytes(*len) != payload.len() as u64 {
        return None;
    }
    (Sha256::digest(payload).as_slice() == sum.as_slice()).then_some(bytes.len() - payload.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_read_only_for_its_key_and_intact() {
        let material = b"key".to_vec();
        let cache = CompilationCache::new();
        let mut file = Vec::new();
        file.extend_from_slice(MAGIC);
        file.extend_from_slice(&3u32.to_le_bytes());
        file.extend_from_slice(&material);
        file.extend_from_slice(&Sha256::digest(b"payload"));
        file.extend_from_slice(&7u64.to_le_bytes());
        file.extend_from_slice(b"payload");
        let start = parse_file(&file, &material).unwrap();
        assert_eq!(&file[start..], b"payload");
        assert_eq!(parse_file(&file, b"other"), None);
        for n in 0..file.len() {
            assert_eq!(parse_file(&file[..n], &material), None, "truncated at {n}");
        }
        for i in 0..file.len() {
            let mut f = file.clone();
            f[i] ^= 1;
            assert_eq!(parse_file(&f, &material), None, "byte {i} changed");
        }
        assert_eq!(cache.stats(), CacheStats::default());
    }

    /// Where a compiled module's bytes are.
    fn bytes_at(compiled: &crate::CompiledModule) -> *const u8 {
        match &compiled.kind {
            crate::compiled::CompiledKind::Wasm(info) => info.bytes.as_ptr(),
            _ => panic!("not a Wasm module"),
        }
    }

    #[test]
    fn owned_bytes_are_kept_without_a_copy_with_and_without_a_cache() {
        let wasm =
            wat::parse_str(r#"(module (func (export "f") (result i32) i32.const 7))"#).unwrap();
        for cache in [None, Some(CompilationCache::new())] {
            let mut config = crate::RuntimeConfig::interpreter();
            if let Some(cache) = &cache {
                config = config.with_compilation_cache(cache.clone());
            }
            let rt = crate::Runtime::with_config(config);
            let owned = wasm.clone();
            let at = owned.as_ptr();
            let compiled = rt.compile_module_owned(owned).unwrap();
            assert_eq!(bytes_at(&compiled), at, "cached: {}", cache.is_some());
            // Borrowed: a copy (or, cached, the module compiled from the owned bytes).
            let again = rt.compile_module(&wasm).unwrap();
            assert_ne!(bytes_at(&again), wasm.as_ptr());
            if let Some(cache) = &cache {
                assert_eq!(bytes_at(&again), at);
                assert_eq!(cache.stats().memory_hits, 1);
            }
            let module = rt
                .instantiate_module(&again, crate::ModuleConfig::new())
                .unwrap();
            let f = module.exported_function("f").unwrap();
            assert_eq!(f.call(&[]).unwrap(), vec![7]);
        }
    }
}
