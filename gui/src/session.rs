//! The debugger session: a [`Stepper`] on the loaded module with WASI, its captured
//! stdout and stderr, and where the call stands. No window needed: the app and the
//! tests drive it the same way.
//!
//! Every operation runs synchronously until the call stops (a breakpoint, a step, the
//! end). A guest that loops forever therefore blocks the caller; running in slices is
//! the next step (see the README).

use std::io::Write;
use std::sync::{Arc, Mutex};

use wasmscope::{ExecutionState, ModuleConfig};
use wasmscope_listeners::stepper::Stepper;

/// A byte buffer that a guest writes to (stdout or stderr) and the Console reads.
#[derive(Clone, Debug, Default)]
pub struct SharedBuffer(Arc<Mutex<Vec<u8>>>);

impl SharedBuffer {
    /// The bytes written so far, as (lossy) UTF-8.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

impl Write for SharedBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Where the session's call stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunState {
    /// Nothing started (or the start failed: see [`Session::message`]).
    NotStarted,
    /// Paused before the instruction at this code offset (`None`: not yet entered).
    Paused {
        /// The code-section offset of the next instruction.
        code_offset: Option<u64>,
        /// The source location (`file:line`), when the module has DWARF.
        source: Option<String>,
    },
    /// The function returned these results.
    Finished(Vec<u64>),
    /// The call trapped: the message with its stack trace, and the innermost frame's
    /// code offset.
    Trapped {
        /// The error's text (message and trace).
        message: String,
        /// The code offset of the trapping instruction, if known.
        code_offset: Option<u64>,
    },
    /// The guest exited (or was closed) with this code.
    Exited(u32),
}

/// A debugging session; see the [module docs](self).
pub struct Session {
    stepper: Option<Stepper>,
    state: RunState,
    /// The guest's stdout.
    pub stdout: SharedBuffer,
    /// The guest's stderr.
    pub stderr: SharedBuffer,
    message: Option<String>,
    /// Continue is running in slices, one per frame, until a stop or a Pause.
    running: bool,
}

/// Instructions per frame while Continue runs, so that the window stays responsive.
pub const SLICE: u64 = 200_000;

impl Default for Session {
    fn default() -> Self {
        Session {
            stepper: None,
            state: RunState::NotStarted,
            stdout: SharedBuffer::default(),
            stderr: SharedBuffer::default(),
            message: None,
            running: false,
        }
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Session({:?})", self.state)
    }
}

impl Session {
    /// Where the call stands.
    pub fn state(&self) -> &RunState {
        &self.state
    }

    /// The last start error, trap or exit, as text for the Console.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// Sets the Console's message (e.g. why a start did not happen).
    pub fn set_message(&mut self, message: impl Into<String>) {
        self.message = Some(message.into());
    }

    /// Whether the call is paused (so stepping makes sense).
    pub fn is_paused(&self) -> bool {
        matches!(self.state, RunState::Paused { .. })
    }

    /// The stepper, once started.
    pub fn stepper(&self) -> Option<&Stepper> {
        self.stepper.as_ref()
    }

    /// Starts a fresh, paused call of `export` with `params` (raw value slots) in a new runtime with WASI, with the
    /// `breakpoints` (code offsets) set. Output buffers are cleared.
    pub fn start(
        &mut self,
        wasm: &[u8],
        export: &str,
        params: &[u64],
        breakpoints: impl IntoIterator<Item = u64>,
    ) {
        *self = Session::default();
        let result = Stepper::new(wasm, wasmscope::wasi::instantiate).and_then(|mut s| {
            for o in breakpoints {
                s.break_at_offset(o);
            }
            let config = ModuleConfig::new()
                .with_stdout(self.stdout.clone())
                .with_stderr(self.stderr.clone())
                .with_args(&["module"]);
            s.start(config, export, params)?;
            Ok(s)
        });
        match result {
            Ok(s) => {
                self.stepper = Some(s);
                self.state = RunState::Paused {
                    code_offset: None,
                    source: None,
                };
            }
            Err(e) => self.message = Some(format!("cannot start {export}: {e}")),
        }
    }

