//! GC's instructions in the interpreter: structs, arrays, `i31`, casts and `ref.eq`.
//!
//! The fast path's `Gc` handler runs them ([`run`], through `hot::Env::gc`), the
//! executor when a collection is due first, and the compiler's `Gc` libcall on a buffer
//! of compiled code's operands: an `Instr::Gc { idx, h }` names the
//! function's `gc[idx]` (a [`GcOp`], with the layout facts the translator looked up) and
//! the operand height `h`; operands are in their natural slots below `h` and results
//! replace them. Casts that branch (`br_on_cast`, `br_on_cast_fail`) are
//! `Instr::JumpIfCast`, whose test is [`matches`]. (The operators' form, `GcOp`, is in
//! `instr`: the translator makes them.)

use std::sync::Arc;

use super::instr::{slots, Cast, GcOp};
use crate::error::TrapCode;
use crate::gctypes::{Heap, Kind};
use crate::heap::{self, RefKind};
use crate::store::Registry;

/// Whether reference `v` is of the cast's type.
pub(crate) fn matches(v: u64, cast: &Cast, objects: &heap::Heap, reg: &Registry) -> bool {
    let t = cast.ty;
    if v == 0 {
        return t.nullable;
    }
    match cast.top {
        Heap::Func => match t.heap {
            Heap::Func => true,
            Heap::Concrete(id) => (v as usize)
                .checked_sub(1)
                .and_then(|a| reg.funcs.get(a))
                .is_some_and(|f| crate::store::sig_matches(f.ty(), id)),
            _ => false,
        },
        Heap::Extern => t.heap == Heap::Extern,
        Heap::Exn => t.heap == Heap::Exn,
        _ => match heap::classify(v) {
            RefKind::Null => t.nullable,
            RefKind::Host(_) => t.heap == Heap::Any,
            RefKind::I31(_) => matches!(t.heap, Heap::Any | Heap::Eq | Heap::I31),
            RefKind::Object(_) => {
                let Some(obj) = objects.get(v) else {
                    return false;
                };
                let array = obj.def.elem.is_some();
                match t.heap {
                    Heap::Any | Heap::Eq => true,
                    Heap::Struct => !array,
                    Heap::Array => array,
                    Heap::Concrete(id) => crate::gctypes::is_sub_id(obj.ty, id),
                    _ => false,
                }
            }
        },
    }
}

/// Reads an element or field of `kind` at byte `at` into the slots at `dst` (a packed
/// one extended to `i32`: with its sign when `signed`).
fn get(
    obj: &heap::Object,
    at: usize,
    kind: Kind,
    signed: bool,
    out: &mut [u64],
) -> Result<(), TrapCode> {
    let (lo, hi) = obj.read(at, kind).ok_or(TrapCode::CastFailure)?;
    out[0] = match (kind, signed) {
        (Kind::I8, true) => lo as u8 as i8 as i32 as u32 as u64,
        (Kind::I16, true) => lo as u16 as i16 as i32 as u32 as u64,
        _ => lo,
    };
    if kind == Kind::V128 {
        out[1] = hi;
    }
    Ok(())
}

/// The value of `kind` in `slots` (low, high).
fn value(slots: &[u64], kind: Kind) -> (u64, u64) {
    (slots[0], if kind == Kind::V128 { slots[1] } else { 0 })
}

/// The segment's element (bytes) range `at..at + n * size`, or an out-of-bounds trap.
fn range(
    len: usize,
    at: u64,
    n: u64,
    size: u64,
    trap: TrapCode,
) -> Result<std::ops::Range<usize>, TrapCode> {
    let start = at.checked_mul(size).ok_or(trap)?;
    let end = n
        .checked_mul(size)
        .and_then(|b| start.checked_add(b))
        .ok_or(trap)?;
    if end > len as u64 {
        return Err(trap);
    }
    Ok(start as usize..end as usize)
}

