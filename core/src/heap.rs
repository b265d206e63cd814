//! GC's objects (structs and arrays) of one store, the encoding of references in the
//! `any` and `extern` hierarchies, and the collector's mark and sweep.
//!
//! A reference of the `any` or `extern` hierarchy is one `u64` slot:
//!
//! | slot | value |
//! |---|---|
//! | `0` | null |
//! | `1 << 62 \| v` | an `i31ref` holding the 31 bits `v` |
//! | `1 << 63 \| i` | the struct or array at index `i` of the store's heap |
//! | anything else below `1 << 62` | a host reference (an `externref` the host made) |
//!
//! So `any.convert_extern` and `extern.convert_any` change nothing, `ref.eq` compares
//! slots, and a host's `externref` handle is any non-zero value below `1 << 62`.
//!
//! Objects keep their fields in little-endian bytes (an `i8` array of a million elements
//! takes a megabyte), laid out by [`crate::gctypes::Layout`]. The collector marks from
//! the roots its caller gives (see `store::Store::collect`) through every traced field
//! and frees what it did not reach; a freed index is used again by a later allocation.

use std::sync::Arc;

use crate::gctypes::{self, Def, Kind, TypeId};

/// The tag of an `i31ref`.
pub(crate) const I31: u64 = 1 << 62;
/// The tag of a reference to a heap object.
pub(crate) const OBJECT: u64 = 1 << 63;
const TAGS: u64 = 3 << 62;

/// Above this many live bytes, zeal (`RuntimeConfig::with_gc_zeal`) no longer collects
/// at every allocation (each collection reads every live object: a large heap would
/// make it quadratic).
const ZEAL_MAX_LIVE: u64 = 16 << 20;

/// The largest object (in bytes) an allocation may make; a larger one traps.
pub(crate) const MAX_OBJECT_BYTES: u64 = 1 << 30;

/// What a reference slot of the `any` or `extern` hierarchy holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RefKind {
    Null,
    /// An `i31ref`'s 31 bits.
    I31(u32),
    /// The heap object at this index.
    Object(u32),
    /// A host reference.
    Host(u64),
}

/// Classifies reference slot `v`.
pub(crate) fn classify(v: u64) -> RefKind {
    match v & TAGS {
        _ if v == 0 => RefKind::Null,
        I31 => RefKind::I31(v as u32 & 0x7fff_ffff),
        OBJECT => RefKind::Object(v as u32),
        // Reserved (`3 << 62`) counts as a host value: nothing makes one.
        _ => RefKind::Host(v),
    }
}

/// The `i31ref` of the low 31 bits of `v` (`ref.i31`).
pub(crate) fn i31(v: u32) -> u64 {
    I31 | (v & 0x7fff_ffff) as u64
}

/// `i31.get_s` of an `i31ref`'s bits.
pub(crate) fn i31_signed(bits: u32) -> u32 {
    (((bits << 1) as i32) >> 1) as u32
}

/// A struct or an array.
#[derive(Debug)]
pub(crate) struct Object {
    /// Its canonical type.
    pub ty: TypeId,
    /// Its definition (layout, element kind).
    pub def: Arc<Def>,
    /// An array's element count (0 for a struct).
    pub len: u32,
    /// Fields or elements, little-endian.
    pub bytes: Box<[u8]>,
}

impl Object {
    /// Reads `kind` at byte `at` into slots: a `v128`'s two halves, anything else
    /// zero-extended in the first. `None` outside the object (a reference that does not
    /// match its static type: only a host could make one).
    pub(crate) fn read(&self, at: usize, kind: Kind) -> Option<(u64, u64)> {
        let b = self.bytes.get(at..at.checked_add(kind.size() as usize)?)?;
        let mut lo = [0u8; 8];
        let n = b.len().min(8);
        lo[..n].copy_from_slice(&b[..n]);
        let hi = match kind {
            Kind::V128 => u64::from_le_bytes(b[8..16].try_into().ok()?),
            _ => 0,
        };
        Some((u64::from_le_bytes(lo), hi))
    }

    /// Writes `kind` at byte `at` from slots (the low bytes of `lo`, and `hi` for a
    /// `v128`). `None` outside the object.
    pub(crate) fn write(&mut self, at: usize, kind: Kind, lo: u64, hi: u64) -> Option<()> {
        let size = kind.size() as usize;
        let b = self.bytes.get_mut(at..at.checked_add(size)?)?;
        let lo = lo.to_le_bytes();
        b[..size.min(8)].copy_from_slice(&lo[..size.min(8)]);
        if kind == Kind::V128 {
            b[8..16].copy_from_slice(&hi.to_le_bytes());
        }
        Some(())
    }

