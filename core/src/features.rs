//! The WebAssembly features a runtime accepts ([`CoreFeatures`], the seed's
//! `api.CoreFeatures`), set with [`crate::RuntimeConfig::with_core_features`].

use wasmparser::WasmFeatures;

/// A set of WebAssembly features (the seed's `api.CoreFeatures`): a module that uses a
/// feature outside the runtime's set fails to compile with an error naming it.
///
/// The named sets follow the specification's versions: [`CoreFeatures::V1`] (1.0 with
/// mutable globals, the seed's `CoreFeaturesV1`), [`CoreFeatures::V2`] (2.0 with SIMD,
/// the seed's `CoreFeaturesV2`) and [`CoreFeatures::V3`], the default, on both engines.
/// [`CoreFeatures::SUPPORTED`] is everything this version runs: 3.0 and the legacy
/// exception instructions, which Emscripten and older toolchains still emit (the
/// command line and the workbench accept them).
///
/// ```
/// use wasmscope::{CoreFeatures, Runtime, RuntimeConfig};
/// let features = CoreFeatures::V2.with(CoreFeatures::EXTENDED_CONST);
/// assert!(features.contains(CoreFeatures::SIMD));
/// let rt = Runtime::with_config(RuntimeConfig::interpreter().with_core_features(features));
/// // 2.0 without SIMD: a module with a `v128` is refused, and the error says why.
/// let v1 = Runtime::with_config(
///     RuntimeConfig::interpreter().with_core_features(CoreFeatures::V2.without(CoreFeatures::SIMD)),
/// );
/// let wasm = wat::parse_str("(module (func (result v128) (v128.const i64x2 0 0)))").unwrap();
/// assert!(rt.compile_module(&wasm).is_ok());
/// let err = v1.compile_module(&wasm).unwrap_err().to_string();
/// assert!(err.contains("SIMD"), "{err}");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CoreFeatures(u32);

/// Each feature: its flag, its name (as the proposals call it) and wasmparser's flag.
const ALL: [(CoreFeatures, &str, WasmFeatures); 16] = [
    (
        CoreFeatures::MUTABLE_GLOBAL,
        "mutable-global",
        WasmFeatures::MUTABLE_GLOBAL,
    ),
    (
        CoreFeatures::SIGN_EXTENSION_OPS,
        "sign-extension-ops",
        WasmFeatures::SIGN_EXTENSION,
    ),
    (
        CoreFeatures::NON_TRAPPING_FLOAT_TO_INT_CONVERSION,
        "nontrapping-float-to-int-conversions",
        WasmFeatures::SATURATING_FLOAT_TO_INT,
    ),
    (
        CoreFeatures::MULTI_VALUE,
        "multi-value",
        WasmFeatures::MULTI_VALUE,
    ),
    (
        CoreFeatures::BULK_MEMORY_OPERATIONS,
        "bulk-memory",
        WasmFeatures::BULK_MEMORY,
    ),
    (
        CoreFeatures::REFERENCE_TYPES,
        "reference-types",
        WasmFeatures::REFERENCE_TYPES,
    ),
    (CoreFeatures::SIMD, "simd", WasmFeatures::SIMD),
    (
        CoreFeatures::EXTENDED_CONST,
        "extended-const",
        WasmFeatures::EXTENDED_CONST,
    ),
    (
        CoreFeatures::RELAXED_SIMD,
        "relaxed-simd",
        WasmFeatures::RELAXED_SIMD,
    ),
    (
        CoreFeatures::TAIL_CALL,
        "tail-call",
        WasmFeatures::TAIL_CALL,
    ),
    (
        CoreFeatures::EXCEPTION_HANDLING,
        "exceptions",
        WasmFeatures::EXCEPTIONS,
    ),
    (
        CoreFeatures::FUNCTION_REFERENCES,
        "function-references",
        WasmFeatures::FUNCTION_REFERENCES,
    ),
    (
        CoreFeatures::MULTI_MEMORY,
        "multi-memory",
        WasmFeatures::MULTI_MEMORY,
    ),
    (CoreFeatures::MEMORY64, "memory64", WasmFeatures::MEMORY64),
    (CoreFeatures::GC, "gc", WasmFeatures::GC),
    (
        CoreFeatures::LEGACY_EXCEPTIONS,
        "legacy-exceptions",
        WasmFeatures::LEGACY_EXCEPTIONS,
    ),
];

