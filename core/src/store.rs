//! The store: every function, table, memory, global and module instance of a runtime,
//! laid out so that calls on different modules run in parallel.
//!
//! - The **registry** ([`Registry`]) lists functions (by store address: a function
//!   reference is its address + 1), interned signatures and instances. It only grows,
//!   one instantiation at a time, and is published as an immutable snapshot
//!   ([`Store::snapshot`]): a call reads the snapshot it started with, never a lock.
//! - An instance's **items** (its memories, tables and globals, its own or imported)
//!   and its **state** (segments, WASI context, close notifier) are each behind their own
//!   lock ([`Item`]). A call holds every item and the state of the instance it runs in
//!   ([`Instance::lock`], a [`Held`]) for as long as it runs there: calls on modules that
//!   share nothing run in parallel; calls on modules that share an imported item are
//!   serialised: while a call runs in an instance, no other call sees that instance's
//!   items change. Items are locked in one global order (their sequence numbers), so two
//!   calls never wait for each other in a cycle. A call that crosses into another
//!   instance releases the first instance's items before it takes the other's (the
//!   executor runs one instance's code at a time): a call is atomic per stretch it runs in
//!   one instance, not across calls into other modules.
//! - The lock that serialises instantiations ([`Store::linking`]) is taken before any
//!   item (an instantiation waits for the items it imports); names and the registry are
//!   small locks taken last, never held while waiting for anything.
//! - A thread that holds items (a call running, and so its host functions and
//!   listeners) must not wait for other items: [`in_call`] tells the public API, which
//!   refuses what would (a call, an instantiation or a close from inside a call). Close
//!   notifiers are queued per thread and run when the thread holds no item
//!   ([`Store::notify`]).
//!
//! Nothing here runs guest code; the engines run it against a [`Held`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::error::Exception;
use crate::error::Result;
use crate::gctypes::RefTy;
use crate::interp::code::WasmCode;
use crate::interp::num::span;
use crate::module::ExportKind;
use crate::types::{FuncType, FunctionDefinition, GlobalType, TableType};

/// Locks `m`, whether or not a thread panicked while holding it (a host function's
/// panic leaves the items as it left them, as a trap would).
pub(crate) fn lock<T: ?Sized>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

