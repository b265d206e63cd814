//! The compiler's machine code as bytes, for a [`crate::CompilationCache`] on disk.
//!
//! A module's code is the machine code of every defined function and of its types'
//! trampolines, each with what it is, its alignment, bytes and relocations (where the code names a libcall or
//! one of Cranelift's helpers; the JIT module resolves them when the code is placed, so
//! the bytes hold no address of the process that wrote them). Everything is
//! little-endian:
//!
//! ```text
//! u32 machines
//! machine: u32 what (a defined function's index, or 2^31 + a type's index for its
//!          trampoline), u64 align, u32 len, len bytes, u32 relocs, reloc*, u32 sites,
//!          site*
//! reloc:   u32 offset, u8 kind, i64 addend, u8 target, target data
//! target:  0 user function (u32 namespace, u32 index) | 1 Cranelift libcall (u8 len, name)
//!          | 2 offset in a function (u32 id, u32 offset)
//! site:    u32 code offset, u32 Wasm offset, u8 kind (`signals::Site`; sorted)
//! ```
//!
//! [`decode`] checks what placing the code relies on (every relocation lies inside its
//! code and names a function the module declares, kinds and names are known) and gives
//! `None` for anything else; it never panics. Whether the bytes are the ones a process
//! like this one wrote for this module is the cache file's business (its key and
//! checksum, `cache.rs`).

use cranelift_codegen::binemit::Reloc;
use cranelift_codegen::ir::LibCall;
use cranelift_module::{FuncId, ModuleReloc, ModuleRelocTarget};

use super::code::{Machine, MachineKind};
use super::signals::Site;

/// The `what` of a trampoline: this bit and its type index.
const ENTRY: u32 = 1 << 31;

/// The relocation kinds this compiler emits on the platforms it runs on, by their byte
/// in the encoding (others are not written: such code is not cached).
const KINDS: [Reloc; 11] = [
    Reloc::Abs4,
    Reloc::Abs8,
    Reloc::X86PCRel4,
    Reloc::X86CallPCRel4,
    Reloc::X86CallPLTRel4,
    Reloc::X86GOTPCRel4,
    Reloc::Arm64Call,
    Reloc::Aarch64AdrGotPage21,
    Reloc::Aarch64Ld64GotLo12Nc,
    Reloc::Aarch64AdrPrelPgHi21,
    Reloc::Aarch64AddAbsLo12Nc,
];

/// The bytes a relocation of `kind` writes (at most).
fn reloc_size(kind: Reloc) -> usize {
    match kind {
        Reloc::Abs8 => 8,
        _ => 4,
    }
}

/// `machines` as bytes; `None` when one has a relocation this format cannot say.
pub(crate) fn encode(machines: &[Machine]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    put_u32(&mut out, u32::try_from(machines.len()).ok()?);
    for m in machines {
        put_u32(
            &mut out,
            match m.kind {
                MachineKind::Func(d) if d < ENTRY => d,
                MachineKind::Entry(t) if t < ENTRY => ENTRY | t,
                _ => return None,
            },
        );
        out.extend_from_slice(&m.align.to_le_bytes());
        put_u32(&mut out, u32::try_from(m.bytes.len()).ok()?);
        out.extend_from_slice(&m.bytes);
        put_u32(&mut out, u32::try_from(m.relocs.len()).ok()?);
        for r in &m.relocs {
            put_u32(&mut out, r.offset);
            out.push(KINDS.iter().position(|k| *k == r.kind)? as u8);
            out.extend_from_slice(&r.addend.to_le_bytes());
            match &r.name {
                ModuleRelocTarget::User { namespace, index } => {
                    out.push(0);
                    put_u32(&mut out, *namespace);
                    put_u32(&mut out, *index);
                }
                ModuleRelocTarget::LibCall(call) => {
                    let name = call.to_string();
                    out.push(1);
                    out.push(u8::try_from(name.len()).ok()?);
                    out.extend_from_slice(name.as_bytes());
                }
                ModuleRelocTarget::FunctionOffset(id, offset) => {
                    out.push(2);
                    put_u32(&mut out, id.as_u32());
                    put_u32(&mut out, *offset);
                }
                ModuleRelocTarget::KnownSymbol(_) => return None,
            }
        }
        put_u32(&mut out, u32::try_from(m.sites.len()).ok()?);
        for site in &m.sites {
            put_u32(&mut out, site.code);
            put_u32(&mut out, site.wasm);
            out.push(site.kind);
        }
    }
    Some(out)
}

