//! Function listeners: hooks before and after every call of the functions they listen
//! to (wazero's `experimental.FunctionListener`), with the call stack and the calling
//! module's state, and the ability to pause the call.
//!
//! A [`FunctionListenerFactory`] set with
//! [`crate::RuntimeConfig::with_function_listener_factory`] is asked once per function
//! definition when a module is compiled; functions it gives no listener to cost nothing
//! extra, and a runtime without a factory compiles the same code as before.
//!
//! For every `before` exactly one `after` or `abort` follows: on a trap, an exit or an
//! exception that leaves the frame (thrown in it or below it and caught above it, or
//! not caught at all), `abort` runs for every listened frame being unwound, the
//! innermost first.
//!
//! Tail calls (`return_call`, `return_call_indirect`, `return_call_ref`): a frame replaced by a tail call is
//! gone (from the stack a later `before` sees, and from traces), listened or not, so a
//! tail-recursive loop needs no stack under listeners either. A replaced listened
//! function still gets exactly one `after` or `abort`: when the frame that replaced it
//! (at the same depth) returns, right after that frame's own hook, with the same
//! results (its results are its callee's), latest replaced first; or `abort` when that
//! frame is unwound. The same on every engine.

use std::sync::Arc;

use crate::error::Error;
pub use crate::types::ListenerHooks;
use crate::types::{FunctionDefinition, GlobalType};
use crate::values::Value;

/// Creates listeners, once per function definition, when a module is compiled (host
/// modules included).
pub trait FunctionListenerFactory: Send + Sync + 'static {
    /// The listener for `definition`, or `None` to leave the function alone.
    fn new_listener(&self, definition: &FunctionDefinition) -> Option<Arc<dyn FunctionListener>>;
}

/// What a listener wants the call to do after `before`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ListenerAction {
    /// Go on.
    #[default]
    Continue,
    /// Pause the call before the function's first instruction. A call started with
    /// [`crate::Function::start_call`] then returns [`crate::ExecutionState::Paused`] and
    /// can be resumed; a plain [`crate::Function::call`] ignores the request.
    Pause,
}

/// Hooks around the calls of one function.
///
/// A listener has every hook unless [`FunctionListener::hooks`] says otherwise; the ones
/// it does not implement do nothing, but the engines still call them. A listener that
/// needs only some of them says which, and the others cost nothing.
pub trait FunctionListener: Send + Sync {
    /// The hooks this listener has: the engines call only these (all by default). Asked
    /// once, when the module is compiled. A listener with none is as no listener at all.
    ///
    /// The pairing rule (every `before` followed by exactly one `after` or `abort`) holds
    /// for the hooks it has: without `ABORT`, a frame unwound gets no hook; without
    /// `BEFORE`, `after` and `abort` still come, once for each call.
    fn hooks(&self) -> ListenerHooks {
        ListenerHooks::all()
    }

    /// Runs when the function is entered, with its parameters and the call stack (the
    /// function itself first).
    fn before(
        &self,
        call: &CallContext<'_>,
        params: &[u64],
        stack: &StackIterator<'_>,
    ) -> ListenerAction {
        let _ = (call, params, stack);
        ListenerAction::Continue
    }

    /// Runs when the function returns normally, with its results.
    fn after(&self, call: &CallContext<'_>, results: &[u64]) {
        let _ = (call, results);
    }

    /// Runs when the function is unwound by a trap or an exit.
    fn abort(&self, call: &CallContext<'_>, error: &Error) {
        let _ = (call, error);
    }
}

/// A function's listener and the hooks it has, as the engines keep it: a hook it lacks
/// does nothing here (the engines' code does not call it at all where it can tell).
#[derive(Clone)]
pub(crate) struct Listener {
    inner: Arc<dyn FunctionListener>,
    hooks: ListenerHooks,
}