    /// Writes the value (`lo`, `hi`) of `kind` into elements `start..start + count` (an
    /// array's, `array.new`/`array.fill`), at memset speed. `None` outside the object.
    pub(crate) fn fill(
        &mut self,
        start: usize,
        count: usize,
        kind: Kind,
        lo: u64,
        hi: u64,
    ) -> Option<()> {
        let size = kind.size() as usize;
        let from = start.checked_mul(size)?;
        let bytes = self
            .bytes
            .get_mut(from..from.checked_add(count.checked_mul(size)?)?)?;
        let mut one = [0u8; 16];
        one[..8].copy_from_slice(&lo.to_le_bytes());
        one[8..].copy_from_slice(&hi.to_le_bytes());
        let one = &one[..size];
        if one.iter().all(|b| *b == 0) {
            bytes.fill(0);
        } else if size == 1 {
            bytes.fill(one[0]);
        } else {
            for chunk in bytes.chunks_exact_mut(size) {
                chunk.copy_from_slice(one);
            }
        }
        Some(())
    }

    /// The references this object holds to other objects.
    fn refs(&self) -> impl Iterator<Item = u64> + '_ {
        let offsets: Box<dyn Iterator<Item = usize>> = match self.def.elem {
            Some(Kind::GcRef) => Box::new((0..self.len as usize).map(|i| i * 8)),
            Some(_) => Box::new(std::iter::empty()),
            None => Box::new(
                (self.def.layout.fields.iter())
                    .filter(|(_, k)| *k == Kind::GcRef)
                    .map(|(at, _)| *at as usize),
            ),
        };
        offsets.filter_map(|at| self.read(at, Kind::GcRef).map(|v| v.0))
    }
}

/// A store's objects.
#[derive(Default)]
pub(crate) struct Heap {
    objects: Vec<Option<Object>>,
    marks: Vec<bool>,
    free: Vec<u32>,
    /// Bytes allocated since the last collection.
    pub(crate) allocated: u64,
    /// Bytes held by live objects after the last collection.
    pub(crate) live_bytes: u64,
    /// Objects a host has seen (a call's results, a host function's arguments, a global
    /// or table read through the API): never freed.
    pinned: std::collections::HashSet<u32>,
    /// Collections so far.
    pub(crate) collections: u64,
    /// Objects freed so far.
    pub(crate) freed: u64,
    /// Collect at every allocation (`RuntimeConfig::with_gc_zeal`).
    zeal: bool,
}

/// Why an allocation failed.
#[derive(Debug)]
pub(crate) struct TooLarge;

impl Heap {
    /// An empty heap (`zeal`: a collection is always due).
    pub(crate) fn new(zeal: bool) -> Self {
        Heap {
            zeal,
            ..Heap::default()
        }
    }

    /// A new struct of canonical type `ty`, zeroed (every field 0 or null); its reference.
    pub(crate) fn new_struct(&mut self, ty: TypeId) -> u64 {
        let def = gctypes::def(ty);
        let size = def.layout.size as usize;
        self.push(Object {
            ty,
            def,
            len: 0,
            bytes: vec![0; size].into_boxed_slice(),
        })
    }

    /// A new array of canonical type `ty` and `len` elements, zeroed; its reference.
    pub(crate) fn new_array(&mut self, ty: TypeId, len: u32) -> Result<u64, TooLarge> {
        let def = gctypes::def(ty);
        let size = def.elem.map_or(1, Kind::size) as u64 * len as u64;
        if size > MAX_OBJECT_BYTES {
            return Err(TooLarge);
        }
        Ok(self.push(Object {
            ty,
            def,
            len,
            bytes: vec![0; size as usize].into_boxed_slice(),
        }))
    }

    fn push(&mut self, obj: Object) -> u64 {
        self.allocated += obj.bytes.len() as u64 + 64;
        let i = match self.free.pop() {
            Some(i) => {
                self.objects[i as usize] = Some(obj);
                i
            }
            None => {
                self.objects.push(Some(obj));
                self.marks.push(false);
                (self.objects.len() - 1) as u32
            }
        };
        OBJECT | i as u64
    }

    /// The object reference `r` points at (`None` for any other value).
    pub(crate) fn get(&self, r: u64) -> Option<&Object> {
        match classify(r) {
            RefKind::Object(i) => self.objects.get(i as usize)?.as_ref(),
            _ => None,
        }
    }

