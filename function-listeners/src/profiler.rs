//! A wall-clock profiler: per function (by [`FunctionDefinition::debug_name`], or that
//! name demangled: [`Profiler::with_demangled_names`]) the number
//! of calls, the *self* time (spent in the function itself, or in functions nobody
//! listens to) and the *total* time (with its callees); per distinct call stack the self
//! time, written in the "folded" format that flame-graph tools read (Brendan Gregg's
//! `flamegraph.pl`, inferno, speedscope):
//!
//! ```text
//! app.main 12
//! app.main;app.fac 3
//! app.main;app.fac;env.log 40
//! ```
//!
//! one line per stack, outermost function first, separated by `;`, then a space and the
//! self time in microseconds.
//!
//! A recursive function's total time counts only its outermost active call, so that time
//! is never counted twice; self times add up exactly to the outermost calls' durations.
//! Times are measured with [`std::time::Instant`] around the listener hooks, so they
//! include the listeners' own overhead. Calls are expected to nest, one at a time, as
//! they do within one runtime: use one profiler per runtime. A paused call's time runs
//! while it is paused.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use wasmscope::listener::{
    CallContext, FunctionListener, FunctionListenerFactory, ListenerAction, StackIterator,
};
use wasmscope::{Error, FunctionDefinition};

/// What the profiler measured for one function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionProfile {
    /// [`FunctionDefinition::debug_name`] (demangled with
    /// [`Profiler::with_demangled_names`]).
    pub function: String,
    /// How many times it was entered.
    pub calls: u64,
    /// Time spent in the function itself (callees that are listened to excluded).
    pub self_time: Duration,
    /// Time from entry to return of its outermost active calls (callees included,
    /// recursion counted once).
    pub total_time: Duration,
}

/// A node of the calling-context tree: one distinct stack.
struct Node {
    func: u32,
    children: HashMap<u32, usize>,
    self_time: Duration,
}

/// A call entered and not yet ended.
struct Frame {
    node: usize,
    func: u32,
    start: Instant,
    /// Total time of the listened callees that have ended.
    callees: Duration,
}

#[derive(Default)]
struct Stats {
    calls: u64,
    self_time: Duration,
    total_time: Duration,
    /// Calls of the function now on the shadow stack.
    active: u32,
}

struct State {
    /// Function names (interned when listeners are made) and their stats, by id.
    names: Vec<String>,
    ids: HashMap<String, u32>,
    stats: Vec<Stats>,
    /// The calling-context tree; node 0 is the root above every outermost call.
    nodes: Vec<Node>,
    /// The shadow stack, outermost first.
    stack: Vec<Frame>,
}

impl Default for State {
    fn default() -> Self {
        State {
            names: Vec::new(),
            ids: HashMap::new(),
            stats: Vec::new(),
            nodes: vec![Node {
                func: u32::MAX,
                children: HashMap::new(),
                self_time: Duration::ZERO,
            }],
            stack: Vec::new(),
        }
    }
}

impl State {
    fn enter(&mut self, func: u32, start: Instant) {
        let parent = self.stack.last().map_or(0, |f| f.node);
        let node = match self.nodes[parent].children.get(&func) {
            Some(n) => *n,
            None => {
                let n = self.nodes.len();
                self.nodes.push(Node {
                    func,
                    children: HashMap::new(),
                    self_time: Duration::ZERO,
                });
                self.nodes[parent].children.insert(func, n);
                n
            }
        };
        let stats = &mut self.stats[func as usize];
        stats.calls += 1;
        stats.active += 1;
        self.stack.push(Frame {
            node,
            func,
            start,
            callees: Duration::ZERO,
        });
    }

    fn exit(&mut self, end: Instant) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        let elapsed = end.saturating_duration_since(frame.start);
        let own = elapsed.saturating_sub(frame.callees);
        self.nodes[frame.node].self_time += own;
        let stats = &mut self.stats[frame.func as usize];
        stats.self_time += own;
        stats.active = stats.active.saturating_sub(1);
        if stats.active == 0 {
            stats.total_time += elapsed;
        }
        if let Some(caller) = self.stack.last_mut() {
            caller.callees += elapsed;
        }
    }

    /// Every stack with its self time, outermost function first, in depth-first order.
    fn stacks(&self) -> Vec<(Vec<u32>, Duration)> {
        let mut out = Vec::new();
        let mut path = Vec::new();
        self.walk(0, &mut path, &mut out);
        out
    }

    fn walk(&self, node: usize, path: &mut Vec<u32>, out: &mut Vec<(Vec<u32>, Duration)>) {
        if node != 0 {
            path.push(self.nodes[node].func);
            out.push((path.clone(), self.nodes[node].self_time));
        }
        for child in self.nodes[node].children.values() {
            self.walk(*child, path, out);
        }
        if node != 0 {
            path.pop();
        }
    }
}