thread_local! {
    /// How many instances' items this thread holds (calls nest through host functions).
    static HELD: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    /// Close notifiers queued by this thread, run once it holds no item.
    static PENDING: std::cell::RefCell<Vec<(CloseNotifier, u32)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Whether this thread is inside a call (it holds some instance's items): then it must
/// not wait for other items, so the public API refuses to call, instantiate or close.
pub(crate) fn in_call() -> bool {
    HELD.with(|h| h.get() > 0)
}

/// WebAssembly page size.
pub(crate) const PAGE_SIZE: usize = 65536;

/// The most elements a table may have (as wasmtime's default): larger tables fail to
/// instantiate and `table.grow` past it fails, instead of exhausting host memory.
pub(crate) const MAX_TABLE_ELEMENTS: u64 = 10_000_000;

/// Function signatures by canonical type id (`gctypes`), so that `call_indirect`
/// compares two integers (and, when they differ, asks whether one is a declared subtype
/// of the other).
#[derive(Default, Debug, Clone)]
pub(crate) struct TypeRegistry {
    types: HashMap<u32, FuncType>,
}

impl TypeRegistry {
    /// The id of a host function's signature (a function type of its own group, final).
    pub(crate) fn intern(&mut self, ty: &FuncType) -> u32 {
        let id = crate::gctypes::func_type_id(ty.params(), ty.results());
        self.record(id, ty)
    }

    /// Records `ty` as the function type of canonical id `id`; returns `id`.
    pub(crate) fn record(&mut self, id: u32, ty: &FuncType) -> u32 {
        self.types.entry(id).or_insert_with(|| ty.clone());
        id
    }

    pub(crate) fn get(&self, id: u32) -> &FuncType {
        static NONE: std::sync::OnceLock<FuncType> = std::sync::OnceLock::new();
        self.types
            .get(&id)
            .unwrap_or_else(|| NONE.get_or_init(FuncType::default))
    }
}

/// Whether a function of signature `have` may be called as one of signature `want`
/// (`call_indirect`, `call_ref` through a cast, imports): the same canonical type or a
/// declared subtype.
pub(crate) fn sig_matches(have: u32, want: u32) -> bool {
    have == want || crate::gctypes::is_sub_id(have, want)
}

/// A function: defined by a module instance, or a host closure.
#[derive(Clone)]
pub(crate) enum FuncInst {
    Wasm {
        /// Interned signature.
        ty: u32,
        /// Store index of the defining instance.
        instance: u32,
        /// Defined-function index within its module (imports excluded).
        index: u32,
    },
    Host {
        ty: u32,
        func: Arc<HostFunc>,
        /// The function's listener, if the runtime's factory gave it one.
        listener: Option<crate::listener::Listener>,
        /// The host module's instance.
        instance: u32,
    },
}

impl FuncInst {
    pub(crate) fn ty(&self) -> u32 {
        match self {
            FuncInst::Wasm { ty, .. } | FuncInst::Host { ty, .. } => *ty,
        }
    }

    /// The instance the function belongs to.
    pub(crate) fn instance(&self) -> u32 {
        match self {
            FuncInst::Wasm { instance, .. } | FuncInst::Host { instance, .. } => *instance,
        }
    }
}

/// A table of references (`0` is null, a function reference is its store address + 1).
pub(crate) struct TableInst {
    pub elems: Vec<u64>,
    pub ty: TableType,
    /// The element type exactly (typed function references), for linking.
    pub exact: RefTy,
}

impl TableInst {
    /// `table.fill`; `false` (nothing written) when out of bounds.
    pub(crate) fn fill(&mut self, i: u64, value: u64, n: u64) -> bool {
        match span(i, n).and_then(|r| self.elems.get_mut(r)) {
            Some(s) => {
                s.fill(value);
                true
            }
            None => false,
        }
    }

    /// `table.init` from `seg`; `false` (nothing written) when either range is out of
    /// bounds.
    pub(crate) fn init(&mut self, seg: &[u64], d: u64, s: u64, n: u64) -> bool {
        let src = span(s, n).and_then(|r| seg.get(r));
        match (src, span(d, n).and_then(|r| self.elems.get_mut(r))) {
            (Some(src), Some(dst)) => {
                dst.copy_from_slice(src);
                true
            }
            _ => false,
        }
    }

    /// Grows by `delta` elements set to `init`; returns the old size, or `None` if the
    /// limit forbids it.
    pub(crate) fn grow(&mut self, delta: u64, init: u64) -> Option<u64> {
        let old = self.elems.len() as u64;
        let index_max = if self.ty.table64 {
            u64::MAX
        } else {
            u32::MAX as u64
        };
        let new = old.checked_add(delta)?;
        let max = self
            .ty
            .limits
            .max
            .unwrap_or(index_max)
            .min(MAX_TABLE_ELEMENTS);
        if new > max {
            return None;
        }
        if self.elems.try_reserve_exact((new - old) as usize).is_err() {
            return None;
        }
        self.elems.resize(new as usize, init);
        self.ty.limits.min = new;
        Some(old)
    }
}

/// The bulk operators' bounds rules, shared by the engines: a range is `(start, len)`
/// (32-bit operands, zero-extended); `Err((address, len))` is the range that is out of
/// bounds, which the engine reports.
impl MemInst {
    /// `memory.fill`.
    /// The `n` bytes at `s`, copied (the source of a `memory.copy` between two
    /// memories); the range when it is out of bounds.
    pub(crate) fn bytes_at(&self, s: u64, n: u64) -> Result<Vec<u8>, (u64, u64)> {
        match span(s, n).and_then(|r| self.data.get(r)) {
            Some(b) => Ok(b.to_vec()),
            None => Err((s, n)),
        }
    }

    /// Writes `bytes` at `d` (the destination of a `memory.copy` between two memories);
    /// the range, nothing written, when it is out of bounds.
    pub(crate) fn write_at(&mut self, d: u64, bytes: &[u8]) -> Result<(), (u64, u64)> {
        let n = bytes.len() as u64;
        match span(d, n).and_then(|r| self.data.get_mut(r)) {
            Some(t) => {
                t.copy_from_slice(bytes);
                Ok(())
            }
            None => Err((d, n)),
        }
    }

    pub(crate) fn fill(&mut self, d: u64, value: u8, n: u64) -> Result<(), (u64, u64)> {
        match span(d, n).and_then(|r| self.data.get_mut(r)) {
            Some(s) => {
                s.fill(value);
                Ok(())
            }
            None => Err((d, n)),
        }
    }

    /// `memory.copy`: the source range is reported when it is the one outside.
    pub(crate) fn copy(&mut self, d: u64, s: u64, n: u64) -> Result<(), (u64, u64)> {
        let len = self.data.len();
        match (span(s, n), span(d, n)) {
            (Some(src), Some(dst)) if src.end <= len && dst.end <= len => {
                self.data.copy_within(src, dst.start);
                Ok(())
            }
            (src, _) if src.as_ref().is_none_or(|r| r.end > len) => Err((s, n)),
            _ => Err((d, n)),
        }
    }

    /// `memory.init` from `seg`: `Err(None)` when the range is outside the segment (no
    /// memory address to report).
    pub(crate) fn init(
        &mut self,
        seg: &[u8],
        d: u64,
        s: u64,
        n: u64,
    ) -> Result<(), Option<(u64, u64)>> {
        let src = span(s, n).and_then(|r| seg.get(r));
        match (src, span(d, n).and_then(|r| self.data.get_mut(r))) {
            (Some(src), Some(dst)) => {
                dst.copy_from_slice(src);
                Ok(())
            }
            (None, _) => Err(None),
            (Some(_), None) => Err(Some((d, n))),
        }
    }
}

/// A linear memory.
pub(crate) struct MemInst {
    /// Its bytes (with guard pages where the process has them: [`crate::linear`]).
    pub data: crate::linear::Bytes,
    /// The most pages it may grow to (declared max, capped by the runtime's limit).
    pub max_pages: u32,
    /// The maximum the module declared, which import matching compares.
    pub declared_max: Option<u64>,
    /// 64-bit addresses (memory64): `i64` addresses, sizes and page counts.
    pub memory64: bool,
}

impl MemInst {
    pub(crate) fn pages(&self) -> u32 {
        (self.data.len() / PAGE_SIZE) as u32
    }

    /// Grows by `delta` pages; returns the old size in pages, or `None` past the limit.
    pub(crate) fn grow(&mut self, delta: u32) -> Option<u32> {
        let old = self.pages();
        let new = old as u64 + delta as u64;
        if new > self.max_pages as u64 {
            return None;
        }
        // (More than the host's address space, e.g. 4 GiB in the browser: a failed grow.)
        let new_len = usize::try_from(new).ok()?.checked_mul(PAGE_SIZE)?;
        self.data.grow_to(new_len).then_some(old)
    }
}

/// A global variable. `repr(C)`: compiled code reads and writes `value` at offset 0.
#[repr(C)]
pub(crate) struct GlobalInst {
    /// The value's slot (the low half of a `v128`).
    pub value: u64,
    /// The high half of a `v128`; 0 otherwise.
    pub hi: u64,
    pub ty: GlobalType,
    /// A reference's type exactly (typed function references), for linking.
    pub exact: Option<RefTy>,
}

/// Something a call locks: a memory, a table, a global or an instance's state. The
/// sequence number orders locking.
pub(crate) struct Item<T> {
    seq: u64,
    cell: Mutex<T>,
}

/// An item, shared by the instances that define and import it and by handles.
pub(crate) type Shared<T> = Arc<Item<T>>;

impl<T> Item<T> {
    /// Waits for the item and locks it.
    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        lock(&self.cell)
    }
}

/// Store addresses of an instance's functions and interned signatures, in the module's
/// index spaces (its memories, tables and globals are [`Instance`]'s items).
#[derive(Default, Debug)]
pub(crate) struct Layout {
    pub funcs: Vec<u32>,
    /// Interned signature of each module type index.
    pub types: Vec<u32>,
    /// Store address of each exception tag (imports first): two tags are the same tag
    /// when their addresses are equal.
    pub tags: Vec<u32>,
}

/// What of an instance changes while it runs, locked with its items.
#[derive(Default)]
pub(crate) struct InstanceState {
    /// Element segments (emptied by `elem.drop`).
    pub elems: Vec<Arc<[u64]>>,
    /// Data segments (emptied by `data.drop`).
    pub datas: Vec<crate::module::SegmentBytes>,
    /// Called once with the exit code when the instance closes.
    pub notifier: Option<CloseNotifier>,
    /// WASI state of a Wasm module instance (none for host modules); dropped, closing
    /// its files, when the instance closes.
    pub sys: Option<Box<crate::wasi::context::SysContext>>,
}

/// Which of an instance's items a lock step takes.
#[derive(Clone, Copy, Debug)]
enum Part {
    State,
    Memory(usize),
    Table(usize),
    Global(usize),
}

/// A module instance (also host modules), as the registry lists it: immutable once
/// published; what changes is behind its items' locks.
pub(crate) struct Instance {
    pub name: Arc<str>,
    /// `None` for host modules.
    pub module: Option<Arc<WasmCode>>,
    pub layout: Layout,
    /// Exports by name: kind and index in the module's index space.
    pub exports: HashMap<Arc<str>, (ExportKind, u32)>,
    /// Shared with handles, so that other threads can stop the instance's calls.
    pub control: Arc<InstanceControl>,
    /// Function listeners and definitions, when the runtime has a listener factory.
    pub listeners: Option<Arc<InstanceListeners>>,
    pub state: Shared<InstanceState>,
    /// The instance's memories, tables and globals, each once (a module may import one
    /// item twice), and where each index of the module's index spaces finds its own.
    memories: Vec<Shared<MemInst>>,
    tables: Vec<Shared<TableInst>>,
    globals: Vec<Shared<GlobalInst>>,
    memory_ix: Vec<u32>,
    table_ix: Vec<u32>,
    global_ix: Vec<u32>,
    /// The order to lock them in: by sequence number.
    order: Vec<Part>,
    /// The address of each global's value (module index space), as compiled code and the
    /// interpreter's fast path read them ([`Instance::global_slots`]).
    global_slots: std::sync::OnceLock<Box<[usize]>>,
}

/// Items of an instance in the module's index spaces.
pub(crate) struct Items {
    pub memories: Vec<Shared<MemInst>>,
    pub tables: Vec<Shared<TableInst>>,
    pub globals: Vec<Shared<GlobalInst>>,
}

/// Each item once, and the position of each index's item.
fn dedup<T>(items: Vec<Shared<T>>) -> (Vec<Shared<T>>, Vec<u32>) {
    let mut unique: Vec<Shared<T>> = Vec::new();
    let mut ix = Vec::with_capacity(items.len());
    for item in items {
        match unique.iter().position(|u| Arc::ptr_eq(u, &item)) {
            Some(i) => ix.push(i as u32),
            None => {
                ix.push(unique.len() as u32);
                unique.push(item);
            }
        }
    }
    (unique, ix)
}

impl Instance {
    /// An instance of `module` (`None`: a host module) with these items.
    pub(crate) fn new(
        name: Arc<str>,
        module: Option<Arc<WasmCode>>,
        layout: Layout,
        exports: HashMap<Arc<str>, (ExportKind, u32)>,
        items: Items,
        state: Shared<InstanceState>,
    ) -> Self {
        let (memories, memory_ix) = dedup(items.memories);
        let (tables, table_ix) = dedup(items.tables);
        let (globals, global_ix) = dedup(items.globals);
        let mut keyed: Vec<(u64, Part)> = vec![(state.seq, Part::State)];
        keyed.extend(
            memories
                .iter()
                .enumerate()
                .map(|(i, m)| (m.seq, Part::Memory(i))),
        );
        keyed.extend(
            tables
                .iter()
                .enumerate()
                .map(|(i, t)| (t.seq, Part::Table(i))),
        );
        keyed.extend(
            globals
                .iter()
                .enumerate()
                .map(|(i, g)| (g.seq, Part::Global(i))),
        );
        keyed.sort_by_key(|(seq, _)| *seq);
        Instance {
            name,
            module,
            layout,
            exports,
            control: Arc::default(),
            listeners: None,
            state,
            memories,
            tables,
            globals,
            memory_ix,
            table_ix,
            global_ix,
            order: keyed.into_iter().map(|(_, p)| p).collect(),
            global_slots: std::sync::OnceLock::new(),
        }
    }

    /// Memory `index` of the module's index space.
    pub(crate) fn memory(&self, index: u32) -> Option<&Shared<MemInst>> {
        Some(&self.memories[*self.memory_ix.get(index as usize)? as usize])
    }

    /// Table `index` of the module's index space.
    pub(crate) fn table(&self, index: u32) -> Option<&Shared<TableInst>> {
        Some(&self.tables[*self.table_ix.get(index as usize)? as usize])
    }

    /// The address of each global's value (module index space; a [`GlobalInst`]'s, whose
    /// `value` is at offset 0), as compiled code (`VmCtx::globals`) and the interpreter's
    /// fast path read and write them: made once, from the items `held` (this instance's,
    /// locked), the first time a call asks. A global's value stays where it is for the
    /// instance's life (inside its item, which the instance keeps), so the addresses stay
    /// valid; they may be used only while the items are held, and only where no
    /// reference to the global is live.
    pub(crate) fn global_slots(&self, held: &mut dyn HeldItems) -> &[usize] {
        self.global_slots.get_or_init(|| {
            (0..held.global_count() as u32)
                .map(|i| {
                    held.global_mut(i)
                        .map_or(std::ptr::null_mut(), |g| g as *mut GlobalInst)
                        as usize
                })
                .collect()
        })
    }

    /// Global `index` of the module's index space.
    pub(crate) fn global(&self, index: u32) -> Option<&Shared<GlobalInst>> {
        Some(&self.globals[*self.global_ix.get(index as usize)? as usize])
    }

    /// How many tables and globals the module's index spaces have.
    pub(crate) fn counts(&self) -> (usize, usize) {
        (self.table_ix.len(), self.global_ix.len())
    }

    /// Waits for and locks the instance's state and every item it can reach, in the
    /// global order.
    pub(crate) fn lock(&self) -> Held<'_> {
        let mut state = None;
        let mut memories: Vec<Option<MutexGuard<'_, MemInst>>> =
            self.memories.iter().map(|_| None).collect();
        let mut tables: Vec<Option<MutexGuard<'_, TableInst>>> =
            self.tables.iter().map(|_| None).collect();
        let mut globals: Vec<Option<MutexGuard<'_, GlobalInst>>> =
            self.globals.iter().map(|_| None).collect();
        for part in &self.order {
            match *part {
                Part::State => state = Some(self.state.lock()),
                Part::Memory(i) => memories[i] = Some(self.memories[i].lock()),
                Part::Table(i) => tables[i] = Some(self.tables[i].lock()),
                Part::Global(i) => globals[i] = Some(self.globals[i].lock()),
            }
        }
        HELD.with(|h| h.set(h.get() + 1));
        Held {
            state: state.expect("the state is always locked"),
            memories: memories.into_iter().flatten().collect(),
            tables: tables.into_iter().flatten().collect(),
            globals: globals.into_iter().flatten().collect(),
            memory_ix: &self.memory_ix,
            table_ix: &self.table_ix,
            global_ix: &self.global_ix,
        }
    }
}