    /// Adds a breakpoint to the running call (the app also keeps it for restarts).
    pub fn add_breakpoint(&mut self, offset: u64) {
        if let Some(s) = &mut self.stepper {
            s.break_at_offset(offset);
        }
    }

    /// Replaces the running call's breakpoints with `offsets`.
    pub fn set_breakpoints(&mut self, offsets: impl IntoIterator<Item = u64>) {
        if let Some(s) = &mut self.stepper {
            s.clear_breakpoints();
            for o in offsets {
                s.break_at_offset(o);
            }
        }
    }

    /// Runs to the next breakpoint or the end, at once (tests; the UI runs in slices).
    pub fn resume(&mut self) {
        self.run(Stepper::resume);
    }

    /// Starts Continue in slices: [`Session::tick`] runs one per frame until the call
    /// stops (breakpoint, end) or [`Session::pause`].
    pub fn continue_running(&mut self) {
        if self.is_paused() {
            self.running = true;
        }
    }

    /// Stops a running Continue at the end of the current slice (the call stays paused
    /// where the slice ended).
    pub fn pause(&mut self) {
        self.running = false;
    }

    /// Whether Continue is running.
    pub fn is_running(&self) -> bool {
        self.running
    }

    /// Runs one slice of a running Continue; returns whether it is still running.
    pub fn tick(&mut self) -> bool {
        if !self.running {
            return false;
        }
        self.run(|s| s.resume_for(SLICE));
        let budget_pause =
            self.is_paused() && self.stepper.as_ref().is_some_and(Stepper::paused_by_budget);
        self.running = budget_pause;
        self.running
    }

    /// One instruction, entering calls.
    pub fn step_into(&mut self) {
        self.run(Stepper::step_into);
    }

    /// One instruction, running calls to their end.
    pub fn step_over(&mut self) {
        self.run(Stepper::step_over);
    }

    /// To the instruction after the current function returns.
    pub fn step_out(&mut self) {
        self.run(Stepper::step_out);
    }

    /// Ends the paused call with `exit_code`.
    pub fn close(&mut self, exit_code: u32) {
        if !self.is_paused() {
            return;
        }
        if let Some(s) = &mut self.stepper {
            let e = s.close(exit_code);
            self.message = Some(e.to_string());
            self.state = RunState::Exited(exit_code);
        }
    }

    fn run(&mut self, op: fn(&mut Stepper) -> ExecutionState) {
        if !self.is_paused() {
            return;
        }
        let Some(s) = &mut self.stepper else { return };
        let state = op(s);
        self.state = match state {
            ExecutionState::Paused => RunState::Paused {
                code_offset: s.position().and_then(|p| p.code_offset),
                source: s.source().first().map(|l| l.to_string()),
            },
            ExecutionState::Finished(results) => {
                self.message = Some(format!("finished: {results:?}"));
                RunState::Finished(results)
            }
            ExecutionState::Trapped(e) => {
                let message = e.to_string();
                self.message = Some(message.clone());
                RunState::Trapped {
                    message,
                    code_offset: e.trace().first().and_then(|f| f.code_offset),
                }
            }
            ExecutionState::Exited(code) => {
                self.message = Some(format!("exited with code {code}"));
                RunState::Exited(code)
            }
            other => {
                self.message = Some(format!("{other:?}"));
                RunState::NotStarted
            }
        };
    }

    /// The call stack while paused: `(function, locals, operands)`, innermost first.
    pub fn stack(&self) -> Vec<(String, Vec<u64>, Vec<u64>)> {
        match (&self.stepper, self.is_paused()) {
            (Some(s), true) => s.stack(),
            _ => Vec::new(),
        }
    }

    /// Size of memory 0 in bytes, once instantiated.
    pub fn memory_size(&self) -> Option<u64> {
        Some(self.stepper.as_ref()?.module()?.memory()?.size())
    }

    /// `len` bytes of memory 0 at `offset` (clipped to the memory's end).
    pub fn read_memory(&self, offset: u64, len: u64) -> Option<Vec<u8>> {
        let memory = self.stepper.as_ref()?.module()?.memory()?;
        let size = memory.size();
        if offset >= size {
            return Some(Vec::new());
        }
        let len = len.min(size - offset);
        memory.read(u32::try_from(offset).ok()?, u32::try_from(len).ok()?)
    }
}
