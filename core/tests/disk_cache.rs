//! The compilation cache on disk (`CompilationCache::with_dir`): the compiler's machine
//! code written by one cache is read back by another (as by a later process) and runs
//! as freshly compiled code does; damaged, foreign and stale files are ignored and
//! replaced, never trusted.
#![cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use wasmscope::{
    CacheStats, CompilationCache, CompilationMode, ModuleConfig, Runtime, RuntimeConfig,
};

/// A fresh, empty directory under the system's temporary directory.
fn fresh_dir(name: &str) -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "wasmscope-disk-cache-{}-{name}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The cache files in `dir`.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    out.sort();
    out
}

/// Calls into an import, through a table, recursion, memory, growth, floats, and a trap
/// two calls deep: code with relocations (libcalls) of every kind the compiler emits.
const WAT: &str = r#"
(module
  (import "env" "add" (func $add (param i32 i32) (result i32)))
  (memory 1)
  (table 2 funcref)
  (elem (i32.const 0) $fib $twice)
  (type $un (func (param i32) (result i32)))
  (func $fib (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (call $add
        (call $fib (i32.sub (local.get 0) (i32.const 1)))
        (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func $twice (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
  (func (export "fib") (param i32) (result i32) (call $fib (local.get 0)))
  (func (export "indirect") (param i32 i32) (result i32)
    (call_indirect (type $un) (local.get 0) (local.get 1)))
  (func (export "memory") (param i32) (result i32)
    (drop (memory.grow (i32.const 1)))
    (i32.store (i32.const 70000) (local.get 0))
    (i32.add (i32.load (i32.const 70000)) (memory.size)))
  (func (export "float") (param f64) (result f64) (f64.sqrt (f64.ceil (local.get 0))))
  (func $deep (unreachable))
  (func (export "trap") (call $deep))
)
"#;

/// What the module answers, and its trap's message (with the trace), on a runtime
/// configured with `config`.
fn answers(config: RuntimeConfig) -> Vec<String> {
    let wasm = wat::parse_str(WAT).unwrap();
    let rt = Runtime::with_config(config);
    rt.new_host_module_builder("env")
        .new_function_builder()
        .with_func(|a: i32, b: i32| a + b)
        .export("add")
        .instantiate()
        .unwrap();
    let m = rt
        .instantiate_with_config(&wasm, ModuleConfig::new())
        .unwrap();
    let mut out = vec![m
        .typed_function::<i32, i32>("fib")
        .unwrap()
        .call(20)
        .unwrap()
        .to_string()];
    let indirect = m.typed_function::<(i32, i32), i32>("indirect").unwrap();
    out.push(indirect.call((21, 0)).unwrap().to_string());
    out.push(indirect.call((21, 1)).unwrap().to_string());
    out.push(format!(
        "{:?}",
        indirect.call((1, 5)).map_err(|e| e.to_string())
    ));
    out.push(
        m.typed_function::<i32, i32>("memory")
            .unwrap()
            .call(40)
            .unwrap()
            .to_string(),
    );
    out.push(
        m.typed_function::<f64, f64>("float")
            .unwrap()
            .call(15.5)
            .unwrap()
            .to_string(),
    );
    out.push(
        m.typed_function::<(), ()>("trap")
            .unwrap()
            .call(())
            .unwrap_err()
            .to_string(),
    );
    out
}

fn compiler(cache: &CompilationCache) -> RuntimeConfig {
    RuntimeConfig::compiler().with_compilation_cache(cache.clone())
}

fn stats(memory_hits: u64, disk_hits: u64, disk_writes: u64, disk_rejected: u64) -> CacheStats {
    let mut s = CacheStats::default();
    s.memory_hits = memory_hits;
    s.disk_hits = disk_hits;
    s.disk_writes = disk_writes;
    s.disk_rejected = disk_rejected;
    s
}

#[test]
fn machine_code_is_written_once_and_read_back_by_another_cache() {
    let fresh = answers(RuntimeConfig::compiler());
    assert_eq!(fresh[0], "6765");
    assert!(fresh[6].contains("unreachable"), "{}", fresh[6]);
    let dir = fresh_dir("round-trip");

    let first = CompilationCache::with_dir(&dir).unwrap();
    assert_eq!(first.dir(), Some(dir.as_path()));
    assert_eq!(answers(compiler(&first)), fresh);
    assert_eq!(first.stats(), stats(0, 0, 1, 0));
    assert_eq!(files(&dir).len(), 1, "one file per module and options");
    // The same cache answers from memory; the directory is not read again.
    assert_eq!(answers(compiler(&first)), fresh);
    assert_eq!(first.stats(), stats(1, 0, 1, 0));

    // Another cache on the directory (as a later process): read, not compiled.
    let second = CompilationCache::with_dir(&dir).unwrap();
    assert_eq!(answers(compiler(&second)), fresh);
    assert_eq!(second.stats(), stats(0, 1, 0, 0));
    assert_eq!(files(&dir).len(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn damaged_foreign_and_stale_files_are_ignored_and_replaced() {
    let fresh = answers(RuntimeConfig::compiler());
    let dir = fresh_dir("damaged");
    answers(compiler(&CompilationCache::with_dir(&dir).unwrap()));
    let file = files(&dir).pop().unwrap();
    let good = std::fs::read(&file).unwrap();

    // A file written for another module, under this module's name.
    let other_dir = fresh_dir("other");
    let other =
        wat::parse_str(r#"(module (func (export "f") (result i32) (i32.const 7)))"#).unwrap();
    Runtime::with_config(compiler(&CompilationCache::with_dir(&other_dir).unwrap()))
        .compile_module(&other)
        .unwrap();
    let foreign = std::fs::read(files(&other_dir).pop().unwrap()).unwrap();
    std::fs::remove_dir_all(&other_dir).unwrap();

    let mut flipped_code = good.clone();
    let middle = good.len() - good.len() / 3;
    flipped_code[middle] ^= 0x40;
    let mut flipped_key = good.clone();
    flipped_key[20] ^= 1;
    let damaged: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("truncated", good[..good.len() / 2].to_vec()),
        ("one byte of code changed", flipped_code),
        ("key changed", flipped_key),
        (
            "garbage",
            (0..5000u32).map(|i| (i * 7919 % 251) as u8).collect(),
        ),
        ("another module's", foreign),
        ("longer", [good.as_slice(), b"!"].concat()),
    ];
    for (what, bytes) in damaged {
        std::fs::write(&file, &bytes).unwrap();
        let cache = CompilationCache::with_dir(&dir).unwrap();
        assert_eq!(answers(compiler(&cache)), fresh, "{what}");
        assert_eq!(cache.stats(), stats(0, 0, 1, 1), "{what}");
        // Replaced by a good file: the next cache reads it.
        let next = CompilationCache::with_dir(&dir).unwrap();
        assert_eq!(answers(compiler(&next)), fresh, "{what}");
        assert_eq!(next.stats(), stats(0, 1, 0, 0), "{what}");
        assert_eq!(files(&dir), vec![file.clone()], "{what}: no stray files");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn options_that_change_code_have_files_of_their_own() {
    let dir = fresh_dir("options");
    let cache = CompilationCache::with_dir(&dir).unwrap();
    let wasm = wat::parse_str(WAT).unwrap();
    let fuel = |c: &CompilationCache| compiler(c).with_fuel(1_000_000);
    answers(compiler(&cache));
    answers(fuel(&cache));
    answers(compiler(&cache).with_close_on_deadline(true));
    assert_eq!(files(&dir).len(), 3);
    assert_eq!(cache.stats().disk_writes, 3);
    // Each is found again by its own options.
    let again = CompilationCache::with_dir(&dir).unwrap();
    Runtime::with_config(fuel(&again))
        .compile_module(&wasm)
        .unwrap();
    Runtime::with_config(compiler(&again))
        .compile_module(&wasm)
        .unwrap();
    assert_eq!(again.stats(), stats(0, 2, 0, 0));
    // Eager and lazy translation make the same code: one file serves both.
    let eager = CompilationCache::with_dir(&dir).unwrap();
    Runtime::with_config(compiler(&eager).with_compilation_mode(CompilationMode::Eager))
        .compile_module(&wasm)
        .unwrap();
    assert_eq!(eager.stats(), stats(0, 1, 0, 0));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn nothing_goes_to_disk_for_the_interpreter_or_unvalidated_modules() {
    let dir = fresh_dir("none");
    let cache = CompilationCache::with_dir(&dir).unwrap();
    let fresh = answers(RuntimeConfig::interpreter());
    assert_eq!(
        answers(RuntimeConfig::interpreter().with_compilation_cache(cache.clone())),
        fresh
    );
    assert_eq!(
        answers(compiler(&cache).with_compilation_mode(CompilationMode::Lazy)),
        fresh
    );
    assert!(files(&dir).is_empty());
    assert_eq!(cache.stats(), stats(0, 0, 0, 0));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_directory_that_cannot_be_one_is_an_error() {
    let dir = fresh_dir("not-a-dir");
    let file = dir.join("file");
    std::fs::write(&file, b"x").unwrap();
    let err = CompilationCache::with_dir(&file).unwrap_err().to_string();
    assert!(err.contains("compilation cache directory"), "{err}");
    let err = CompilationCache::with_dir(file.join("below"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("compilation cache directory"), "{err}");
    // A directory that does not exist yet is made.
    let made = dir.join("a/b");
    CompilationCache::with_dir(&made).unwrap();
    assert!(made.is_dir());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn caches_writing_one_directory_at_once_leave_a_good_file() {
    let fresh = answers(RuntimeConfig::compiler());
    let dir = fresh_dir("race");
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                let cache = CompilationCache::with_dir(&dir).unwrap();
                assert_eq!(answers(compiler(&cache)), fresh);
            });
        }
    });
    assert_eq!(files(&dir).len(), 1);
    let next = CompilationCache::with_dir(&dir).unwrap();
    assert_eq!(answers(compiler(&next)), fresh);
    assert_eq!(next.stats(), stats(0, 1, 0, 0));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Real programs: the benchmark workloads (Rust, with SIMD) from disk give their
/// native checksums.
#[test]
fn real_programs_run_from_disk() {
    let bench = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../samples/bench");
    let expected = std::fs::read_to_string(bench.join("expected.txt")).unwrap();
    let dir = fresh_dir("bench");
    let mut seen = std::collections::HashSet::new();
    for line in expected.lines().filter(|l| !l.trim().is_empty()) {
        let p: Vec<&str> = line.split_whitespace().collect();
        if !seen.insert(p[0].to_string()) {
            continue;
        }
        let (n, sum): (i32, i64) = (p[1].parse().unwrap(), p[2].parse().unwrap());
        let wasm = std::fs::read(bench.join(format!("{}.wasm", p[0]))).unwrap();
        for round in 0..2 {
            let cache = CompilationCache::with_dir(&dir).unwrap();
            let rt = Runtime::with_config(compiler(&cache));
            let m = rt
                .instantiate_with_config(&wasm, ModuleConfig::new())
                .unwrap();
            let run = m.typed_function::<i32, i64>("run").unwrap();
            assert_eq!(run.call(n).unwrap(), sum, "{} round {round}", p[0]);
            let expected = if round == 0 {
                stats(0, 0, 1, 0)
            } else {
                stats(0, 1, 0, 0)
            };
            assert_eq!(cache.stats(), expected, "{} round {round}", p[0]);
        }
    }
    assert_eq!(files(&dir).len(), seen.len());
    std::fs::remove_dir_all(&dir).unwrap();
}
