//! Bad input gives an `Error`, never a panic: truncated modules, random bytes, bit flips,
//! files that are not Wasm. The tests run on every engine (`common::on_every_engine`).

mod common;

use std::path::PathBuf;

use wasmscope::{EngineKind, ErrorKind, ModuleConfig, Runtime};

fn samples() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../samples/bench");
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect();
    out.sort();
    assert!(!out.is_empty());
    out
}

/// A small deterministic generator, so failures reproduce.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

/// A runtime on the engine under test.
fn runtime() -> Runtime {
    Runtime::with_config(common::engine_config())
}

/// Compiles `bytes` on `rt`, and when that works, instantiates it and, if `call`, calls
/// `run(1)`; false when that call ran out of fuel.
fn run_once(rt: &Runtime, bytes: &[u8], call: bool) -> Result<bool, wasmscope::Error> {
    let compiled = rt.compile_module(bytes)?;
    let module = rt.instantiate_module(&compiled, ModuleConfig::new().with_start_functions(&[]))?;
    if let Some(f) = module.exported_function("run") {
        if call && f.definition().param_types().len() == 1 {
            let out_of_fuel = f.call(&[1]).err().and_then(|e| e.trap_code());
            return Ok(out_of_fuel != Some(wasmscope::TrapCode::OutOfFuel));
        }
    }
    Ok(true)
}

/// Compiles, and when that works, instantiates and calls `run(1)`; any outcome but a
/// panic is fine. Fuel bounds the run: a flipped bit can make an endless loop. On the
/// compiler the module is also compiled without fuel (code without charges),
/// instantiated, and called when the metered call ended.
fn exercise(bytes: &[u8]) -> Result<(), wasmscope::Error> {
    let config = common::engine_config();
    let metered = Runtime::with_config(config.clone().with_fuel(20_000_000));
    let ended = run_once(&metered, bytes, true)?;
    if config.engine() == EngineKind::Compiler {
        run_once(&Runtime::with_config(config), bytes, ended)?;
    }
    Ok(())
}

#[test]
fn every_truncation_of_a_module_is_an_error_unless_wasmparser_accepts_it() {
    if common::on_every_engine(
        every_truncation_of_a_module_is_an_error_unless_wasmparser_accepts_it,
    ) {
        return;
    }
    for (name, bytes) in samples() {
        for len in 0..bytes.len() {
            let ours = runtime().compile_module(&bytes[..len]);
            // A cut at a section boundary can leave a valid module (the bare header is
            // one): then wasmparser's validator must agree.
            let valid = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::WASM2)
                .validate_all(&bytes[..len])
                .is_ok();
            match ours {
                Ok(_) => assert!(valid, "{name} truncated to {len} bytes compiled"),
                Err(err) => {
                    assert!(!valid, "{name}[..{len}] is valid but failed: {err}");
                    assert!(
                        matches!(err.kind(), ErrorKind::Compile { .. }),
                        "{name}[..{len}]: {err}"
                    );
                }
            }
        }
    }
}

#[test]
fn random_bytes_are_an_error() {
    if common::on_every_engine(random_bytes_are_an_error) {
        return;
    }
    let mut rng = Lcg(1);
    for len in [0usize, 1, 4, 8, 9, 100, 4096] {
        for _ in 0..50 {
            let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            assert!(runtime().compile_module(&bytes).is_err());
            // With a valid header, the sections are garbage.
            let mut with_header = b"\0asm\x01\0\0\0".to_vec();
            with_header.extend(&bytes);
            let _ = exercise(&with_header);
        }
    }
}

#[test]
fn bit_flips_never_panic() {
    if common::on_every_engine(bit_flips_never_panic) {
        return;
    }
    let mut rng = Lcg(7);
    for (_, bytes) in samples() {
        for _ in 0..300 {
            let mut mutated = bytes.clone();
            for _ in 0..1 + rng.next() % 4 {
                let at = (rng.next() as usize) % mutated.len();
                mutated[at] ^= 1 << (rng.next() % 8);
            }
            let _ = exercise(&mutated);
        }
    }
}

#[test]
fn text_and_other_files_are_errors_with_offsets() {
    if common::on_every_engine(text_and_other_files_are_errors_with_offsets) {
        return;
    }
    for bytes in [
        &b"(module)"[..],
        b"",
        b"\x7fELF\x02\x01\x01",
        b"\0asm\x02\0\0\0",
    ] {
        let err = runtime().compile_module(bytes).unwrap_err();
        let ErrorKind::Compile { offset, message } = err.kind() else {
            panic!("not a compile error: {err}");
        };
        assert!(*offset <= bytes.len() as u64, "{message}");
        assert!(err.to_string().starts_with("invalid module: "), "{err}");
    }
}

