//! Linking and instantiation: resolving imports by module name, creating an instance's
//! items, applying its active segments, and publishing it in the store's registry.
//!
//! Instantiations run one at a time (the caller holds [`Store::linking`]): each takes
//! the next store addresses. An imported item is shared, not copied: the new instance
//! locks the exporter's memory, table or global whenever it runs.

use std::collections::HashMap;
use std::sync::Arc;

use crate::config::RuntimeConfig;
use crate::error::{Error, Result, TrapCode};
use crate::interp::code::WasmCode;
use crate::module::{ConstExpr, ConstOp, ExportKind, ImportKind, SegmentMode};
use crate::store::{
    CloseNotifier, FuncInst, GlobalInst, HeldItems, Instance, InstanceListeners, InstanceState,
    Items, Layout, MemInst, Registry, Shared, Store, TableInst, PAGE_SIZE,
};

fn link_error(import: &crate::module::Import, msg: impl std::fmt::Display) -> Error {
    Error::link(format!("import[{}.{}]: {msg}", import.module, import.name))
}

fn limits_match(actual_min: u64, actual_max: Option<u64>, min: u64, max: Option<u64>) -> bool {
    actual_min >= min
        && match max {
            None => true,
            Some(m) => actual_max.is_some_and(|am| am <= m),
        }
}

/// Evaluates a constant expression over the instance's globals so far and its
/// functions; non-`v128` values are in the low 64 bits. GC's allocations go to `heap`.
fn eval_const(
    globals: &[Shared<GlobalInst>],
    layout: &Layout,
    heap: &std::sync::Mutex<crate::heap::Heap>,
    expr: &ConstExpr,
) -> std::result::Result<u128, Error> {
    let global = |g: u32| {
        let g = globals[g as usize].lock();
        g.value as u128 | (g.hi as u128) << 64
    };
    Ok(match *expr {
        ConstExpr::Value(v) => v as u128,
        ConstExpr::V128(v) => v,
        ConstExpr::GlobalGet(g) => global(g),
        ConstExpr::RefNull => 0,
        ConstExpr::RefFunc(f) => layout.funcs[f as usize] as u128 + 1,
        ConstExpr::Ops(ref ops) => {
            use crate::gctypes::Kind;
            // Validated: every operator finds its operands, and one value is left.
            let mut stack: Vec<u128> = Vec::with_capacity(4);
            let too_large = |_| Error::trap(crate::error::TrapCode::AllocationTooLarge);
            for op in ops.iter() {
                let v = match *op {
                    ConstOp::Const(v) => v as u128,
                    ConstOp::V128(v) => v,
                    ConstOp::GlobalGet(g) => global(g),
                    ConstOp::RefNull => 0,
                    ConstOp::RefFunc(f) => layout.funcs[f as usize] as u128 + 1,
                    ConstOp::AnyConvertExtern | ConstOp::ExternConvertAny => continue,
                    ConstOp::RefI31 => crate::heap::i31(stack.pop().unwrap_or(0) as u32) as u128,
                    ConstOp::StructNew(ty, n) => {
                        let at = stack.len().saturating_sub(n as usize);
                        let fields = stack.split_off(at);
                        let mut heap = crate::store::lock(heap);
                        let r = heap.new_struct(ty);
                        if let Some(obj) = heap.get_mut(r) {
                            let layout = obj.def.layout.fields.clone();
                            for ((off, kind), v) in layout.into_iter().zip(fields) {
                                let _ = obj.write(off as usize, kind, v as u64, (v >> 64) as u64);
                            }
                        }
                        r as u128
                    }
                    ConstOp::StructNewDefault(ty) => {
                        crate::store::lock(heap).new_struct(ty) as u128
                    }
                    ConstOp::ArrayNewDefault(ty) => {
                        let len = stack.pop().unwrap_or(0) as u32;
                        crate::store::lock(heap)
                            .new_array(ty, len)
                            .map_err(too_large)? as u128
                    }
                    ConstOp::ArrayNew(ty) | ConstOp::ArrayNewFixed(ty, _) => {
                        // `array.new`: one value, a length; `array.new_fixed`: n values.
                        let (values, len) = match *op {
                            ConstOp::ArrayNewFixed(_, n) => {
                                let values =
                                    stack.split_off(stack.len().saturating_sub(n as usize));
                                let len = values.len() as u32;
                                (values, len)
                            }
                            _ => {
                                let len = stack.pop().unwrap_or(0) as u32;
                                (vec![stack.pop().unwrap_or(0)], len)
                            }
                        };
                        let mut heap = crate::store::lock(heap);
                        let r = heap.new_array(ty, len).map_err(too_large)?;
                        if let Some(obj) = heap.get_mut(r) {
                            let kind = obj.def.elem.unwrap_or(Kind::B64);
                            if let ([v], ConstOp::ArrayNew(_)) = (&values[..], op) {
                                let _ =
                                    obj.fill(0, len as usize, kind, *v as u64, (*v >> 64) as u64);
                            } else {
                                for (i, v) in values.iter().enumerate() {
                                    let at = i * kind.size() as usize;
                                    let _ = obj.write(at, kind, *v as u64, (*v >> 64) as u64);
                                }
                            }
                        }
                        r as u128
                    }
                    _ => {
                        let b = stack.pop().unwrap_or(0) as u64;
                        let a = stack.pop().unwrap_or(0) as u64;
                        let (a32, b32) = (a as u32, b as u32);
                        (match *op {
                            ConstOp::I32Add => a32.wrapping_add(b32) as u64,
                            ConstOp::I32Sub => a32.wrapping_sub(b32) as u64,
                            ConstOp::I32Mul => a32.wrapping_mul(b32) as u64,
                            ConstOp::I64Add => a.wrapping_add(b),
                            ConstOp::I64Sub => a.wrapping_sub(b),
                            _ => a.wrapping_mul(b),
                        }) as u128
                    }
                };
                stack.push(v);
            }
            stack.pop().unwrap_or(0)
        }
    })
}