/// The machine code in `bytes`, if it is well formed: functions below `defs`, the
/// trampolines of types below `types`, relocations inside their code naming functions
/// below `declared` (the ids the JIT module declares). The machines' own ids are
/// placeholders (the caller sets them, and checks every function is there once).
pub(crate) fn decode(
    bytes: &[u8],
    (defs, types): (usize, usize),
    declared: u32,
) -> Option<Vec<Machine>> {
    let mut r = Reader { bytes, at: 0 };
    let count = r.u32()? as usize;
    if count > defs + types {
        return None;
    }
    let mut machines = Vec::with_capacity(count);
    for _ in 0..count {
        let what = r.u32()?;
        let kind = match what & ENTRY {
            0 if (what as usize) < defs => MachineKind::Func(what),
            ENTRY if ((what & !ENTRY) as usize) < types => MachineKind::Entry(what & !ENTRY),
            _ => return None,
        };
        let align = r.u64()?;
        if !align.is_power_of_two() || align > 4096 {
            return None;
        }
        let len = r.u32()? as usize;
        let code = r.take(len)?.to_vec();
        let relocs = r.u32()? as usize;
        // Each relocation takes at least 18 bytes: a count beyond what is left is a lie.
        if relocs > r.left() / 18 {
            return None;
        }
        let mut out = Vec::with_capacity(relocs);
        for _ in 0..relocs {
            let offset = r.u32()?;
            let kind = *KINDS.get(r.u8()? as usize)?;
            if (offset as usize).checked_add(reloc_size(kind))? > code.len() {
                return None;
            }
            let addend = r.i64()?;
            let name = match r.u8()? {
                0 => {
                    let namespace = r.u32()?;
                    let index = r.u32()?;
                    if namespace != 0 || index >= declared {
                        return None;
                    }
                    ModuleRelocTarget::User { namespace, index }
                }
                1 => {
                    let len = r.u8()? as usize;
                    let name = std::str::from_utf8(r.take(len)?).ok()?;
                    ModuleRelocTarget::LibCall(name.parse::<LibCall>().ok()?)
                }
                2 => {
                    let id = r.u32()?;
                    let at = r.u32()?;
                    if id >= declared {
                        return None;
                    }
                    ModuleRelocTarget::FunctionOffset(FuncId::from_u32(id), at)
                }
                _ => return None,
            };
            out.push(ModuleReloc {
                offset,
                kind,
                name,
                addend,
            });
        }
        let count = r.u32()? as usize;
        if count > r.left() / 9 {
            return None;
        }
        let mut sites = Vec::with_capacity(count);
        for _ in 0..count {
            let site = Site {
                code: r.u32()?,
                wasm: r.u32()?,
                kind: r.u8()?,
            };
            // Inside the code, in order.
            let after = |s: &Site| (s.code, s.kind) <= (site.code, site.kind);
            if site.code as usize > code.len() || sites.last().is_some_and(|s| !after(s)) {
                return None;
            }
            sites.push(site);
        }
        machines.push(Machine {
            id: FuncId::from_u32(0),
            kind,
            align,
            bytes: code,
            relocs: out,
            sites,
        });
    }
    (r.left() == 0).then_some(machines)
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// Reads little-endian values; `None` past the end.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let s = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(s)
    }
    fn left(&self) -> usize {
        self.bytes.len() - self.at
    }
    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn i64(&mut self) -> Option<i64> {
        Some(i64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<Machine> {
        vec![
            Machine {
                id: FuncId::from_u32(21),
                kind: MachineKind::Func(0),
                align: 16,
                bytes: vec![0x90; 32],
                relocs: vec![ModuleReloc {
                    offset: 4,
                    kind: Reloc::Abs8,
                    name: ModuleRelocTarget::User {
                        namespace: 0,
                        index: 3,
                    },
                    addend: 0,
                }],
                sites: vec![
                    Site {
                        code: 8,
                        wasm: 120,
                        kind: 33,
                    },
                    Site {
                        code: 20,
                        wasm: 125,
                        kind: 0,
                    },
                ],
            },
            Machine {
                id: FuncId::from_u32(22),
                kind: MachineKind::Entry(1),
                align: 4,
                bytes: vec![0xc3; 8],
                relocs: vec![ModuleReloc {
                    offset: 0,
                    kind: Reloc::X86CallPCRel4,
                    name: ModuleRelocTarget::LibCall(LibCall::CeilF32),
                    addend: -4,
                }],
                sites: Vec::new(),
            },
        ]
    }

    #[test]
    fn round_trip() {
        let bytes = encode(&sample()).unwrap();
        let back = decode(&bytes, (1, 2), 30).unwrap();
        assert_eq!(back.len(), 2);
        for (a, b) in sample().iter().zip(&back) {
            assert_eq!(a.kind, b.kind);
            assert_eq!(a.align, b.align);
            assert_eq!(a.bytes, b.bytes);
            assert_eq!(a.relocs.len(), b.relocs.len());
            assert_eq!(a.sites, b.sites);
        }
        assert_eq!(encode(&back).unwrap(), bytes);
    }

    #[test]
    fn rejects_what_placing_relies_on() {
        let bytes = encode(&sample()).unwrap();
        // A function or type the module does not have, an undeclared function,
        // trailing bytes.
        assert!(decode(&bytes, (0, 2), 30).is_none());
        assert!(decode(&bytes, (1, 1), 30).is_none());
        assert!(decode(&bytes, (1, 2), 3).is_none());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer, (1, 2), 30).is_none());
        // A relocation past its code: the first machine's reloc offset (after count,
        // what, align, len, 32 code bytes, reloc count).
        let mut past = bytes.clone();
        let at = 4 + 4 + 8 + 4 + 32 + 4;
        past[at..at + 4].copy_from_slice(&30u32.to_le_bytes());
        assert!(decode(&past, (1, 2), 30).is_none());
        // A site past its code, sites out of order (after the relocation's offset,
        // kind, addend, target, namespace and index, and the site count).
        let site = at + 4 + 1 + 8 + 1 + 4 + 4 + 4;
        let mut past = bytes.clone();
        past[site..site + 4].copy_from_slice(&33u32.to_le_bytes());
        assert!(decode(&past, (1, 2), 30).is_none());
        let mut unordered = bytes.clone();
        unordered[site + 9..site + 13].copy_from_slice(&4u32.to_le_bytes());
        assert!(decode(&unordered, (1, 2), 30).is_none());
        assert!(decode(&bytes, (1, 2), 30).is_some());
        // Every truncation and every single-byte change is rejected or decodes (never
        // panics).
        for n in 0..bytes.len() {
            assert!(
                decode(&bytes[..n], (1, 2), 30).is_none(),
                "truncated at {n}"
            );
        }
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0xff;
            let _ = decode(&b, (1, 2), 30);
        }
    }

    #[test]
    fn known_symbols_are_not_encoded() {
        let mut m = sample();
        m[0].relocs[0].name = ModuleRelocTarget::KnownSymbol(
            cranelift_codegen::ir::KnownSymbol::ElfGlobalOffsetTable,
        );
        assert!(encode(&m).is_none());
    }
}
