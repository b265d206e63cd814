//! Linking and instantiation: resolving imports by module name, creating an instance's
//! items in the store, and applying its active segments.

use std::collections::HashMap;
use std::sync::Arc;

use crate::config::RuntimeConfig;
use crate::error::{Error, Result, TrapCode};
use crate::interp::code::WasmCode;
use crate::module::{ConstExpr, ExportKind, ImportKind, SegmentMode};
use crate::store::{
    FuncInst, GlobalInst, InstanceData, Layout, MemInst, Store, TableInst, PAGE_SIZE,
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

/// Evaluates a constant expression; non-`v128` values are in the low 64 bits.
fn eval_const(store: &Store, layout: &Layout, expr: ConstExpr) -> u128 {
    match expr {
        ConstExpr::Value(v) => v as u128,
        ConstExpr::V128(v) => v,
        ConstExpr::GlobalGet(g) => {
            let g = &store.globals[layout.globals[g as usize] as usize];
            g.value as u128 | (g.hi as u128) << 64
        }
        ConstExpr::RefNull => 0,
        ConstExpr::RefFunc(f) => layout.funcs[f as usize] as u128 + 1,
    }
}

/// Creates the instance of `info` in `store` and initialises it (not the start functions).
///
/// A failed instantiation leaves nothing behind in the store, unless an element segment
/// already wrote references to the new functions into an imported table: then, as
/// WebAssembly 2.0 requires, those functions stay callable through it.
pub(crate) fn instantiate(
    store: &mut Store,
    info: &Arc<WasmCode>,
    name: &Arc<str>,
    config: &RuntimeConfig,
) -> Result<u32> {
    let marks = (
        store.funcs.len(),
        store.tables.len(),
        store.memories.len(),
        store.globals.len(),
        store.instances.len(),
    );
    let mut escaped = false;
    let result = instantiate_in(store, info, name, config, &mut escaped);
    if result.is_err() && !escaped {
        store.funcs.truncate(marks.0);
        store.tables.truncate(marks.1);
        store.memories.truncate(marks.2);
        store.globals.truncate(marks.3);
        store.instances.truncate(marks.4);
    }
    result
}

fn instantiate_in(
    store: &mut Store,
    info: &Arc<WasmCode>,
    name: &Arc<str>,
    config: &RuntimeConfig,
    escaped: &mut bool,
) -> Result<u32> {
    let first_new_table = store.tables.len() as u32;
    let inst = store.instances.len() as u32;
    let mut layout = Layout {
        types: info.types.iter().map(|t| store.types.intern(t)).collect(),
        ..Layout::default()
    };
    // Imports.
    for import in &info.imports {
        let (exporter, kind, index) = store
            .resolve(&import.module, &import.name)
            .map_err(|m| link_error(import, m))?;
        let ex = &store.instances[exporter as usize].layout;
        match (&import.kind, kind) {
            (ImportKind::Func(t), ExportKind::Func) => {
                let addr = ex.funcs[index as usize];
                let want = layout.types[*t as usize];
                let have = store.funcs[addr as usize].ty();
                if want != have {
                    return Err(link_error(
                        import,
                        format!(
                            "signature mismatch: {} != {}",
                            store.types.get(want),
                            store.types.get(have)
                        ),
                    ));
                }
                layout.funcs.push(addr);
            }
            (ImportKind::Table(t), ExportKind::Table) => {
                let addr = ex.tables[index as usize];
                let have = &store.tables[addr as usize];
                if have.ty.element != t.element
                    || !limits_match(
                        have.elems.len() as u64,
                        have.ty.limits.max,
                        t.limits.min,
                        t.limits.max,
                    )
                {
                    return Err(link_error(
                        import,
                        "incompatible import type: table type mismatch",
                    ));
                }
                layout.tables.push(addr);
            }
            (ImportKind::Memory(m), ExportKind::Memory) => {
                let addr = ex.memories[index as usize];
                let have = &store.memories[addr as usize];
                if !limits_match(
                    have.pages() as u64,
                    have.declared_max,
                    m.limits.min,
                    m.limits.max,
                ) {
                    return Err(link_error(
                        import,
                        "incompatible import type: memory size mismatch",
                    ));
                }
                layout.memories.push(addr);
            }
            (ImportKind::Global(g), ExportKind::Global) => {
                let addr = ex.globals[index as usize];
                let have = store.globals[addr as usize].ty;
                if have != *g {
                    return Err(link_error(
                        import,
                        format!(
                            "incompatible import type: global type mismatch: {have:?} != {g:?}"
                        ),
                    ));
                }
                layout.globals.push(addr);
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
    for (i, t) in info
        .func_types
        .iter()
        .enumerate()
        .skip(info.num_imported_funcs as usize)
    {
        layout.funcs.push(store.funcs.len() as u32);
        store.funcs.push(FuncInst::Wasm {
            ty: layout.types[*t as usize],
            instance: inst,
            index: (i - info.num_imported_funcs as usize) as u32,
        });
    }
    for t in &info.tables[info.num_imported_tables as usize..] {
        if t.limits.min > crate::store::MAX_TABLE_ELEMENTS {
            return Err(Error::instantiate(format!(
                "table of {} elements is larger than the limit of {}",
                t.limits.min,
                crate::store::MAX_TABLE_ELEMENTS
            )));
        }
        layout.tables.push(store.tables.len() as u32);
        store.tables.push(TableInst {
            elems: vec![0; t.limits.min as usize],
            ty: *t,
        });
    }
    for m in &info.memories[info.num_imported_memories as usize..] {
        let limit = config.memory_limit_pages as u64;
        if m.limits.min > limit {
            return Err(Error::instantiate(format!(
                "memory min {} pages exceeds the limit of {limit} pages",
                m.limits.min
            )));
        }
        let max_pages = m.limits.max.unwrap_or(limit).min(limit) as u32;
        let min_bytes = m.limits.min as usize * PAGE_SIZE;
        let data = if config.memory_capacity_from_max {
            let mut data = Vec::new();
            let _ = data.try_reserve_exact(max_pages as usize * PAGE_SIZE);
            data.resize(min_bytes, 0);
            data
        } else {
            // Zeroed allocation: the pages are mapped lazily by the OS.
            vec![0u8; min_bytes]
        };
        layout.memories.push(store.memories.len() as u32);
        store.memories.push(MemInst {
            data,
            max_pages,
            declared_max: m.limits.max,
        });
    }
    for (ty, init) in info.globals[info.num_imported_globals as usize..]
        .iter()
        .zip(&info.global_inits)
    {
        let value = eval_const(store, &layout, *init);
        let (value, hi) = (value as u64, (value >> 64) as u64);
        layout.globals.push(store.globals.len() as u32);
        store.globals.push(GlobalInst { value, hi, ty: *ty });
    }
    let elems: Vec<Arc<[u64]>> = info
        .elements
        .iter()
        .map(|seg| match seg.mode {
            SegmentMode::Declared => Arc::from(&[][..]),
            _ => seg
                .items
                .iter()
                .map(|e| eval_const(store, &layout, *e) as u64)
                .collect(),
        })
        .collect();
    let datas: Vec<Arc<[u8]>> = info.datas.iter().map(|d| d.bytes.clone()).collect();
    let exports = info
        .exports
        .iter()
        .map(|e| (e.name.clone(), (e.kind, e.index)))
        .collect::<HashMap<_, _>>();
    let layout = Arc::new(layout);
    let mut data = InstanceData::new(name.clone(), Some(info.clone()), layout.clone(), exports);
    data.elems = elems;
    data.datas = datas;
    store.instances.push(data);
    // Active segments, in order; each is dropped after use.
    for (i, seg) in info.elements.iter().enumerate() {
        if let SegmentMode::Active { index, offset } = seg.mode {
            let offset = eval_const(store, &layout, offset) as u32 as u64;
            let items = store.instances[inst as usize].elems[i].clone();
            let table_addr = layout.tables[index as usize];
            let table = &mut store.tables[table_addr as usize];
            let range = crate::interp::num::span(offset, items.len() as u64);
            match range.and_then(|r| table.elems.get_mut(r)) {
                Some(dst) => {
                    dst.copy_from_slice(&items);
                    *escaped |= table_addr < first_new_table && !items.is_empty();
                }
                None => return Err(Error::trap(TrapCode::OutOfBoundsTableAccess)),
            }
            store.instances[inst as usize].elems[i] = Arc::from(&[][..]);
        }
    }
    for (i, seg) in info.datas.iter().enumerate() {
        if let SegmentMode::Active { index, offset } = seg.mode {
            let offset = eval_const(store, &layout, offset) as u32 as u64;
            let mem = &mut store.memories[layout.memories[index as usize] as usize];
            let range = crate::interp::num::span(offset, seg.bytes.len() as u64);
            match range.and_then(|r| mem.data.get_mut(r)) {
                Some(dst) => dst.copy_from_slice(&seg.bytes),
                None => return Err(Error::trap(TrapCode::OutOfBoundsMemoryAccess)),
            }
            store.instances[inst as usize].datas[i] = Arc::from(&[][..]);
        }
    }
    Ok(inst)
}
