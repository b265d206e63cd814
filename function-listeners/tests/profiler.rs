//! The profiler counts calls exactly, splits self from total time without counting
//! recursion twice, and writes folded stacks.

use std::sync::Arc;
use std::time::Duration;

use wasmscope::{Error, Runtime, RuntimeConfig};
use wasmscope_listeners::profiler::{FunctionProfile, Profiler};

/// `main` calls `leaf` twice (each calls `env.tick`) and `fac(3)`, which recurses down to
/// `fac(0)`, which naps.
const APP: &str = r#"(module $app
  (import "env" "tick" (func $tick))
  (import "env" "nap" (func $nap))
  (import "env" "exit" (func $exit))
  (func $leaf call $tick)
  (func $fac (param $n i32) (result i32)
    local.get $n i32.eqz
    if (result i32) call $nap i32.const 1
    else local.get $n local.get $n i32.const 1 i32.sub call $fac i32.mul end)
  (func $main (export "main")
    call $leaf call $leaf
    i32.const 3 call $fac drop)
  (func $div (param i32) (result i32) i32.const 1 local.get 0 i32.div_u)
  (func $boom (export "boom") i32.const 0 call $div drop)
  (func $quit (export "quit") call $leaf call $exit))"#;

const NAP: Duration = Duration::from_millis(5);

fn setup() -> (wasmscope::Module, Profiler) {
    let profiler = Profiler::new();
    let rt = Runtime::with_config(
        RuntimeConfig::interpreter().with_function_listener_factory(Arc::new(profiler.clone())),
    );
    rt.new_host_module_builder("env")
        .new_function_builder()
        .with_func(|| {})
        .export("tick")
        .new_function_builder()
        .with_func(|| std::thread::sleep(NAP))
        .export("nap")
        .new_function_builder()
        .with_func(|| -> wasmscope::Result<()> { Err(Error::exit(3)) })
        .export("exit")
        .instantiate()
        .unwrap();
    let m = rt.instantiate(&wat::parse_str(APP).unwrap()).unwrap();
    (m, profiler)
}

fn by_name(profiler: &Profiler, name: &str) -> FunctionProfile {
    profiler
        .functions()
        .into_iter()
        .find(|f| f.function == name)
        .unwrap_or_else(|| panic!("no {name} in {:?}", profiler.functions()))
}

/// The folded text with every time replaced by `N`, after checking that each line is
/// `stack digits`.
fn folded_shape(profiler: &Profiler) -> String {
    profiler
        .folded()
        .lines()
        .map(|line| {
            let (stack, micros) = line.rsplit_once(' ').expect(line);
            assert!(
                !micros.is_empty() && micros.chars().all(|c| c.is_ascii_digit()),
                "{line}"
            );
            assert!(!stack.is_empty() && !stack.contains(' '), "{line}");
            format!("{stack} N\n")
        })
        .collect()
}

#[test]
fn counts_are_exact() {
    let (m, profiler) = setup();
    let main = m.exported_function("main").unwrap();
    main.call(&[]).unwrap();
    main.call(&[]).unwrap();
    let mut counts: Vec<(String, u64)> = profiler
        .functions()
        .into_iter()
        .map(|f| (f.function, f.calls))
        .collect();
    counts.sort();
    let want: Vec<(String, u64)> = [
        ("app.fac", 8),
        ("app.leaf", 4),
        ("app.main", 2),
        ("env.nap", 2),
        ("env.tick", 4),
    ]
    .iter()
    .map(|(n, c)| (n.to_string(), *c))
    .collect();
    assert_eq!(counts, want);
    assert_eq!(profiler.open_calls(), 0);
}

#[test]
fn folded_stacks_have_one_line_per_distinct_stack() {
    let (m, profiler) = setup();
    let main = m.exported_function("main").unwrap();
    main.call(&[]).unwrap();
    main.call(&[]).unwrap();
    assert_eq!(
        folded_shape(&profiler),
        "app.main N\n\
         app.main;app.fac N\n\
         app.main;app.fac;app.fac N\n\
         app.main;app.fac;app.fac;app.fac N\n\
         app.main;app.fac;app.fac;app.fac;app.fac N\n\
         app.main;app.fac;app.fac;app.fac;app.fac;env.nap N\n\
         app.main;app.leaf N\n\
         app.main;app.leaf;env.tick N\n"
    );
    // The naps (2 runs x 5 ms) are the innermost stack's self time.
    let stacks = profiler.stacks();
    let nap = stacks.iter().find(|(s, _)| s.ends_with("env.nap")).unwrap();
    assert!(nap.1 >= 2 * NAP, "{:?}", nap.1);
    let line = profiler
        .folded()
        .lines()
        .find(|l| l.contains("env.nap"))
        .unwrap()
        .to_string();
    let micros: u128 = line.rsplit_once(' ').unwrap().1.parse().unwrap();
    assert_eq!(micros, nap.1.as_micros());
    assert!(micros >= 10_000, "{line}");
}

