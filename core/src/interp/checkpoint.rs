//! Checkpoints of a replayed run (time travel, see `crate::Execution::replay`): what a
//! replay needs to go back to an earlier instruction count without replaying from the
//! start. A replay takes one every `interval` instructions (at the start of the
//! straight-line segment that crosses the mark, see [`super::instr::Instr::Count`]), and
//! going back restores the latest one before the target and replays on from there.
//!
//! A checkpoint holds the executor's state (the live part of the value stack, the
//! frames, the registers: the executor's own type `S`), the instance's globals, tables
//! and dropped segments, and the length of each memory. Memories are kept as *page
//! deltas*: each memory is cut into 4 KiB chunks, and a chunk's bytes are stored at a
//! checkpoint only when they differ from its last stored version (found by comparing
//! with it, byte for byte). The first checkpoint stores every chunk that is not all
//! zeros; restoring checkpoint `i` writes, for every chunk, its latest version stored at
//! or before `i` (zeros when none).
//!
//! The memory they take is bounded: when the stored bytes pass the budget (the guest's
//! memory plus a quarter, see [`Checkpoints::budget`]), the interval doubles and every
//! other checkpoint goes (the first and the last stay), with the chunk versions only it
//! needed. Going back then costs a longer replay, never more memory.
//!
//! Checkpoints are taken only where restoring one is exact: every frame in the instance
//! the call entered, and a module that imports no memory, table or mutable global (which
//! other instances could change) and keeps no GC objects or exceptions (which live in
//! the store, outside the instance). Elsewhere a replay goes back by replaying from the
//! start, as it would without them.

use std::sync::Arc;

use crate::module::ModuleInfo;
use crate::store::Held;

/// The bytes of one chunk of memory.
const CHUNK: usize = 4096;

/// One checkpoint: the executor's state `S` and the instance's.
#[derive(Debug)]
struct Checkpoint<S> {
    /// The instruction count at it (the run is before instruction `steps + 1`).
    steps: u64,
    /// Its id in the chunk versions (ids grow with `steps`).
    id: u32,
    exec: S,
    exec_bytes: usize,
    /// Each memory's length in bytes (the instance's memories, in the order it holds
    /// them).
    memories: Vec<usize>,
    tables: Vec<Vec<u64>>,
    globals: Vec<(u64, u64)>,
    elems: Vec<Arc<[u64]>>,
    datas: Vec<crate::module::SegmentBytes>,
}

/// A chunk's stored version: at checkpoint `id`, its bytes (`None`: all zeros).
type Version = (u32, Option<Box<[u8]>>);

/// The checkpoints of one replayed run.
#[derive(Debug)]
pub(crate) struct Checkpoints<S> {
    list: Vec<Checkpoint<S>>,
    /// Per memory, per chunk: its stored versions, oldest first.
    chunks: Vec<Vec<Vec<Version>>>,
    /// Instructions between two checkpoints.
    interval: u64,
    /// The count at which the next one is due.
    next: u64,
    next_id: u32,
    /// Bytes held: chunk versions, executor states, tables.
    bytes: usize,
    /// The most bytes the memories of the instance have had.
    memory_peak: usize,
}

/// What [`Checkpoints::stats`] reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Stats {
    pub count: usize,
    pub bytes: usize,
    pub interval: u64,
    pub memory_peak: usize,
}

impl<S> Checkpoints<S> {
    /// No checkpoint yet; the first is due at the start, the next ones every `interval`
    /// instructions (at least 1).
    pub(crate) fn new(interval: u64) -> Self {
        Checkpoints {
            list: Vec::new(),
            chunks: Vec::new(),
            interval: interval.max(1),
            next: 0,
            next_id: 0,
            bytes: 0,
            memory_peak: 0,
        }
    }