impl CoreFeatures {
    /// Globals that can be imported and exported mutable (1.0's one addition).
    pub const MUTABLE_GLOBAL: Self = Self(1 << 0);
    /// `i32.extend8_s` and the other sign-extension operators.
    pub const SIGN_EXTENSION_OPS: Self = Self(1 << 1);
    /// `i32.trunc_sat_f32_s` and the other saturating conversions.
    pub const NON_TRAPPING_FLOAT_TO_INT_CONVERSION: Self = Self(1 << 2);
    /// Several results from functions and blocks, parameters for blocks.
    pub const MULTI_VALUE: Self = Self(1 << 3);
    /// `memory.copy`, `memory.fill`, passive segments and the other bulk operators.
    pub const BULK_MEMORY_OPERATIONS: Self = Self(1 << 4);
    /// `funcref`/`externref` values, several tables, the table operators.
    pub const REFERENCE_TYPES: Self = Self(1 << 5);
    /// 128-bit vectors (`v128`).
    pub const SIMD: Self = Self(1 << 6);
    /// Constant expressions with `add`, `sub` and `mul` (3.0).
    pub const EXTENDED_CONST: Self = Self(1 << 7);
    /// The relaxed SIMD operators (3.0), each with one deterministic choice.
    pub const RELAXED_SIMD: Self = Self(1 << 8);
    /// `return_call` and `return_call_indirect` (3.0; `return_call_ref` comes with
    /// typed function references).
    pub const TAIL_CALL: Self = Self(1 << 9);
    /// Tags, `throw`, `throw_ref`, `try_table`, `exnref` (3.0).
    pub const EXCEPTION_HANDLING: Self = Self(1 << 10);
    /// Typed function references: `call_ref`, `return_call_ref`, `ref.as_non_null`,
    /// `br_on_null`, `br_on_non_null`, non-nullable locals (3.0).
    pub const FUNCTION_REFERENCES: Self = Self(1 << 11);
    /// Several memories (3.0).
    pub const MULTI_MEMORY: Self = Self(1 << 12);
    /// 64-bit memory and table addresses (3.0).
    pub const MEMORY64: Self = Self(1 << 13);
    /// Structs, arrays and `i31` references with a collector (3.0).
    pub const GC: Self = Self(1 << 14);

    /// The legacy exception-handling instructions (`try`, `catch`, `catch_all`,
    /// `rethrow`, `delegate`) that Emscripten and older toolchains emit: not part of
    /// any standard version (3.0 has `try_table` and `exnref` instead), but supported
    /// and on by default.
    pub const LEGACY_EXCEPTIONS: Self = Self(1 << 15);

