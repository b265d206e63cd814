//! Resumable calls: [`crate::Function::start_call`] gives an [`Execution`] that runs
//! until it finishes, traps, exits, or a function listener asks to pause
//! ([`crate::listener::ListenerAction::Pause`]); [`Execution::resume`] goes on from
//! there. The whole state of the call lives on the heap, so pausing needs no thread
//! (the workbench runs in the browser).

use std::sync::Arc;

use crate::error::{Error, ErrorKind};
use crate::interp::exec::{Executor, RunEnd, Started};
use crate::runtime::RuntimeInner;

/// Where a resumable call stands after [`Execution::resume`].
#[derive(Debug)]
#[non_exhaustive]
pub enum ExecutionState {
    /// The function returned these results.
    Finished(Vec<u64>),
    /// A listener paused the call; `resume` continues it.
    Paused,
    /// The call trapped or failed (the error, with its trace).
    Trapped(Error),
    /// The guest exited, or the call was closed, with this exit code.
    Exited(u32),
}

enum State {
    NotStarted,
    Running(Box<Executor>),
    Done,
}

/// A call that can pause and resume; see the [module docs](self).
pub struct Execution {
    rt: Arc<RuntimeInner>,
    addr: u32,
    params: Vec<u64>,
    instance: u32,
    state: State,
}

impl std::fmt::Debug for Execution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match self.state {
            State::NotStarted => "not started",
            State::Running(_) => "paused",
            State::Done => "done",
        };
        write!(f, "Execution({state})")
    }
}

fn outcome(result: crate::Result<RunEnd>) -> (ExecutionState, bool) {
    match result {
        Ok(RunEnd::Finished(results)) => (ExecutionState::Finished(results), true),
        Ok(RunEnd::Paused) => (ExecutionState::Paused, false),
        Err(e) => match e.exit_code() {
            Some(code) => (ExecutionState::Exited(code), true),
            None => (ExecutionState::Trapped(e), true),
        },
    }
}

impl Execution {
    pub(crate) fn new(rt: Arc<RuntimeInner>, addr: u32, instance: u32, params: Vec<u64>) -> Self {
        Execution {
            rt,
            addr,
            params,
            instance,
            state: State::NotStarted,
        }
    }

    /// Runs the call until it finishes, traps, exits or pauses. After it has ended,
    /// `resume` keeps answering `Trapped` with a usage error.
    pub fn resume(&mut self) -> ExecutionState {
        let state = std::mem::replace(&mut self.state, State::Done);
        let (addr, instance) = (self.addr, self.instance);
        let params = std::mem::take(&mut self.params);
        let (result, next) = self.rt.with_store(|store| {
            if let Some(code) = store.instances[instance as usize].closed {
                // Closed meanwhile (by another thread, or the runtime): the call ends.
                if let State::Running(mut ex) = state {
                    ex.close(store, code);
                }
                return (ExecutionState::Exited(code), State::Done);
            }
            let mut ex = match state {
                State::Done => {
                    return (
                        ExecutionState::Trapped(Error::usage("the execution has already ended")),
                        State::Done,
                    )
                }
                State::NotStarted => match Executor::start(store, addr, &params, None, true) {
                    Ok(Started::Ready(ex)) => ex,
                    Ok(Started::Done(results)) => {
                        return (ExecutionState::Finished(results), State::Done);
                    }
                    Err(e) => return (outcome(Err(e)).0, State::Done),
                },
                State::Running(ex) => ex,
            };
            let (state, done) = outcome(ex.run(store));
            (
                state,
                if done {
                    State::Done
                } else {
                    State::Running(ex)
                },
            )
        });
        self.state = next;
        result
    }

    /// Whether the call has ended (finished, trapped or exited).
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// Ends a paused (or not yet started) call with `exit_code`: `abort` runs for every
    /// listened frame, the module is closed with that code (close notifiers fire), and
    /// the returned error is the `ExitError` the caller sees.
    pub fn close_with_exit_code(&mut self, exit_code: u32) -> Error {
        let state = std::mem::replace(&mut self.state, State::Done);
        let instance = self.instance;
        self.rt.with_store(|store| match state {
            State::Running(mut ex) => ex.close(store, exit_code),
            _ => {
                store.close_instance(instance, exit_code);
                Error::from_kind(ErrorKind::Exit(exit_code))
            }
        })
    }
}
