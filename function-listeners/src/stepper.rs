//! A stepping debugger session on one module: breakpoints by function, code offset and
//! `file:line`, stepping into, over and out of calls and instructions, run to cursor.
//! Built on the runtime's resumable execution ([`wasmscope::Execution`]), whose code
//! runs at the plain interpreter's speed wherever nothing can stop; the workbench drives
//! this.

use std::collections::HashSet;
use std::sync::Arc;

use wasmscope::dwarf::SourceLocation;
use wasmscope::listener::FunctionListenerFactory;
use wasmscope::{
    CompiledModule, Error, Execution, ExecutionState, FunctionDefinition, Module, ModuleConfig,
    Position, Runtime, RuntimeConfig, StepMode, Value,
};

/// A debugging session; see the [module docs](self).
pub struct Stepper {
    runtime: Runtime,
    compiled: CompiledModule,
    module: Option<Module>,
    execution: Option<Execution>,
    /// Pause at every throw (see [`Stepper::set_pause_on_exceptions`]).
    pause_on_exceptions: bool,
    offsets: HashSet<u64>,
    /// The sliced operation that a budget pause interrupted ([`Stepper::begin`]).
    pending: Option<Op>,
}

/// One frame of a paused call: [`Stepper::frames`].
#[derive(Clone, Debug)]
pub struct Frame {
    /// The frame's function (name, type, parameter names).
    pub definition: FunctionDefinition,
    /// The code-section offset of the frame's current instruction (the call, for callers).
    pub code_offset: Option<u64>,
    /// Its source locations from DWARF, innermost inlined frame first.
    pub sources: Vec<SourceLocation>,
    /// Locals, parameters first.
    pub locals: Vec<Value>,
    /// The operand stack, bottom first.
    pub operands: Vec<Value>,
}

/// An operation that [`Stepper::begin`] runs in slices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// To the next breakpoint or the end ([`Stepper::resume`]).
    Continue,
    /// One instruction, entering calls ([`Stepper::step_into`]).
    StepInto,
    /// One instruction of this function ([`Stepper::step_over`]).
    StepOver,
    /// Out of the current function ([`Stepper::step_out`]).
    StepOut,
    /// To the next function entered ([`Stepper::step_to_next_call`]).
    StepToNextCall,
    /// To the next call at the current function's level ([`Stepper::step_over_call`]).
    StepOverCall,
    /// To a code offset ([`Stepper::run_to`]).
    RunTo(u64),
}

/// The most pages a 64-bit memory may have in a debug session (64 GiB), on 64-bit hosts;
/// 32-bit memories keep their 4 GiB.
pub const MEMORY64_LIMIT_PAGES: u32 = 1 << 20;

impl Stepper {
    /// A session for module `wasm`, compiled for stepping, on a runtime where
    /// `setup` may add host modules (e.g. `wasmscope::wasi::instantiate`).
    ///
    /// # Errors
    /// The module does not compile, or `setup` fails.
    pub fn new(
        wasm: &[u8],
        setup: impl FnOnce(&Runtime) -> wasmscope::Result<()>,
    ) -> wasmscope::Result<Stepper> {
        Self::with_listener_factory(wasm, None, setup)
    }

    /// Like [`Stepper::new`], with `listeners` (e.g. a
    /// [`LoggingListenerFactory`](crate::logging::LoggingListenerFactory) for a call log)
    /// on every function besides the stepper's own.
    ///
    /// # Errors
    /// The module does not compile, or `setup` fails.
    pub fn with_listener_factory(
        wasm: &[u8],
        listeners: Option<Arc<dyn FunctionListenerFactory>>,
        setup: impl FnOnce(&Runtime) -> wasmscope::Result<()>,
    ) -> wasmscope::Result<Stepper> {
        let mut config = RuntimeConfig::interpreter().with_debug_stepping(true);
        // A 64-bit memory (memory64) may grow past 4 GiB (to 64 GiB: pages are mapped
        // when touched) where the host has the address space for it.
        if cfg!(target_pointer_width = "64") {
            config = config.with_memory_limit_pages(MEMORY64_LIMIT_PAGES);
        }
        if let Some(factory) = listeners {
            config = config.with_function_listener_factory(factory);
        }
        let runtime = Runtime::with_config(config);
        setup(&runtime)?;
        let compiled = runtime.compile_module(wasm)?;
        Ok(Stepper {
            runtime,
            compiled,
            module: None,
            execution: None,
            pause_on_exceptions: false,
            offsets: HashSet::new(),
            pending: None,
        })
    }