    /// Whether a checkpoint can be restored exactly in an instance of `info` (see the
    /// module's docs); `Err` says why not.
    pub(crate) fn possible(info: &ModuleInfo) -> Result<(), &'static str> {
        if info.num_imported_memories > 0 || info.num_imported_tables > 0 {
            return Err("the module imports a memory or a table");
        }
        let imported_mutable = info.globals[..info.num_imported_globals as usize]
            .iter()
            .any(|g| g.mutable);
        if imported_mutable {
            return Err("the module imports a mutable global");
        }
        if info.uses_gc || !info.tags.is_empty() {
            return Err("the module uses GC objects or exceptions");
        }
        Ok(())
    }

    /// No checkpoint (or one, [`Checkpoints::take`]) where one was due at `steps`: the
    /// next is due one interval later.
    pub(crate) fn skip(&mut self, steps: u64) {
        self.next = (steps / self.interval + 1) * self.interval;
    }

    /// The count at which the next checkpoint is due.
    pub(crate) fn next_due(&self) -> u64 {
        self.next
    }

    /// How many there are, the bytes they hold, the interval now, and the most memory
    /// the instance has had.
    pub(crate) fn stats(&self) -> Stats {
        Stats {
            count: self.list.len(),
            bytes: self.bytes,
            interval: self.interval,
            memory_peak: self.memory_peak,
        }
    }

    /// The most bytes the checkpoints may hold: the guest's memory (its peak) plus a
    /// quarter.
    pub(crate) fn budget(&self) -> usize {
        self.memory_peak + self.memory_peak / 4
    }

    /// Takes a checkpoint at count `steps` (the executor's state `exec`, of
    /// `exec_bytes`) of the instance whose items are `held`; the next is due one
    /// interval later.
    pub(crate) fn take(&mut self, steps: u64, exec: S, exec_bytes: usize, held: &Held<'_>) {
        self.skip(steps);
        if self.list.last().is_some_and(|c| c.steps >= steps) {
            // (Taken here already: a run that came back and passed it again.)
            return;
        }
        let id = self.next_id;
        self.next_id += 1;
        if self.chunks.len() < held.memories.len() {
            self.chunks.resize_with(held.memories.len(), Vec::new);
        }
        // (The chunks' bytes stored here.)
        let mut bytes = 0;
        let mut memories = Vec::with_capacity(held.memories.len());
        let mut total_memory = 0;
        for (m, mem) in held.memories.iter().enumerate() {
            let data = &mem.data;
            memories.push(data.len());
            total_memory += data.len();
            let chunks = &mut self.chunks[m];
            let n = data.len().div_ceil(CHUNK);
            if chunks.len() < n {
                chunks.resize_with(n, Vec::new);
            }
            for (c, versions) in chunks.iter_mut().enumerate().take(n) {
                let now = &data[c * CHUNK..((c + 1) * CHUNK).min(data.len())];
                let zero = now.iter().all(|b| *b == 0);
                let same = match versions.last() {
                    Some((_, Some(stored))) => !zero && **stored == *now,
                    // (A chunk never stored, or stored as zeros.)
                    _ => zero,
                };
                if same {
                    continue;
                }
                let stored = (!zero).then(|| Box::<[u8]>::from(now));
                bytes += stored.as_ref().map_or(0, |s| s.len());
                versions.push((id, stored));
            }
        }
        self.memory_peak = self.memory_peak.max(total_memory);
        let tables: Vec<Vec<u64>> = held.tables.iter().map(|t| t.elems.clone()).collect();
        let exec_bytes = exec_bytes + tables.iter().map(|t| t.len() * 8).sum::<usize>();
        self.bytes += bytes + exec_bytes;
        self.list.push(Checkpoint {
            steps,
            id,
            exec,
            exec_bytes,
            memories,
            tables,
            globals: held.globals.iter().map(|g| (g.value, g.hi)).collect(),
            elems: held.state.elems.clone(),
            datas: held.state.datas.clone(),
        });
        while self.bytes > self.budget() && self.list.len() > 2 {
            self.thin();
        }
    }

    /// Doubles the interval and drops every other checkpoint (the first and the last
    /// stay), with the chunk versions that only they needed.
    fn thin(&mut self) {
        self.interval = self.interval.saturating_mul(2);
        let last = self.list.len() - 1;
        let mut index = 0;
        self.list.retain(|_| {
            let keep = index == 0 || index == last || index % 2 == 0;
            index += 1;
            keep
        });
        let kept: Vec<u32> = self.list.iter().map(|c| c.id).collect();
        for versions in self.chunks.iter_mut().flat_map(|m| m.iter_mut()) {
            // A version is needed while a kept checkpoint reads it: one at or after it
            // and before the chunk's next version. (The last version always is: the
            // last checkpoint stays.)
            let mut i = 0;
            while i < versions.len() {
                let from = versions[i].0;
                let until = versions.get(i + 1).map_or(u32::MAX, |v| v.0);
                if kept.iter().any(|k| *k >= from && *k < until) {
                    i += 1;
                } else {
                    versions.remove(i);
                }
            }
        }
        self.bytes = self.recount();
    }

    /// The bytes held, counted again.
    fn recount(&self) -> usize {
        let chunks: usize = self
            .chunks
            .iter()
            .flat_map(|m| m.iter())
            .flat_map(|v| v.iter())
            .map(|(_, s)| s.as_ref().map_or(0, |s| s.len()))
            .sum();
        chunks + self.list.iter().map(|c| c.exec_bytes).sum::<usize>()
    }

    /// The latest checkpoint before instruction `count` (its count below it), if any:
    /// its count.
    pub(crate) fn before(&self, count: u64) -> Option<u64> {
        self.list
            .iter()
            .rev()
            .find(|c| c.steps < count)
            .map(|c| c.steps)
    }

    /// Restores the instance's items `held` to the latest checkpoint before instruction
    /// `count`, and gives its count and executor state.
    pub(crate) fn restore(&self, count: u64, held: &mut Held<'_>) -> Option<(u64, &S)> {
        let c = self.list.iter().rev().find(|c| c.steps < count)?;
        for (m, mem) in held.memories.iter_mut().enumerate() {
            let len = c.memories.get(m).copied().unwrap_or(mem.data.len());
            if !mem.data.resize(len) {
                // (The host refused the pages: no restoring here. A memory restored
                // before this one is rewritten by the next restore or replay.)
                return None;
            }
            let Some(chunks) = self.chunks.get(m) else {
                mem.data.fill(0);
                continue;
            };
            for (i, dst) in mem.data.chunks_mut(CHUNK).enumerate() {
                let version = chunks.get(i).and_then(|versions| {
                    let after = versions.partition_point(|(id, _)| *id <= c.id);
                    after.checked_sub(1).map(|k| &versions[k].1)
                });
                match version {
                    Some(Some(bytes)) => dst.copy_from_slice(&bytes[..dst.len()]),
                    _ => dst.fill(0),
                }
            }
        }
        for (t, elems) in held.tables.iter_mut().zip(&c.tables) {
            t.elems.clone_from(elems);
        }
        for (g, &(value, hi)) in held.globals.iter_mut().zip(&c.globals) {
            g.value = value;
            g.hi = hi;
        }
        held.state.elems.clone_from(&c.elems);
        held.state.datas.clone_from(&c.datas);
        Some((c.steps, &c.exec))
    }
}