/// An instance's state and items, locked ([`Instance::lock`]): what a call running in
/// the instance reads and writes.
pub(crate) struct Held<'a> {
    pub state: MutexGuard<'a, InstanceState>,
    pub memories: Vec<MutexGuard<'a, MemInst>>,
    pub tables: Vec<MutexGuard<'a, TableInst>>,
    pub globals: Vec<MutexGuard<'a, GlobalInst>>,
    /// Module index → position in `memories`, `tables`, `globals`.
    pub memory_ix: &'a [u32],
    pub table_ix: &'a [u32],
    pub global_ix: &'a [u32],
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        HELD.with(|h| h.set(h.get().saturating_sub(1)));
    }
}

/// What a host function and a listener reach of the calling instance's locked items
/// (a [`Held`] behind a trait object, so that it can be lent for a shorter time).
pub(crate) trait HeldItems {
    /// Memory `index` of the module's index space.
    fn memory(&self, index: u32) -> Option<&MemInst>;
    /// Memory `index` (writable) and the instance's state, together.
    fn memory_and_state(&mut self, index: u32) -> (Option<&mut MemInst>, &mut InstanceState);
    /// Table `index`.
    fn table(&self, index: u32) -> Option<&TableInst>;
    /// Global `index`.
    fn global(&self, index: u32) -> Option<&GlobalInst>;
    /// Global `index`, writable.
    fn global_mut(&mut self, index: u32) -> Option<&mut GlobalInst>;
    /// How many globals the module's index space has.
    fn global_count(&self) -> usize;
}