    /// The object reference `r` points at, to change it.
    pub(crate) fn get_mut(&mut self, r: u64) -> Option<&mut Object> {
        match classify(r) {
            RefKind::Object(i) => self.objects.get_mut(i as usize)?.as_mut(),
            _ => None,
        }
    }

    /// Two different objects, the first to change (`None` when either is missing or
    /// they are the same).
    pub(crate) fn pair_mut(&mut self, a: u64, b: u64) -> Option<(&mut Object, &Object)> {
        let (RefKind::Object(a), RefKind::Object(b)) = (classify(a), classify(b)) else {
            return None;
        };
        let (a, b) = (a as usize, b as usize);
        if a == b || a >= self.objects.len() || b >= self.objects.len() {
            return None;
        }
        if a < b {
            let (lo, hi) = self.objects.split_at_mut(b);
            Some((lo[a].as_mut()?, hi[0].as_ref()?))
        } else {
            let (lo, hi) = self.objects.split_at_mut(a);
            Some((hi[0].as_mut()?, lo[b].as_ref()?))
        }
    }

    /// Keeps the object `r` refers to (if it is one) alive for good: the host has it.
    pub(crate) fn pin(&mut self, r: u64) {
        if let RefKind::Object(i) = classify(r) {
            if self.objects.get(i as usize).is_some_and(Option::is_some) {
                self.pinned.insert(i);
            }
        }
    }

    /// How many objects are alive.
    pub(crate) fn len(&self) -> usize {
        self.objects.len() - self.free.len()
    }

    /// Whether a collection is due (more allocated since the last one than was alive
    /// after it, and at least a megabyte).
    pub(crate) fn wants_collection(&self) -> bool {
        (self.zeal && self.live_bytes < ZEAL_MAX_LIVE)
            || self.allocated > (1 << 20).max(self.live_bytes)
    }

    /// A collection was due but could not run: the next try comes after as much
    /// allocation again (so that a store where it cannot run does not gather its roots
    /// at every allocation).
    pub(crate) fn postpone(&mut self) {
        self.allocated = 0;
    }

    /// Whether `r` is a reference the host may pass in: not an object reference, or one
    /// to a live object the host was given (pinned).
    pub(crate) fn host_may_pass(&self, r: u64) -> bool {
        match classify(r) {
            RefKind::Object(i) => {
                self.pinned.contains(&i)
                    && self.objects.get(i as usize).is_some_and(Option::is_some)
            }
            _ => r >> 62 != 3,
        }
    }

    /// Marks from `roots` (any slots: those that are not references to live objects are
    /// ignored, so a caller may pass every slot it has) and the pinned objects, then
    /// frees what was not reached.
    pub(crate) fn collect(&mut self, roots: impl IntoIterator<Item = u64>) {
        let mut work: Vec<u32> = self.pinned.iter().copied().collect();
        for r in roots {
            if let RefKind::Object(i) = classify(r) {
                work.push(i);
            }
        }
        self.marks.iter_mut().for_each(|m| *m = false);
        while let Some(i) = work.pop() {
            let i = i as usize;
            let Some(Some(obj)) = self.objects.get(i) else {
                continue;
            };
            if self.marks[i] {
                continue;
            }
            self.marks[i] = true;
            for r in obj.refs() {
                if let RefKind::Object(j) = classify(r) {
                    if !self.marks.get(j as usize).copied().unwrap_or(true) {
                        work.push(j);
                    }
                }
            }
        }
        let mut live = 0;
        for (i, obj) in self.objects.iter_mut().enumerate() {
            if let Some(o) = obj {
                if self.marks[i] {
                    live += o.bytes.len() as u64 + 64;
                } else {
                    *obj = None;
                    self.free.push(i as u32);
                    self.freed += 1;
                }
            }
        }
        self.live_bytes = live;
        self.allocated = 0;
        self.collections += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_classify_by_their_tag() {
        assert_eq!(classify(0), RefKind::Null);
        assert_eq!(classify(i31(0xffff_ffff)), RefKind::I31(0x7fff_ffff));
        assert_eq!(i31_signed(0x7fff_ffff), u32::MAX);
        assert_eq!(i31_signed(0x3fff_ffff), 0x3fff_ffff);
        assert_eq!(classify(OBJECT | 7), RefKind::Object(7));
        assert_eq!(classify(5), RefKind::Host(5));
    }
}