impl Listener {
    /// `listener`, with the hooks it says it has; `None` when it has none.
    pub(crate) fn new(listener: Arc<dyn FunctionListener>) -> Option<Self> {
        // (Bits no hook has are left out: `from_bits_retain` can make them.)
        let hooks = listener.hooks() & ListenerHooks::all();
        (!hooks.is_empty()).then_some(Listener {
            inner: listener,
            hooks,
        })
    }

    /// The hooks it has.
    pub(crate) fn hooks(&self) -> ListenerHooks {
        self.hooks
    }

    /// The listener itself, for code that calls only hooks it has (the interpreter's
    /// entry hook and listened return, emitted only for them).
    #[inline]
    pub(crate) fn has(&self, hook: ListenerHooks) -> &dyn FunctionListener {
        debug_assert!(self.hooks.contains(hook), "{hook:?} called, not had");
        &*self.inner
    }

    /// [`FunctionListener::before`], if it has it.
    #[inline]
    pub(crate) fn before(
        &self,
        call: &CallContext<'_>,
        params: &[u64],
        stack: &StackIterator<'_>,
    ) -> ListenerAction {
        match self.hooks.contains(ListenerHooks::BEFORE) {
            true => self.inner.before(call, params, stack),
            false => ListenerAction::Continue,
        }
    }

    /// [`FunctionListener::after`], if it has it.
    #[inline]
    pub(crate) fn after(&self, call: &CallContext<'_>, results: &[u64]) {
        if self.hooks.contains(ListenerHooks::AFTER) {
            self.inner.after(call, results);
        }
    }

    /// [`FunctionListener::abort`], if it has it.
    #[inline]
    pub(crate) fn abort(&self, call: &CallContext<'_>, error: &Error) {
        if self.hooks.contains(ListenerHooks::ABORT) {
            self.inner.abort(call, error);
        }
    }
}

/// The called function and its module's state, read-only.
pub struct CallContext<'a> {
    pub(crate) store: &'a dyn InstanceView,
    pub(crate) instance: u32,
    /// For a host function: the calling module, whose memory and globals it sees.
    pub(crate) caller: Option<u32>,
    pub(crate) definition: &'a FunctionDefinition,
}

impl CallContext<'_> {
    /// The called function.
    pub fn definition(&self) -> &FunctionDefinition {
        self.definition
    }

    /// The name of the module the function belongs to.
    pub fn module_name(&self) -> &str {
        self.store.instance_name(self.instance)
    }

    /// The instance whose state this call sees: the function's own, or for a host
    /// function its caller's.
    fn state_instance(&self) -> u32 {
        self.caller.unwrap_or(self.instance)
    }

    /// Every global of the module (imported and defined, exported or not), in index
    /// order: type and value (the low slot; `v128` globals also give their high slot).
    /// For a host function, the calling module's.
    pub fn globals(&self) -> Vec<(GlobalType, u64, u64)> {
        self.store.instance_globals(self.state_instance())
    }

    /// The module's memory 0, if it has one (for a host function, the caller's).
    pub fn memory(&self) -> Option<&[u8]> {
        self.store.instance_memory(self.state_instance())
    }

    /// The elements of the module's table `index` (`0` is null; a function reference is
    /// an opaque non-zero handle). For a host function, the caller's.
    pub fn table(&self, index: u32) -> Option<&[u64]> {
        self.store.instance_table(self.state_instance(), index)
    }
}

/// One frame of the call stack: a function, a Wasm byte offset and typed values (the
/// same for every engine; how an engine keeps them is its own business).
#[derive(Clone, Debug)]
pub struct StackFrame<'a> {
    pub(crate) definition: Arc<FunctionDefinition>,
    pub(crate) source_offset: Option<u64>,
    /// The locals in the engine's slots.
    pub(crate) locals: &'a [u64],
    /// The operand stack in the engine's slots, bottom first.
    pub(crate) operands: &'a [u64],
    /// Where the types of the slots come from.
    pub(crate) types: FrameTypes<'a>,
}

/// How a [`StackFrame`] learns its values' types.
#[derive(Clone, Debug)]
pub(crate) enum FrameTypes<'a> {
    /// A host function: its parameters' types; no operands.
    Host,
    /// Defined function `def` of `module`, before the operator at module offset `at`.
    Wasm {
        module: &'a crate::module::ModuleInfo,
        def: u32,
        at: Option<u64>,
    },
}

