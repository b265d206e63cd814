//! Function listeners: hooks before and after every call of the functions they listen
//! to (wazero's `experimental.FunctionListener`), with the call stack and the calling
//! module's state, and the ability to pause the call.
//!
//! A [`FunctionListenerFactory`] set with
//! [`crate::RuntimeConfig::with_function_listener_factory`] is asked once per function
//! definition when a module is compiled; functions it gives no listener to cost nothing
//! extra, and a runtime without a factory compiles the same code as before.
//!
//! For every `before` exactly one `after` or `abort` follows: on a trap or an exit,
//! `abort` runs for every listened frame being unwound, the innermost first.

use std::sync::Arc;

use crate::error::Error;
use crate::store::Store;
use crate::types::{FunctionDefinition, GlobalType};

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
pub trait FunctionListener: Send + Sync {
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

/// The called function and its module's state, read-only.
pub struct CallContext<'a> {
    pub(crate) store: &'a Store,
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
        &self.store.instances[self.instance as usize].name
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
        let layout = &self.store.instances[self.state_instance() as usize].layout;
        layout
            .globals
            .iter()
            .map(|g| {
                let g = &self.store.globals[*g as usize];
                (g.ty, g.value, g.hi)
            })
            .collect()
    }

    /// The module's memory 0, if it has one (for a host function, the caller's).
    pub fn memory(&self) -> Option<&[u8]> {
        let layout = &self.store.instances[self.state_instance() as usize].layout;
        let m = *layout.memories.first()?;
        Some(&self.store.memories[m as usize].data)
    }

    /// The elements of the module's table `index` (`0` is null; a function reference is
    /// an opaque non-zero handle). For a host function, the caller's.
    pub fn table(&self, index: u32) -> Option<&[u64]> {
        let layout = &self.store.instances[self.state_instance() as usize].layout;
        let t = *layout.tables.get(index as usize)?;
        Some(&self.store.tables[t as usize].elems)
    }
}

/// One frame of the call stack.
#[derive(Clone, Debug)]
pub struct StackFrame<'a> {
    pub(crate) definition: Arc<FunctionDefinition>,
    pub(crate) pc: u32,
    pub(crate) source_offset: Option<u64>,
    pub(crate) locals: &'a [u64],
    pub(crate) operands: &'a [u64],
}

impl<'a> StackFrame<'a> {
    /// The frame's function.
    pub fn definition(&self) -> &FunctionDefinition {
        &self.definition
    }

    /// The interpreter's position in the function's translated code.
    pub fn program_counter(&self) -> u32 {
        self.pc
    }

    /// Byte offset of the current instruction in the Code section (the address space of
    /// Wasm DWARF); `None` for host functions.
    pub fn source_offset(&self) -> Option<u64> {
        self.source_offset
    }

    /// The frame's locals (parameters first), one slot per value (two per `v128`).
    pub fn locals(&self) -> &'a [u64] {
        self.locals
    }

    /// The frame's operand stack slots, bottom first. Values not yet written in the
    /// current instruction's frame may be stale; at a function's entry it is empty.
    pub fn operands(&self) -> &'a [u64] {
        self.operands
    }
}

/// The call stack, from the called function down to the outermost caller. Frames are
/// computed when iterated, so a listener that does not look pays nothing for depth.
pub struct StackIterator<'a> {
    /// A host function's own frame, first (for listeners of host functions).
    pub(crate) host: Option<StackFrame<'a>>,
    /// The innermost Wasm frame.
    pub(crate) top: Option<crate::interp::exec::FrameAt>,
    /// The callers' saved registers, outermost first.
    pub(crate) callers: &'a [crate::interp::exec::Frame],
    pub(crate) store: &'a Store,
    pub(crate) stack: &'a [u64],
}

impl<'a> StackIterator<'a> {
    /// How deep the stack is.
    pub fn len(&self) -> usize {
        self.host.is_some() as usize + self.top.is_some() as usize + self.callers.len()
    }

    /// Whether there is no frame (never, inside a listener).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The frames, innermost first.
    pub fn frames(&self) -> impl Iterator<Item = StackFrame<'a>> + '_ {
        let wasm = self.top.into_iter().chain(
            // Each caller's operands end where the callee's frame starts.
            self.callers
                .iter()
                .rev()
                .scan(self.top.map_or(0, |t| t.fp), |inner_fp, f| {
                    let frame = crate::interp::exec::FrameAt {
                        inst: f.inst,
                        func: f.func,
                        pc: f.pc.saturating_sub(1),
                        fp: f.fp as usize,
                        end: *inner_fp,
                    };
                    *inner_fp = f.fp as usize;
                    Some(frame)
                }),
        );
        self.host
            .clone()
            .into_iter()
            .chain(wasm.filter_map(|frame| self.wasm_frame(frame)))
    }

    fn wasm_frame(&self, frame: crate::interp::exec::FrameAt) -> Option<StackFrame<'a>> {
        let (fp, end) = (frame.fp, frame.end);
        let data = &self.store.instances[frame.inst as usize];
        let module = data.module.as_ref()?;
        let index = (module.num_imported_funcs + module.code.def_of(frame.func)) as usize;
        let definition = match &data.listeners {
            Some(l) => l.definitions[index].clone(),
            None => Arc::new(crate::module::definition(module, &data.name, index as u32)),
        };
        // A frame's function has run, so its code is there.
        let fc = module.code.ready(frame.func)?;
        let stack = self.stack;
        let locals_end = (fp + (fc.params + fc.locals) as usize).min(stack.len());
        let operands_start = (fp + fc.frame_slots() as usize).min(stack.len());
        Some(StackFrame {
            definition,
            pc: frame.pc,
            source_offset: fc
                .offsets
                .get(frame.pc as usize)
                .map(|o| (*o as u64).saturating_sub(module.code_section_offset as u64)),
            locals: &stack[fp.min(locals_end)..locals_end],
            operands: &stack[operands_start..end.clamp(operands_start, stack.len())],
        })
    }
}
