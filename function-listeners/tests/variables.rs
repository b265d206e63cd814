//! The debugging samples' variables (samples/variables.toml): at each listed line of the
//! Rust and C samples, stopped by a line breakpoint, every listed expression shows the
//! value the program itself prints there; and the program does print it.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use wasmscope::{ExecutionState, ModuleConfig};
use wasmscope_listeners::stepper::Stepper;

fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../samples")
}

struct Stop {
    module: String,
    args: Vec<String>,
    file: String,
    line: u32,
    function: String,
    values: Vec<(String, String)>,
}

fn stops() -> Vec<Stop> {
    let text = std::fs::read_to_string(samples().join("variables.toml")).unwrap();
    let doc: toml::Table = text.parse().unwrap();
    let list = doc["stop"].as_array().unwrap();
    list.iter()
        .map(|s| {
            let s = s.as_table().unwrap();
            let str_of = |k: &str| s[k].as_str().unwrap().to_string();
            Stop {
                module: str_of("module"),
                args: s["args"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap().to_string())
                    .collect(),
                file: str_of("file"),
                line: s["line"].as_integer().unwrap() as u32,
                function: str_of("function"),
                values: s["values"]
                    .as_table()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                    .collect(),
            }
        })
        .collect()
}

/// argv: the module's file name without `.wasm`, then the stop's args.
fn argv(stop: &Stop) -> Vec<String> {
    let name = stop
        .module
        .rsplit('/')
        .next()
        .unwrap()
        .trim_end_matches(".wasm")
        .to_string();
    std::iter::once(name).chain(stop.args.clone()).collect()
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The program's whole stdout, run to its end without stopping.
fn stdout_of(wasm: &[u8], args: &[String]) -> String {
    let out = Capture::default();
    let rt = wasmscope::Runtime::new();
    wasmscope::wasi::instantiate(&rt).unwrap();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    rt.instantiate_with_config(
        wasm,
        ModuleConfig::new()
            .with_args(&args)
            .with_stdout(out.clone()),
    )
    .unwrap();
    let bytes = out.0.lock().unwrap().clone();
    String::from_utf8(bytes).unwrap()
}

#[test]
fn every_listed_value_is_what_the_program_prints() {
    let stops = stops();
    assert!(stops.len() >= 9, "{} stops", stops.len());
    let mut checked = 0;
    let mut modules = std::collections::BTreeSet::new();
    for stop in &stops {
        let wasm = std::fs::read(samples().join(&stop.module)).unwrap();
        let args = argv(stop);
        let printed = stdout_of(&wasm, &args);
        let mut s = Stepper::new(&wasm, wasmscope::wasi::instantiate).unwrap();
        let offsets = s.break_at_line(&stop.file, stop.line);
        assert!(!offsets.is_empty(), "{}:{}", stop.file, stop.line);
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        s.start(ModuleConfig::new().with_args(&argv), "_start", &[])
            .unwrap();
        assert!(
            matches!(s.resume(), ExecutionState::Paused),
            "{}:{} is reached",
            stop.file,
            stop.line
        );
        let frames = s.frames();
        let top = &frames[0];
        let here = &top.sources[0];
        assert!(
            here.file.ends_with(&stop.file) && here.line == stop.line,
            "stopped at {here:?}"
        );
        let function = here.function.clone().unwrap_or_default();
        assert!(
            function == stop.function || function.ends_with(&format!("::{}", stop.function)),
            "{}:{}: in {function}, not {}",
            stop.file,
            stop.line,
            stop.function
        );
        for (expr, want) in &stop.values {
            assert!(
                printed.lines().any(|l| l == format!("{expr} = {want}")),
                "{}: the program does not print `{expr} = {want}`:\n{printed}",
                stop.module
            );
            let got = s.evaluate(top, expr);
            assert_eq!(
                got.value.as_deref(),
                Ok(want.as_str()),
                "{}:{}: {expr} ({})",
                stop.file,
                stop.line,
                got.type_name
            );
            checked += 1;
        }
        // Every plain name listed is among the frame's variables, with that value.
        let vars = s.variables(top);
        for (expr, want) in &stop.values {
            if expr.chars().all(|c| c.is_alphanumeric() || c == '_') {
                let v = vars
                    .iter()
                    .rev()
                    .find(|v| &v.name == expr)
                    .unwrap_or_else(|| panic!("{expr} is not in {vars:?}"));
                assert_eq!(v.value.as_deref(), Ok(want.as_str()), "{expr}");
            }
        }
        modules.insert(stop.module.clone());
    }
    assert!(modules.len() >= 2, "Rust and C: {modules:?}");
    assert!(checked >= 80, "{checked} values checked");
}
