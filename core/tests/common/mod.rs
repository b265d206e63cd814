//! What the core's integration tests share: the engines to run on, random modules
//! (wasm-smith) from reproducible seeds, and where a step ends in a single-step trace.
//! Each test file that uses it declares `mod common;` and uses part of it.
#![allow(dead_code)]

use std::cell::RefCell;
use std::panic::catch_unwind;

use wasmscope::{EngineKind, RuntimeConfig, StepMode};

/// An engine to test: its name (for messages) and its configuration.
pub type Engine = (&'static str, RuntimeConfig);

/// The engines to test: the interpreter, and the compiler where it generates code
/// (elsewhere `RuntimeConfig::compiler()` is the interpreter again), alone and tiered
/// (`with_tiering(1)`: a function's first call runs on the interpreter, later ones
/// compiled, so that calls cross between the two engines as often as they can).
/// `TEST_ENGINE=name` keeps only that one.
pub fn engines() -> Vec<Engine> {
    let mut engines = vec![("interpreter", RuntimeConfig::interpreter())];
    if RuntimeConfig::compiler().engine() == EngineKind::Compiler {
        engines.push(("compiler", RuntimeConfig::compiler()));
        engines.push(("tiered", RuntimeConfig::compiler().with_tiering(1)));
    }
    if let Ok(only) = std::env::var("TEST_ENGINE") {
        engines.retain(|(name, _)| *name == only);
        assert!(
            !engines.is_empty(),
            "TEST_ENGINE={only}: no such engine here"
        );
    }
    engines
}

thread_local! {
    /// The engine `on_every_engine` is running a test on, on this thread.
    static ENGINE: RefCell<Option<Engine>> = const { RefCell::new(None) };
}

/// The engine under test on this thread: the one `on_every_engine` (or `with_engine`) is
/// running, else the interpreter.
pub fn engine() -> Engine {
    ENGINE
        .with(|e| e.borrow().clone())
        .unwrap_or(("interpreter", RuntimeConfig::interpreter()))
}

/// The configuration of the engine under test, to build a test's `Runtime` from (with
/// the test's own `with_*` options).
pub fn engine_config() -> RuntimeConfig {
    engine().1
}

/// Runs `f` with `engine` as this thread's engine under test (for a thread a test starts:
/// pass it `engine()` from the test's thread).
pub fn with_engine<T>(engine: Engine, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<Engine>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let old = self.0.take();
            ENGINE.with(|e| *e.borrow_mut() = old);
        }
    }
    let _restore = Restore(ENGINE.with(|e| e.replace(Some(engine))));
    f()
}

/// Makes a test run on every engine. A test starts with
///
/// ```ignore
/// if common::on_every_engine(this_test) {
///     return;
/// }
/// ```
///
/// Called by the test harness, this runs `this_test` once per engine of `engines()`, with
/// `engine()` set to that engine, and returns true: the test is done. Within those runs
/// it returns false and the test's body runs on that engine. Every engine runs even when
/// one fails; then the test fails with each failing engine's name and panic message (the
/// panics themselves, with their locations, are printed as they happen).
pub fn on_every_engine<F: Fn() + std::panic::UnwindSafe + Copy>(test: F) -> bool {
    if ENGINE.with(|e| e.borrow().is_some()) {
        return false;
    }
    // The harness names a test's thread after the test: catch `test` naming another one.
    let this = std::any::type_name::<F>();
    if let Some(thread) = std::thread::current().name().filter(|&n| n != "main") {
        assert!(
            this.ends_with(&format!("::{thread}")),
            "test {thread} runs {this} on every engine"
        );
    }
    let mut failures = Vec::new();
    for engine in engines() {
        let name = engine.0;
        if let Err(panic) = with_engine(engine, || catch_unwind(test)) {
            failures.push(format!("on the {name}: {}", panic_message(&*panic)));
        }
    }
    if !failures.is_empty() {
        panic!("{}", failures.join("\n"));
    }
    true
}

/// The message of a caught panic.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
}

/// Deterministic bytes for `Unstructured`, so a failing seed reproduces.
pub fn bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// wasm-smith's configuration for WebAssembly 2.0 modules with SIMD: no imports,
/// everything exported, canonical NaNs, one memory of at most 1 MiB, up to 20 functions.
pub fn config() -> wasm_smith::Config {
    wasm_smith::Config {
        max_imports: 0,
        export_everything: true,
        canonicalize_nans: true,
        max_memories: 1,
        max_memory32_bytes: 1 << 20,
        memory64_enabled: false,
        gc_enabled: false,
        exceptions_enabled: false,
        relaxed_simd_enabled: false,
        tail_call_enabled: false,
        threads_enabled: false,
        wide_arithmetic_enabled: false,
        extended_const_enabled: false,
        custom_page_sizes_enabled: false,
        shared_everything_threads_enabled: false,
        allow_start_export: false,
        max_funcs: 20,
        ..Default::default()
    }
}

/// Where a step in `mode` from stop `cursor` of a single-step trace ends, given every
/// stop's call depth (`depths`): the index of that stop, or `None` when the call ends
/// first. A function's first stop is one deeper than the stop before it.
pub fn next_stop(depths: &[usize], cursor: usize, mode: StepMode) -> Option<usize> {
    let depth = depths[cursor];
    let entry = |j: usize| depths[j] > depths[j - 1];
    (cursor + 1..depths.len()).find(|&j| match mode {
        StepMode::Instruction => true,
        StepMode::Over => depths[j] <= depth,
        StepMode::Out => depths[j] < depth,
        StepMode::Entry => entry(j),
        _ => entry(j) && depths[j] == depth,
    })
}

/// The text sample `samples/wat/NAME`, as module bytes.
pub fn wat_sample(name: &str) -> Vec<u8> {
    let path = format!("{}/../samples/wat/{name}", env!("CARGO_MANIFEST_DIR"));
    wat::parse_file(path).unwrap()
}

/// `wasm` with the debug sections of `dwarf` appended as custom sections.
pub fn with_dwarf_sections(wasm: &[u8], dwarf: &mut gimli::write::DwarfUnit) -> Vec<u8> {
    let mut sections =
        gimli::write::Sections::new(gimli::write::EndianVec::new(gimli::LittleEndian));
    dwarf.write(&mut sections).unwrap();
    let mut out = wasm.to_vec();
    sections
        .for_each(|id, data| {
            if !data.slice().is_empty() {
                out.extend(custom_section(id.name(), data.slice()));
            }
            Ok::<(), gimli::write::Error>(())
        })
        .unwrap();
    out
}

/// A custom section named `name` holding `data`, to append to a module's bytes.
fn custom_section(name: &str, data: &[u8]) -> Vec<u8> {
    let mut payload = Vec::new();
    leb(&mut payload, name.len() as u64);
    payload.extend(name.as_bytes());
    payload.extend(data);
    let mut out = vec![0u8];
    leb(&mut out, payload.len() as u64);
    out.extend(payload);
    out
}

/// Appends `v` as unsigned LEB128.
fn leb(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}