#[test]
fn self_time_is_within_total_and_recursion_is_counted_once() {
    let (m, profiler) = setup();
    m.exported_function("main").unwrap().call(&[]).unwrap();
    let functions = profiler.functions();
    for f in &functions {
        assert!(f.self_time <= f.total_time, "{f:?}");
    }
    let (main, fac, nap) = (
        by_name(&profiler, "app.main"),
        by_name(&profiler, "app.fac"),
        by_name(&profiler, "env.nap"),
    );
    // fac's four nested calls all include the nap: counting each would give 4 naps,
    // more than main's one.
    assert!(fac.total_time >= NAP, "{fac:?}");
    assert!(fac.total_time >= nap.total_time, "{fac:?} {nap:?}");
    assert!(fac.total_time <= main.total_time, "{fac:?} vs {main:?}");
    // Self times partition the outermost call's time exactly.
    let self_sum: Duration = functions.iter().map(|f| f.self_time).sum();
    assert_eq!(self_sum, main.total_time);
    // Sorted by self time: the nap first.
    assert_eq!(functions[0].function, "env.nap");
}

#[test]
fn a_trap_and_an_exit_close_every_open_frame() {
    let (m, profiler) = setup();
    assert!(m.exported_function("boom").unwrap().call(&[]).is_err());
    let err = m.exported_function("quit").unwrap().call(&[]).unwrap_err();
    assert_eq!(err.exit_code(), Some(3));
    assert_eq!(profiler.open_calls(), 0);
    assert_eq!(
        folded_shape(&profiler),
        "app.boom N\n\
         app.boom;app.div N\n\
         app.quit N\n\
         app.quit;app.leaf N\n\
         app.quit;app.leaf;env.tick N\n\
         app.quit;env.exit N\n"
    );
    for name in ["app.boom", "app.div", "app.quit", "env.exit"] {
        assert_eq!(by_name(&profiler, name).calls, 1, "{name}");
    }
}

#[test]
fn the_table_lists_every_called_function() {
    let (m, profiler) = setup();
    m.exported_function("main").unwrap().call(&[]).unwrap();
    let table = profiler.table();
    let mut lines = table.lines();
    assert_eq!(
        lines.next().unwrap().split_whitespace().collect::<Vec<_>>(),
        ["calls", "self_us", "total_us", "function"]
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[0][0], "1");
    assert_eq!(rows[0][3], "env.nap");
    let fac = rows.iter().find(|r| r[3] == "app.fac").unwrap();
    assert_eq!(fac[0], "4");
    for r in &rows {
        let (s, t): (u128, u128) = (r[1].parse().unwrap(), r[2].parse().unwrap());
        assert!(s <= t, "{r:?}");
    }
}

#[test]
fn names_demangle_on_request() {
    let wasm = wat::parse_str(
        r#"(module $app
          (func $_ZN3app4leaf17h0123456789abcdefE)
          (func $_ZN3app4leaf17hfedcba9876543210E)
          (func $_ZN3app4main17h0123456789abcdefE (export "main")
            call $_ZN3app4leaf17h0123456789abcdefE
            call $_ZN3app4leaf17hfedcba9876543210E))"#,
    )
    .unwrap();
    let run = |profiler: Profiler| {
        let rt = Runtime::with_config(
            RuntimeConfig::interpreter().with_function_listener_factory(Arc::new(profiler.clone())),
        );
        let m = rt.instantiate(&wasm).unwrap();
        m.exported_function("main").unwrap().call(&[]).unwrap();
        folded_shape(&profiler)
    };
    assert_eq!(
        run(Profiler::new()),
        "app._ZN3app4main17h0123456789abcdefE N\n\
         app._ZN3app4main17h0123456789abcdefE;app._ZN3app4leaf17h0123456789abcdefE N\n\
         app._ZN3app4main17h0123456789abcdefE;app._ZN3app4leaf17hfedcba9876543210E N\n"
    );
    // Two functions that demangle alike count as one.
    let profiler = Profiler::new().with_demangled_names(true);
    assert_eq!(
        run(profiler.clone()),
        "app.app::main N\napp.app::main;app.app::leaf N\n"
    );
    assert_eq!(by_name(&profiler, "app.app::leaf").calls, 2);
}
