//! Host functions: Rust closures that guest modules import.

use std::sync::Arc;

use crate::error::Result;
use crate::store::Store;
use crate::types::FuncType;

/// The closure behind a host function: it reads its parameters from `stack` and writes
/// its results back to the front of it (wazero's stack-based calling convention).
pub(crate) type RawHostFn = dyn Fn(&mut Caller<'_>, &mut [u64]) -> Result<()> + Send + Sync;

/// A host function as the store keeps it.
// The host module builder (issue 3) creates these; until then only the executor's host
// call path refers to them.
#[allow(dead_code)]
pub(crate) struct HostFunc {
    pub ty: FuncType,
    pub func: Box<RawHostFn>,
}

#[allow(dead_code)]
impl HostFunc {
    pub(crate) fn new(ty: FuncType, func: Box<RawHostFn>) -> Arc<Self> {
        Arc::new(HostFunc { ty, func })
    }
}

/// What a host function sees of the module that called it.
///
/// The runtime is busy with the call while a host function runs, so the calling
/// module's memory and globals are reached through the `Caller`, not through
/// [`crate::Memory`] handles (which would wait for the call to end).
pub struct Caller<'a> {
    pub(crate) store: &'a mut Store,
    /// Store index of the calling instance, if a module called (not the API).
    pub(crate) instance: Option<u32>,
}

impl Caller<'_> {
    fn memory_index(&self) -> Option<usize> {
        let inst = self.instance?;
        let layout = &self.store.instances[inst as usize].layout;
        layout.memories.first().map(|m| *m as usize)
    }

    /// The calling module's memory 0, if it has one.
    pub fn memory(&self) -> Option<&[u8]> {
        let idx = self.memory_index()?;
        Some(&self.store.memories[idx].data)
    }

    /// The calling module's memory 0, writable.
    pub fn memory_mut(&mut self) -> Option<&mut [u8]> {
        let idx = self.memory_index()?;
        Some(&mut self.store.memories[idx].data)
    }

    /// Reads `len` bytes at `offset` of the caller's memory; `None` when out of range.
    pub fn read(&self, offset: u32, len: u32) -> Option<&[u8]> {
        let mem = self.memory()?;
        mem.get(offset as usize..(offset as usize).checked_add(len as usize)?)
    }

    /// Writes `bytes` at `offset` of the caller's memory; `false` when out of range.
    pub fn write(&mut self, offset: u32, bytes: &[u8]) -> bool {
        let Some(mem) = self.memory_mut() else {
            return false;
        };
        let Some(end) = (offset as usize).checked_add(bytes.len()) else {
            return false;
        };
        match mem.get_mut(offset as usize..end) {
            Some(dst) => {
                dst.copy_from_slice(bytes);
                true
            }
            None => false,
        }
    }

    /// The name of the calling module (empty when called from the API).
    pub fn module_name(&self) -> &str {
        match self.instance {
            Some(i) => &self.store.instances[i as usize].name,
            None => "",
        }
    }
}

/// The definition of function `index` of the host module instance `inst`.
pub(crate) fn definition(store: &Store, inst: u32, index: u32) -> crate::types::FunctionDefinition {
    let data = &store.instances[inst as usize];
    let addr = data.layout.funcs[index as usize];
    let ty = store.types.get(store.funcs[addr as usize].ty()).clone();
    let export_names: Vec<Arc<str>> = data
        .exports
        .iter()
        .filter(|(_, (k, i))| *k == crate::module::ExportKind::Func && *i == index)
        .map(|(n, _)| n.clone())
        .collect();
    crate::types::FunctionDefinition {
        module_name: data.name.clone(),
        index,
        import: None,
        name: export_names.first().cloned(),
        export_names,
        param_names: vec![None; ty.params().len()],
        result_names: vec![None; ty.results().len()],
        ty,
    }
}
