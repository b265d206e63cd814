//! An in-memory cache of compiled modules, shared between runtimes.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use crate::error::Result;
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
#[derive(Clone, Default)]
pub struct CompilationCache {
    entries: Arc<Mutex<Entries>>,
}

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
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many compiled modules it holds.
    pub fn len(&self) -> usize {
        self.lock().values().map(Vec::len).sum()
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops every entry (modules already compiled stay usable).
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The cached compilation of `bytes` with `options`, or `compile()`'s, which is then
    /// cached. Failures are not cached. Compilation runs without the cache's lock.
    pub(crate) fn get_or_compile(
        &self,
        bytes: &[u8],
        options: CodeOptions,
        compile: impl FnOnce() -> Result<Arc<WasmCode>>,
    ) -> Result<Arc<WasmCode>> {
        let key = hash(bytes);
        let found = self.lock().get(&key).and_then(|entries| {
            entries
                .iter()
                .find(|(o, info)| *o == options && &*info.bytes == bytes)
                .map(|(_, info)| info.clone())
        });
        if let Some(info) = found {
            return Ok(info);
        }
        let info = compile()?;
        let mut entries = self.lock();
        let slot = entries.entry(key).or_default();
        if let Some((_, existing)) = slot
            .iter()
            .find(|(o, i)| *o == options && &*i.bytes == bytes)
        {
            return Ok(existing.clone());
        }
        slot.push((options, info.clone()));
        Ok(info)
    }
}