impl HeldItems for Held<'_> {
    fn memory(&self, index: u32) -> Option<&MemInst> {
        Some(&self.memories[*self.memory_ix.get(index as usize)? as usize])
    }

    fn memory_and_state(&mut self, index: u32) -> (Option<&mut MemInst>, &mut InstanceState) {
        let mem = match self.memory_ix.get(index as usize) {
            Some(&i) => Some(&mut *self.memories[i as usize]),
            None => None,
        };
        (mem, &mut self.state)
    }

    fn table(&self, index: u32) -> Option<&TableInst> {
        Some(&self.tables[*self.table_ix.get(index as usize)? as usize])
    }

    fn global(&self, index: u32) -> Option<&GlobalInst> {
        Some(&self.globals[*self.global_ix.get(index as usize)? as usize])
    }

    fn global_mut(&mut self, index: u32) -> Option<&mut GlobalInst> {
        let i = *self.global_ix.get(index as usize)? as usize;
        Some(&mut self.globals[i])
    }

    fn global_count(&self) -> usize {
        self.global_ix.len()
    }
}

/// A listened function's listener and its definition.
#[derive(Clone)]
pub(crate) struct Listened {
    pub listener: crate::listener::Listener,
    pub definition: Arc<crate::types::FunctionDefinition>,
}

