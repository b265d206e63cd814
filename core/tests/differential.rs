//! Differential test: random valid modules (wasm-smith, WebAssembly 2.0 features with
//! SIMD, loops and calls made to terminate) run on wasmscope's interpreter and on wasmi;
//! every exported function's results or trap, and the exported memories and globals
//! afterwards, must agree.

mod common;

use arbitrary::Unstructured;
use common::{bytes, config};
use wasmscope::{ModuleConfig, Runtime, RuntimeConfig, ValueType};

/// What a call gave: results (floats by bits, references by nullness) or a trap.
#[derive(Debug, PartialEq)]
enum Outcome {
    Values(Vec<u128>),
    Trap,
}

fn ours(module: &wasmscope::Module, name: &str) -> Outcome {
    let f = module.exported_function(name).unwrap();
    let def = f.definition().clone();
    let params: Vec<u64> = def
        .param_types()
        .iter()
        .flat_map(|t| vec![0; t.slots()])
        .collect();
    match f.call(&params) {
        Ok(slots) => {
            let mut out = Vec::new();
            let mut at = 0;
            for t in def.result_types() {
                out.push(match t {
                    ValueType::V128 => slots[at] as u128 | (slots[at + 1] as u128) << 64,
                    ValueType::FuncRef | ValueType::ExternRef => (slots[at] != 0) as u128,
                    _ => slots[at] as u128,
                });
                at += t.slots();
            }
            Outcome::Values(out)
        }
        Err(_) => Outcome::Trap,
    }
}

fn wasmi_zero(t: &wasmi::ValType) -> wasmi::Val {
    use wasmi::ValType as T;
    match t {
        T::I32 => wasmi::Val::I32(0),
        T::I64 => wasmi::Val::I64(0),
        T::F32 => wasmi::Val::F32(wasmi::F32::from_bits(0)),
        T::F64 => wasmi::Val::F64(wasmi::F64::from_bits(0)),
        T::V128 => wasmi::Val::V128(0u128.into()),
        T::FuncRef => wasmi::Val::FuncRef(wasmi::Nullable::Null),
        T::ExternRef => wasmi::Val::ExternRef(wasmi::Nullable::Null),
    }
}

fn theirs(store: &mut wasmi::Store<()>, f: wasmi::Func) -> Outcome {
    let ty = f.ty(&*store);
    let params: Vec<wasmi::Val> = ty.params().iter().map(wasmi_zero).collect();
    let mut results: Vec<wasmi::Val> = ty.results().iter().map(wasmi_zero).collect();
    match f.call(&mut *store, &params, &mut results) {
        Ok(()) => Outcome::Values(
            results
                .iter()
                .map(|v| match v {
                    wasmi::Val::I32(x) => *x as u32 as u128,
                    wasmi::Val::I64(x) => *x as u64 as u128,
                    wasmi::Val::F32(x) => x.to_bits() as u128,
                    wasmi::Val::F64(x) => x.to_bits() as u128,
                    wasmi::Val::V128(x) => x.as_u128(),
                    wasmi::Val::FuncRef(r) => (!r.is_null()) as u128,
                    wasmi::Val::ExternRef(r) => (!r.is_null()) as u128,
                })
                .collect(),
        ),
        Err(_) => Outcome::Trap,
    }
}

#[test]
fn random_modules_agree_with_wasmi() {
    // wasm-smith and wasmi recurse on deeply nested code; give them room.
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(compare_random_modules)
        .unwrap()
        .join()
        .unwrap();
}

