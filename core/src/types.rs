//! WebAssembly types as the public API shows them.

use std::fmt;
use std::sync::Arc;

/// A WebAssembly value type.
///
/// Values of every type travel through the API as `u64` slots (a `v128` takes two):
/// `i32` zero-extended, floats as their IEEE-754 bits, references as opaque handles where
/// `0` is the null reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValueType {
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// 32-bit IEEE-754 float.
    F32,
    /// 64-bit IEEE-754 float.
    F64,
    /// 128-bit vector (two slots).
    V128,
    /// Nullable reference to a function.
    FuncRef,
    /// Nullable opaque host reference.
    ExternRef,
    /// Nullable reference to a caught exception (exception handling, `exnref`).
    ExnRef,
    /// Nullable reference in GC's `any` hierarchy (`anyref`, `eqref`, `i31ref`,
    /// `structref`, `arrayref`, references to defined struct and array types): a GC
    /// object, an unboxed 31-bit integer, or a host reference converted with
    /// `any.convert_extern`.
    AnyRef,
}

impl ValueType {
    /// The name used in the text format (`i32`, `funcref`, ...).
    pub fn name(self) -> &'static str {
        match self {
            ValueType::I32 => "i32",
            ValueType::I64 => "i64",
            ValueType::F32 => "f32",
            ValueType::F64 => "f64",
            ValueType::V128 => "v128",
            ValueType::FuncRef => "funcref",
            ValueType::ExternRef => "externref",
            ValueType::ExnRef => "exnref",
            ValueType::AnyRef => "anyref",
        }
    }

    /// How many `u64` slots a value of this type takes (2 for `v128`, else 1).
    pub fn slots(self) -> usize {
        if self == ValueType::V128 {
            2
        } else {
            1
        }
    }

    pub(crate) fn from_wasmparser(ty: wasmparser::ValType) -> Result<Self, String> {
        use wasmparser::ValType as V;
        Ok(match ty {
            V::I32 => ValueType::I32,
            V::I64 => ValueType::I64,
            V::F32 => ValueType::F32,
            V::F64 => ValueType::F64,
            V::V128 => ValueType::V128,
            // Typed references (function references) are the same values as their
            // abstract heap type's: a nullable or not, typed or not function reference
            // is a `funcref` here (the validator checks the types).
            V::Ref(r) => {
                use wasmparser::{AbstractHeapType as A, HeapType as H};
                match r.heap_type() {
                    H::Abstract {
                        ty: A::Func | A::NoFunc,
                        shared: false,
                    }
                    | H::Concrete(_)
                    | H::Exact(_) => ValueType::FuncRef,
                    H::Abstract {
                        ty: A::Extern | A::NoExtern,
                        shared: false,
                    } => ValueType::ExternRef,
                    H::Abstract {
                        ty: A::Exn | A::NoExn,
                        shared: false,
                    } => ValueType::ExnRef,
                    H::Abstract {
                        ty: A::Any | A::Eq | A::I31 | A::Struct | A::Array | A::None,
                        shared: false,
                    } => ValueType::AnyRef,
                    _ => return Err(format!("unsupported reference type {r}")),
                }
            }
        })
    }
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A function signature: parameter and result types.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct FuncType {
    params: Arc<[ValueType]>,
    results: Arc<[ValueType]>,
}

impl FuncType {
    /// A signature from its parameter and result types.
    pub fn new(params: impl Into<Arc<[ValueType]>>, results: impl Into<Arc<[ValueType]>>) -> Self {
        FuncType {
            params: params.into(),
            results: results.into(),
        }
    }

    /// The parameter types.
    pub fn params(&self) -> &[ValueType] {
        &self.params
    }

    /// The result types.
    pub fn results(&self) -> &[ValueType] {
        &self.results
    }

    /// Number of `u64` slots the parameters take.
    pub fn param_slots(&self) -> usize {
        self.params.iter().map(|t| t.slots()).sum()
    }

    /// Number of `u64` slots the results take.
    pub fn result_slots(&self) -> usize {
        self.results.iter().map(|t| t.slots()).sum()
    }
}

impl fmt::Display for FuncType {
    /// wazero's signature format: `(i32,i32) i32`, `()`, `(i64) (i32,i32)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "(")?;
        for (i, p) in self.params.iter().enumerate() {
            if i > 0 {
                write!(f, ",")?;
            }
            write!(f, "{p}")?;
        }
        write!(f, ")")?;
        match self.results.len() {
            0 => Ok(()),
            1 => write!(f, " {}", self.results[0]),
            _ => {
                write!(f, " (")?;
                for (i, r) in self.results.iter().enumerate() {
                    if i > 0 {
                        write!(f, ",")?;
                    }
                    write!(f, "{r}")?;
                }
                write!(f, ")")
            }
        }
    }
}