/// The listeners of an instance's functions (module index space) and their definitions.
pub(crate) struct InstanceListeners {
    /// Each listened function's listener, with its definition (one look-up at a hook).
    pub funcs: Vec<Option<Listened>>,
    pub definitions: Vec<Arc<crate::types::FunctionDefinition>>,
    /// Whether any of them has an `abort` hook (the compiler engine's unwinding reads it).
    #[cfg_attr(
        not(any(target_arch = "x86_64", target_arch = "aarch64")),
        allow(dead_code)
    )]
    pub aborts: bool,
}

/// A close notifier (`ModuleConfig::with_close_notifier`).
pub(crate) type CloseNotifier = Arc<dyn Fn(u32) + Send + Sync>;

/// What other threads may read and ask of an instance without any lock.
#[derive(Default, Debug)]
pub(crate) struct InstanceControl {
    /// 0 while running; `exit code + 1` once a close, an interrupt or a deadline asked
    /// the instance's calls to stop. Code compiled with interrupt checks polls it.
    pub stop: AtomicU64,
    /// 0 while open; `exit code + 1` once closed.
    closed: AtomicU64,
}

impl InstanceControl {
    /// Asks running calls to stop with `exit_code` (the first request wins).
    pub(crate) fn request_stop(&self, exit_code: u32) {
        let _ =
            self.stop
                .compare_exchange(0, exit_code as u64 + 1, Ordering::SeqCst, Ordering::SeqCst);
    }

    /// The exit code a stop was requested with.
    pub(crate) fn stop_requested(&self) -> Option<u32> {
        match self.stop.load(Ordering::Relaxed) {
            0 => None,
            v => Some((v - 1) as u32),
        }
    }

    /// The exit code the instance was closed with, once closed.
    pub(crate) fn closed(&self) -> Option<u32> {
        match self.closed.load(Ordering::SeqCst) {
            0 => None,
            v => Some((v - 1) as u32),
        }
    }

    /// Marks the instance closed with `exit_code`; `false` if it was closed already.
    fn mark_closed(&self, exit_code: u32) -> bool {
        self.closed
            .compare_exchange(0, exit_code as u64 + 1, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
    }
}

/// The functions, signatures and instances of a runtime, as one published snapshot.
#[derive(Default, Clone)]
pub(crate) struct Registry {
    pub funcs: Vec<FuncInst>,
    pub instances: Vec<Arc<Instance>>,
    pub types: TypeRegistry,
    /// Every exception tag by store address: its interned signature (the payload is its
    /// parameters) and the instance that defined it.
    pub tags: Vec<TagInst>,
}

/// An exception tag as the registry lists it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TagInst {
    /// Interned signature.
    pub ty: u32,
    /// The defining instance and the tag's index in its module.
    pub instance: u32,
    pub index: u32,
}

/// The names instance `data` exports its tag `index` under, sorted.
pub(crate) fn tag_exports(data: &Instance, index: u32) -> Vec<String> {
    let mut names: Vec<String> = (data.exports.iter())
        .filter(|(_, (k, i))| *k == ExportKind::Tag && *i == index)
        .map(|(name, _)| name.to_string())
        .collect();
    names.sort();
    names
}

/// An exception as errors and listeners show it: `tag 1 ("e") of module "m" with
/// payload (i32 7)`.
pub(crate) fn describe_exception(reg: &Registry, exn: &Exception) -> String {
    let Some(tag) = reg.tags.get(exn.tag as usize) else {
        return format!("tag {}", exn.tag);
    };
    let mut out = format!("tag {}", tag.index);
    if let Some(data) = reg.instances.get(tag.instance as usize) {
        if let Some(name) = tag_exports(data, tag.index).first() {
            out.push_str(&format!(" ({name:?})"));
        }
        out.push_str(&format!(" of module {:?}", data.name));
    }
    let ty = reg.types.get(tag.ty);
    if !ty.params().is_empty() {
        let values = crate::values::Value::decode(ty.params(), &exn.payload);
        let shown: Vec<String> = (ty.params().iter().zip(&values))
            .map(|(t, v)| format!("{t} {v}"))
            .collect();
        out.push_str(&format!(" with payload ({})", shown.join(", ")));
    }
    out
}

/// The exceptions caught by reference (`catch_ref`, `catch_all_ref`, the legacy
/// `catch`es whose clause has a `rethrow`): an `exnref` is `index + 1`. An exception is
/// kept once, however often it is caught and thrown on (a cleanup's `catch_all_ref` and
/// `throw_ref` in every frame it passes), until the runtime closes: there is no
/// collector yet (it comes with WebAssembly 3.0's GC, which needs the compiler's stack
/// maps to find the references compiled code holds).
#[derive(Default)]
pub(crate) struct Exceptions {
    list: Mutex<Vec<Arc<Exception>>>,
}

impl Exceptions {
    /// Keeps `exn`; its `exnref`.
    pub(crate) fn keep(&self, exn: Arc<Exception>) -> u64 {
        if let Some(r) = exn.exnref.get() {
            return *r;
        }
        let mut list = lock(&self.list);
        // Under the lock: two threads cannot keep one exception twice.
        if let Some(r) = exn.exnref.get() {
            return *r;
        }
        list.push(exn.clone());
        let r = list.len() as u64;
        let _ = exn.exnref.set(r);
        r
    }

    /// The exception `exnref` refers to (`None` for null or a value no exception has).
    pub(crate) fn get(&self, exnref: u64) -> Option<Arc<Exception>> {
        let i = usize::try_from(exnref).ok()?.checked_sub(1)?;
        lock(&self.list).get(i).cloned()
    }
}