fn compare_random_modules() {
    let mut checked_calls = 0;
    let mut modules = 0;
    for seed in 0..2000u64 {
        if std::env::var("DIFF_TRACE").is_ok() {
            eprintln!("seed {seed}");
        }
        let data = bytes(seed, 4096);
        let mut u = Unstructured::new(&data);
        let Ok(mut module) = wasm_smith::Module::new(config(), &mut u) else {
            continue;
        };
        if module.ensure_termination(1_000).is_err() {
            continue;
        }
        let wasm = module.to_bytes();

        let rt = Runtime::with_config(RuntimeConfig::interpreter());
        let compiled = rt
            .compile_module(&wasm)
            .unwrap_or_else(|e| panic!("seed {seed}: wasmscope rejects a valid module: {e}"));
        let ours_instance =
            rt.instantiate_module(&compiled, ModuleConfig::new().with_start_functions(&[]));

        let mut wcfg = wasmi::Config::default();
        wcfg.wasm_simd(true);
        let engine = wasmi::Engine::new(&wcfg);
        let Ok(wmodule) = wasmi::Module::new(&engine, &wasm[..]) else {
            continue; // a feature wasmi does not take
        };
        let mut store = wasmi::Store::new(&engine, ());
        let theirs_instance =
            wasmi::Linker::<()>::new(&engine).instantiate_and_start(&mut store, &wmodule);
        match (ours_instance, theirs_instance) {
            (Ok(m), Ok(instance)) => {
                modules += 1;
                let exports: Vec<(String, wasmi::Extern)> = instance
                    .exports(&store)
                    .map(|e| (e.name().to_string(), e.into_extern()))
                    .collect();
                for (name, ext) in &exports {
                    let wasmi::Extern::Func(f) = ext else {
                        continue;
                    };
                    let (a, b) = (ours(&m, name), theirs(&mut store, *f));
                    assert_eq!(a, b, "seed {seed}: export {name:?}");
                    checked_calls += 1;
                    // Memories and globals agree after every call.
                    for (ename, e) in &exports {
                        match e {
                            wasmi::Extern::Memory(mem) => {
                                let ours_mem = m.exported_memory(ename).unwrap();
                                let theirs_data = mem.data(&store);
                                assert_eq!(
                                    ours_mem.size(),
                                    theirs_data.len() as u64,
                                    "seed {seed}: memory size"
                                );
                                let ours_data = ours_mem.read(0, theirs_data.len() as u32).unwrap();
                                assert!(
                                    ours_data == theirs_data,
                                    "seed {seed}: memory {ename:?} after {name:?}"
                                );
                            }
                            wasmi::Extern::Global(g) => {
                                let ours_g = m.exported_global(ename).unwrap();
                                let want = match g.get(&store) {
                                    wasmi::Val::I32(x) => x as u32 as u128,
                                    wasmi::Val::I64(x) => x as u64 as u128,
                                    wasmi::Val::F32(x) => x.to_bits() as u128,
                                    wasmi::Val::F64(x) => x.to_bits() as u128,
                                    wasmi::Val::V128(x) => x.as_u128(),
                                    wasmi::Val::FuncRef(r) => (!r.is_null()) as u128,
                                    wasmi::Val::ExternRef(r) => (!r.is_null()) as u128,
                                };
                                let got = match ours_g.value_type() {
                                    ValueType::V128 => ours_g.get_v128(),
                                    ValueType::FuncRef | ValueType::ExternRef => {
                                        (ours_g.get() != 0) as u128
                                    }
                                    _ => ours_g.get() as u128,
                                };
                                assert_eq!(
                                    got, want,
                                    "seed {seed}: global {ename:?} after {name:?}"
                                );
                            }
                            _ => {}
                        }
                    }
                }
            }
            (Err(_), Err(_)) => {}
            (a, b) => panic!(
                "seed {seed}: instantiation differs: wasmscope {:?}, wasmi {:?}",
                a.map(|_| ()).map_err(|e| e.to_string()),
                b.map(|_| ()).map_err(|e| e.to_string())
            ),
        }
    }
    assert!(modules > 500, "only {modules} modules compared");
    assert!(checked_calls > 800, "only {checked_calls} calls compared");
}

/// The same modules, generated on a big stack, run on wasmscope alone on a test thread's
/// ordinary stack: deep nesting must not need native stack in the runtime.
#[test]
fn wasmscope_runs_random_modules_on_a_small_native_stack() {
    let modules: Vec<Vec<u8>> = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(|| {
            (0..2000u64)
                .filter_map(|seed| {
                    let data = bytes(seed, 4096);
                    let mut m =
                        wasm_smith::Module::new(config(), &mut Unstructured::new(&data)).ok()?;
                    m.ensure_termination(1_000).ok()?;
                    Some(m.to_bytes())
                })
                .collect()
        })
        .unwrap()
        .join()
        .unwrap();
    std::thread::Builder::new()
        .stack_size(256 << 10)
        .spawn(move || {
            for wasm in &modules {
                let rt = Runtime::with_config(RuntimeConfig::interpreter());
                let Ok(m) =
                    rt.instantiate_with_config(wasm, ModuleConfig::new().with_start_functions(&[]))
                else {
                    continue;
                };
                for (name, _) in m.exported_function_definitions() {
                    let _ = ours(&m, &name);
                }
            }
        })
        .unwrap()
        .join()
        .expect("wasmscope ran every module on a 256 KiB native stack");
}