/// Size limits of a table or memory (in elements or 64 KiB pages).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Initial size.
    pub min: u64,
    /// Maximum size, if declared.
    pub max: Option<u64>,
}

/// The type of a table: its element type and limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableType {
    /// `FuncRef` or `ExternRef`.
    pub element: ValueType,
    /// Limits in elements.
    pub limits: Limits,
    /// Whether its indices are `i64`s (a 64-bit table, of memory64).
    pub table64: bool,
}

/// The type of a linear memory (limits in 64 KiB pages).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryType {
    /// Limits in pages.
    pub limits: Limits,
}

/// The type of a global: value type and mutability.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GlobalType {
    /// The value type.
    pub value_type: ValueType,
    /// Whether `global.set` may change it.
    pub mutable: bool,
}

/// Describes a function of a module: where it comes from, its name and signature.
///
/// Like wazero's `api.FunctionDefinition`, it is available before instantiation (from a
/// `CompiledModule`) and stays valid after.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionDefinition {
    pub(crate) module_name: Arc<str>,
    pub(crate) index: u32,
    pub(crate) import: Option<(Arc<str>, Arc<str>)>,
    pub(crate) export_names: Vec<Arc<str>>,
    pub(crate) name: Option<Arc<str>>,
    pub(crate) ty: FuncType,
    pub(crate) param_names: Vec<Option<Arc<str>>>,
    pub(crate) result_names: Vec<Option<Arc<str>>>,
    /// Defined by a host module (Rust code), not by Wasm.
    pub(crate) host: bool,
}

impl FunctionDefinition {
    /// The name of the module that defines the function (may be empty).
    pub fn module_name(&self) -> &str {
        &self.module_name
    }

    /// Whether the function is a host function (Rust code from a host module).
    pub fn is_host(&self) -> bool {
        self.host
    }

    /// Index in the module's function index space (imports first).
    pub fn index(&self) -> u32 {
        self.index
    }

    /// `(module, name)` of the import, if the function is imported.
    pub fn import(&self) -> Option<(&str, &str)> {
        self.import.as_ref().map(|(m, n)| (&**m, &**n))
    }

    /// Names this function is exported under, in export-section order.
    pub fn export_names(&self) -> Vec<&str> {
        self.export_names.iter().map(|s| &**s).collect()
    }

    /// The name from the name section, if any.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// `module.func` when the function has a name, else `module.$IDX` (wazero's format).
    pub fn debug_name(&self) -> String {
        match &self.name {
            Some(n) => format!("{}.{}", self.module_name, n),
            None => format!("{}.${}", self.module_name, self.index),
        }
    }

    /// The function's signature.
    pub fn func_type(&self) -> &FuncType {
        &self.ty
    }

    /// Parameter types.
    pub fn param_types(&self) -> &[ValueType] {
        self.ty.params()
    }

    /// Result types.
    pub fn result_types(&self) -> &[ValueType] {
        self.ty.results()
    }

    /// Parameter names from the name section (`None` where unnamed).
    pub fn param_names(&self) -> &[Option<Arc<str>>] {
        &self.param_names
    }

    /// Result names, when a host function declared them.
    pub fn result_names(&self) -> &[Option<Arc<str>>] {
        &self.result_names
    }
}

bitflags::bitflags! {
    /// Which hooks a listener has ([`crate::listener::FunctionListener::hooks`]). The engines call only
    /// these, and a hook a listener lacks costs its function's calls nothing: no entry
    /// hook without `BEFORE`, a plain return without `AFTER`.
    ///
    /// ```
    /// use wasmscope::listener::{CallContext, FunctionListener, ListenerHooks};
    /// use wasmscope::Error;
    ///
    /// /// Reports the functions a trap unwinds, and costs nothing until one does.
    /// struct Unwound;
    /// impl FunctionListener for Unwound {
    ///     fn hooks(&self) -> ListenerHooks {
    ///         ListenerHooks::ABORT
    ///     }
    ///     fn abort(&self, call: &CallContext<'_>, error: &Error) {
    ///         eprintln!("{} unwound: {error}", call.definition().debug_name());
    ///     }
    /// }
    /// assert!(!Unwound.hooks().contains(ListenerHooks::BEFORE));
    /// ```
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct ListenerHooks: u8 {
        /// `before`, at the function's entry (and its pause).
        const BEFORE = 1;
        /// `after`, when the function returns.
        const AFTER = 1 << 1;
        /// `abort`, when a trap, an exit or an exception unwinds it.
        const ABORT = 1 << 2;
    }
}