    /// The runtime of the session.
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// The compiled module (definitions, DWARF lookups).
    pub fn compiled(&self) -> &CompiledModule {
        &self.compiled
    }

    /// Instantiates the module with `config` (its start functions are not run) and starts
    /// a paused call of `function`; nothing runs until the first step or `resume`.
    ///
    /// # Errors
    /// Instantiation fails, or there is no such export.
    pub fn start(
        &mut self,
        config: ModuleConfig,
        function: &str,
        params: &[u64],
    ) -> wasmscope::Result<()> {
        let module = self
            .runtime
            .instantiate_module(&self.compiled, config.with_start_functions(&[]))?;
        let f = module
            .exported_function(function)
            .ok_or_else(|| Error::new(format!("no exported function {function:?}")))?;
        let mut execution = f.start_call(params)?;
        for o in &self.offsets {
            execution.add_breakpoint(&module, *o);
        }
        execution.set_pause_on_exceptions(self.pause_on_exceptions);
        self.execution = Some(execution);
        self.module = Some(module);
        Ok(())
    }

    /// Stops whenever function `name` is entered (its name-section name or debug name,
    /// see [`CompiledModule::function_index`]): a breakpoint at its first instruction,
    /// whose code offset this returns; `None` when no defined function has that name.
    pub fn break_at_function(&mut self, name: &str) -> Option<u64> {
        let index = self.compiled.function_index(name)?;
        let offset = self.compiled.function_entry_offset(index)?;
        self.break_at_offset(offset);
        Some(offset)
    }

    /// Stops before the instruction at code-section offset `offset`.
    pub fn break_at_offset(&mut self, offset: u64) {
        self.offsets.insert(offset);
        if let (Some(e), Some(m)) = (&mut self.execution, &self.module) {
            e.add_breakpoint(m, offset);
        }
    }

    /// Stops at line `line` of the source file whose path ends with `file`; returns the
    /// code offsets the breakpoint covers (none: the line has no code).
    pub fn break_at_line(&mut self, file: &str, line: u32) -> Vec<u64> {
        let offsets = self.compiled.code_offsets_for_line(file, line);
        for o in &offsets {
            self.break_at_offset(*o);
        }
        offsets
    }

    /// Pause at every throw of an exception, caught or not, before its handler runs
    /// ([`Execution::set_pause_on_exceptions`]); [`Stepper::exception`] tells it.
    pub fn set_pause_on_exceptions(&mut self, on: bool) {
        self.pause_on_exceptions = on;
        if let Some(e) = &mut self.execution {
            e.set_pause_on_exceptions(on);
        }
    }

    /// The exception thrown where the call is paused, or the one that ended it
    /// uncaught ([`Execution::exception`]).
    pub fn exception(&self) -> Option<wasmscope::ThrownException> {
        self.execution.as_ref()?.exception()
    }

    /// Removes every breakpoint.
    pub fn clear_breakpoints(&mut self) {
        if let (Some(e), Some(m)) = (&mut self.execution, &self.module) {
            for o in &self.offsets {
                e.remove_breakpoint(m, *o);
            }
        }
        self.offsets.clear();
    }

    fn execution(&mut self) -> &mut Execution {
        self.execution.as_mut().expect("Stepper::start was called")
    }

