//! Concurrency of one `Runtime`, through the public API only, on every engine:
//!
//! - calls on different modules run in parallel: a call blocked in a host function does
//!   not stall calls on other modules, instantiation, or the handles (memory, global,
//!   table) of other modules; two calls can be blocked at the same time;
//! - items shared through imports (memories, mutable globals, tables) stay correct: a call
//!   holds everything its module can reach for its whole duration, so calls are atomic
//!   with respect to each other (exact counters, distinct results, no crash);
//! - many threads on many instances of one module, and several threads on one function,
//!   compute exactly what they compute alone.
//!
//! The blocking tests use no timing assertions: a host function `wait` blocks until the
//! test releases it (or `TIMEOUT` passes) and returns whether it was released; a test
//! that waited for the blocked call fails after `TIMEOUT` rather than hanging, and
//! `WATCHDOG` turns a deadlock into a failure.

mod common;

use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Barrier, Mutex};
use std::thread;
use std::time::Duration;

use wasmscope::{
    Module, ModuleConfig, Runtime, TableElement, TypedFunction, WasmParams, WasmResults,
};

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// How long a host `wait` waits to be released before it gives up (and returns 0).
const TIMEOUT: Duration = Duration::from_secs(30);

/// How long a test waits for a thread before it calls it a deadlock.
const WATCHDOG: Duration = Duration::from_secs(90);

/// A runtime of the engine under test (every test runs on each engine).
fn runtime() -> Runtime {
    Runtime::with_config(common::engine_config())
}

fn wasm(src: &str) -> Vec<u8> {
    wat::parse_str(src).expect("valid wat")
}

fn instantiate(rt: &Runtime, src: &str, name: &str) -> Module {
    let compiled = rt.compile_module(&wasm(src)).expect("compiles");
    rt.instantiate_module(&compiled, ModuleConfig::new().with_name(name))
        .expect("instantiates")
}

fn typed<P: WasmParams, R: WasmResults>(module: &Module, name: &str) -> TypedFunction<P, R> {
    module
        .typed_function(name)
        .unwrap_or_else(|e| panic!("{}.{name}: {e}", module.name()))
}

/// The result of `f`, running on a thread of its own; see [`Pending::join`].
struct Pending<T> {
    what: String,
    rx: Receiver<thread::Result<T>>,
}

/// Runs `f` on a new thread (detached: a deadlocked thread is left behind).
fn spawn<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> Pending<T> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(panic::catch_unwind(AssertUnwindSafe(f)));
    });
    Pending {
        what: what.into(),
        rx,
    }
}

impl<T> Pending<T> {
    /// The thread's result; its panic, re-raised; a failure after `WATCHDOG`.
    fn join(self) -> T {
        match self.rx.recv_timeout(WATCHDOG) {
            Ok(Ok(value)) => value,
            Ok(Err(payload)) => panic::resume_unwind(payload),
            Err(RecvTimeoutError::Timeout) => {
                panic!("{} did not end within {WATCHDOG:?}: deadlock?", self.what)
            }
            Err(RecvTimeoutError::Disconnected) => unreachable!("the thread always sends"),
        }
    }
}

/// Runs `f` on another thread and waits for it, failing after `WATCHDOG`.
fn within<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    spawn(what, f).join()
}

/// The channels of a host module with one function `wait: [] -> [i32]`, which signals
/// `started`, then waits for `release` (at most `TIMEOUT`) and returns 1 if released, 0
/// if it timed out. One call at a time may wait.
struct Gate {
    started: Receiver<()>,
    release: Sender<()>,
}

impl Gate {
    /// Instantiates the host module `name` (exporting `wait`, and `ping: [] -> [i32]`
    /// returning 7) in `rt`.
    fn new(rt: &Runtime, name: &str) -> Gate {
        let (started_tx, started) = mpsc::channel();
        let (release, release_rx) = mpsc::channel::<()>();
        let (started_tx, release_rx) = (Mutex::new(started_tx), Mutex::new(release_rx));
        rt.new_host_module_builder(name)
            .new_function_builder()
            .with_func(move || -> i32 {
                let _ = started_tx.lock().unwrap().send(());
                let released = release_rx.lock().unwrap().recv_timeout(TIMEOUT).is_ok();
                released as i32
            })
            .export("wait")
            .new_function_builder()
            .with_func(|| 7i32)
            .export("ping")
            .instantiate()
            .expect("host module");
        Gate { started, release }
    }

    /// Whether `wait` started within `TIMEOUT`.
    fn started(&self) -> bool {
        self.started.recv_timeout(TIMEOUT).is_ok()
    }

    /// Lets `wait` return 1 (now, or at once when it is next called).
    fn release(&self) {
        let _ = self.release.send(());
    }
}

/// A module that imports `wait` from the host module `host`, with memory 0 exported as
/// `memory`: `run` stores 1 at address 0, calls `wait`, stores 2 and returns what `wait`
/// returned.
fn blocker(host: &str) -> String {
    format!(
        r#"(module
            (import "{host}" "wait" (func $wait (result i32)))
            (memory (export "memory") 1)
            (func (export "run") (result i32) (local $released i32)
                (i32.store (i32.const 0) (i32.const 1))
                (local.set $released (call $wait))
                (i32.store (i32.const 0) (i32.const 2))
                (local.get $released)))"#
    )
}

