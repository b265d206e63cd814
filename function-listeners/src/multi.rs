//! Several listener factories as one (wazero's `MultiFunctionListenerFactory`): a runtime
//! takes a single factory, so logging, tracing and profiling together go through this.

use std::sync::Arc;

use wasmscope::listener::{
    CallContext, FunctionListener, FunctionListenerFactory, ListenerAction, StackIterator,
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
        let mut listeners: Vec<Arc<dyn FunctionListener>> = self
            .factories
            .iter()
            .filter_map(|f| f.new_listener(definition))
            .collect();
        match listeners.len() {
            0 => None,
            1 => listeners.pop(),
            _ => Some(Arc::new(MultiListener { listeners })),
        }
    }
}

/// The listeners of one function, called in turn.
struct MultiListener {
    listeners: Vec<Arc<dyn FunctionListener>>,
}

impl FunctionListener for MultiListener {
    /// Pauses if any listener asks to (every listener still sees the call).
    fn before(
        &self,
        call: &CallContext<'_>,
        params: &[u64],
        stack: &StackIterator<'_>,
    ) -> ListenerAction {
        let mut action = ListenerAction::Continue;
        for l in &self.listeners {
            if l.before(call, params, stack) == ListenerAction::Pause {
                action = ListenerAction::Pause;
            }
        }
        action
    }

    fn after(&self, call: &CallContext<'_>, results: &[u64]) {
        for l in self.listeners.iter().rev() {
            l.after(call, results);
        }
    }

    fn abort(&self, call: &CallContext<'_>, error: &Error) {
        for l in self.listeners.iter().rev() {
            l.abort(call, error);
        }
    }
}