/// A GC type's names (see [`Store::type_names`]).
#[derive(Clone, Debug, Default)]
pub(crate) struct TypeNames {
    pub name: Option<Arc<str>>,
    pub fields: HashMap<u32, Arc<str>>,
}

/// Counts a call in [`Store::calls`] while it lives.
pub(crate) struct CallCount(Arc<std::sync::atomic::AtomicUsize>);

impl CallCount {
    pub(crate) fn new(store: &Store) -> Self {
        // Under the heap's lock: a collection (which holds it) finishes before another
        // call starts.
        let _heap = lock(&store.heap);
        store.calls.fetch_add(1, Ordering::SeqCst);
        CallCount(store.calls.clone())
    }
}

impl Drop for CallCount {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl std::fmt::Debug for CallCount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CallCount")
    }
}

/// Everything a runtime has instantiated.
pub(crate) struct Store {
    registry: Mutex<Arc<Registry>>,
    /// Instantiated modules by name (the names imports resolve against).
    names: Mutex<HashMap<Arc<str>, u32>>,
    /// Serialises instantiations (each takes the next store addresses).
    linking: Mutex<()>,
    /// The next item's sequence number.
    seq: AtomicU64,
    /// Fuel budget of each call, if the runtime meters fuel.
    pub fuel: Option<u64>,
    /// Tiered compilation: the interpreted calls after which a function of a module with
    /// native code runs compiled (0: no tiering; see
    /// [`crate::RuntimeConfig::with_tiering`]).
    pub tiering: u32,
    /// Whether traces carry DWARF source lines.
    pub debug_info: bool,
    /// Exceptions caught by reference.
    pub exceptions: Exceptions,
    /// GC's objects.
    pub heap: Mutex<crate::heap::Heap>,
    /// The names a module's name section gives GC types (canonical id → the type's name
    /// and its fields'), from the first module instantiated that names them: what a
    /// debugger shows of an object.
    pub type_names: Mutex<HashMap<u32, TypeNames>>,
    /// Calls in progress on any thread (paused resumable calls included): the collector
    /// runs only in a call that is alone (see [`Store::collect_garbage`]).
    pub calls: Arc<std::sync::atomic::AtomicUsize>,
}

impl Store {
    /// An empty store.
    pub(crate) fn new(fuel: Option<u64>, debug_info: bool, gc_zeal: bool) -> Self {
        Store {
            registry: Mutex::default(),
            names: Mutex::default(),
            linking: Mutex::default(),
            seq: AtomicU64::new(0),
            fuel,
            tiering: 0,
            debug_info,
            exceptions: Exceptions::default(),
            heap: Mutex::new(crate::heap::Heap::new(gc_zeal)),
            type_names: Mutex::default(),
            calls: Arc::default(),
        }
    }

    /// The registry as last published.
    pub(crate) fn snapshot(&self) -> Arc<Registry> {
        lock(&self.registry).clone()
    }

    /// Instance `inst` of the current registry.
    pub(crate) fn instance(&self, inst: u32) -> Option<Arc<Instance>> {
        lock(&self.registry).instances.get(inst as usize).cloned()
    }

    /// Takes the instantiation lock: one instantiation at a time adds to the registry.
    pub(crate) fn linking(&self) -> MutexGuard<'_, ()> {
        lock(&self.linking)
    }

    /// Publishes a registry changed by `f` (under the instantiation lock).
    pub(crate) fn publish(&self, f: impl FnOnce(&mut Registry)) {
        let mut current = lock(&self.registry);
        let mut next = Registry::clone(&current);
        f(&mut next);
        *current = Arc::new(next);
    }

    /// A new item holding `value`, after every item made before it in locking order.
    pub(crate) fn item<T>(&self, value: T) -> Shared<T> {
        Arc::new(Item {
            seq: self.seq.fetch_add(1, Ordering::Relaxed),
            cell: Mutex::new(value),
        })
    }

    /// The instantiated modules by name.
    pub(crate) fn names(&self) -> MutexGuard<'_, HashMap<Arc<str>, u32>> {
        lock(&self.names)
    }

    /// Closes instance `inst` (`data`, whose `state` the caller holds) with `exit_code`
    /// unless it is closed already: its name is freed, running calls are asked to stop,
    /// its WASI state is dropped and its notifier queued on this thread
    /// ([`Store::notify`] runs it).
    pub(crate) fn close_instance(
        &self,
        inst: u32,
        data: &Instance,
        state: &mut InstanceState,
        exit_code: u32,
    ) {
        // Under the names' lock, so that a name given meanwhile is either refused
        // (closed) or removed here.
        let mut names = self.names();
        if !data.control.mark_closed(exit_code) {
            return;
        }
        names.retain(|_, i| *i != inst);
        drop(names);
        data.control.request_stop(exit_code);
        state.sys = None;
        if let Some(n) = state.notifier.take() {
            PENDING.with(|p| p.borrow_mut().push((n, exit_code)));
        }
    }

    /// Closes instance `inst`, waiting for its state (a call running in it lets go of it
    /// when it ends or leaves the instance, or at once if it polls for the stop this asks
    /// for). Its notifier is queued ([`Store::notify`]).
    pub(crate) fn close(&self, inst: u32, exit_code: u32) {
        if let Some(data) = self.instance(inst) {
            data.control.request_stop(exit_code);
            let mut state = data.state.lock();
            self.close_instance(inst, &data, &mut state, exit_code);
        }
    }

    /// Runs the close notifiers this thread queued, unless it holds items (inside a
    /// call: they run when the outermost call ends). A notifier's panic is raised again
    /// once the others have run.
    pub(crate) fn notify(&self) {
        if in_call() {
            return;
        }
        let pending = PENDING.with(|p| std::mem::take(&mut *p.borrow_mut()));
        let mut panic = None;
        for (notifier, code) in pending {
            let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| notifier(code)));
            if let Err(p) = run {
                panic.get_or_insert(p);
            }
        }
        if let Some(p) = panic {
            std::panic::resume_unwind(p);
        }
    }

    /// Looks up an export of the module registered under `module`.
    pub(crate) fn resolve(
        &self,
        module: &str,
        name: &str,
    ) -> Result<(u32, ExportKind, u32), String> {
        let inst = *self
            .names()
            .get(module)
            .ok_or_else(|| format!("module[{module}] not instantiated"))?;
        let data = self
            .instance(inst)
            .ok_or_else(|| format!("module[{module}] not instantiated"))?;
        let (kind, index) = data
            .exports
            .get(name)
            .ok_or_else(|| format!("\"{name}\" is not exported in module[{module}]"))?;
        Ok((inst, *kind, *index))
    }
}