    /// Runs to the next breakpoint, or the end.
    pub fn resume(&mut self) -> ExecutionState {
        self.execution().resume()
    }

    /// Runs at most `instructions` instructions (a slice of a long run), then pauses;
    /// [`Stepper::paused_by_budget`] tells such a pause from a breakpoint.
    pub fn resume_for(&mut self, instructions: u64) -> ExecutionState {
        self.execution().resume_for(instructions)
    }

    /// Whether the last pause ended a [`Stepper::resume_for`] slice.
    pub fn paused_by_budget(&self) -> bool {
        self.execution
            .as_ref()
            .is_some_and(Execution::paused_by_budget)
    }

    /// One instruction, entering calls.
    pub fn step_into(&mut self) -> ExecutionState {
        self.execution().step(StepMode::Instruction)
    }

    /// One instruction of this function, running calls to their end.
    pub fn step_over(&mut self) -> ExecutionState {
        self.execution().step(StepMode::Over)
    }

    /// To the instruction after the current function returns.
    pub fn step_out(&mut self) -> ExecutionState {
        self.execution().step(StepMode::Out)
    }

    /// To the entry of the next function called (call-level step in).
    pub fn step_to_next_call(&mut self) -> ExecutionState {
        self.run(Op::StepToNextCall, None)
    }

    /// Runs the current function to its end and on to the entry of the next call at its
    /// level (the caller's next call): call-level step over. Ends at a breakpoint, or at
    /// the end when no such call comes.
    pub fn step_over_call(&mut self) -> ExecutionState {
        self.run(Op::StepOverCall, None)
    }

    /// Runs to code offset `offset` (a temporary breakpoint), or the next breakpoint.
    pub fn run_to(&mut self, offset: u64) -> ExecutionState {
        self.run(Op::RunTo(offset), None)
    }

    /// Starts `op` and runs it for at most `instructions` instructions. When the budget
    /// runs out first the call pauses with [`Stepper::pending`] set, and
    /// [`Stepper::go_on`] runs the next slice of the same operation (a step over a long
    /// call still ends back in its function), so that a user interface never blocks on
    /// a guest that runs long or forever. A pending operation is cancelled first.
    pub fn begin(&mut self, op: Op, instructions: u64) -> ExecutionState {
        self.run(op, Some(instructions))
    }

    /// Sets up `op` (a temporary breakpoint for run to cursor) and runs it, within `budget`
    /// instructions if given; what it set up is undone once it ends.
    fn run(&mut self, op: Op, budget: Option<u64>) -> ExecutionState {
        self.cancel();
        let mode = match op {
            Op::StepInto => StepMode::Instruction,
            Op::StepOver => StepMode::Over,
            Op::StepOut => StepMode::Out,
            Op::Continue => StepMode::Run,
            Op::StepToNextCall => StepMode::Entry,
            Op::StepOverCall => StepMode::SiblingEntry,
            Op::RunTo(offset) => {
                let module = self.module.clone().expect("Stepper::start was called");
                self.execution().add_breakpoint(&module, offset);
                StepMode::Run
            }
        };
        self.pending = Some(op);
        let state = match budget {
            Some(n) => self.execution().step_for(mode, n),
            None => self.execution().step(mode),
        };
        self.settle(state)
    }

    /// Runs the next slice of the operation a budget pause interrupted; without one,
    /// this is [`Stepper::resume_for`].
    pub fn go_on(&mut self, instructions: u64) -> ExecutionState {
        let state = self.execution().continue_for(instructions);
        self.settle(state)
    }

    /// The operation that a budget pause interrupted, if any.
    pub fn pending(&self) -> Option<Op> {
        self.pending
    }

