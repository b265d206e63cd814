//! Traps by signal (the compiler on Linux x86-64, `compiler::signals`): compiled code
//! that traps faults, and a signal handler turns the fault into the call's trap. Every
//! kind of trap gives what the interpreter gives (message, trace, the out-of-bounds
//! access), the thread goes on running code afterwards, several threads trap at once,
//! and code read back from a disk cache traps the same. The same checks run once more in
//! a child process with `WASMSCOPE_EXPLICIT_TRAPS=1` (explicit checks: the other way
//! the compiler takes traps).

use std::sync::Arc;

use wasmscope::{
    CompilationCache, EngineKind, Error, MemoryAccess, Module, ModuleConfig, Runtime, RuntimeConfig,
};

/// Whether this platform has the compiler.
fn compiles() -> bool {
    RuntimeConfig::compiler().engine() == EngineKind::Compiler
}

const TRAPS: &str = r#"(module
  (memory 1 3)
  (table 2 funcref)
  (type $v (func))
  (type $i (func (param i32) (result i32)))
  (elem (i32.const 0) $nop)
  (func $nop)
  (func $load32 (param i32) (result i32) (i32.load offset=8 (local.get 0)))
  (func $deep (param i32) (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (call $load32 (local.get 1)))
      (else (i32.add (i32.const 1)
        (call $deep (i32.sub (local.get 0) (i32.const 1)) (local.get 1))))))
  (func (export "load32") (param i32) (result i32) (call $load32 (local.get 0)))
  (func (export "deep") (param i32 i32) (result i32) (call $deep (local.get 0) (local.get 1)))
  (func (export "load8") (param i32) (result i64) (i64.load8_u (local.get 0)))
  (func (export "load16") (param i32) (result i32) (i32.load16_s offset=3 (local.get 0)))
  (func (export "load64") (param i32) (result i64) (i64.load (local.get 0)))
  (func (export "far") (param i32) (result i32) (i32.load offset=0x7fffffff (local.get 0)))
  (func (export "far_store") (param i32)
    (i64.store offset=0x7ffffffc (local.get 0) (i64.const 1)))
  (func (export "farther") (param i32) (result i32) (i32.load8_u offset=0x80000000 (local.get 0)))
  (func (export "v128") (param i32) (result i32)
    (i32x4.extract_lane 1 (v128.load (local.get 0))))
  (func (export "splat") (param i32) (result i32)
    (i32x4.extract_lane 3 (v128.load32_splat (local.get 0))))
  (func (export "store16") (param i32) (i32.store16 (local.get 0) (i32.const 7)))
  (func (export "lane") (param i32) (v128.store64_lane 1 (local.get 0) (v128.const i64x2 1 2)))
  (func (export "grow_then_load") (param i32) (result i32)
    (drop (memory.grow (i32.const 1)))
    (i32.load (local.get 0)))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "rem") (param i64 i64) (result i64) (i64.rem_u (local.get 0) (local.get 1)))
  (func (export "trunc") (param f64) (result i32) (i32.trunc_f64_s (local.get 0)))
  (func (export "unreachable") (call $nop) (unreachable))
  (func (export "indirect") (param i32) (call_indirect (type $v) (local.get 0)))
  (func (export "indirect_type") (param i32) (result i32)
    (call_indirect (type $i) (i32.const 1) (local.get 0)))
  (func (export "table_get") (param i32) (result funcref) (table.get (local.get 0)))
  (func $forever (param i32) (result i32)
    (i32.add (call $forever (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (func (export "forever") (result i32) (call $forever (i32.const 0)))
)"#;

/// The calls of `TRAPS`: each name, and its arguments.
const CALLS: &[(&str, &[u64])] = &[
    ("load32", &[8]),
    ("load32", &[65528]),
    ("load32", &[65527]),
    ("load32", &[0xffff_fffc]),
    ("deep", &[5, 70000]),
    ("deep", &[300, 65529]),
    ("deep", &[3, 16]),
    ("load8", &[65535]),
    ("load8", &[65536]),
    ("load16", &[65531]),
    ("load16", &[65532]),
    ("load64", &[65529]),
    ("load64", &[65528]),
    ("far", &[0]),
    ("far", &[0xffff_ffff]),
    ("far", &[0x8000_fff8]),
    ("far", &[0x8000_fffd]),
    ("far_store", &[0x8000_fffc]),
    ("far_store", &[0x8000_fffd]),
    ("far_store", &[0xffff_ffff]),
    ("farther", &[0x7fff_ffff]),
    ("farther", &[0xffff_ffff]),
    ("v128", &[65520]),
    ("v128", &[65521]),
    ("splat", &[65533]),
    ("store16", &[65535]),
    ("lane", &[65529]),
    ("grow_then_load", &[70000]),
    ("grow_then_load", &[0xffff_0000]),
    ("div", &[7, 0]),
    ("div", &[0x8000_0000, 0xffff_ffff]),
    ("div", &[-7i32 as u32 as u64, 2]),
    ("rem", &[7, 0]),
    ("trunc", &[f64::NAN.to_bits()]),
    ("trunc", &[3e10f64.to_bits()]),
    ("trunc", &[(-2.5f64).to_bits()]),
    ("unreachable", &[]),
    ("indirect", &[1]),
    ("indirect", &[5]),
    ("indirect_type", &[0]),
    ("table_get", &[9]),
    ("forever", &[]),
];

/// The shell says the address space is not limited (else memories get no guard pages).
fn unlimited_address_space() -> bool {
    std::process::Command::new("sh")
        .args(["-c", "ulimit -v"])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "unlimited")
}

/// What a call gave: its results, or its error's message (with the trace) and
/// out-of-bounds access.
#[derive(Debug, PartialEq)]
enum Outcome {
    Results(Vec<u64>),
    Trap(String, Option<MemoryAccess>),
}

fn outcome(r: Result<Vec<u64>, Error>) -> Outcome {
    match r {
        // (A funcref result is a handle: only whether it is null compares.)
        Ok(v) => Outcome::Results(v.into_iter().map(|x| x.min(1)).collect()),
        Err(e) => Outcome::Trap(format!("{e}"), e.memory_access()),
    }
}

fn instantiate(config: RuntimeConfig) -> (Runtime, Module) {
    let rt = Runtime::with_config(config);
    let m = rt
        .instantiate_with_config(&wat::parse_str(TRAPS).unwrap(), ModuleConfig::new())
        .unwrap();
    (rt, m)
}

/// Every call of `CALLS` on a new instance each (memory growth stays with its call).
fn outcomes(config: &RuntimeConfig) -> Vec<Outcome> {
    CALLS
        .iter()
        .map(|(name, args)| {
            let (_rt, m) = instantiate(config.clone());
            outcome(m.exported_function(name).unwrap().call(args))
        })
        .collect()
}

#[test]
fn traps_agree_with_the_interpreter() {
    println!("traps by signal: {}", wasmscope::compiler_traps_by_signal());
    if !compiles() {
        return;
    }
    if cfg!(all(target_os = "linux", target_arch = "x86_64"))
        && std::env::var_os("WASMSCOPE_EXPLICIT_TRAPS").is_none()
        && std::env::var_os("SIGNAL_TRAPS_LIMITED").is_none()
        && unlimited_address_space()
    {
        assert!(
            wasmscope::compiler_traps_by_signal(),
            "the platform has them"
        );
    }
    let want = outcomes(&RuntimeConfig::interpreter());
    let compiled = outcomes(&RuntimeConfig::compiler());
    let tiered = outcomes(&RuntimeConfig::compiler().with_tiering(1));
    for (i, (name, args)) in CALLS.iter().enumerate() {
        assert_eq!(compiled[i], want[i], "compiler: {name}{args:?}");
        assert_eq!(tiered[i], want[i], "tiered: {name}{args:?}");
    }
    // The checks are real: most of the calls trap, some with the access.
    let traps = want
        .iter()
        .filter(|o| matches!(o, Outcome::Trap(..)))
        .count();
    let accesses = (want.iter())
        .filter(|o| matches!(o, Outcome::Trap(_, Some(_))))
        .count();
    assert!(
        traps >= 24 && accesses >= 12,
        "{traps} traps, {accesses} accesses"
    );
}

#[test]
fn a_trapped_instance_and_thread_go_on() {
    if !compiles() {
        return;
    }
    let (_rt, m) = instantiate(RuntimeConfig::compiler());
    let deep = m.exported_function("deep").unwrap();
    let div = m.exported_function("div").unwrap();
    for i in 0..200u64 {
        // Recursion 0..50 deep, trapping at the bottom, then a call that works.
        let e = deep.call(&[i % 50, 70000]).unwrap_err();
        assert_eq!(e.trace().len(), (i % 50) as usize + 3, "{e}");
        assert_eq!(e.memory_access().unwrap().address, 70008);
        assert_eq!(deep.call(&[i % 50, 16]).unwrap(), [i % 50]);
        assert!(div.call(&[1, 0]).is_err());
        assert_eq!(
            div.call(&[-9i32 as u32 as u64, 3]).unwrap(),
            [-3i32 as u32 as u64]
        );
    }
}

#[test]
fn threads_trap_at_once() {
    if !compiles() {
        return;
    }
    let (_rt, m) = instantiate(RuntimeConfig::compiler());
    let m = Arc::new(m);
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let m = m.clone();
            std::thread::spawn(move || {
                let deep = m.exported_function("deep").unwrap();
                let trunc = m.exported_function("trunc").unwrap();
                for i in 0..300u64 {
                    let depth = (i + t) % 20;
                    let e = deep.call(&[depth, 65536 + t * 8]).unwrap_err();
                    assert_eq!(e.memory_access().unwrap().address, 65544 + t * 8);
                    assert_eq!(e.trace().len(), depth as usize + 3);
                    let e = trunc.call(&[f64::NAN.to_bits()]).unwrap_err();
                    assert!(format!("{e}").contains("invalid conversion"), "{e}");
                    assert_eq!(deep.call(&[depth, 0]).unwrap(), [depth]);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

/// A trap in an imported function of another module: the inner call traps by signal
/// inside the outer one (compiled code entered from a libcall of compiled code), and the
/// trace has both modules' frames.
#[test]
fn a_trap_in_an_imported_function() {
    if !compiles() {
        return;
    }
    let run = |config: RuntimeConfig| {
        let rt = Runtime::with_config(config);
        rt.instantiate_with_config(
            &wat::parse_str(TRAPS).unwrap(),
            ModuleConfig::new().with_name("inner"),
        )
        .unwrap();
        let outer = rt
            .instantiate_with_config(
                &wat::parse_str(
                    r#"(module
                  (import "inner" "deep" (func $deep (param i32 i32) (result i32)))
                  (func $f (param i32) (result i32) (call $deep (i32.const 4) (local.get 0)))
                  (func (export "f") (param i32) (result i32)
                    (i32.add (call $f (local.get 0)) (i32.const 1))))"#,
                )
                .unwrap(),
                ModuleConfig::new().with_name("outer"),
            )
            .unwrap();
        let f = outer.exported_function("f").unwrap();
        vec![
            outcome(f.call(&[0])),
            outcome(f.call(&[65530])),
            outcome(f.call(&[4])),
        ]
    };
    let want = run(RuntimeConfig::interpreter());
    match &want[1] {
        Outcome::Trap(message, Some(_)) => {
            assert!(
                message.contains("outer.f(") && message.contains("inner.load32("),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(run(RuntimeConfig::compiler()), want);
}

/// Code read back from a disk cache keeps its trap sites.
#[test]
fn cached_code_traps_the_same() {
    if !compiles() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("wasmscope-signal-traps-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let run = || {
        let cache = CompilationCache::with_dir(&dir).unwrap();
        let config = RuntimeConfig::compiler().with_compilation_cache(cache.clone());
        let got = outcomes(&config);
        (got, cache.stats())
    };
    let (first, _) = run();
    let (second, stats) = run();
    assert!(stats.disk_hits > 0, "read from the disk: {stats:?}");
    assert_eq!(second, first);
    assert_eq!(first, outcomes(&RuntimeConfig::interpreter()));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The explicit checks (the other way the compiler takes traps; also the only one on
/// other platforms and for code compiled for listeners) agree too: the same test in a
/// child process with `WASMSCOPE_EXPLICIT_TRAPS=1`.
#[test]
fn explicit_checks_agree_too() {
    if !compiles() {
        return;
    }
    let mut child = std::process::Command::new(std::env::current_exe().unwrap());
    child
        .args(["--exact", "traps_agree_with_the_interpreter", "--nocapture"])
        .env("WASMSCOPE_EXPLICIT_TRAPS", "1");
    agrees_with_explicit_checks(child);
}

/// Runs `child` (`traps_agree_with_the_interpreter` in a child process): it passes, with
/// explicit checks.
fn agrees_with_explicit_checks(mut child: std::process::Command) {
    let out = child.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("traps by signal: false"), "{stdout}");
    assert!(stdout.contains("1 passed"), "{stdout}");
}

/// Faults that are not compiled code's go to the handler installed before ours: Rust's
/// stack overflow report still ends a process that overflows its stack, after compiled
/// code trapped (the handler installed). A child process overflows; this test reads
/// its report.
#[test]
fn other_faults_reach_the_previous_handler() {
    if !compiles() {
        return;
    }
    if std::env::var_os("SIGNAL_TRAPS_OVERFLOW").is_some() {
        let (_rt, m) = instantiate(RuntimeConfig::compiler());
        assert!(m.exported_function("div").unwrap().call(&[1, 0]).is_err());
        println!("trapped; now overflowing");
        fn down(n: u64) -> u64 {
            let pad = std::hint::black_box([n; 64]);
            match pad[3] {
                u64::MAX => 0,
                n => down(n + 1) + pad[5],
            }
        }
        println!("{}", down(0));
        return;
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "other_faults_reach_the_previous_handler",
            "--nocapture",
        ])
        .env("SIGNAL_TRAPS_OVERFLOW", "1")
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(!out.status.success());
    assert!(stdout.contains("now overflowing"), "{stdout}{stderr}");
    assert!(
        stderr.contains("has overflowed its stack"),
        "{stdout}{stderr}"
    );
}

/// Traps libcalls raise (a host function's error, an exception nothing catches, an
/// interpreted callee's trap under tiering) unwind every compiled frame by signal in a
/// module where no function catches, and by the trap flag in one that has a handler:
/// the same errors and traces as the interpreter either way.
#[test]
fn libcalls_traps_unwind_by_signal_or_flag() {
    if !compiles() {
        return;
    }
    const RECURSE: &str = r#"
      (import "host" "fail" (func $fail (param i32) (result i32)))
      (tag $t (param i32))
      (func $down (param i32) (result i32)
        (if (result i32) (i32.eqz (local.get 0))
          (then (call $fail (i32.const 3)))
          (else (i32.add (i32.const 1) (call $down (i32.sub (local.get 0) (i32.const 1)))))))
      (func $throw_down (param i32) (result i32)
        (if (result i32) (i32.eqz (local.get 0))
          (then (throw $t (i32.const 9)))
          (else (i32.add (i32.const 1)
            (call $throw_down (i32.sub (local.get 0) (i32.const 1)))))))
      (func (export "host") (param i32) (result i32) (call $down (local.get 0)))
      (func (export "throw") (param i32) (result i32) (call $throw_down (local.get 0)))"#;
    let catching = format!(
        r#"(module {RECURSE}
      (func (export "caught") (param i32) (result i32)
        (block $h (result i32)
          (try_table (result i32) (catch $t $h) (call $throw_down (local.get 0))))))"#
    );
    let plain = format!("(module {RECURSE})");
    let run = |config: RuntimeConfig, wat: &str| {
        let rt = Runtime::with_config(config);
        rt.new_host_module_builder("host")
            .new_function_builder()
            .with_func(|x: i32| -> wasmscope::Result<i32> {
                Err(Error::new(format!("host says no to {x}")))
            })
            .export("fail")
            .instantiate()
            .unwrap();
        let m = rt
            .instantiate_with_config(&wat::parse_str(wat).unwrap(), ModuleConfig::new())
            .unwrap();
        let mut out = Vec::new();
        for depth in [0u64, 1, 40] {
            out.push(outcome(m.exported_function("host").unwrap().call(&[depth])));
            out.push(outcome(
                m.exported_function("throw").unwrap().call(&[depth]),
            ));
            if let Some(caught) = m.exported_function("caught") {
                out.push(outcome(caught.call(&[depth])));
            }
        }
        out
    };
    for wat in [&plain, &catching] {
        let want = run(RuntimeConfig::interpreter(), wat);
        assert!(matches!(&want[0], Outcome::Trap(m, None) if m.contains("host says no")));
        assert_eq!(run(RuntimeConfig::compiler(), wat), want, "{wat}");
        assert_eq!(
            run(RuntimeConfig::compiler().with_tiering(2), wat),
            want,
            "{wat}"
        );
    }
}

/// Where the address space is limited (`ulimit -v`), memories get no guard pages (8
/// GiB each would not fit) and compiled code checks explicitly: the same results.
#[test]
fn a_limited_address_space_checks_explicitly() {
    if !compiles() || !cfg!(target_os = "linux") {
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let mut child = std::process::Command::new("sh");
    child
        .arg("-c")
        .arg(format!(
            "ulimit -v 16000000 && exec '{}' --exact traps_agree_with_the_interpreter --nocapture",
            exe.display()
        ))
        .env_remove("WASMSCOPE_EXPLICIT_TRAPS")
        .env("SIGNAL_TRAPS_LIMITED", "1");
    agrees_with_explicit_checks(child);
}