/// A function name as a folded-stack frame: `;` separates frames, and a line ends the
/// stack, so neither may appear in a name.
fn frame_name(name: &str) -> String {
    name.replace(';', ":").replace(['\n', '\r'], " ")
}

/// The profiler: a listener factory (give it to
/// [`wasmscope::RuntimeConfig::with_function_listener_factory`] as
/// `Arc::new(profiler.clone())`) and the handle to its measurements. Clones share them.
/// It listens to every function, guest and host.
#[derive(Clone, Default)]
pub struct Profiler {
    state: Arc<Mutex<State>>,
    demangle: bool,
}

impl Profiler {
    /// A profiler with nothing measured.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether to name functions [demangled](wasmscope::demangle) (`app.divzero::share`)
    /// rather than as the module has them (`app._ZN7divzero5share17hc855073edf7893f1E`:
    /// the default). Functions whose names demangle alike (Rust's hash dropped) are
    /// then counted as one. Give it before the profiler is handed to a runtime.
    pub fn with_demangled_names(mut self, demangle: bool) -> Self {
        self.demangle = demangle;
        self
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every function called at least once, by self time (longest first), then by name.
    pub fn functions(&self) -> Vec<FunctionProfile> {
        let state = self.lock();
        let mut out: Vec<FunctionProfile> = state
            .stats
            .iter()
            .zip(&state.names)
            .filter(|(s, _)| s.calls > 0)
            .map(|(s, name)| FunctionProfile {
                function: name.clone(),
                calls: s.calls,
                self_time: s.self_time,
                total_time: s.total_time,
            })
            .collect();
        out.sort_by(|a, b| {
            b.self_time
                .cmp(&a.self_time)
                .then_with(|| a.function.cmp(&b.function))
        });
        out
    }

    /// Every distinct call stack (frames joined by `;`, outermost first) with the self
    /// time of its innermost function, sorted by stack.
    pub fn stacks(&self) -> Vec<(String, Duration)> {
        let state = self.lock();
        let mut out: Vec<(String, Duration)> = state
            .stacks()
            .into_iter()
            .map(|(path, time)| {
                let names: Vec<String> = path
                    .iter()
                    .map(|f| frame_name(&state.names[*f as usize]))
                    .collect();
                (names.join(";"), time)
            })
            .collect();
        out.sort();
        out
    }

    /// The folded-stack text: one `stack microseconds` line per distinct stack (see the
    /// [module docs](self)), sorted by stack. Stacks whose self time rounds down to 0 µs
    /// are kept, so the set of lines depends only on the calls made.
    pub fn folded(&self) -> String {
        self.stacks()
            .into_iter()
            .map(|(stack, time)| format!("{stack} {}\n", time.as_micros()))
            .collect()
    }

    /// A table of [`functions`](Self::functions), longest self time first:
    ///
    /// ```text
    ///      calls     self_us    total_us  function
    ///          4          21          30  app.fac
    /// ```
    pub fn table(&self) -> String {
        let mut out = format!(
            "{:>10}  {:>10}  {:>10}  function\n",
            "calls", "self_us", "total_us"
        );
        for f in self.functions() {
            out.push_str(&format!(
                "{:>10}  {:>10}  {:>10}  {}\n",
                f.calls,
                f.self_time.as_micros(),
                f.total_time.as_micros(),
                f.function
            ));
        }
        out
    }

    /// How many calls are entered and not yet ended (non-zero while a call is paused).
    pub fn open_calls(&self) -> usize {
        self.lock().stack.len()
    }
}

impl FunctionListenerFactory for Profiler {
    fn new_listener(&self, definition: &FunctionDefinition) -> Option<Arc<dyn FunctionListener>> {
        let name = crate::function_name(definition, self.demangle);
        let mut state = self.lock();
        let func = match state.ids.get(&name) {
            Some(id) => *id,
            None => {
                let id = state.names.len() as u32;
                state.ids.insert(name.clone(), id);
                state.names.push(name);
                state.stats.push(Stats::default());
                id
            }
        };
        Some(Arc::new(ProfileListener {
            profiler: self.clone(),
            func,
        }))
    }
}

/// Measures the calls of one function into its [`Profiler`].
struct ProfileListener {
    profiler: Profiler,
    func: u32,
}

impl FunctionListener for ProfileListener {
    fn before(&self, _: &CallContext<'_>, _: &[u64], _: &StackIterator<'_>) -> ListenerAction {
        let mut state = self.profiler.lock();
        state.enter(self.func, Instant::now());
        ListenerAction::Continue
    }

    fn after(&self, _: &CallContext<'_>, _: &[u64]) {
        let end = Instant::now();
        self.profiler.lock().exit(end);
    }

    fn abort(&self, _: &CallContext<'_>, _: &Error) {
        let end = Instant::now();
        self.profiler.lock().exit(end);
    }
}
