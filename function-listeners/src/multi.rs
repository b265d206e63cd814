//! Several listener factories as one (wazero's `MultiFunctionListenerFactory`): a runtime
//! takes a single factory, so logging, tracing and profiling together go through this.

use std::sync::Arc;

use wasmscope::listener::{
    CallContext, FunctionListener, FunctionListenerFactory, ListenerAction, ListenerHooks,
    StackIterator,
};
use wasmscope::{Error, FunctionDefinition};

/// Asks each of its factories for a listener; a function gets all the listeners they
/// give (or none, at no cost, if none gives one).
pub struct MultiListenerFactory {
    factories: Vec<Arc<dyn FunctionListenerFactory>>,
}

impl MultiListenerFactory {
    /// Combines `factories`; their listeners run in this order on `before` and in the
    /// reverse order on `after` and `abort`, so that they nest.
    pub fn new(factories: Vec<Arc<dyn FunctionListenerFactory>>) -> Self {
        MultiListenerFactory { factories }
    }
}

impl FunctionListenerFactory for MultiListenerFactory {
    fn new_listener(&self, definition: &FunctionDefinition) -> Option<Arc<dyn FunctionListener>> {
        let mut listeners: Vec<(Arc<dyn FunctionListener>, ListenerHooks)> = self
            .factories
            .iter()
            .filter_map(|f| f.new_listener(definition))
            .map(|l| {
                let hooks = l.hooks();
                (l, hooks)
            })
            .filter(|(_, hooks)| !hooks.is_empty())
            .collect();
        match listeners.len() {
            0 => None,
            1 => listeners.pop().map(|(l, _)| l),
            _ => {
                let hooks = listeners
                    .iter()
                    .fold(ListenerHooks::empty(), |h, l| h | l.1);
                Some(Arc::new(MultiListener { listeners, hooks }))
            }
        }
    }
}

/// The listeners of one function, called in turn, each for the hooks it has.
struct MultiListener {
    listeners: Vec<(Arc<dyn FunctionListener>, ListenerHooks)>,
    /// The hooks any of them has.
    hooks: ListenerHooks,
}

impl MultiListener {
    /// The listeners that have `hook`, in order.
    fn with(&self, hook: ListenerHooks) -> impl DoubleEndedIterator<Item = &dyn FunctionListener> {
        (self.listeners.iter())
            .filter(move |(_, hooks)| hooks.contains(hook))
            .map(|(l, _)| &**l)
    }
}

impl FunctionListener for MultiListener {
    fn hooks(&self) -> ListenerHooks {
        self.hooks
    }

    /// Pauses if any listener asks to (every listener still sees the call).
    fn before(
        &self,
        call: &CallContext<'_>,
        params: &[u64],
        stack: &StackIterator<'_>,
    ) -> ListenerAction {
        let mut action = ListenerAction::Continue;
        for l in self.with(ListenerHooks::BEFORE) {
            if l.before(call, params, stack) == ListenerAction::Pause {
                action = ListenerAction::Pause;
            }
        }
        action
    }

    fn after(&self, call: &CallContext<'_>, results: &[u64]) {
        for l in self.with(ListenerHooks::AFTER).rev() {
            l.after(call, results);
        }
    }

    fn abort(&self, call: &CallContext<'_>, error: &Error) {
        for l in self.with(ListenerHooks::ABORT).rev() {
            l.abort(call, error);
        }
    }
}