/// Calls `run` of `module` (a [`blocker`] of `gate`) on a thread of its own and returns
/// once its `wait` has started.
fn start_blocked(module: &Module, gate: &Gate) -> Pending<i32> {
    let run = typed::<(), i32>(module, "run");
    let blocked = spawn("the blocked call", move || run.call(()).expect("run"));
    assert!(gate.started(), "`wait` did not start within {TIMEOUT:?}");
    blocked
}

/// Checks that the blocked call was released rather than timed out.
#[track_caller]
fn assert_released(blocked: Pending<i32>, what: &str) {
    assert_eq!(
        blocked.join(),
        1,
        "the blocked call's `wait` timed out instead of being released: {what} waited for \
         a blocked call on another module"
    );
}

/// `fib` (recursive), `bump` (adds 1 to the i32 at address 0 and to the global `count`,
/// returns the new i32), a memory, a mutable global and a table holding `fib`, all
/// exported.
const WORKER: &str = r#"(module
    (memory (export "memory") 1)
    (global $count (export "count") (mut i32) (i32.const 0))
    (table (export "table") 1 funcref)
    (elem (i32.const 0) $fib)
    (func $fib (export "fib") (param $n i32) (result i32)
        (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
            (then (local.get $n))
            (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                           (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
    (func (export "bump") (result i32)
        (global.set $count (i32.add (global.get $count) (i32.const 1)))
        (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
        (i32.load (i32.const 0)))
    (func (export "load") (param i32) (result i32) (i32.load (local.get 0))))"#;

/// Fibonacci numbers, as `fib` computes them.
fn fib(n: u32) -> i32 {
    let (mut a, mut b) = (0i32, 1i32);
    for _ in 0..n {
        (a, b) = (b, a.wrapping_add(b));
    }
    a
}

/// A module made of `defs` (imports and definitions) and `inc: [] -> [i32 i32]`, which
/// adds 1 to the i32 at address 0 of memory 0 (if `mem`) and to global 0 (if `global`)
/// non-atomically: it reads both, spins a while, then writes both back, and returns the
/// new values (0 for what it does not touch). Concurrent `inc`s that are not serialised
/// lose updates.
fn counter(defs: &str, mem: bool, global: bool) -> String {
    let pick = |on: bool, code: &str| if on { code.to_string() } else { String::new() };
    format!(
        r#"(module
            {defs}
            (func $spin (param $n i32)
                (loop $l
                    (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                    (br_if $l (i32.gt_s (local.get $n) (i32.const 0)))))
            (func (export "inc") (result i32 i32) (local $m i32) (local $g i32)
                {}
                {}
                (call $spin (i32.const 20))
                {}
                {}
                (local.get $m) (local.get $g)))"#,
        pick(
            mem,
            "(local.set $m (i32.add (i32.load (i32.const 0)) (i32.const 1)))"
        ),
        pick(
            global,
            "(local.set $g (i32.add (global.get 0) (i32.const 1)))"
        ),
        pick(mem, "(i32.store (i32.const 0) (local.get $m))"),
        pick(global, "(global.set 0 (local.get $g))"),
    )
}

/// Asserts that `values` are exactly `1..=n` in some order: every call saw the previous
/// ones and none other.
#[track_caller]
fn assert_permutation(mut values: Vec<i32>, n: usize, what: &str) {
    values.sort_unstable();
    let expected: Vec<i32> = (1..=n as i32).collect();
    if values != expected {
        let dups = values.windows(2).filter(|w| w[0] == w[1]).count();
        panic!(
            "{what}: {} values, {dups} duplicates, max {:?}; expected 1..={n}: calls were \
             not atomic",
            values.len(),
            values.last()
        );
    }
}

// ---------------------------------------------------------------------------------------
// A blocked call does not stall other modules
// ---------------------------------------------------------------------------------------

/// Calls on another module (and looking it up) go on while a call is blocked.
#[test]
fn blocked_call_does_not_stall_calls_on_other_modules() {
    if common::on_every_engine(blocked_call_does_not_stall_calls_on_other_modules) {
        return;
    }
    let rt = runtime();
    let gate = Gate::new(&rt, "ctl");
    let a = instantiate(&rt, &blocker("ctl"), "a");
    instantiate(&rt, WORKER, "b");
    let blocked = start_blocked(&a, &gate);

    let rt2 = rt.clone();
    let (fib20, bumps) = within("calls on b", move || {
        let b = rt2.module("b").expect("b is registered");
        let fib = typed::<i32, i32>(&b, "fib");
        let bump = typed::<(), i32>(&b, "bump");
        let bumps: Vec<i32> = (0..3).map(|_| bump.call(()).unwrap()).collect();
        (fib.call(20).unwrap(), bumps)
    });
    gate.release();
    assert_released(blocked, "a call on b");
    assert_eq!(fib20, 6765);
    assert_eq!(bumps, [1, 2, 3]);
}

/// Another module blocked in a function of the same host module does not stall a module
/// calling that host module.
#[test]
fn blocked_call_does_not_stall_modules_importing_the_same_host_module() {
    if common::on_every_engine(blocked_call_does_not_stall_modules_importing_the_same_host_module) {
        return;
    }
    let rt = runtime();
    let gate = Gate::new(&rt, "ctl");
    let a = instantiate(&rt, &blocker("ctl"), "a");
    let b = instantiate(
        &rt,
        r#"(module (import "ctl" "ping" (func $ping (result i32)))
            (func (export "twice") (result i32) (i32.add (call $ping) (call $ping))))"#,
        "b",
    );
    let twice = typed::<(), i32>(&b, "twice");
    let blocked = start_blocked(&a, &gate);

    let result = within("b calling ctl.ping", move || twice.call(()).unwrap());
    gate.release();
    assert_released(blocked, "a call on b importing the same host module");
    assert_eq!(result, 14);
}

/// Instantiating (a host module, then a module with a data segment and a start function)
/// and calling the new module go on while a call is blocked.
#[test]
fn blocked_call_does_not_stall_instantiation() {
    if common::on_every_engine(blocked_call_does_not_stall_instantiation) {
        return;
    }
    let rt = runtime();
    let gate = Gate::new(&rt, "ctl");
    let a = instantiate(&rt, &blocker("ctl"), "a");
    let blocked = start_blocked(&a, &gate);

    let rt2 = rt.clone();
    let (answer, data, started) = within("instantiating c", move || {
        rt2.new_host_module_builder("more")
            .new_function_builder()
            .with_func(|x: i32| x + 1)
            .export("succ")
            .instantiate()
            .expect("host module");
        let c = instantiate(
            &rt2,
            r#"(module
                (import "more" "succ" (func $succ (param i32) (result i32)))
                (memory (export "memory") 1)
                (global $started (export "started") (mut i32) (i32.const 0))
                (data (i32.const 16) "hello")
                (func $start (global.set $started (i32.const 1)))
                (start $start)
                (func (export "answer") (result i32) (call $succ (i32.const 41))))"#,
            "c",
        );
        let answer = typed::<(), i32>(&c, "answer").call(()).unwrap();
        let data = c.memory().unwrap().read(16, 5).unwrap();
        (answer, data, c.exported_global("started").unwrap().get())
    });
    gate.release();
    assert_released(blocked, "instantiating another module");
    assert_eq!(answer, 42);
    assert_eq!(data, b"hello");
    assert_eq!(started, 1);
    assert!(rt.module("c").is_some());
}

/// Reading, writing and growing another module's memory through its `Memory` handle go
/// on while a call is blocked.
#[test]
fn blocked_call_does_not_stall_memory_handles_of_other_modules() {
    if common::on_every_engine(blocked_call_does_not_stall_memory_handles_of_other_modules) {
        return;
    }
    let rt = runtime();
    let gate = Gate::new(&rt, "ctl");
    let a = instantiate(&rt, &blocker("ctl"), "a");
    let b = instantiate(&rt, WORKER, "b");
    let memory = b.memory().unwrap();
    assert!(memory.write_u32_le(8, 1234));
    let blocked = start_blocked(&a, &gate);

    let (read, written, grown) = within("b's memory handle", move || {
        let read = memory.read_u32_le(8);
        let written = memory.write_u32_le(12, 5678);
        let grown = memory.grow(1);
        (read, written, (grown, memory.pages(), memory.size()))
    });
    gate.release();
    assert_released(blocked, "b's memory handle");
    assert_eq!(read, Some(1234));
    assert!(written);
    assert_eq!(grown, (Some(1), 2, 2 * 65536));
    assert_eq!(typed::<i32, i32>(&b, "load").call(12).unwrap(), 5678);
}

/// Another module's `Global` and `Table` handles work while a call is blocked.
#[test]
fn blocked_call_does_not_stall_global_and_table_handles_of_other_modules() {
    if common::on_every_engine(
        blocked_call_does_not_stall_global_and_table_handles_of_other_modules,
    ) {
        return;
    }
    let rt = runtime();
    let gate = Gate::new(&rt, "ctl");
    let a = instantiate(&rt, &blocker("ctl"), "a");
    let b = instantiate(&rt, WORKER, "b");
    let (count, table) = (
        b.exported_global("count").unwrap(),
        b.exported_table("table").unwrap(),
    );
    let blocked = start_blocked(&a, &gate);

    let (before, set, after, size, elem) = within("b's global and table handles", move || {
        let before = count.get();
        let set = count.set(41).is_ok();
        (before, set, count.get(), table.size(), table.get(0))
    });
    gate.release();
    assert_released(blocked, "b's global and table handles");
    assert_eq!((before, set, after, size), (0, true, 41, 1));
    match elem {
        Some(TableElement::Function(def)) => assert_eq!(def.name(), Some("fib")),
        other => panic!("table[0] is {other:?}"),
    }
    assert_eq!(typed::<(), i32>(&b, "bump").call(()).unwrap(), 1);
    assert_eq!(b.exported_global("count").unwrap().get(), 42);
}

/// Two calls on two modules can be blocked at the same time.
#[test]
fn two_calls_block_at_the_same_time() {
    if common::on_every_engine(two_calls_block_at_the_same_time) {
        return;
    }
    let rt = runtime();
    let (gate_a, gate_b) = (Gate::new(&rt, "ctl_a"), Gate::new(&rt, "ctl_b"));
    let a = instantiate(&rt, &blocker("ctl_a"), "a");
    let b = instantiate(&rt, &blocker("ctl_b"), "b");
    let blocked_a = start_blocked(&a, &gate_a);
    let run_b = typed::<(), i32>(&b, "run");
    let blocked_b = spawn("b's blocked call", move || run_b.call(()).expect("run"));
    let b_started = gate_b.started();
    gate_a.release();
    gate_b.release();
    assert!(
        b_started,
        "b's `wait` did not start while a's call was blocked"
    );
    assert_released(blocked_a, "b's call");
    assert_released(blocked_b, "a's call");
}

/// A call on a module sharing a memory with a blocked call waits for it (it never sees
/// the blocked call's intermediate state).
#[test]
fn call_sharing_memory_with_a_blocked_call_waits_for_it() {
    if common::on_every_engine(call_sharing_memory_with_a_blocked_call_waits_for_it) {
        return;
    }
    let rt = runtime();
    let gate = Gate::new(&rt, "ctl");
    let a = instantiate(&rt, &blocker("ctl"), "a");
    let b = instantiate(
        &rt,
        r#"(module (import "a" "memory" (memory 1))
            (func (export "read") (result i32) (i32.load (i32.const 0))))"#,
        "b",
    );
    let read = typed::<(), i32>(&b, "read");
    let blocked = start_blocked(&a, &gate);
    let reader = spawn("b.read", move || read.call(()).unwrap());
    // Gives b's call a chance to run in the middle of a's, were it allowed to; a correct
    // runtime makes it wait however long this is.
    thread::sleep(Duration::from_millis(50));
    gate.release();
    assert_released(blocked, "nothing");
    assert_eq!(
        reader.join(),
        2,
        "b's call ran while a's call on their shared memory was blocked"
    );
}

// ---------------------------------------------------------------------------------------
// Shared memories, globals and tables stay correct
// ---------------------------------------------------------------------------------------

/// Threads calling `inc` on an exporter and its importers (one or several threads per
/// module) leave exact counts in the shared memory and mutable global, each call seeing
/// both counters equal.
#[test]
fn shared_memory_and_global_counters_are_exact() {
    if common::on_every_engine(shared_memory_and_global_counters_are_exact) {
        return;
    }
    const THREADS: usize = 8;
    const CALLS: usize = 2000;
    within("the test", || {
        let rt = runtime();
        let shared = instantiate(
            &rt,
            &counter(
                r#"(memory (export "mem") 1) (global (export "g") (mut i32) (i32.const 0))"#,
                true,
                true,
            ),
            "shared",
        );
        let importer = rt
            .compile_module(&wasm(&counter(
                r#"(import "shared" "mem" (memory 1))
                   (import "shared" "g" (global (mut i32)))"#,
                true,
                true,
            )))
            .unwrap();
        // Threads 0-2 and 4-6 on three importers, 3 and 7 on the exporter.
        let mut modules: Vec<Module> = (0..3)
            .map(|i| {
                rt.instantiate_module(&importer, ModuleConfig::new().with_name(&format!("imp{i}")))
                    .unwrap()
            })
            .collect();
        modules.push(shared.clone());
        let barrier = Barrier::new(THREADS);
        let results: Vec<(i32, i32)> = thread::scope(|s| {
            let threads: Vec<_> = (0..THREADS)
                .map(|t| {
                    let inc = typed::<(), (i32, i32)>(&modules[t % modules.len()], "inc");
                    let barrier = &barrier;
                    s.spawn(move || {
                        barrier.wait();
                        (0..CALLS)
                            .map(|_| inc.call(()).unwrap())
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            threads
                .into_iter()
                .flat_map(|h| h.join().unwrap())
                .collect()
        });
        let total = THREADS * CALLS;
        let mismatched = results.iter().filter(|(m, g)| m != g).count();
        assert_eq!(
            mismatched, 0,
            "calls saw the memory and global counters differ"
        );
        assert_permutation(results.iter().map(|r| r.0).collect(), total, "inc");
        let memory = shared.exported_memory("mem").unwrap();
        assert_eq!(memory.read_u32_le(0), Some(total as u32));
        assert_eq!(shared.exported_global("g").unwrap().get(), total as u64);
    });
}

/// Modules reaching different, overlapping sets of shared items (a memory and a global
/// from two exporters, imported in either order, or the memory re-exported by a third
/// module), plus one growing the memory, neither deadlock nor lose updates.
#[test]
fn overlapping_imports_neither_deadlock_nor_lose_updates() {
    if common::on_every_engine(overlapping_imports_neither_deadlock_nor_lose_updates) {
        return;
    }
    const CALLS: usize = 2000;
    const GROWS: usize = 64;
    within("the test", || {
        let rt = runtime();
        let x = instantiate(&rt, r#"(module (memory (export "mem") 1))"#, "x");
        let y = instantiate(
            &rt,
            r#"(module (global (export "g") (mut i32) (i32.const 0)))"#,
            "y",
        );
        instantiate(
            &rt,
            r#"(module (import "x" "mem" (memory $m 1)) (export "mem" (memory $m)))"#,
            "r",
        );
        let mem_x = r#"(import "x" "mem" (memory 1))"#;
        let glob_y = r#"(import "y" "g" (global (mut i32)))"#;
        // (name, imports, increments the memory, increments the global)
        let kinds = [
            ("mg", format!("{mem_x} {glob_y}"), true, true),
            ("gm", format!("{glob_y} {mem_x}"), true, true),
            ("m", mem_x.to_string(), true, false),
            ("g", glob_y.to_string(), false, true),
            (
                "s",
                r#"(import "r" "mem" (memory 1))"#.to_string(),
                true,
                false,
            ),
        ];
        let modules: Vec<(Module, bool, bool)> = kinds
            .iter()
            .map(|(name, imports, m, g)| {
                (instantiate(&rt, &counter(imports, *m, *g), name), *m, *g)
            })
            .collect();
        let grower = instantiate(
            &rt,
            r#"(module (import "x" "mem" (memory 1))
                (func (export "grow") (result i32) (memory.grow (i32.const 1))))"#,
            "grower",
        );
        let grow = typed::<(), i32>(&grower, "grow");
        let barrier = Barrier::new(modules.len() + 1);
        let (mem_values, glob_values, grown) = thread::scope(|s| {
            let threads: Vec<_> = modules
                .iter()
                .map(|(module, m, g)| {
                    let inc = typed::<(), (i32, i32)>(module, "inc");
                    let (m, g, barrier) = (*m, *g, &barrier);
                    s.spawn(move || {
                        barrier.wait();
                        let results: Vec<(i32, i32)> =
                            (0..CALLS).map(|_| inc.call(()).unwrap()).collect();
                        let mems: Vec<i32> = results.iter().filter(|_| m).map(|r| r.0).collect();
                        let globs: Vec<i32> = results.iter().filter(|_| g).map(|r| r.1).collect();
                        (mems, globs)
                    })
                })
                .collect();
            let grower = s.spawn(|| {
                barrier.wait();
                (0..GROWS)
                    .map(|_| grow.call(()).unwrap())
                    .collect::<Vec<_>>()
            });
            let (mut mems, mut globs) = (Vec::new(), Vec::new());
            for h in threads {
                let (m, g) = h.join().unwrap();
                mems.extend(m);
                globs.extend(g);
            }
            (mems, globs, grower.join().unwrap())
        });
        let mem_total = CALLS * modules.iter().filter(|m| m.1).count();
        let glob_total = CALLS * modules.iter().filter(|m| m.2).count();
        assert_permutation(mem_values, mem_total, "memory counter");
        assert_permutation(glob_values, glob_total, "global counter");
        assert_eq!(
            grown,
            (1..=GROWS as i32).collect::<Vec<_>>(),
            "memory.grow results"
        );
        let memory = x.exported_memory("mem").unwrap();
        assert_eq!(memory.read_u32_le(0), Some(mem_total as u32));
        assert_eq!(memory.pages(), 1 + GROWS as u32);
        assert_eq!(y.exported_global("g").unwrap().get(), glob_total as u64);
    });
}

/// Calls reaching a module's private memory and global through an imported function are
/// atomic with the calls on that module itself.
#[test]
fn imported_function_calls_are_atomic_with_the_exporting_module() {
    if common::on_every_engine(imported_function_calls_are_atomic_with_the_exporting_module) {
        return;
    }
    const CALLS: usize = 2000;
    within("the test", || {
        let rt = runtime();
        let p = instantiate(
            &rt,
            &counter("(memory 1) (global (mut i32) (i32.const 0))", true, true),
            "p",
        );
        let forwarder = r#"(module (import "p" "inc" (func $inc (result i32 i32)))
            (func (export "inc") (result i32 i32) (call $inc)))"#;
        let q1 = instantiate(&rt, forwarder, "q1");
        let q2 = instantiate(&rt, forwarder, "q2");
        let modules = [&p, &q1, &q2, &p];
        let barrier = Barrier::new(modules.len());
        let results: Vec<(i32, i32)> = thread::scope(|s| {
            let threads: Vec<_> = modules
                .iter()
                .map(|module| {
                    let (inc, barrier) = (typed::<(), (i32, i32)>(module, "inc"), &barrier);
                    s.spawn(move || {
                        barrier.wait();
                        (0..CALLS)
                            .map(|_| inc.call(()).unwrap())
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            threads
                .into_iter()
                .flat_map(|h| h.join().unwrap())
                .collect()
        });
        let mismatched = results.iter().filter(|(m, g)| m != g).count();
        assert_eq!(
            mismatched, 0,
            "calls saw p's memory and global counters differ"
        );
        assert_permutation(results.iter().map(|r| r.0).collect(), 4 * CALLS, "p.inc");
        assert_eq!(p.memory().unwrap().read_u32_le(0), Some(4 * CALLS as u32));
    });
}

/// The exporter of a funcref table (`$one`, `$two`) and its importers (each with `$three`,
/// which counts its runs in its module's memory non-atomically).
const TABLE_EXPORTER: &str = r#"(module
    (table $t (export "tab") 2 funcref)
    (func $one (result i32) (i32.const 1))
    (func $two (result i32) (i32.const 2))
    (elem (table $t) (i32.const 0) func $one $two)
    ;; table[0] := $one if the parameter is non-zero, $two otherwise.
    (func (export "set") (param i32)
        (table.set $t (i32.const 0)
            (select (result funcref) (ref.func $one) (ref.func $two) (local.get 0)))))"#;

const TABLE_IMPORTER: &str = r#"(module
    (type $r (func (result i32)))
    (import "tabs" "tab" (table $t 2 funcref))
    (memory (export "memory") 1)
    (func $spin (param $n i32)
        (loop $l
            (local.set $n (i32.sub (local.get $n) (i32.const 1)))
            (br_if $l (i32.gt_s (local.get $n) (i32.const 0)))))
    (func $three (result i32) (local $n i32)
        (local.set $n (i32.add (i32.load (i32.const 0)) (i32.const 1)))
        (call $spin (i32.const 20))
        (i32.store (i32.const 0) (local.get $n))
        (i32.const 3))
    (elem declare func $three)
    (func (export "three") (result i32) (call $three))
    (func (export "call0") (result i32) (call_indirect $t (type $r) (i32.const 0)))
    (func (export "call_last") (result i32)
        (call_indirect $t (type $r) (i32.sub (table.size $t) (i32.const 1))))
    (func (export "set3") (table.set $t (i32.const 0) (ref.func $three)))
    (func (export "grow3") (result i32) (table.grow $t (ref.func $three) (i32.const 1))))"#;

/// Importers `call_indirect` through a shared table while another thread rewrites and
/// grows it: every result is one of the table's functions', and the final state is the
/// last write.
#[test]
fn shared_table_call_indirect_while_another_thread_writes_it() {
    if common::on_every_engine(shared_table_call_indirect_while_another_thread_writes_it) {
        return;
    }
    const CALLS: usize = 2000;
    const WRITES: usize = 2000;
    within("the test", || {
        let rt = runtime();
        let tabs = instantiate(&rt, TABLE_EXPORTER, "tabs");
        let compiled = rt.compile_module(&wasm(TABLE_IMPORTER)).unwrap();
        let users: Vec<Module> = (0..3)
            .map(|i| {
                rt.instantiate_module(
                    &compiled,
                    ModuleConfig::new().with_name(&format!("user{i}")),
                )
                .unwrap()
            })
            .collect();
        let set = typed::<i32, ()>(&tabs, "set");
        let set3 = typed::<(), ()>(&users[0], "set3");
        let grow3 = typed::<(), i32>(&users[0], "grow3");
        let barrier = Barrier::new(5);
        thread::scope(|s| {
            // Readers: one on each importer, and a second one on user1.
            for (r, user) in [&users[0], &users[1], &users[2], &users[1]]
                .into_iter()
                .enumerate()
            {
                let call0 = typed::<(), i32>(user, "call0");
                let call_last = typed::<(), i32>(user, "call_last");
                let barrier = &barrier;
                s.spawn(move || {
                    barrier.wait();
                    for i in 0..CALLS {
                        let got = call0.call(()).unwrap();
                        assert!(
                            (1..=3).contains(&got),
                            "reader {r}, call {i}: call0 = {got}"
                        );
                        let got = call_last.call(()).unwrap();
                        assert!(
                            [2, 3].contains(&got),
                            "reader {r}, call {i}: call_last = {got}"
                        );
                    }
                });
            }
            s.spawn(|| {
                barrier.wait();
                for i in 0..WRITES {
                    match i % 4 {
                        0 => set.call(0).unwrap(),
                        1 => set3.call(()).unwrap(),
                        2 => assert_eq!(grow3.call(()).unwrap(), 2 + i as i32 / 4),
                        _ => set.call(1).unwrap(),
                    }
                }
            });
        });
        let grows = (WRITES as u32 + 1) / 4; // i % 4 == 2
        let table = tabs.exported_table("tab").unwrap();
        assert_eq!(table.size(), 2 + grows);
        for user in &users {
            assert_eq!(
                typed::<(), i32>(user, "call0").call(()).unwrap(),
                1,
                "last write"
            );
            assert_eq!(typed::<(), i32>(user, "call_last").call(()).unwrap(), 3);
        }
    });
}

/// A function reached through a shared table (another module's `$three`) runs atomically
/// with the calls on its own module: its runs, counted in its module's memory, are
/// exact.
#[test]
fn function_reached_through_a_shared_table_is_atomic_with_its_module() {
    if common::on_every_engine(function_reached_through_a_shared_table_is_atomic_with_its_module) {
        return;
    }
    const CALLS: usize = 2000;
    within("the test", || {
        let rt = runtime();
        instantiate(&rt, TABLE_EXPORTER, "tabs");
        let compiled = rt.compile_module(&wasm(TABLE_IMPORTER)).unwrap();
        let users: Vec<Module> = (0..3)
            .map(|i| {
                rt.instantiate_module(
                    &compiled,
                    ModuleConfig::new().with_name(&format!("user{i}")),
                )
                .unwrap()
            })
            .collect();
        // table[0] is user0's $three: user1 and user2 run it through the table while
        // user0 runs it directly.
        typed::<(), ()>(&users[0], "set3").call(()).unwrap();
        let barrier = Barrier::new(4);
        thread::scope(|s| {
            for (user, export) in [
                (&users[0], "three"),
                (&users[0], "call0"),
                (&users[1], "call0"),
                (&users[2], "call0"),
            ] {
                let (f, barrier) = (typed::<(), i32>(user, export), &barrier);
                s.spawn(move || {
                    barrier.wait();
                    for _ in 0..CALLS {
                        assert_eq!(f.call(()).unwrap(), 3);
                    }
                });
            }
        });
        let runs = users[0].memory().unwrap().read_u32_le(0);
        assert_eq!(
            runs,
            Some(4 * CALLS as u32),
            "runs of user0's $three were lost: calls through the table were not atomic with \
             user0's own"
        );
        for user in &users[1..] {
            assert_eq!(user.memory().unwrap().read_u32_le(0), Some(0));
        }
    });
}

// ---------------------------------------------------------------------------------------
// Many threads, many modules; one function, many threads
// ---------------------------------------------------------------------------------------

/// `fill(seed)` writes `seed + i` to word `i` of its memory for `i` in `0..64`, counts
/// its calls in `calls`, and returns the sum of the words read back.
const FILLER: &str = r#"(module
    (memory (export "memory") 1)
    (global $calls (export "calls") (mut i32) (i32.const 0))
    (func $fib (export "fib") (param $n i32) (result i32)
        (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
            (then (local.get $n))
            (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                           (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
    (func (export "fill") (param $seed i32) (result i32) (local $i i32) (local $sum i32)
        (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
        (loop $write
            (i32.store (i32.shl (local.get $i) (i32.const 2))
                (i32.add (local.get $seed) (local.get $i)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $write (i32.lt_u (local.get $i) (i32.const 64))))
        (local.set $i (i32.const 0))
        (loop $read
            (local.set $sum (i32.add (local.get $sum)
                (i32.load (i32.shl (local.get $i) (i32.const 2)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $read (i32.lt_u (local.get $i) (i32.const 64))))
        (local.get $sum)))"#;

/// Eight threads, each instantiating its own instance of one compiled module and calling
/// it thousands of times: every result is right and each memory holds only its own
/// module's writes.
#[test]
fn eight_threads_on_eight_instances_of_one_module() {
    if common::on_every_engine(eight_threads_on_eight_instances_of_one_module) {
        return;
    }
    const THREADS: u32 = 8;
    const CALLS: u32 = 2000;
    let seed = |t: u32, i: u32| (t * 1_000_000 + i) as i32;
    let rt = runtime();
    let rt2 = rt.clone();
    within("the test", move || {
        let compiled = rt2.compile_module(&wasm(FILLER)).unwrap();
        let barrier = Barrier::new(THREADS as usize);
        thread::scope(|s| {
            for t in 0..THREADS {
                let (rt, compiled, barrier) = (&rt2, &compiled, &barrier);
                s.spawn(move || {
                    barrier.wait();
                    let name = format!("worker-{t}");
                    let m = rt
                        .instantiate_module(compiled, ModuleConfig::new().with_name(&name))
                        .unwrap();
                    let fill = typed::<i32, i32>(&m, "fill");
                    let fib_f = typed::<i32, i32>(&m, "fib");
                    let memory = m.memory().unwrap();
                    for i in 0..CALLS {
                        let seed = seed(t, i);
                        let sum = seed.wrapping_mul(64).wrapping_add(2016);
                        assert_eq!(fill.call(seed).unwrap(), sum, "{name}, call {i}");
                        if i % 100 == 0 {
                            let n = 10 + i / 100;
                            assert_eq!(fib_f.call(n as i32).unwrap(), fib(n), "{name}: fib({n})");
                            assert_eq!(memory.read_u32_le(0), Some(seed as u32), "{name}");
                            assert_eq!(memory.read_u32_le(252), Some(seed as u32 + 63), "{name}");
                        }
                    }
                });
            }
        });
    });
    for t in 0..THREADS {
        let m = rt.module(&format!("worker-{t}")).expect("registered");
        let last = seed(t, CALLS - 1) as u32;
        let words = m.memory().unwrap().read(0, 256).unwrap();
        let expected: Vec<u8> = (0..64).flat_map(|i| (last + i).to_le_bytes()).collect();
        assert_eq!(words, expected, "worker-{t}'s memory");
        assert_eq!(m.memory().unwrap().read_u32_le(256), Some(0), "worker-{t}");
        assert_eq!(m.exported_global("calls").unwrap().get(), CALLS as u64);
    }
}

/// Several threads calling the same function of the same module (through one shared
/// `TypedFunction`) are serialised: every call sees all the previous ones.
#[test]
fn same_function_of_same_module_from_several_threads() {
    if common::on_every_engine(same_function_of_same_module_from_several_threads) {
        return;
    }
    const THREADS: usize = 4;
    const CALLS: usize = 2000;
    within("the test", || {
        let rt = runtime();
        let m = instantiate(
            &rt,
            &counter("(memory 1) (global (mut i32) (i32.const 0))", true, true),
            "counter",
        );
        let inc = typed::<(), (i32, i32)>(&m, "inc");
        let worker = instantiate(&rt, WORKER, "worker");
        let fib_f = worker.exported_function("fib").unwrap();
        let barrier = Barrier::new(THREADS);
        let results: Vec<(i32, i32)> = thread::scope(|s| {
            // Also two threads on one `Function` that uses no state.
            for _ in 0..2 {
                let fib_f = &fib_f;
                s.spawn(move || {
                    for n in 0..200u64 {
                        let n = n % 18;
                        assert_eq!(fib_f.call(&[n]).unwrap(), [fib(n as u32) as u64]);
                    }
                });
            }
            let threads: Vec<_> = (0..THREADS)
                .map(|_| {
                    let (inc, barrier) = (&inc, &barrier);
                    s.spawn(move || {
                        barrier.wait();
                        (0..CALLS)
                            .map(|_| inc.call(()).unwrap())
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            threads
                .into_iter()
                .flat_map(|h| h.join().unwrap())
                .collect()
        });
        let mismatched = results.iter().filter(|(m, g)| m != g).count();
        assert_eq!(
            mismatched, 0,
            "calls saw the memory and global counters differ"
        );
        assert_permutation(
            results.iter().map(|r| r.0).collect(),
            THREADS * CALLS,
            "inc",
        );
        assert_eq!(
            m.memory().unwrap().read_u32_le(0),
            Some((THREADS * CALLS) as u32)
        );
    });
}

// ---------------------------------------------------------------------------------------
// Re-entrancy: what a thread inside a call may not do, and close notifiers
// ---------------------------------------------------------------------------------------

/// A host function that calls into another module, instantiates, or closes gets an error
/// (it holds its caller's items and must not wait for others), never a deadlock.
#[test]
fn runtime_api_inside_a_call_is_refused_not_deadlocked() {
    if common::on_every_engine(runtime_api_inside_a_call_is_refused_not_deadlocked) {
        return;
    }
    let rt = runtime();
    let other = instantiate(
        &rt,
        r#"(module (func (export "one") (result i32) i32.const 1))"#,
        "other",
    );
    let errors: std::sync::Arc<Mutex<Vec<String>>> = Default::default();
    let (rt2, seen) = (rt.clone(), errors.clone());
    rt.new_host_module_builder("env")
        .new_function_builder()
        .with_func(move || -> i32 {
            let mut seen = seen.lock().unwrap();
            let one = other.exported_function("one").expect("one");
            seen.push(one.call(&[]).expect_err("a call from a call").to_string());
            let empty = wasm("(module)");
            seen.push(
                rt2.instantiate(&empty)
                    .expect_err("an instantiation")
                    .to_string(),
            );
            seen.push(other.close().expect_err("a close").to_string());
            seen.push(rt2.close().expect_err("the runtime's close").to_string());
            7
        })
        .export("reenter")
        .instantiate()
        .expect("host module");
    let main = instantiate(
        &rt,
        r#"(module (import "env" "reenter" (func $r (result i32)))
             (func (export "run") (result i32) call $r))"#,
        "main",
    );
    let run = typed::<(), i32>(&main, "run");
    assert_eq!(within("run", move || run.call(()).expect("run")), 7);
    let errors = errors.lock().unwrap();
    assert_eq!(errors.len(), 4);
    for e in errors.iter() {
        assert!(e.contains("from inside a call"), "{e}");
    }
    // Nothing was closed; outside the call everything works.
    let other = rt.module("other").expect("still open");
    assert_eq!(
        other.exported_function("one").unwrap().call(&[]).unwrap(),
        vec![1]
    );
}

/// A module closed from inside its own call (`Caller::close_with_exit_code`, as WASI's
/// `proc_exit`) runs its close notifier on the calling thread after the call returned.
#[test]
fn close_notifier_of_a_close_inside_a_call_runs_after_the_call() {
    if common::on_every_engine(close_notifier_of_a_close_inside_a_call_runs_after_the_call) {
        return;
    }
    let rt = runtime();
    let log: std::sync::Arc<Mutex<Vec<String>>> = Default::default();
    let in_host = log.clone();
    rt.new_host_module_builder("env")
        .new_function_builder()
        .with_func(move |mut caller: wasmscope::Caller<'_>| {
            caller.close_with_exit_code(3);
            in_host.lock().unwrap().push("host returned".into());
        })
        .export("exit")
        .instantiate()
        .expect("host module");
    let notified = log.clone();
    let thread = thread::current().id();
    let compiled = rt
        .compile_module(&wasm(
            r#"(module (import "env" "exit" (func $e)) (func (export "run") call $e))"#,
        ))
        .expect("compiles");
    let module = rt
        .instantiate_module(
            &compiled,
            ModuleConfig::new()
                .with_name("m")
                .with_close_notifier(move |code| {
                    assert_eq!(thread::current().id(), thread, "on the closing thread");
                    notified.lock().unwrap().push(format!("notified {code}"));
                }),
        )
        .expect("instantiates");
    let err = module
        .exported_function("run")
        .unwrap()
        .call(&[])
        .expect_err("exits");
    assert_eq!(err.exit_code(), Some(3));
    log.lock().unwrap().push("call returned".into());
    assert_eq!(
        *log.lock().unwrap(),
        vec!["host returned", "notified 3", "call returned"]
    );
}

/// A call that left the module it entered (into an imported function) while that module
/// was closed
/// ends with the close's exit code when it would come back, running none of its code.
#[test]
fn call_coming_back_into_a_closed_module_ends_with_its_exit_code() {
    if common::on_every_engine(call_coming_back_into_a_closed_module_ends_with_its_exit_code) {
        return;
    }
    let rt = runtime();
    let gate = Gate::new(&rt, "gate");
    instantiate(&rt, &blocker("gate"), "b");
    let main = instantiate(
        &rt,
        r#"(module (import "b" "run" (func $wait (result i32)))
             (memory (export "memory") 1)
             (func (export "run") (result i32)
               call $wait
               ;; never runs: the module was closed meanwhile
               (i32.store (i32.const 0) (i32.const 99))))"#,
        "main",
    );
    let run = main.exported_function("run").expect("run");
    let blocked = spawn("the call into b", move || {
        run.call(&[]).map_err(|e| e.exit_code())
    });
    assert!(gate.started(), "`wait` did not start within {TIMEOUT:?}");
    // The call is in `b`: closing `main` does not wait for it.
    let memory = main.memory().expect("memory");
    within("closing main", move || main.close_with_exit_code(9)).expect("closes");
    gate.release();
    assert_eq!(blocked.join(), Err(Some(9)));
    assert_eq!(
        memory.read_u32_le(0),
        Some(0),
        "main ran no code after its close"
    );
}