/// What a host function is called with: the store, the registry the call runs with, the
/// calling instance (if a module called) and that instance's locked items.
pub(crate) struct HostCtx<'a> {
    pub store: &'a Store,
    pub reg: &'a Registry,
    pub instance: Option<u32>,
    pub held: Option<&'a mut dyn HeldItems>,
}

/// A host function as the store calls it: with its context and the value stack
/// (parameters in, results out at its front). The public API ([`crate::host`]) wraps a
/// user's closure into one, giving it a [`crate::Caller`].
pub(crate) type StoreHostFn = dyn Fn(HostCtx<'_>, &mut [u64]) -> Result<()> + Send + Sync;

/// A host function as the store keeps it.
pub(crate) struct HostFunc {
    pub ty: FuncType,
    pub func: Box<StoreHostFn>,
    pub name: Arc<str>,
    pub param_names: Vec<Option<Arc<str>>>,
    pub result_names: Vec<Option<Arc<str>>>,
}

/// The definition of function `index` of a host module.
pub(crate) fn host_definition(
    module_name: &str,
    index: u32,
    export: &Arc<str>,
    func: &HostFunc,
) -> FunctionDefinition {
    FunctionDefinition {
        module_name: module_name.into(),
        index,
        import: None,
        export_names: vec![export.clone()],
        name: Some(func.name.clone()),
        ty: func.ty.clone(),
        param_names: func.param_names.clone(),
        result_names: func.result_names.clone(),
        host: true,
    }
}

/// The definition of function `index` of the host module instance `inst`.
pub(crate) fn definition(reg: &Registry, inst: u32, index: u32) -> FunctionDefinition {
    let data = &reg.instances[inst as usize];
    let addr = data.layout.funcs[index as usize];
    let export = data
        .exports
        .iter()
        .find(|(_, (k, i))| *k == ExportKind::Func && *i == index)
        .map(|(n, _)| n.clone())
        .unwrap_or_else(|| "".into());
    match &reg.funcs[addr as usize] {
        FuncInst::Host { func, .. } => host_definition(&data.name, index, &export, func),
        FuncInst::Wasm { .. } => unreachable!("host modules hold host functions"),
    }
}

/// A host module ready to instantiate: its name and functions, in builder order.
pub(crate) struct HostModuleDef {
    pub name: Arc<str>,
    /// `(export name, function)`.
    pub funcs: Vec<(Arc<str>, Arc<HostFunc>)>,
}

/// The listener API's view of the instance a call runs in (its items locked by the
/// call) and the names of the others: another instance's state is not read, since
/// another call may hold it.
pub(crate) struct View<'a> {
    pub reg: &'a Registry,
    /// The instance whose items `held` are.
    pub instance: Option<u32>,
    pub held: Option<&'a dyn HeldItems>,
}

impl<'a> View<'a> {
    fn items(&self, inst: u32) -> Option<&'a dyn HeldItems> {
        match self.instance {
            Some(i) if i == inst => self.held,
            _ => None,
        }
    }

    /// [`crate::listener::InstanceView::instance_name`], for as long as the view's parts.
    pub(crate) fn name_of(&self, inst: u32) -> &'a str {
        self.reg
            .instances
            .get(inst as usize)
            .map_or("", |d| &d.name)
    }

    /// [`crate::listener::InstanceView::instance_globals`].
    pub(crate) fn globals_of(&self, inst: u32) -> Vec<(GlobalType, u64, u64)> {
        let Some(items) = self.items(inst) else {
            return Vec::new();
        };
        (0..items.global_count() as u32)
            .filter_map(|i| items.global(i))
            .map(|g| (g.ty, g.value, g.hi))
            .collect()
    }

    /// [`crate::listener::InstanceView::instance_memory`], for as long as the view's parts.
    pub(crate) fn memory_of(&self, inst: u32) -> Option<&'a [u8]> {
        Some(&self.items(inst)?.memory(0)?.data)
    }

    /// [`crate::listener::InstanceView::instance_table`], for as long as the view's parts.
    pub(crate) fn table_of(&self, inst: u32, index: u32) -> Option<&'a [u64]> {
        Some(&self.items(inst)?.table(index)?.elems)
    }
}

impl crate::listener::InstanceView for View<'_> {
    fn instance_name(&self, inst: u32) -> &str {
        self.name_of(inst)
    }

    fn instance_globals(&self, inst: u32) -> Vec<(GlobalType, u64, u64)> {
        self.globals_of(inst)
    }

    fn instance_memory(&self, inst: u32) -> Option<&[u8]> {
        self.memory_of(inst)
    }

    fn instance_table(&self, inst: u32, index: u32) -> Option<&[u64]> {
        self.table_of(inst, index)
    }
}