    /// Forgets the interrupted operation (the user pressed Pause): the call stays paused
    /// where the last slice ended, and the next resume or step starts afresh.
    pub fn cancel(&mut self) {
        let Some(op) = self.pending.take() else {
            return;
        };
        if let Op::RunTo(offset) = op {
            if !self.offsets.contains(&offset) {
                if let (Some(e), Some(m)) = (&mut self.execution, &self.module) {
                    e.remove_breakpoint(m, offset);
                }
            }
        }
    }

    /// Keeps the operation pending after a budget pause, and ends it otherwise.
    fn settle(&mut self, state: ExecutionState) -> ExecutionState {
        if !(matches!(state, ExecutionState::Paused) && self.paused_by_budget()) {
            self.cancel();
        }
        state
    }

    /// Where the paused call is.
    pub fn position(&self) -> Option<Position> {
        self.execution.as_ref()?.position()
    }

    /// The source locations of the current position (innermost inlined frame first).
    pub fn source(&self) -> Vec<SourceLocation> {
        self.position()
            .and_then(|p| p.code_offset)
            .map(|o| self.compiled.source_locations(o))
            .unwrap_or_default()
    }

    /// The frames of the paused call, innermost first, with their code offsets and
    /// source locations. After a trap, the trapping call's frames as they were (the
    /// innermost at the trapping instruction, see [`Execution::with_stack`]) until the
    /// next [`Stepper::start`]; empty otherwise when not paused.
    pub fn frames(&self) -> Vec<Frame> {
        let mut frames: Vec<Frame> = self
            .execution
            .as_ref()
            .and_then(|e| {
                e.with_stack(|s| {
                    s.frames()
                        .map(|f| Frame {
                            definition: f.definition().clone(),
                            code_offset: f.source_offset(),
                            sources: Vec::new(),
                            locals: f.locals(),
                            operands: f.operands(),
                        })
                        .collect()
                })
            })
            .unwrap_or_default();
        // DWARF lookups after the stack walk, which holds the runtime's store.
        for f in &mut frames {
            if let Some(o) = f.code_offset {
                f.sources = self.compiled.source_locations(o);
            }
        }
        frames
    }

    /// The source variables of `frame` (one of [`Stepper::frames`]) at its offset, from
    /// DWARF, with their values (globals and memory 0 read from the session's instance);
    /// empty without DWARF. A variable that cannot be read says why in its value.
    pub fn variables(&self, frame: &Frame) -> Vec<wasmscope::variables::Variable> {
        let Some(offset) = frame.code_offset else {
            return Vec::new();
        };
        let module = self.module.as_ref();
        let globals = module.map(|m| m.globals()).unwrap_or_default();
        let memory = module.and_then(|m| m.memories().into_iter().next());
        let global = |i: u32| {
            let g = globals.get(i as usize)?;
            let bits = g.peek();
            Value::from_slots(g.value_type(), &[bits as u64, (bits >> 64) as u64])
        };
        let read = |address: u64, len: usize| memory.as_ref()?.read_at(address, len as u64);
        let values = wasmscope::variables::FrameValues {
            locals: &frame.locals,
            operands: &frame.operands,
            global: &global,
            memory: &read,
        };
        self.compiled.variables(offset, &values).unwrap_or_default()
    }

    /// The call stack while paused: `(debug name, locals, operands)` per frame, innermost
    /// first.
    pub fn stack(&self) -> Vec<(String, Vec<Value>, Vec<Value>)> {
        self.execution
            .as_ref()
            .and_then(|e| {
                e.with_stack(|s| {
                    s.frames()
                        .map(|f| (f.definition().debug_name(), f.locals(), f.operands()))
                        .collect()
                })
            })
            .unwrap_or_default()
    }

    /// Ends the paused call with `exit_code` (the module closes, its notifier fires).
    pub fn close(&mut self, exit_code: u32) -> Error {
        self.execution().close_with_exit_code(exit_code)
    }

    /// The instantiated module, once started.
    pub fn module(&self) -> Option<&Module> {
        self.module.as_ref()
    }
}