impl<'a> StackFrame<'a> {
    /// The frame's function.
    pub fn definition(&self) -> &FunctionDefinition {
        &self.definition
    }

    /// Byte offset of the current instruction in the Code section (the address space of
    /// Wasm DWARF); `None` for host functions.
    pub fn source_offset(&self) -> Option<u64> {
        self.source_offset
    }

    /// The frame's locals, parameters first.
    ///
    /// # Notes
    /// On the compiler engine only the innermost frame at `before` has values (its
    /// parameters and its zeroed locals): compiled code keeps values in registers, so
    /// callers' frames give none. Run the interpreter to see them.
    pub fn locals(&self) -> Vec<Value> {
        let types = match &self.types {
            FrameTypes::Host => Some(self.definition.param_types().to_vec()),
            FrameTypes::Wasm { module, def, .. } => module.local_types(*def),
        };
        Value::decode(&types.unwrap_or_default(), self.locals)
    }

    /// The frame's operand stack, bottom first (empty on the compiler engine): for the
    /// paused (or trapping) frame the operands of its current instruction and those
    /// below; for a caller, those below the call's arguments (which are the callee's
    /// parameters); empty at a function's entry. Their types come from validating the function up to the instruction (each
    /// call of this does that: keep what it returns).
    pub fn operands(&self) -> Vec<Value> {
        if self.operands.is_empty() {
            return Vec::new();
        }
        let types = match &self.types {
            FrameTypes::Host => None,
            FrameTypes::Wasm { module, def, at } => {
                at.and_then(|at| module.operand_types_at(*def, at))
            }
        };
        Value::decode(&types.unwrap_or_default(), self.operands)
    }
}

/// The call stack, from the called function down to the outermost caller. Frames are
/// computed when iterated, so a listener that does not look pays nothing for depth.
pub struct StackIterator<'a> {
    /// A host function's frame, on top of the Wasm frames (host-function listeners).
    /// (A reference: the iterator then has nothing to drop, which its hooks would test.)
    pub(crate) host: Option<&'a StackFrame<'a>>,
    /// The engine's Wasm frames.
    pub(crate) wasm: &'a dyn WalkFrames,
}

/// What an engine gives the listener API of a call's Wasm frames (engine-neutral: a
/// frame is its function's definition, a Wasm offset and values).
pub(crate) trait WalkFrames {
    /// How many Wasm frames there are.
    fn count(&self) -> usize;
    /// Frame `i`, innermost first; `None` when it cannot be read.
    fn frame(&self, i: usize) -> Option<StackFrame<'_>>;
}

/// What the listener API reads of the module instances: the store, seen through the
/// methods [`CallContext`] needs.
pub(crate) trait InstanceView {
    /// The name instance `inst` was instantiated under.
    fn instance_name(&self, inst: u32) -> &str;
    /// Instance `inst`'s globals (imports first): type, value, high half of a `v128`.
    fn instance_globals(&self, inst: u32) -> Vec<(GlobalType, u64, u64)>;
    /// Instance `inst`'s memory 0.
    fn instance_memory(&self, inst: u32) -> Option<&[u8]>;
    /// Instance `inst`'s table `index`.
    fn instance_table(&self, inst: u32, index: u32) -> Option<&[u64]>;
}

impl<'a> StackIterator<'a> {
    /// How deep the stack is.
    pub fn len(&self) -> usize {
        self.host.is_some() as usize + self.wasm.count()
    }

    /// Whether there is no frame (never, inside a listener).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The frames, innermost first.
    pub fn frames(&self) -> impl Iterator<Item = StackFrame<'a>> + '_ {
        let wasm: &'a dyn WalkFrames = self.wasm;
        self.host
            .cloned()
            .into_iter()
            .chain((0..wasm.count()).filter_map(move |i| wasm.frame(i)))
    }
}
