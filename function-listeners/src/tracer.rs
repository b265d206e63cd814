//! Records every listened call as a tree: function, parameters and results (formatted as
//! the [logging](crate::logging) listener formats them), wall-clock duration and outcome.
//!
//! ```
//! use std::sync::Arc;
//! use wasmscope::{Runtime, RuntimeConfig};
//! use wasmscope_listeners::tracer::{render, CallTracer};
//!
//! let tracer = CallTracer::new();
//! let rt = Runtime::with_config(
//!     RuntimeConfig::interpreter().with_function_listener_factory(Arc::new(tracer.clone())),
//! );
//! let wasm = wat::parse_str(r#"(module $app
//!     (func $sq (param $x i32) (result i32) local.get $x local.get $x i32.mul)
//!     (func $main (export "main") (result i32) i32.const 7 call $sq))"#).unwrap();
//! let module = rt.instantiate(&wasm).unwrap();
//! module.exported_function("main").unwrap().call(&[]).unwrap();
//! assert_eq!(
//!     render(&tracer.take_roots(), false),
//!     "app.main() -> 49\n  app.sq(x=7) -> 49\n"
//! );
//! ```
//!
//! Calls are expected to nest, one at a time, as they do within one runtime (its store
//! is locked for the duration of a call): use one tracer per runtime. A call paused by
//! another listener stays open (and its time runs) until it is resumed; a paused
//! execution that is dropped rather than closed leaves its calls open for good.
//! The tree grows with every call: trace short runs.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use wasmscope::listener::{
    CallContext, FunctionListener, FunctionListenerFactory, ListenerAction, StackIterator,
};
use wasmscope::{Error, FunctionDefinition};

use crate::values::{param_strings, result_strings};

/// How a call ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It returned normally.
    Returned,
    /// It was unwound by a trap or a host function's error: the error's first line
    /// (e.g. `wasm error: integer divide by zero`).
    Trapped(String),
    /// It was unwound by an exit (`proc_exit`, a host function's [`Error::exit`], a
    /// module closed meanwhile) with this exit code.
    Exited(u32),
}

/// One call and the calls it made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallNode {
    /// [`FunctionDefinition::debug_name`]: `module.function` or `module.$index`.
    pub function: String,
    /// Whether it is a host function.
    pub host: bool,
    /// The parameters, `name=value` where named (see [`param_strings`]).
    pub params: Vec<String>,
    /// The results, when it returned (see [`result_strings`]); empty otherwise.
    pub results: Vec<String>,
    /// Wall-clock time from entry to return or unwinding.
    pub duration: Duration,
    /// How it ended.
    pub outcome: Outcome,
    /// The calls it made, in order.
    pub children: Vec<CallNode>,
}

impl CallNode {
    /// The number of calls in this subtree, this one included.
    pub fn count(&self) -> usize {
        1 + self.children.iter().map(CallNode::count).sum::<usize>()
    }

    /// One line for this call, without indentation or children:
    /// `module.function(params) -> results`, `... !! trapped: message` or
    /// `... !! exited(code)`, followed with `durations` by `  [12.3µs]`.
    pub fn line(&self, durations: bool) -> String {
        let mut line = format!("{}({})", self.function, self.params.join(","));
        match &self.outcome {
            Outcome::Returned => match self.results.len() {
                0 => line.push_str(" -> ()"),
                1 => line.push_str(&format!(" -> {}", self.results[0])),
                _ => line.push_str(&format!(" -> ({})", self.results.join(","))),
            },
            Outcome::Trapped(message) => line.push_str(&format!(" !! trapped: {message}")),
            Outcome::Exited(code) => line.push_str(&format!(" !! exited({code})")),
        }
        if durations {
            line.push_str(&format!(
                "  [{:.1}µs]",
                self.duration.as_secs_f64() * 1_000_000.0
            ));
        }
        line
    }

    fn render_into(&self, depth: usize, durations: bool, out: &mut String) {
        out.push_str(&"  ".repeat(depth));
        out.push_str(&self.line(durations));
        out.push('\n');
        for child in &self.children {
            child.render_into(depth + 1, durations, out);
        }
    }
}

/// The trees as indented text: one [`CallNode::line`] per call, two spaces per level of
/// nesting, roots in order. Without `durations` the text is deterministic.
pub fn render(roots: &[CallNode], durations: bool) -> String {
    let mut out = String::new();
    for root in roots {
        root.render_into(0, durations, &mut out);
    }
    out
}

/// A call entered and not yet ended.
struct Open {
    node: CallNode,
    start: Instant,
}

#[derive(Default)]
struct State {
    /// The shadow stack, outermost first.
    open: Vec<Open>,
    /// Finished outermost calls.
    roots: Vec<CallNode>,
}

impl State {
    /// Ends the innermost open call.
    fn close(&mut self, end: Instant, results: Vec<String>, outcome: Outcome) {
        let Some(Open { mut node, start }) = self.open.pop() else {
            return;
        };
        node.duration = end.saturating_duration_since(start);
        node.results = results;
        node.outcome = outcome;
        match self.open.last_mut() {
            Some(parent) => parent.node.children.push(node),
            None => self.roots.push(node),
        }
    }
}

/// The call tracer: a listener factory (give it to
/// [`wasmscope::RuntimeConfig::with_function_listener_factory`] as
/// `Arc::new(tracer.clone())`) and the handle to the recorded trees. Clones share the
/// record. It listens to every function, guest and host.
#[derive(Clone, Default)]
pub struct CallTracer {
    state: Arc<Mutex<State>>,
}

impl CallTracer {
    /// An empty tracer.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes the finished outermost calls (each with its whole tree), in call order,
    /// leaving the tracer empty of them. Calls still running or paused are not included.
    pub fn take_roots(&self) -> Vec<CallNode> {
        std::mem::take(&mut self.lock().roots)
    }

    /// How many calls are entered and not yet ended (non-zero while a call is paused).
    pub fn open_calls(&self) -> usize {
        self.lock().open.len()
    }
}

impl FunctionListenerFactory for CallTracer {
    fn new_listener(&self, definition: &FunctionDefinition) -> Option<Arc<dyn FunctionListener>> {
        Some(Arc::new(TraceListener {
            tracer: self.clone(),
            function: definition.debug_name(),
        }))
    }
}

/// Records the calls of one function into its [`CallTracer`].
struct TraceListener {
    tracer: CallTracer,
    function: String,
}

impl FunctionListener for TraceListener {
    fn before(
        &self,
        call: &CallContext<'_>,
        params: &[u64],
        _: &StackIterator<'_>,
    ) -> ListenerAction {
        let node = CallNode {
            function: self.function.clone(),
            host: call.definition().is_host(),
            params: param_strings(call, params),
            results: Vec::new(),
            duration: Duration::ZERO,
            outcome: Outcome::Returned,
            children: Vec::new(),
        };
        let mut state = self.tracer.lock();
        state.open.push(Open {
            node,
            start: Instant::now(),
        });
        ListenerAction::Continue
    }

    fn after(&self, call: &CallContext<'_>, results: &[u64]) {
        let end = Instant::now();
        let results = result_strings(call.definition(), results);
        self.tracer.lock().close(end, results, Outcome::Returned);
    }

    fn abort(&self, _: &CallContext<'_>, error: &Error) {
        let end = Instant::now();
        let outcome = match error.exit_code() {
            Some(code) => Outcome::Exited(code),
            None => {
                let text = error.to_string();
                Outcome::Trapped(text.lines().next().unwrap_or_default().to_string())
            }
        };
        self.tracer.lock().close(end, Vec::new(), outcome);
    }
}