#[test]
fn a_component_is_said_to_be_one() {
    if common::on_every_engine(a_component_is_said_to_be_one) {
        return;
    }
    // The smallest component, from its text, and with a core module inside.
    for text in ["(component)", "(component (core module))"] {
        let bytes = wat::parse_str(text).unwrap();
        let err = runtime().compile_module(&bytes).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("this is a WebAssembly component"), "{text}");
        assert!(text.contains("wasmscope runs core modules"), "{text}");
        assert!(!text.contains("enable"), "{text}");
    }
}

#[test]
fn invalid_code_is_an_error() {
    if common::on_every_engine(invalid_code_is_an_error) {
        return;
    }
    // Well-formed, but `i32.add` with one operand does not validate.
    let bytes = wat::parse_str("(module (func (result i32) i32.const 1 i32.add))");
    // wat checks syntax only; the validator must reject it.
    let err = runtime().compile_module(&bytes.unwrap()).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Compile { .. }), "{err}");
}

#[test]
fn fuel_ends_an_endless_loop() {
    if common::on_every_engine(fuel_ends_an_endless_loop) {
        return;
    }
    let wasm = wat::parse_str(r#"(module (func (export "spin") (loop (br 0))))"#).unwrap();
    let rt = Runtime::with_config(common::engine_config().with_fuel(1000));
    let module = rt.instantiate(&wasm).unwrap();
    let err = module
        .exported_function("spin")
        .unwrap()
        .call(&[])
        .unwrap_err();
    assert_eq!(
        err.trap_code(),
        Some(wasmscope::TrapCode::OutOfFuel),
        "{err}"
    );
}

#[test]
fn fuel_counts_instructions() {
    if common::on_every_engine(fuel_counts_instructions) {
        return;
    }
    // 10 iterations of a 9-instruction loop body, plus the entry block.
    let wasm = wat::parse_str(
        r#"(module (func (export "count") (result i32) (local i32)
            (loop
              local.get 0 i32.const 1 i32.add local.tee 0
              i32.const 10 i32.lt_u br_if 0)
            local.get 0))"#,
    )
    .unwrap();
    let run = |fuel| {
        let rt = Runtime::with_config(common::engine_config().with_fuel(fuel));
        let module = rt.instantiate(&wasm).unwrap();
        module.exported_function("count").unwrap().call(&[])
    };
    assert_eq!(run(200).unwrap(), vec![10]);
    assert_eq!(
        run(20).unwrap_err().trap_code(),
        Some(wasmscope::TrapCode::OutOfFuel)
    );
}

#[test]
fn huge_tables_fail_cleanly() {
    if common::on_every_engine(huge_tables_fail_cleanly) {
        return;
    }
    // A table of 4 billion elements would need 32 GiB: instantiation refuses it.
    let wasm = wat::parse_str("(module (table 4000000000 funcref))").unwrap();
    let err = runtime().instantiate(&wasm).unwrap_err();
    assert!(err.to_string().contains("larger than the limit"), "{err}");
    // Growing past the limit returns -1 like any failed grow.
    let wasm = wat::parse_str(
        r#"(module (table 1 funcref)
            (func (export "grow") (result i32) ref.null func i32.const 3000000000 table.grow 0))"#,
    )
    .unwrap();
    let m = runtime().instantiate(&wasm).unwrap();
    assert_eq!(
        m.exported_function("grow").unwrap().call(&[]).unwrap(),
        vec![u32::MAX as u64]
    );
}

#[test]
fn addresses_near_4_gib_trap_instead_of_wrapping() {
    if common::on_every_engine(addresses_near_4_gib_trap_instead_of_wrapping) {
        return;
    }
    // addr + offset exceeds 32 bits: out of bounds, on every platform.
    let wasm = wat::parse_str(
        r#"(module (memory 1)
            (func (export "load") (param i32) (result i32) local.get 0 i32.load offset=8)
            (func (export "fill") (param i32 i32) local.get 0 i32.const 0 local.get 1 memory.fill))"#,
    )
    .unwrap();
    let m = runtime().instantiate(&wasm).unwrap();
    let load = m.exported_function("load").unwrap();
    assert_eq!(
        load.call(&[0xffff_fffc]).unwrap_err().trap_code(),
        Some(wasmscope::TrapCode::OutOfBoundsMemoryAccess)
    );
    assert_eq!(load.call(&[0]).unwrap(), vec![0]);
    let fill = m.exported_function("fill").unwrap();
    assert_eq!(
        fill.call(&[0xffff_fff0, 0x20]).unwrap_err().trap_code(),
        Some(wasmscope::TrapCode::OutOfBoundsMemoryAccess)
    );
}
