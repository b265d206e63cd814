//! Every benchmark workload of `samples/bench/` gives the checksum that the same Rust
//! source gives natively (`samples/bench/expected.txt`, small n), on every engine.

mod common;

use std::path::PathBuf;

use wasmscope::{ModuleConfig, Runtime};

fn bench_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../samples/bench")
}

#[test]
fn bench_workloads_match_native_checksums() {
    if common::on_every_engine(bench_workloads_match_native_checksums) {
        return;
    }
    let expected = std::fs::read_to_string(bench_dir().join("expected.txt")).unwrap();
    let mut checked = std::collections::HashSet::new();
    for line in expected.lines().filter(|l| !l.trim().is_empty()) {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let (name, n, sum): (&str, i32, i64) = (
            parts[0],
            parts[1].parse().unwrap(),
            parts[2].parse().unwrap(),
        );
        // The first line of each workload is its small n.
        if !checked.insert(name.to_string()) {
            continue;
        }
        let bytes = std::fs::read(bench_dir().join(format!("{name}.wasm"))).unwrap();
        let rt = Runtime::with_config(common::engine_config());
        let module = rt
            .instantiate_with_config(&bytes, ModuleConfig::new())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let run = module.typed_function::<i32, i64>("run").unwrap();
        assert_eq!(run.call(n).unwrap(), sum, "{name}({n})");
        // A second call on the same instance gives the same answer (the allocator rewinds).
        assert_eq!(run.call(n).unwrap(), sum, "{name}({n}) again");
    }
    assert_eq!(checked.len(), 8, "all eight workloads ran");
}