impl Store {
    /// Keeps the GC objects among `slots` alive for good: values the host gets (a
    /// call's results, a host function's arguments) may be kept anywhere the collector
    /// cannot see. Slots that are not object references are ignored.
    pub(crate) fn pin_slots(&self, slots: &[u64]) {
        if slots.iter().any(|v| v >> 62 == 2) {
            let mut heap = lock(&self.heap);
            slots.iter().for_each(|v| heap.pin(*v));
        }
    }

    /// Refuses `slots` if one is a GC object reference the host was not given (a
    /// forged or stale one) or of the reserved tag: references of the `any` and
    /// `extern` hierarchies the host passes in are its own handles (below `1 << 62`),
    /// `i31ref`s, or objects it got from the runtime.
    pub(crate) fn check_host_refs(&self, slots: &[u64]) -> Result<()> {
        if slots.iter().any(|v| v >> 62 >= 2) {
            let heap = lock(&self.heap);
            if let Some(v) = slots.iter().find(|v| !heap.host_may_pass(**v)) {
                return Err(crate::error::Error::usage(format!(
                    "reference {v:#x} is neither a host handle (below 1 << 62), an i31ref, \
                     nor a GC object the runtime gave the host"
                )));
            }
        }
        Ok(())
    }

    /// Whether one call runs in the store (a collection may then be due: see
    /// [`Self::collect_garbage`], which asks again).
    #[cfg_attr(
        not(any(target_arch = "x86_64", target_arch = "aarch64")),
        allow(dead_code)
    )]
    pub(crate) fn sole_call(&self) -> bool {
        self.calls.load(Ordering::SeqCst) == 1
    }

    /// Puts off a due collection that cannot run now until as much more is allocated.
    #[cfg_attr(
        not(any(target_arch = "x86_64", target_arch = "aarch64")),
        allow(dead_code)
    )]
    pub(crate) fn postpone_gc(&self) {
        lock(&self.heap).postpone();
    }

    /// Whether a collection is due (allocation since the last one).
    pub(crate) fn gc_due(&self) -> bool {
        lock(&self.heap).wants_collection()
    }

    /// Collects GC garbage from a call running instance `current` (whose items it holds
    /// as `held`) with interpreter slots `stack`, if that call is the only one in the
    /// store (another thread's call, a paused resumable call or a call nested through
    /// another engine would hold references this cannot see). The roots: every slot of
    /// `stack` (conservatively: a slot that happens to look like an object reference
    /// keeps that object), every global and table of every instance, the payloads of
    /// exceptions kept by reference, and the objects the host has seen. An item another
    /// thread holds (an instantiation, a handle) skips this collection. Returns whether
    /// it collected.
    pub(crate) fn collect_garbage(&self, current: u32, held: &Held<'_>, stack: &[u64]) -> bool {
        // The heap's lock first: no call starts meanwhile (`CallCount::new`).
        let mut heap = lock(&self.heap);
        if self.calls.load(Ordering::SeqCst) != 1 || !heap.wants_collection() {
            heap.postpone();
            return false;
        }
        // The latest registry: an instance published since this call began has roots.
        let reg = self.snapshot();
        let mut roots: Vec<u64> = Vec::new();
        for g in &held.globals {
            roots.push(g.value);
        }
        for t in &held.tables {
            roots.extend_from_slice(&t.elems);
        }
        let mine = reg.instances.get(current as usize);
        // The items this call holds (read through `held`, not locked again).
        let held_items: std::collections::HashSet<*const ()> = mine
            .map(|m| {
                (m.globals.iter().map(|g| Arc::as_ptr(g) as *const ()))
                    .chain(m.tables.iter().map(|t| Arc::as_ptr(t) as *const ()))
                    .collect()
            })
            .unwrap_or_default();
        let is_mine = |p: *const ()| held_items.contains(&p);
        for inst in &reg.instances {
            for g in &inst.globals {
                if is_mine(Arc::as_ptr(g) as *const ()) {
                    continue;
                }
                match g.cell.try_lock() {
                    Ok(g) => roots.push(g.value),
                    Err(_) => {
                        heap.postpone();
                        return false;
                    }
                }
            }
            for t in &inst.tables {
                if is_mine(Arc::as_ptr(t) as *const ()) {
                    continue;
                }
                match t.cell.try_lock() {
                    Ok(t) => roots.extend_from_slice(&t.elems),
                    Err(_) => {
                        heap.postpone();
                        return false;
                    }
                }
            }
            if let Ok(state) = inst.state.cell.try_lock() {
                for e in &state.elems {
                    roots.extend_from_slice(e);
                }
            } else if mine.is_some_and(|m| Arc::ptr_eq(m, inst)) {
                for e in &held.state.elems {
                    roots.extend_from_slice(e);
                }
            } else {
                heap.postpone();
                return false;
            }
        }
        for exn in lock(&self.exceptions.list).iter() {
            roots.extend_from_slice(&exn.payload);
        }
        heap.collect(roots.into_iter().chain(stack.iter().copied()));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exception_is_kept_once_however_often_it_is_caught() {
        let kept = Exceptions::default();
        let a = Exception::new(0, Box::new([7]));
        let b = Exception::new(0, Box::new([7]));
        let ra = kept.keep(a.clone());
        assert_eq!(kept.keep(a.clone()), ra);
        let rb = kept.keep(b);
        assert_ne!(ra, rb);
        assert!(Arc::ptr_eq(&kept.get(ra).unwrap(), &a));
        assert!(kept.get(0).is_none() && kept.get(rb + 1).is_none());
        assert_eq!(lock(&kept.list).len(), 2);
    }
}