/// What an instance starts with besides its module: set before it is published.
#[derive(Default)]
pub(crate) struct Setup {
    pub listeners: Option<Arc<InstanceListeners>>,
    pub notifier: Option<CloseNotifier>,
    pub sys: Option<Box<crate::wasi::context::SysContext>>,
}

/// Creates the instance of `info`, initialises it (not the start functions) and
/// publishes it; returns its store index. The caller holds [`Store::linking`].
///
/// A failed instantiation publishes nothing, unless an element segment already wrote
/// references to the new functions into an imported table: then, as WebAssembly 2.0
/// requires, those functions stay callable through it (the instance is published, under
/// no name).
pub(crate) fn instantiate(
    store: &Store,
    info: &Arc<WasmCode>,
    name: &Arc<str>,
    config: &RuntimeConfig,
    setup: Setup,
) -> Result<u32> {
    // Constant expressions allocate GC objects that nothing roots until the instance is
    // published: no collection meanwhile.
    let _calls = crate::store::CallCount::new(store);
    if !info.type_names.is_empty() || !info.field_names.is_empty() {
        let mut names = crate::store::lock(&store.type_names);
        for (i, id) in info.canon.iter().enumerate() {
            let i = i as u32;
            let (name, fields) = (info.type_names.get(&i), info.field_names.get(&i));
            if name.is_some() || fields.is_some() {
                names.entry(*id).or_insert_with(|| crate::store::TypeNames {
                    name: name.cloned(),
                    fields: fields.cloned().unwrap_or_default(),
                });
            }
        }
    }
    let reg = store.snapshot();
    let inst = reg.instances.len() as u32;
    let mut types = reg.types.clone();
    let mut layout = Layout {
        types: (info.canon.iter().zip(&info.types))
            .map(|(id, t)| types.record(*id, t))
            .collect(),
        ..Layout::default()
    };
    let mut items = Items {
        memories: Vec::new(),
        tables: Vec::new(),
        globals: Vec::new(),
    };
    // Imports.
    for import in &info.imports {
        let (exporter, kind, index) = store
            .resolve(&import.module, &import.name)
            .map_err(|m| link_error(import, m))?;
        let ex = &reg.instances[exporter as usize];
        let missing = || link_error(import, "export refers to no item");
        // Canonical signatures `want` (the import's) and `have` (the export's) are equal.
        let same = |what: &str, want: u32, have: u32| match want == have {
            true => Ok(()),
            false => Err(link_error(
                import,
                format!("{what}: {} != {}", types.get(want), types.get(have)),
            )),
        };
        match (&import.kind, kind) {
            (ImportKind::Func(t), ExportKind::Func) => {
                let addr = *ex.layout.funcs.get(index as usize).ok_or_else(missing)?;
                let want = layout.types[*t as usize];
                let have = reg.funcs[addr as usize].ty();
                if !crate::store::sig_matches(have, want) {
                    same("signature mismatch", want, have)?;
                }
                layout.funcs.push(addr);
            }
            (ImportKind::Table(t), ExportKind::Table) => {
                let item = ex.table(index).ok_or_else(missing)?.clone();
                let want = &info.table_refs[items.tables.len()];
                let ok = {
                    let have = item.lock();
                    // Tables are invariant: the same element type exactly, and the
                    // same index type.
                    have.ty.element == t.element
                        && have.ty.table64 == t.table64
                        && have.exact == *want
                        && limits_match(
                            have.elems.len() as u64,
                            have.ty.limits.max,
                            t.limits.min,
                            t.limits.max,
                        )
                };
                if !ok {
                    return Err(link_error(
                        import,
                        "incompatible import type: table type mismatch",
                    ));
                }
                items.tables.push(item);
            }
            (ImportKind::Memory(m), ExportKind::Memory) => {
                let item = ex.memory(index).ok_or_else(missing)?.clone();
                let memory64 = info.memory64[items.memories.len()];
                let ok = {
                    let have = item.lock();
                    have.memory64 == memory64
                        && limits_match(
                            have.pages() as u64,
                            have.declared_max,
                            m.limits.min,
                            m.limits.max,
                        )
                };
                if !ok {
                    return Err(link_error(
                        import,
                        "incompatible import type: memory size mismatch",
                    ));
                }
                items.memories.push(item);
            }
            (ImportKind::Global(g), ExportKind::Global) => {
                let item = ex.global(index).ok_or_else(missing)?.clone();
                let (have, exact) = {
                    let item = item.lock();
                    (item.ty, item.exact)
                };
                // A mutable global's type is invariant, an immutable one's covariant.
                let want = &info.global_refs[items.globals.len()];
                let exact_ok = match (&exact, want) {
                    (Some(a), Some(b)) if g.mutable => a == b,
                    (Some(a), Some(b)) => a.is_subtype_of(b),
                    (a, b) => a.is_none() && b.is_none(),
                };
                if have != *g || !exact_ok {
                    return Err(link_error(
                        import,
                        format!(
                            "incompatible import type: global type mismatch: {have:?} != {g:?}"
                        ),
                    ));
                }
                items.globals.push(item);
            }
            (ImportKind::Tag(t), ExportKind::Tag) => {
                let addr = *ex.layout.tags.get(index as usize).ok_or_else(missing)?;
                let want = layout.types[*t as usize];
                let what = "incompatible import type: tag type mismatch";
                same(what, want, reg.tags[addr as usize].ty)?;
                layout.tags.push(addr);
            }
            (_, kind) => {
                return Err(link_error(
                    import,
                    format!("incompatible import type: export is a {kind:?}"),
                ));
            }
        }
    }
    // Defined items.
    let mut funcs = Vec::new();
    for (i, t) in info
        .func_types
        .iter()
        .enumerate()
        .skip(info.num_imported_funcs as usize)
    {
        layout.funcs.push((reg.funcs.len() + funcs.len()) as u32);
        funcs.push(FuncInst::Wasm {
            ty: layout.types[*t as usize],
            instance: inst,
            index: (i - info.num_imported_funcs as usize) as u32,
        });
    }
    let mut tags = Vec::new();
    for (index, t) in info
        .tags
        .iter()
        .enumerate()
        .skip(info.num_imported_tags as usize)
    {
        layout.tags.push((reg.tags.len() + tags.len()) as u32);
        tags.push(crate::store::TagInst {
            ty: layout.types[*t as usize],
            instance: inst,
            index: index as u32,
        });
    }
    let defined_tables = info.num_imported_tables as usize..;
    for ((t, init), exact) in (info.tables[defined_tables.clone()].iter())
        .zip(&info.table_inits)
        .zip(&info.table_refs[defined_tables])
    {
        if t.limits.min > crate::store::MAX_TABLE_ELEMENTS {
            return Err(Error::instantiate(format!(
                "table of {} elements is larger than the limit of {}",
                t.limits.min,
                crate::store::MAX_TABLE_ELEMENTS
            )));
        }
        let init = match init {
            Some(e) => eval_const(&items.globals, &layout, &store.heap, e)? as u64,
            None => 0,
        };
        items.tables.push(store.item(TableInst {
            elems: vec![init; t.limits.min as usize],
            exact: *exact,
            ty: *t,
        }));
    }
    let defined_memories = info.num_imported_memories as usize..;
    for (m, memory64) in
        (info.memories[defined_memories.clone()].iter()).zip(&info.memory64[defined_memories])
    {
        // A 32-bit memory has at most 4 GiB whatever the limit.
        let limit = match memory64 {
            true => config.memory_limit_pages as u64,
            false => config
                .memory_limit_pages
                .min(crate::config::MAX_MEMORY_PAGES) as u64,
        };
        if m.limits.min > limit {
            return Err(Error::instantiate(format!(
                "memory min {} pages exceeds the limit of {limit} pages",
                m.limits.min
            )));
        }
        let max_pages = m.limits.max.unwrap_or(limit).min(limit) as u32;
        // (On a 32-bit host, e.g. the browser, 4 GiB and more do not fit.)
        let min_bytes = usize::try_from(m.limits.min)
            .ok()
            .and_then(|p| p.checked_mul(PAGE_SIZE))
            .ok_or_else(|| {
                Error::instantiate(format!(
                    "memory min {} pages does not fit this machine's address space",
                    m.limits.min
                ))
            })?;
        let capacity = match config.memory_capacity_from_max {
            true => (max_pages as usize).saturating_mul(PAGE_SIZE),
            false => 0,
        };
        let guarded = !*memory64 && crate::linear::guard_pages();
        let data = crate::linear::Bytes::new(min_bytes, guarded, capacity).ok_or_else(|| {
            Error::new(format!(
                "memory {}: the host has no room for it ({min_bytes} bytes{})",
                items.memories.len(),
                match guarded {
                    true => {
                        ", in 8 GiB of address space for its guard pages; \
                         WASMSCOPE_EXPLICIT_TRAPS=1 does without them"
                    }
                    false => "",
                }
            ))
        })?;
        items.memories.push(store.item(MemInst {
            data,
            max_pages,
            declared_max: m.limits.max,
            memory64: *memory64,
        }));
    }
    let defined_globals = info.num_imported_globals as usize..;
    for ((ty, init), exact) in (info.globals[defined_globals.clone()].iter())
        .zip(&info.global_inits)
        .zip(&info.global_refs[defined_globals])
    {
        let value = eval_const(&items.globals, &layout, &store.heap, init)?;
        let (value, hi) = (value as u64, (value >> 64) as u64);
        items.globals.push(store.item(GlobalInst {
            value,
            hi,
            ty: *ty,
            exact: *exact,
        }));
    }
    let mut elems: Vec<Arc<[u64]>> = Vec::with_capacity(info.elements.len());
    for seg in &info.elements {
        elems.push(match seg.mode {
            SegmentMode::Declared => Arc::from(&[][..]),
            _ => (seg.items.iter())
                .map(|e| eval_const(&items.globals, &layout, &store.heap, e).map(|v| v as u64))
                .collect::<Result<_>>()?,
        });
    }
    let datas: Vec<crate::module::SegmentBytes> =
        info.datas.iter().map(|d| d.bytes.clone()).collect();
    let exports = info
        .exports
        .iter()
        .map(|e| (e.name.clone(), (e.kind, e.index)))
        .collect::<HashMap<_, _>>();
    // Offsets of active segments, evaluated before anything is locked for writing.
    // (A 64-bit memory's offsets are `i64`s.)
    let offsets = |mode: &SegmentMode, wide: &dyn Fn(u32) -> bool| match mode {
        SegmentMode::Active { offset, index } => {
            // An offset is a number: no allocation, nothing to fail.
            let v = eval_const(&items.globals, &layout, &store.heap, offset).ok()? as u64;
            Some(if wide(*index) { v } else { v as u32 as u64 })
        }
        _ => None,
    };
    let table64 = |t: u32| info.tables.get(t as usize).is_some_and(|t| t.table64);
    let elem_offsets: Vec<Option<u64>> = (info.elements.iter())
        .map(|s| offsets(&s.mode, &table64))
        .collect();
    let memory64 = |m: u32| info.memory64.get(m as usize).copied().unwrap_or(false);
    let data_offsets: Vec<Option<u64>> = (info.datas.iter())
        .map(|s| offsets(&s.mode, &memory64))
        .collect();
    let state = store.item(InstanceState {
        elems,
        datas,
        notifier: setup.notifier,
        sys: setup.sys,
    });
    let mut instance = Instance::new(
        name.clone(),
        Some(info.clone()),
        layout,
        exports,
        items,
        state,
    );
    instance.listeners = setup.listeners;
    let instance = Arc::new(instance);
    // Active segments, in order; each is dropped after use.
    let mut escaped = false;
    let mut held = instance.lock();
    let applied = {
        let mut result = Ok(());
        for (i, seg) in info.elements.iter().enumerate() {
            let (SegmentMode::Active { index, .. }, Some(offset)) = (&seg.mode, elem_offsets[i])
            else {
                continue;
            };
            let items = held.state.elems[i].clone();
            let t = held.table_ix[*index as usize] as usize;
            let range = crate::interp::num::span(offset, items.len() as u64);
            match range.and_then(|r| held.tables[t].elems.get_mut(r)) {
                Some(dst) => {
                    dst.copy_from_slice(&items);
                    escaped |= *index < info.num_imported_tables && !items.is_empty();
                }
                None => {
                    result = Err(Error::trap(TrapCode::OutOfBoundsTableAccess));
                    break;
                }
            }
            held.state.elems[i] = Arc::from(&[][..]);
        }
        if result.is_ok() {
            for (i, seg) in info.datas.iter().enumerate() {
                let (SegmentMode::Active { index, .. }, Some(offset)) =
                    (&seg.mode, data_offsets[i])
                else {
                    continue;
                };
                let (mem, state) = held.memory_and_state(*index);
                let range = crate::interp::num::span(offset, seg.bytes.len() as u64);
                match mem.zip(range).and_then(|(mem, r)| mem.data.get_mut(r)) {
                    Some(dst) => dst.copy_from_slice(&seg.bytes),
                    None => {
                        result = Err(Error::trap(TrapCode::OutOfBoundsMemoryAccess));
                        break;
                    }
                }
                state.datas[i] = Default::default();
            }
        }
        result
    };
    if applied.is_err() {
        // Published only so that the functions in the table stay callable: no close
        // notifier, no WASI state for a module whose instantiation failed.
        held.state.notifier = None;
        held.state.sys = None;
    }
    if applied.is_ok() || escaped {
        // Published while the items are still held: a call that finds a reference to
        // the new functions in an item finds them in the registry it takes after
        // locking the item.
        store.publish(|next: &mut Registry| {
            next.funcs.extend(funcs);
            next.tags.extend(tags);
            next.instances.push(instance.clone());
            next.types = types;
        });
    }
    drop(held);
    applied.map(|()| inst)
}