    /// No feature.
    pub const NONE: Self = Self(0);
    /// WebAssembly 1.0 with mutable globals (the seed's `CoreFeaturesV1`).
    pub const V1: Self = Self::MUTABLE_GLOBAL;
    /// WebAssembly 2.0, SIMD included (the seed's `CoreFeaturesV2`).
    pub const V2: Self = Self::V1
        .union(Self::SIGN_EXTENSION_OPS)
        .union(Self::NON_TRAPPING_FLOAT_TO_INT_CONVERSION)
        .union(Self::MULTI_VALUE)
        .union(Self::BULK_MEMORY_OPERATIONS)
        .union(Self::REFERENCE_TYPES)
        .union(Self::SIMD);
    /// WebAssembly 3.0.
    pub const V3: Self = Self::V2
        .union(Self::EXTENDED_CONST)
        .union(Self::RELAXED_SIMD)
        .union(Self::TAIL_CALL)
        .union(Self::EXCEPTION_HANDLING)
        .union(Self::FUNCTION_REFERENCES)
        .union(Self::MULTI_MEMORY)
        .union(Self::MEMORY64)
        .union(Self::GC);
    /// What this version runs: all of 3.0 ([`CoreFeatures::V3`], the default) and the
    /// legacy exception instructions. Both engines run all of it but GC, which runs on the
    /// interpreter only.
    pub const SUPPORTED: Self = Self::V2
        .union(Self::EXTENDED_CONST)
        .union(Self::RELAXED_SIMD)
        .union(Self::TAIL_CALL)
        .union(Self::EXCEPTION_HANDLING)
        .union(Self::LEGACY_EXCEPTIONS)
        .union(Self::FUNCTION_REFERENCES)
        .union(Self::MULTI_MEMORY)
        .union(Self::MEMORY64)
        .union(Self::GC);

    /// Both sets' features.
    pub const fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// This set with `feature` added (several, when it is a set).
    pub const fn with(self, feature: Self) -> Self {
        self.union(feature)
    }

    /// This set without `feature` (without any of them, when it is a set).
    pub const fn without(self, feature: Self) -> Self {
        Self(self.0 & !feature.0)
    }

    /// Whether every feature of `other` is in this set.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The names of the set's features, as the proposals call them (`"tail-call"`).
    pub fn names(self) -> Vec<&'static str> {
        ALL.iter()
            .filter(|(f, _, _)| self.contains(*f))
            .map(|(_, name, _)| *name)
            .collect()
    }

    /// The features of this set that this version does not run yet.
    pub(crate) fn unsupported(self) -> Self {
        self.without(Self::SUPPORTED)
    }

    /// wasmparser's set for validation.
    pub(crate) fn to_wasmparser(self) -> WasmFeatures {
        // Floats and the reference types' type system are not optional in wasmparser's
        // sense: every version has them.
        let mut out = WasmFeatures::MVP;
        for (f, _, w) in ALL {
            if self.contains(f) {
                out |= w;
            }
        }
        out
    }
}

impl Default for CoreFeatures {
    fn default() -> Self {
        Self::V3
    }
}

impl std::fmt::Debug for CoreFeatures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CoreFeatures({})", self.names().join(" | "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_named_sets_are_the_versions() {
        assert_eq!(CoreFeatures::V1.names(), ["mutable-global"]);
        assert_eq!(CoreFeatures::V2.names().len(), 7);
        assert_eq!(CoreFeatures::V3.names().len(), ALL.len() - 1);
        assert!(!CoreFeatures::V3.contains(CoreFeatures::LEGACY_EXCEPTIONS));
        assert_eq!(CoreFeatures::V2.to_wasmparser(), WasmFeatures::WASM2);
        assert!(CoreFeatures::V3
            .with(CoreFeatures::LEGACY_EXCEPTIONS)
            .contains(CoreFeatures::SUPPORTED));
        assert!(CoreFeatures::SUPPORTED.unsupported().is_empty());
        assert!(CoreFeatures::V3.unsupported().is_empty());
        assert_eq!(
            CoreFeatures::SUPPORTED,
            CoreFeatures::V3.with(CoreFeatures::LEGACY_EXCEPTIONS)
        );
        assert_eq!(CoreFeatures::default(), CoreFeatures::V3);
        let f = CoreFeatures::V2.without(CoreFeatures::SIMD);
        assert!(!f.contains(CoreFeatures::SIMD) && f.contains(CoreFeatures::MULTI_VALUE));
        assert_eq!(
            format!("{:?}", CoreFeatures::V1),
            "CoreFeatures(mutable-global)"
        );
    }
}
