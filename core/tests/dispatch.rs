//! The interpreter's fast path (`core/src/interp/hot.rs`): long runs through its handlers,
//! calls and returns. In an optimised build (tests here are built with opt-level 2) each
//! handler tail-calls the next one; a handler for which that call did not become a jump
//! would take native stack per instruction, and these runs (tens of millions of
//! instructions on a test thread's 2 MiB stack) would overflow it. Results are checked
//! against the compiler engine, and against wasmi for short runs: wasmi 2.0 dispatches the
//! same way, and in this workspace's test builds (its debug assertions on) its handlers'
//! calls do not become jumps, so it needs a large stack even for those.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use wasmscope::listener::{CallContext, FunctionListener, FunctionListenerFactory, StackIterator};
use wasmscope::{FunctionDefinition, Runtime, RuntimeConfig};

/// A loop over most kinds of fast-path instruction: integer and float arithmetic,
/// comparisons and compare-and-branch, conversions, `select`, loads and stores of every
/// width, `br_table`, globals, and calls (direct and through a table) and returns of small
/// functions.
const LOOPS: &str = r#"
(module
  (memory 1)
  (func $mix (param i64 i64) (result i64)
    (i64.xor (i64.mul (local.get 0) (i64.const 6364136223846793005)) (local.get 1)))
  (func $fib (export "fib") (param i32) (result i64)
    (if (result i64) (i32.lt_u (local.get 0) (i32.const 2))
      (then (i64.extend_i32_u (local.get 0)))
      (else (i64.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func $depth (export "depth") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (call $depth (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))))
  ;; Rotates by constants, in a frame on a shadow stack (as compilers make them: a
  ;; stack pointer in a global) and counted in another global; a call with no result;
  ;; one with a v128 result.
  (global $sp (mut i32) (i32.const 65536))
  (global $rots (mut i64) (i64.const 0))
  (func $rot (param i32) (result i32) (local $fp i32)
    (global.set $sp (local.tee $fp (i32.sub (global.get $sp) (i32.const 16))))
    (i32.store (local.get $fp) (local.get 0))
    (global.set $rots (i64.add (global.get $rots) (i64.const 1)))
    (global.set $sp (i32.add (local.get $fp) (i32.const 16)))
    ;; (Below the frame, read without a frame: `global.get` and a subtraction.)
    (i32.store (i32.sub (global.get $sp) (i32.const 32)) (local.get 0))
    (i32.xor (i32.rotl (i32.load (i32.sub (global.get $sp) (i32.const 32))) (i32.const 5))
             (i32.rotr (local.get 0) (i32.const 11))))
  (func $sink (param i32) (i32.store offset=12288 (i32.const 0) (local.get 0)))
  ;; Calls through a table.
  (type $unary (func (param i32) (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $rot $half)
  (func $half (param i32) (result i32) (i32.shr_u (local.get 0) (i32.const 1)))
  (func $twice (param v128) (result v128) (i8x16.add (local.get 0) (local.get 0)))
  (func (export "loops") (param $n i32) (result i64)
    (local $i i32) (local $acc i64) (local $f f64) (local $g f32) (local $a i32)
    (local.set $f (f64.const 1.5))
    (local.set $g (f32.const 0.25))
    (block $done
      (loop $top
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        ;; address in the first 4 KiB, 8-byte aligned
        (local.set $a (i32.shl (i32.and (local.get $i) (i32.const 511)) (i32.const 3)))
        (i64.store (local.get $a) (i64.add (i64.load (local.get $a)) (local.get $acc)))
        (i32.store8 offset=4096 (i32.and (local.get $i) (i32.const 4095)) (local.get $i))
        (i32.store16 offset=8192 (local.get $a) (local.get $i))
        (local.set $acc
          (i64.add (local.get $acc)
            (i64.add (i64.load8_s offset=4096 (i32.and (local.get $i) (i32.const 4095)))
                     (i64.load16_u offset=8192 (local.get $a)))))
        (local.set $f (f64.add (f64.mul (local.get $f) (f64.const 1.0000001))
                               (f64.convert_i32_u (i32.rem_u (local.get $i) (i32.const 7)))))
        (local.set $g (f32.sub (f32.sqrt (f32.add (local.get $g) (f32.const 2.0))) (f32.const 0.5)))
        (local.set $acc (call $mix (local.get $acc)
          (i64.add (i64.trunc_sat_f64_s (local.get $f))
                   (i64.extend_i32_s (i32.trunc_f32_s (f32.mul (local.get $g) (f32.const 1000)))))))
        (block $b2 (block $b1 (block $b0
          (br_table $b0 $b1 $b2 (i32.rem_u (local.get $i) (i32.const 3))))
          (local.set $acc (i64.rotl (local.get $acc) (i64.const 7))) (br $b2))
          (local.set $acc (select (i64.sub (local.get $acc) (i64.const 1)) (local.get $acc)
                                  (i32.and (local.get $i) (i32.const 1)))))
        (if (f64.gt (local.get $f) (f64.const 1e6)) (then (local.set $f (f64.const 1.5))))
        (call $sink (call $rot (i32.add (local.get $i) (i32.wrap_i64 (local.get $acc)))))
        (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u
          (call_indirect (type $unary) (local.get $i) (i32.and (local.get $i) (i32.const 1))))))
        (local.set $acc (i64.add (local.get $acc)
          (i64.extend_i32_u (i32.load offset=12288 (i32.const 0)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $top)))
    (i64.add (i64.add (local.get $acc) (i64.reinterpret_f64 (local.get $f)))
             (i64.add (global.get $rots) (i64.extend_i32_u (global.get $sp)))))
  ;; SIMD: v128 loads and stores, unary and binary operators (each with a handler of
  ;; its own), lanes, and the generic SIMD handler (a shift, a test).
  (func (export "simd") (param $n i32) (result i64)
    (local $i i32) (local $v v128) (local $w v128) (local $a i32)
    (local.set $v (v128.const i32x4 1 2 3 4))
    (local.set $w (v128.const i8x16 9 8 7 6 5 4 3 2 1 0 1 2 3 4 5 6))
    (block $done
      (loop $top
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $a (i32.shl (i32.and (local.get $i) (i32.const 255)) (i32.const 4)))
        (v128.store (local.get $a)
          (i8x16.add (v128.load (local.get $a)) (local.get $w)))
        (local.set $v (i32x4.add (local.get $v)
          (i16x8.mul (v128.load (local.get $a)) (local.get $w))))
        (local.set $w (i8x16.max_u (v128.not (local.get $w))
          (i8x16.shl (local.get $v) (i32.and (local.get $i) (i32.const 7)))))
        (local.set $v (i32x4.mul (local.get $v) (i32x4.splat (i32.const 3))))
        (local.set $w (call $twice (i8x16.abs (local.get $w))))
        (local.set $v (i32x4.add (local.get $v)
          (i16x8.extadd_pairwise_i8x16_u (i8x16.min_u (local.get $v) (local.get $w)))))
        (if (v128.any_true (local.get $w))
          (then (local.set $v (i64x2.sub (local.get $v) (local.get $w)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $top)))
    (i64.xor (i64x2.extract_lane 0 (local.get $v))
      (i64.add (i64x2.extract_lane 1 (local.get $v)) (i64x2.extract_lane 0 (local.get $w))))))
"#;

fn ours(config: RuntimeConfig, func: &str, arg: i32) -> Result<u64, String> {
    let rt = Runtime::with_config(config);
    let module = rt
        .instantiate(&wat::parse_str(LOOPS).unwrap())
        .map_err(|e| e.to_string())?;
    let f = module.exported_function(func).unwrap();
    f.call(&[arg as u32 as u64])
        .map(|r| r[0])
        .map_err(|e| e.to_string())
}

fn wasmi(func: &'static str, arg: i32) -> u64 {
    // (On a thread with a large stack: see the module's docs.)
    std::thread::Builder::new()
        .stack_size(1 << 30)
        .spawn(move || wasmi_on_this_thread(func, arg))
        .unwrap()
        .join()
        .unwrap()
}

fn wasmi_on_this_thread(func: &str, arg: i32) -> u64 {
    let mut config = wasmi::Config::default();
    config.wasm_simd(true);
    let engine = wasmi::Engine::new(&config);
    let module = wasmi::Module::new(&engine, &wat::parse_str(LOOPS).unwrap()[..]).unwrap();
    let mut store = wasmi::Store::new(&engine, ());
    let instance = wasmi::Linker::<()>::new(&engine)
        .instantiate_and_start(&mut store, &module)
        .unwrap();
    let f = instance.get_func(&store, func).unwrap();
    let mut out = [wasmi::Val::I64(0)];
    if func == "depth" {
        out = [wasmi::Val::I32(0)];
    }
    f.call(&mut store, &[wasmi::Val::I32(arg)], &mut out)
        .unwrap();
    match out[0] {
        wasmi::Val::I64(v) => v as u64,
        wasmi::Val::I32(v) => v as u32 as u64,
        _ => unreachable!(),
    }
}

#[test]
fn a_long_loop_over_the_fast_path_agrees_with_wasmi_and_the_compiler() {
    let short = 2_000;
    let want = wasmi("loops", short);
    assert_eq!(ours(RuntimeConfig::interpreter(), "loops", short), Ok(want));
    // About 80 instructions per iteration: 2e5 iterations are 1.6e7 instructions, each a
    // handler; on the test thread's stack that only works if they take none.
    let n = 200_000;
    let got = ours(RuntimeConfig::interpreter(), "loops", n);
    assert!(got.is_ok(), "{got:?}");
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    assert_eq!(got, ours(RuntimeConfig::compiler(), "loops", n));
}

#[test]
fn a_long_simd_loop_over_the_fast_path_agrees_with_wasmi_and_the_compiler() {
    let short = 2_000;
    let want = wasmi("simd", short);
    assert_eq!(ours(RuntimeConfig::interpreter(), "simd", short), Ok(want));
    // About 25 instructions per iteration: 1e6 iterations on the test thread's stack.
    let n = 1_000_000;
    let got = ours(RuntimeConfig::interpreter(), "simd", n);
    assert!(got.is_ok(), "{got:?}");
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    assert_eq!(got, ours(RuntimeConfig::compiler(), "simd", n));
}

#[test]
fn calls_and_returns_in_the_fast_path() {
    // fib(27): 635,621 calls and as many returns, all within the instance.
    assert_eq!(ours(RuntimeConfig::interpreter(), "fib", 27), Ok(196_418));
    assert_eq!(wasmi("fib", 15), 610);
    assert_eq!(ours(RuntimeConfig::interpreter(), "fib", 15), Ok(610));
    // Deep recursion: the fast path calls while the stack has room, the executor grows
    // it (and the fast path goes on); at the depth limit the call traps.
    assert_eq!(
        ours(RuntimeConfig::interpreter(), "depth", 40_000),
        Ok(40_000)
    );
    let err = ours(RuntimeConfig::interpreter(), "depth", 1_000_000).unwrap_err();
    assert!(err.contains("call stack exhausted"), "{err}");
}

/// Counts `before` and `after` calls.
#[derive(Default)]
struct Counter {
    before: AtomicU64,
    after: AtomicU64,
}
impl FunctionListener for Counter {
    fn before(
        &self,
        _: &CallContext<'_>,
        _: &[u64],
        _: &StackIterator<'_>,
    ) -> wasmscope::listener::ListenerAction {
        self.before.fetch_add(1, Ordering::Relaxed);
        wasmscope::listener::ListenerAction::Continue
    }
    fn after(&self, _: &CallContext<'_>, _: &[u64]) {
        self.after.fetch_add(1, Ordering::Relaxed);
    }
}
struct Factory(Arc<Counter>);
impl FunctionListenerFactory for Factory {
    fn new_listener(&self, _: &FunctionDefinition) -> Option<Arc<dyn FunctionListener>> {
        Some(self.0.clone())
    }
}

#[test]
fn listened_calls_in_the_fast_path() {
    // fib(25) with a listener on every function: 242,785 calls, each with its hooks run
    // from the fast path's handlers.
    let counter = Arc::new(Counter::default());
    let config = RuntimeConfig::interpreter()
        .with_function_listener_factory(Arc::new(Factory(counter.clone())));
    assert_eq!(ours(config, "fib", 25), Ok(75_025));
    assert_eq!(counter.before.load(Ordering::Relaxed), 242_785);
    assert_eq!(counter.after.load(Ordering::Relaxed), 242_785);
}

/// Every fused compare-and-branch (an `i32` comparison with a constant, `i64` and `f64`
/// comparisons, each before `br_if` (jump when it holds) and `if` (jump when it does not,
/// which for floats is not the opposite comparison: NaN), and each negated by `i32.eqz`
/// before them) against the comparison itself.
#[test]
fn fused_compare_and_branch_agree_with_the_comparisons() {
    let ops = [
        ("i64", "eq"),
        ("i64", "ne"),
        ("i64", "lt_s"),
        ("i64", "lt_u"),
        ("i64", "gt_s"),
        ("i64", "gt_u"),
        ("i64", "le_s"),
        ("i64", "le_u"),
        ("i64", "ge_s"),
        ("i64", "ge_u"),
        ("f64", "eq"),
        ("f64", "ne"),
        ("f64", "lt"),
        ("f64", "gt"),
        ("f64", "le"),
        ("f64", "ge"),
        ("i32", "eq"),
        ("i32", "ne"),
        ("i32", "lt_s"),
        ("i32", "lt_u"),
        ("i32", "gt_s"),
        ("i32", "gt_u"),
        ("i32", "le_s"),
        ("i32", "le_u"),
        ("i32", "ge_s"),
        ("i32", "ge_u"),
    ];
    let mut funcs = String::new();
    for (ty, op) in ops {
        // i32: against the constant -3 (a fused constant form); the others: two operands.
        let (params, rhs) = if ty == "i32" {
            ("(param i32 i32)".to_string(), "(i32.const -3)".to_string())
        } else {
            (format!("(param {ty} {ty})"), "(local.get 1)".to_string())
        };
        let cmp = format!("({ty}.{op} (local.get 0) {rhs})");
        funcs += &format!(
            r#"
  (func (export "{ty}_{op}_value") {params} (result i32) {cmp})
  (func (export "{ty}_{op}_br_if") {params} (result i32)
    (block $yes (br_if $yes {cmp}) (return (i32.const 0))) (i32.const 1))
  (func (export "{ty}_{op}_if") {params} (result i32)
    (if (result i32) {cmp} (then (i32.const 1)) (else (i32.const 0))))
  (func (export "{ty}_{op}_br_if_eqz") {params} (result i32)
    (block $no (br_if $no (i32.eqz {cmp})) (return (i32.const 1))) (i32.const 0))
  (func (export "{ty}_{op}_if_eqz") {params} (result i32)
    (if (result i32) (i32.eqz {cmp}) (then (i32.const 0)) (else (i32.const 1))))
  (func (export "{ty}_{op}_tee_eqz") {params} (result i32) (local i32)
    (block $no (br_if $no (i32.eqz (local.tee 2 {cmp}))) (return (local.get 2)))
    (local.get 2))"#
        );
    }
    let wasm = wat::parse_str(format!("(module {funcs})")).unwrap();
    let rt = Runtime::with_config(RuntimeConfig::interpreter());
    let module = rt.instantiate(&wasm).unwrap();
    let nan = f64::NAN.to_bits();
    let f = |x: f64| x.to_bits();
    let pairs64 = [
        (1u64, 2u64),
        (2, 1),
        (5, 5),
        (u64::MAX, 1),
        (1, u64::MAX),
        (0, 0),
    ];
    let pairs_f = [
        (f(1.0), f(2.0)),
        (f(2.0), f(1.0)),
        (f(3.5), f(3.5)),
        (nan, f(1.0)),
        (f(1.0), nan),
        (nan, nan),
        (f(-0.0), f(0.0)),
    ];
    let pairs32 = [
        (0u64, 0u64),
        (-3i32 as u32 as u64, 0),
        (5, 0),
        (-4i32 as u32 as u64, 0),
    ];
    for (ty, op) in ops {
        let pairs: &[(u64, u64)] = match ty {
            "i64" => &pairs64,
            "f64" => &pairs_f,
            _ => &pairs32,
        };
        for &(a, b) in pairs {
            let call = |form: &str| {
                module
                    .exported_function(&format!("{ty}_{op}_{form}"))
                    .unwrap()
                    .call(&[a, b])
                    .unwrap()[0]
            };
            let want = call("value");
            assert_eq!(
                call("br_if"),
                want,
                "{ty}.{op} ({a:#x}, {b:#x}) before br_if"
            );
            assert_eq!(call("if"), want, "{ty}.{op} ({a:#x}, {b:#x}) before if");
            // `i32.eqz` of the comparison: the comparison's branches swapped.
            assert_eq!(
                call("br_if_eqz"),
                want,
                "{ty}.{op} ({a:#x}, {b:#x}) before eqz and br_if"
            );
            assert_eq!(
                call("if_eqz"),
                want,
                "{ty}.{op} ({a:#x}, {b:#x}) before eqz and if"
            );
            // A comparison kept in a local (`local.tee`) before the `eqz`: the local
            // is still written.
            assert_eq!(
                call("tee_eqz"),
                want,
                "{ty}.{op} ({a:#x}, {b:#x}) teed before eqz and br_if"
            );
        }
    }
}

/// The fused address `i32.add` of an `i32.shl` by a constant (either operand, shifts of
/// 32 and more taken modulo 32, wrapping sums), the loads of such addresses, and a
/// `br_table` on an `i32.wrap_i64`
/// (the wrap removed: the table reads the low 32 bits) agree with the unfused forms
/// (the same operators with a `local.tee` between, which nothing fuses across).
#[test]
fn fused_address_and_table_index_agree_with_the_operators() {
    let wat = r#"
(module
  (func (export "shl_add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 3))))
  (func (export "shl_add_plain") (param i32 i32) (result i32) (local i32)
    (i32.add (local.get 0) (local.tee 2 (i32.shl (local.get 1) (i32.const 3)))))
  (func (export "add_shl") (param i32 i32) (result i32)
    (i32.add (i32.shl (local.get 1) (i32.const 35)) (local.get 0)))
  (func (export "add_shl_plain") (param i32 i32) (result i32) (local i32)
    (i32.add (local.tee 2 (i32.shl (local.get 1) (i32.const 35))) (local.get 0)))
  (func (export "load_idx") (param i32 i32) (result i64)
    (i64.add (i64.load (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 3))))
             (i64.extend_i32_u (i32.load (i32.add (i32.shl (local.get 1) (i32.const 2))
                                                  (local.get 0))))))
  (func (export "load_idx_plain") (param i32 i32) (result i64) (local i32)
    (i64.add (i64.load (local.tee 2 (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 3)))))
             (i64.extend_i32_u (i32.load (local.tee 2 (i32.add (i32.shl (local.get 1) (i32.const 2))
                                                              (local.get 0)))))))
  (func (export "load_sum") (param i32 i32) (result i64)
    (i64.add (i64.load (i32.add (local.get 0) (local.get 1)))
             (i64.extend_i32_u (i32.load (i32.add (local.get 1) (i32.const 12))))))
  (func (export "load_sum_plain") (param i32 i32) (result i64) (local i32)
    (i64.add (i64.load (local.tee 2 (i32.add (local.get 0) (local.get 1))))
             (i64.extend_i32_u (i32.load (local.tee 2 (i32.add (local.get 1) (i32.const 12)))))))
  (func (export "load_shl20") (param i32 i32) (result i64)
    (i64.load (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 20)))))
  (func (export "load_shl20_plain") (param i32 i32) (result i64) (local i32)
    (i64.load (local.tee 2 (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 20))))))
  (data (i32.const 0) "\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10\11\12\13\14")
  (memory 1)
  (func (export "table") (param i32 i32) (result i32)
    (block $c (block $b (block $a
      (br_table $a $b $c (i32.wrap_i64 (i64.or (i64.shl (i64.extend_i32_u (local.get 1))
                                                          (i64.const 32))
                                                 (i64.extend_i32_u (local.get 0))))))
      (return (i32.const 10)))
      (return (i32.const 11)))
    (i32.const 12))
  (func (export "table_plain") (param i32 i32) (result i32) (local i32)
    (block $c (block $b (block $a
      (br_table $a $b $c (local.tee 2 (local.get 0))))
      (return (i32.const 10)))
      (return (i32.const 11)))
    (i32.const 12)))"#;
    let wasm = wat::parse_str(wat).unwrap();
    let rt = Runtime::with_config(RuntimeConfig::interpreter());
    let module = rt.instantiate(&wasm).unwrap();
    let call = |name: &str, a: u32, b: u32| {
        module
            .exported_function(name)
            .unwrap()
            .call(&[a as u64, b as u64])
            .unwrap()[0]
    };
    let values = [
        0u32,
        1,
        2,
        3,
        7,
        0x1fff_ffff,
        0x2000_0000,
        u32::MAX,
        0x8000_0000,
    ];
    for &a in &values {
        for &b in &values {
            let want = a.wrapping_add(b << 3) as u64;
            assert_eq!(call("shl_add", a, b), want, "shl_add({a:#x}, {b:#x})");
            assert_eq!(call("shl_add_plain", a, b), want);
            assert_eq!(call("add_shl", a, b), want, "add_shl({a:#x}, {b:#x})");
            assert_eq!(call("add_shl_plain", a, b), want);
            let want = [10, 11, 12][a.min(2) as usize];
            assert_eq!(call("table", a, b), want, "table({a:#x}, {b:#x})");
            assert_eq!(call("table_plain", a, b), want);
        }
    }
    // Loads at `a + (b << 3)` and `a + (b << 2)`: in bounds (data, zeroes), at the last
    // bytes, and past the end (both forms trap alike, with the same address).
    let load = |name: &str, a: u32, b: u32| {
        module
            .exported_function(name)
            .unwrap()
            .call(&[a as u64, b as u64])
            // (The access only: the message names the function.)
            .map_err(|e| e.memory_access())
    };
    for (a, b) in [
        (0u32, 0u32),
        (1, 1),
        (3, 2),
        (65536 - 8, 0),
        (65536 - 16, 1),
        (65536 - 7, 0),
        (0, 8192),
        (u32::MAX, 1),
        (8, 0x2000_0000),
        (u32::MAX - 3, 4),
        (65536 - 20, 4),
    ] {
        for name in ["load_idx", "load_sum", "load_shl20"] {
            let (fused, plain) = (load(name, a, b), load(&format!("{name}_plain"), a, b));
            assert_eq!(fused, plain, "{name}({a:#x}, {b:#x})");
        }
    }
    assert!(load("load_idx", 0, 8192).is_err());
    // The `i32.add`s wrap: -4 + 4 is address 0; 65516 + 4 + 12 is in the memory.
    assert_eq!(
        load("load_sum", u32::MAX - 3, 4),
        Ok(vec![0x0807_0605_0403_0201 + 0x1413_1211])
    );
    assert!(load("load_sum", 65536 - 20, 4).is_ok());
    assert_eq!(
        load("load_idx", 1, 0),
        Ok(vec![0x0908_0706_0504_0302 + 0x0504_0302])
    );
}

/// An `f64.mul` whose product an `f64.add` or `f64.sub` takes is one instruction
/// (`F64MulAdd`, `F64MulSub`): the same values as the two operators, each rounding (not a
/// fused multiply-add), whichever operand the product is, a factor loaded just before
/// (from the accumulator), and two in a chain; the `_plain` forms keep the product in a
/// local, which the fusion leaves alone.
#[test]
fn fused_multiply_add_agrees_with_the_operators() {
    let wat = r#"
(module
  (memory 1)
  (func (export "mul_add") (param f64 f64 f64) (result f64)
    (f64.add (local.get 0) (f64.mul (local.get 1) (local.get 2))))
  (func (export "mul_add_plain") (param f64 f64 f64) (result f64) (local f64)
    (f64.add (local.get 0) (local.tee 3 (f64.mul (local.get 1) (local.get 2)))))
  (func (export "add_mul") (param f64 f64 f64) (result f64)
    (f64.add (f64.mul (local.get 1) (local.get 2)) (local.get 0)))
  (func (export "add_mul_plain") (param f64 f64 f64) (result f64) (local f64)
    (f64.add (local.tee 3 (f64.mul (local.get 1) (local.get 2))) (local.get 0)))
  (func (export "mul_sub") (param f64 f64 f64) (result f64)
    (f64.sub (local.get 0) (f64.mul (local.get 1) (local.get 2))))
  (func (export "mul_sub_plain") (param f64 f64 f64) (result f64) (local f64)
    (f64.sub (local.get 0) (local.tee 3 (f64.mul (local.get 1) (local.get 2)))))
  (func (export "sub_mul") (param f64 f64 f64) (result f64)
    (f64.sub (f64.mul (local.get 1) (local.get 2)) (local.get 0)))
  (func (export "loaded") (param f64 f64 f64) (result f64)
    (f64.store (i32.const 8) (local.get 1))
    (f64.add (local.get 0) (f64.mul (f64.load (i32.const 8)) (local.get 2))))
  (func (export "loaded_plain") (param f64 f64 f64) (result f64) (local f64)
    (f64.store (i32.const 8) (local.get 1))
    (f64.add (local.get 0) (local.tee 3 (f64.mul (f64.load (i32.const 8)) (local.get 2)))))
  (func (export "chain") (param f64 f64 f64) (result f64)
    (f64.sub (f64.add (local.get 0) (f64.mul (local.get 1) (local.get 2)))
             (f64.mul (local.get 2) (local.get 0))))
  ;; `z = c + z * z` just after `z` was set: the factor read from its slot must be there.
  (func (export "square") (param f64 f64 f64) (result f64) (local f64)
    (local.set 3 (f64.add (local.get 0)
                          (f64.mul (local.tee 3 (f64.sqrt (local.get 1))) (local.get 3))))
    (local.get 3))
  (func (export "square_plain") (param f64 f64 f64) (result f64) (local f64) (local f64)
    (local.set 3 (f64.add (local.get 0)
                          (local.tee 4 (f64.mul (local.tee 3 (f64.sqrt (local.get 1)))
                                                (local.get 3)))))
    (local.get 3))
  (func (export "chain_plain") (param f64 f64 f64) (result f64) (local f64)
    (f64.sub (f64.add (local.get 0) (local.tee 3 (f64.mul (local.get 1) (local.get 2))))
             (local.tee 3 (f64.mul (local.get 2) (local.get 0))))))"#;
    let wasm = wat::parse_str(wat).unwrap();
    let rt = Runtime::with_config(RuntimeConfig::interpreter());
    let module = rt.instantiate(&wasm).unwrap();
    let call = |name: &str, c: f64, x: f64, y: f64| {
        let r = module
            .exported_function(name)
            .unwrap()
            .call(&[c.to_bits(), x.to_bits(), y.to_bits()])
            .unwrap()[0];
        f64::from_bits(r)
    };
    let same =
        |got: f64, want: f64| got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan());
    // (`1 + 2^-30` times `1 - 2^-30` is `1 - 2^-60`, which rounds to 1: minus 1, that is
    // 0, where a fused multiply-add gives -2^-60.)
    let values = [
        0.0,
        -0.0,
        1.0,
        -1.0,
        1.0 + f64::powi(2.0, -30),
        1.0 - f64::powi(2.0, -30),
        3.5,
        1e308,
        f64::from_bits(1),
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
    ];
    for &c in &values {
        for &x in &values {
            for &y in &values {
                // (Rust does not contract `c + x * y` into a fused multiply-add.)
                let cases: [(&str, f64); 7] = [
                    ("square", c + x.sqrt() * x.sqrt()),
                    ("mul_add", c + x * y),
                    ("add_mul", x * y + c),
                    ("mul_sub", c - x * y),
                    ("sub_mul", x * y - c),
                    ("loaded", c + x * y),
                    ("chain", (c + x * y) - y * c),
                ];
                for (name, want) in cases {
                    let got = call(name, c, x, y);
                    assert!(
                        same(got, want),
                        "{name}({c:e}, {x:e}, {y:e}) = {got:e}, not {want:e}"
                    );
                    if name != "sub_mul" {
                        let plain = call(&format!("{name}_plain"), c, x, y);
                        assert!(same(plain, want), "{name}_plain({c:e}, {x:e}, {y:e})");
                    }
                }
            }
        }
    }
    let exact = call(
        "mul_add",
        -1.0,
        1.0 + f64::powi(2.0, -30),
        1.0 - f64::powi(2.0, -30),
    );
    assert_eq!(exact.to_bits(), 0.0f64.to_bits(), "rounded twice");
}