/// Adds a host module's instance to the store (the caller holds [`Store::linking`]);
/// `listeners`: the module's listeners by function index, if the runtime has a factory.
pub(crate) fn instantiate_host(
    store: &Store,
    def: &crate::store::HostModuleDef,
    name: &Arc<str>,
    listeners: Option<Arc<InstanceListeners>>,
) -> u32 {
    let reg = store.snapshot();
    let inst = reg.instances.len() as u32;
    let mut types = reg.types.clone();
    let mut layout = Layout::default();
    let mut exports = HashMap::new();
    let mut funcs = Vec::new();
    for (index, (export, func)) in def.funcs.iter().enumerate() {
        let ty = types.intern(&func.ty);
        layout.funcs.push((reg.funcs.len() + funcs.len()) as u32);
        let listener = listeners
            .as_ref()
            .and_then(|l| Some(l.funcs.get(index)?.as_ref()?.listener.clone()));
        funcs.push(FuncInst::Host {
            ty,
            listener,
            func: func.clone(),
            instance: inst,
        });
        exports.insert(export.clone(), (ExportKind::Func, index as u32));
    }
    let state = store.item(InstanceState::default());
    let items = Items {
        memories: Vec::new(),
        tables: Vec::new(),
        globals: Vec::new(),
    };
    let mut instance = Instance::new(name.clone(), None, layout, exports, items, state);
    instance.listeners = listeners;
    store.publish(|next| {
        next.funcs.extend(funcs);
        next.instances.push(Arc::new(instance));
        next.types = types;
    });
    inst
}
