//! The WebAssembly 3.0 features the default configuration runs and that
//! `RuntimeConfig::with_core_features` can turn off (issue #14): GC, memory64,
//! multi-memory and typed function references. Each has a small module that runs with
//! the default configuration (and with `CoreFeatures::V3`), and that fails to compile,
//! with an error naming the feature, once the feature is left out of the set (alone,
//! or with `CoreFeatures::V2`, which has none of them).

use wasmscope::{CoreFeatures, Runtime, RuntimeConfig};

/// GC: a struct type, `struct.new` and `struct.get`.
const GC: &str = r#"(module
  (type $p (struct (field i32)))
  (func (export "f") (result i32) (struct.get $p 0 (struct.new $p (i32.const 7)))))"#;

/// memory64: a 64-bit memory, stored to and loaded from at a 64-bit address.
const MEMORY64: &str = r#"(module
  (memory i64 1)
  (func (export "f") (result i32)
    (i32.store (i64.const 8) (i32.const 42))
    (i32.load (i64.const 8))))"#;

/// Multi-memory: two memories, the second stored to and loaded from.
const MULTI_MEMORY: &str = r#"(module
  (memory 1)
  (memory $b 1)
  (func (export "f") (result i32)
    (i32.store $b (i32.const 0) (i32.const 5))
    (i32.load $b (i32.const 0))))"#;

/// Typed function references: `call_ref` through a `ref.func`.
const FUNCTION_REFERENCES: &str = r#"(module
  (type $t (func (result i32)))
  (func $f (type $t) (i32.const 9))
  (elem declare func $f)
  (func (export "f") (result i32) (call_ref $t (ref.func $f))))"#;

/// Checks that `wat` runs with the default configuration, where `feature` is on, and
/// that its exported `f` returns `want`; and that it compiles with 3.0's set.
fn runs_by_default(wat: &str, feature: CoreFeatures, want: u64) {
    let wasm = wat::parse_str(wat).unwrap();
    assert!(
        RuntimeConfig::new().core_features().contains(feature),
        "{feature:?} is on by default"
    );
    let m = Runtime::new().instantiate(&wasm).unwrap();
    assert_eq!(
        m.exported_function("f").unwrap().call(&[]).unwrap(),
        vec![want]
    );
    let v3 = RuntimeConfig::new().with_core_features(CoreFeatures::V3);
    assert!(Runtime::with_config(v3).compile_module(&wasm).is_ok());
}

/// Checks that `wat` fails to compile, with an error whose text contains `name`, with
/// the default set less `feature` and with 2.0's set.
fn refused_without(wat: &str, feature: CoreFeatures, name: &str) {
    let wasm = wat::parse_str(wat).unwrap();
    for features in [CoreFeatures::SUPPORTED.without(feature), CoreFeatures::V2] {
        assert!(!features.contains(feature));
        let rt = Runtime::with_config(RuntimeConfig::new().with_core_features(features));
        let err = rt.compile_module(&wasm).unwrap_err().to_string();
        assert!(err.starts_with("invalid module: "), "{features:?}: {err}");
        assert!(err.contains(name), "{features:?}: {err}");
    }
}

#[test]
fn gc_runs_by_default_and_can_be_turned_off() {
    runs_by_default(GC, CoreFeatures::GC, 7);
    // "struct indexed types not supported without the gc feature"
    refused_without(GC, CoreFeatures::GC, "gc feature");
}

#[test]
fn memory64_runs_by_default_and_can_be_turned_off() {
    runs_by_default(MEMORY64, CoreFeatures::MEMORY64, 42);
    // "memory64 must be enabled for 64-bit memories"
    refused_without(MEMORY64, CoreFeatures::MEMORY64, "memory64");
}

#[test]
fn multi_memory_runs_by_default_and_can_be_turned_off() {
    runs_by_default(MULTI_MEMORY, CoreFeatures::MULTI_MEMORY, 5);
    // wasmparser's words for a second memory without the feature.
    refused_without(
        MULTI_MEMORY,
        CoreFeatures::MULTI_MEMORY,
        "multiple memories",
    );
}

#[test]
fn function_references_run_by_default_and_can_be_turned_off() {
    runs_by_default(FUNCTION_REFERENCES, CoreFeatures::FUNCTION_REFERENCES, 9);
    // "function references support is not enabled", at the `call_ref`.
    refused_without(
        FUNCTION_REFERENCES,
        CoreFeatures::FUNCTION_REFERENCES,
        "function references",
    );
}