/// `i += c` before a `br_if` on a comparison of `i` is one instruction (`AddBrIf`,
/// `AddBrIfC`): the sum and the branch agree with the two operators for every `i32`
/// comparison, with `i` as either operand or against a constant, at the edges of the
/// signed and unsigned ranges.
#[test]
fn fused_add_and_branch_agree_with_the_operators() {
    type Holds = fn(i32, i32) -> bool;
    let ops: [(&str, Holds); 10] = [
        ("eq", |x: i32, y: i32| x == y),
        ("ne", |x, y| x != y),
        ("lt_s", |x, y| x < y),
        ("lt_u", |x, y| (x as u32) < (y as u32)),
        ("gt_s", |x, y| x > y),
        ("gt_u", |x, y| (x as u32) > (y as u32)),
        ("le_s", |x, y| x <= y),
        ("le_u", |x, y| (x as u32) <= (y as u32)),
        ("ge_s", |x, y| x >= y),
        ("ge_u", |x, y| (x as u32) >= (y as u32)),
    ];
    let adds = [1i32, -1, 4, 127, -128];
    let constants = [0i32, 5, -1, i32::MIN];
    // Each function returns the new `i` and whether the branch was taken, as
    // `i << 1 | taken` (an `i64`).
    let body = |add: i32, cmp: &str| {
        format!(
            "(block $b (local.set 0 (i32.add (local.get 0) (i32.const {add}))) (br_if $b {cmp}) \
             (return (i64.shl (i64.extend_i32_u (local.get 0)) (i64.const 1)))) \
             (i64.or (i64.shl (i64.extend_i32_u (local.get 0)) (i64.const 1)) (i64.const 1))"
        )
    };
    let mut wat = String::from("(module\n");
    for (op, _) in ops {
        for (k, add) in adds.iter().enumerate() {
            let sides = [
                ("a", format!("(i32.{op} (local.get 0) (local.get 1))")),
                ("b", format!("(i32.{op} (local.get 1) (local.get 0))")),
            ];
            for (side, cmp) in sides {
                wat += &format!(
                    "(func (export \"{op}_{side}_{k}\") (param i32 i32) (result i64) {})\n",
                    body(*add, &cmp)
                );
            }
            for (j, c) in constants.iter().enumerate() {
                let cmp = format!("(i32.{op} (local.get 0) (i32.const {c}))");
                wat += &format!(
                    "(func (export \"{op}_c{j}_{k}\") (param i32 i32) (result i64) {})\n",
                    body(*add, &cmp)
                );
            }
        }
    }
    wat += ")";
    let wasm = wat::parse_str(&wat).unwrap();
    let rt = Runtime::with_config(RuntimeConfig::interpreter());
    let module = rt.instantiate(&wasm).unwrap();
    let call = |name: &str, i: i32, n: i32| {
        module
            .exported_function(name)
            .unwrap()
            .call(&[i as u32 as u64, n as u32 as u64])
            .unwrap()[0]
    };
    let values = [0i32, 1, -1, 5, 4, i32::MAX, i32::MIN, i32::MIN + 127, 126];
    let want = |sum: i32, taken: bool| ((sum as u32 as u64) << 1) | taken as u64;
    for (op, holds) in ops {
        for (k, &add) in adds.iter().enumerate() {
            for &i in &values {
                let sum = i.wrapping_add(add);
                for &n in &values {
                    let a = call(&format!("{op}_a_{k}"), i, n);
                    assert_eq!(
                        a,
                        want(sum, holds(sum, n)),
                        "{op} a: {i} + {add} against {n}"
                    );
                    let b = call(&format!("{op}_b_{k}"), i, n);
                    assert_eq!(
                        b,
                        want(sum, holds(n, sum)),
                        "{op} b: {n} against {i} + {add}"
                    );
                }
                for (j, &c) in constants.iter().enumerate() {
                    let got = call(&format!("{op}_c{j}_{k}"), i, 0);
                    assert_eq!(
                        got,
                        want(sum, holds(sum, c)),
                        "{op}: {i} + {add} against {c}"
                    );
                }
            }
        }
    }
}