/// Runs `op` on the frame slots `s` (the natural slots from the frame's start; `h` the
/// operand height).
#[allow(clippy::too_many_arguments)]
pub(crate) fn run(
    op: &GcOp,
    s: &mut [u64],
    h: usize,
    objects: &std::sync::Mutex<heap::Heap>,
    reg: &Registry,
    datas: &[crate::module::SegmentBytes],
    elems: &[Arc<[u64]>],
) -> Result<(), TrapCode> {
    let mut heap = crate::store::lock(objects);
    let oob = TrapCode::OutOfBoundsArrayAccess;
    let too_large = |_| TrapCode::AllocationTooLarge;
    match *op {
        GcOp::StructNew { ty, slots: n } => {
            let base = h - n as usize;
            let r = heap.new_struct(ty);
            let obj = heap.get_mut(r).ok_or(TrapCode::NullStructReference)?;
            // (The definition, not its field list, taken out of the object: no copy.)
            let def = obj.def.clone();
            let mut at = base;
            for &(off, kind) in &def.layout.fields {
                let (lo, hi) = value(&s[at..], kind);
                obj.write(off as usize, kind, lo, hi).ok_or(oob)?;
                at += slots(kind);
            }
            s[base] = r;
        }
        GcOp::StructNewDefault { ty } => s[h] = heap.new_struct(ty),
        GcOp::StructGet { at, kind, signed } => {
            let obj = heap.get(s[h - 1]).ok_or(TrapCode::NullStructReference)?;
            get(obj, at as usize, kind, signed, &mut s[h - 1..])?;
        }
        GcOp::StructSet { at, kind } => {
            let n = slots(kind);
            let (lo, hi) = value(&s[h - n..], kind);
            let obj = heap
                .get_mut(s[h - n - 1])
                .ok_or(TrapCode::NullStructReference)?;
            obj.write(at as usize, kind, lo, hi)
                .ok_or(TrapCode::CastFailure)?;
        }
        GcOp::ArrayNew { ty, kind } => {
            let n = slots(kind);
            let len = s[h - 1] as u32;
            let (lo, hi) = value(&s[h - 1 - n..], kind);
            let r = heap.new_array(ty, len).map_err(too_large)?;
            let obj = heap.get_mut(r).ok_or(oob)?;
            obj.fill(0, len as usize, kind, lo, hi).ok_or(oob)?;
            s[h - 1 - n] = r;
        }
        GcOp::ArrayNewDefault { ty } => {
            s[h - 1] = heap.new_array(ty, s[h - 1] as u32).map_err(too_large)?;
        }
        GcOp::ArrayNewFixed { ty, kind, n } => {
            let per = slots(kind);
            let base = h - n as usize * per;
            let r = heap.new_array(ty, n).map_err(too_large)?;
            let obj = heap.get_mut(r).ok_or(oob)?;
            for i in 0..n as usize {
                let (lo, hi) = value(&s[base + i * per..], kind);
                obj.write(i * kind.size() as usize, kind, lo, hi)
                    .ok_or(oob)?;
            }
            s[base] = r;
        }
        GcOp::ArrayNewData { ty, kind, seg } => {
            let (at, len) = (s[h - 2] as u32 as u64, s[h - 1] as u32);
            let data = &datas[seg as usize];
            let size = kind.size() as u64;
            // The offset counts bytes, the length elements.
            let end = (len as u64)
                .checked_mul(size)
                .and_then(|b| b.checked_add(at))
                .filter(|end| *end <= data.len() as u64)
                .ok_or(TrapCode::OutOfBoundsMemoryAccess)?;
            let bytes = at as usize..end as usize;
            let r = heap.new_array(ty, len).map_err(too_large)?;
            let obj = heap.get_mut(r).ok_or(oob)?;
            obj.bytes.copy_from_slice(&data[bytes]);
            s[h - 2] = r;
        }
        GcOp::ArrayNewElem { ty, seg } => {
            let (at, len) = (s[h - 2] as u32 as u64, s[h - 1] as u32);
            let elem = &elems[seg as usize];
            let items = range(
                elem.len(),
                at,
                len as u64,
                1,
                TrapCode::OutOfBoundsTableAccess,
            )?;
            let r = heap.new_array(ty, len).map_err(too_large)?;
            let obj = heap.get_mut(r).ok_or(oob)?;
            for (i, v) in elem[items].iter().enumerate() {
                obj.write(i * 8, Kind::GcRef, *v, 0).ok_or(oob)?;
            }
            s[h - 2] = r;
        }
        GcOp::ArrayGet { kind, signed } => {
            let obj = heap.get(s[h - 2]).ok_or(TrapCode::NullArrayReference)?;
            let i = s[h - 1] as u32;
            if i >= obj.len {
                return Err(oob);
            }
            get(
                obj,
                (i * kind.size()) as usize,
                kind,
                signed,
                &mut s[h - 2..],
            )?;
        }
        GcOp::ArraySet { kind } => {
            let n = slots(kind);
            let (lo, hi) = value(&s[h - n..], kind);
            let i = s[h - n - 1] as u32;
            let obj = heap
                .get_mut(s[h - n - 2])
                .ok_or(TrapCode::NullArrayReference)?;
            if i >= obj.len {
                return Err(oob);
            }
            obj.write((i * kind.size()) as usize, kind, lo, hi)
                .ok_or(oob)?;
        }
        GcOp::ArrayLen => {
            let obj = heap.get(s[h - 1]).ok_or(TrapCode::NullArrayReference)?;
            s[h - 1] = obj.len as u64;
        }
        GcOp::ArrayFill { kind } => {
            let v = slots(kind);
            let count = s[h - 1] as u32 as u64;
            let (lo, hi) = value(&s[h - 1 - v..], kind);
            let at = s[h - 2 - v] as u32 as u64;
            let obj = heap
                .get_mut(s[h - 3 - v])
                .ok_or(TrapCode::NullArrayReference)?;
            if at.checked_add(count).is_none_or(|end| end > obj.len as u64) {
                return Err(oob);
            }
            obj.fill(at as usize, count as usize, kind, lo, hi)
                .ok_or(oob)?;
        }
        GcOp::ArrayCopy { kind } => {
            let (d, di, src, si, n) = (
                s[h - 5],
                s[h - 4] as u32 as u64,
                s[h - 3],
                s[h - 2] as u32 as u64,
                s[h - 1] as u32 as u64,
            );
            if heap.get(d).is_none() || heap.get(src).is_none() {
                return Err(TrapCode::NullArrayReference);
            }
            let size = kind.size() as u64;
            if d == src {
                let obj = heap.get_mut(d).ok_or(TrapCode::NullArrayReference)?;
                let len = obj.bytes.len();
                let from = range(len, si, n, size, oob)?;
                let to = range(len, di, n, size, oob)?;
                obj.bytes.copy_within(from, to.start);
            } else {
                let (dst, from) = heap.pair_mut(d, src).ok_or(TrapCode::NullArrayReference)?;
                let r_from = range(from.bytes.len(), si, n, size, oob)?;
                let r_to = range(dst.bytes.len(), di, n, size, oob)?;
                dst.bytes[r_to].copy_from_slice(&from.bytes[r_from]);
            }
        }
        GcOp::ArrayInitData { kind, seg } => {
            let (d, s_at, n) = (
                s[h - 3] as u32 as u64,
                s[h - 2] as u32 as u64,
                s[h - 1] as u32 as u64,
            );
            let obj = heap.get_mut(s[h - 4]).ok_or(TrapCode::NullArrayReference)?;
            let size = kind.size() as u64;
            let to = range(obj.bytes.len(), d, n, size, oob)?;
            let data = &datas[seg as usize];
            let from = n
                .checked_mul(size)
                .and_then(|b| b.checked_add(s_at))
                .filter(|end| *end <= data.len() as u64)
                .map(|end| s_at as usize..end as usize)
                .ok_or(TrapCode::OutOfBoundsMemoryAccess)?;
            obj.bytes[to].copy_from_slice(&data[from]);
        }
        GcOp::ArrayInitElem { seg } => {
            let (d, s_at, n) = (
                s[h - 3] as u32 as u64,
                s[h - 2] as u32 as u64,
                s[h - 1] as u32 as u64,
            );
            let obj = heap.get_mut(s[h - 4]).ok_or(TrapCode::NullArrayReference)?;
            let to = range(obj.bytes.len(), d, n, 8, oob)?;
            let elem = &elems[seg as usize];
            let from = range(elem.len(), s_at, n, 1, TrapCode::OutOfBoundsTableAccess)?;
            for (i, v) in elem[from].iter().enumerate() {
                obj.write(to.start + i * 8, Kind::GcRef, *v, 0).ok_or(oob)?;
            }
        }
        GcOp::RefI31 => s[h - 1] = heap::i31(s[h - 1] as u32),
        GcOp::I31Get { signed } => match heap::classify(s[h - 1]) {
            RefKind::I31(v) => s[h - 1] = if signed { heap::i31_signed(v) } else { v } as u64,
            _ => return Err(TrapCode::NullI31Reference),
        },
        GcOp::RefEq => {
            s[h - 2] = (s[h - 2] == s[h - 1]) as u64;
        }
        GcOp::RefTest(ref cast) => s[h - 1] = matches(s[h - 1], cast, &heap, reg) as u64,
        GcOp::RefCast(ref cast) => {
            if !matches(s[h - 1], cast, &heap, reg) {
                return Err(TrapCode::CastFailure);
            }
        }
        GcOp::Branch { .. } => {}
    }
    Ok(())
}
