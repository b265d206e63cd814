//! The state every handle of a runtime shares ([`RuntimeInner`]): its configuration, its
//! store, and whether it is closed. Below the handles and the host-module
//! builder that keep an `Arc` of it, and [`crate::Runtime`], the public face.

use std::sync::{Arc, Mutex};

use crate::config::RuntimeConfig;
use crate::error::{Error, ErrorKind, Result};
use crate::store::Store;

pub(crate) struct RuntimeInner {
    pub(crate) config: RuntimeConfig,
    /// The store: its registry, items and names have locks of their own (see
    /// [`crate::store`]), so calls on different modules run in parallel.
    pub(crate) store: Store,
    /// Exit code once closed.
    pub(crate) closed: Mutex<Option<u32>>,
    /// Every instance's stop flag, reachable without the store lock (so that closing
    /// can stop calls in flight).
    pub(crate) controls: Mutex<Vec<Arc<crate::store::InstanceControl>>>,
}

impl RuntimeInner {
    pub(crate) fn controls(&self) -> Vec<Arc<crate::store::InstanceControl>> {
        self.controls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub(crate) fn register_control(&self, control: Arc<crate::store::InstanceControl>) {
        self.controls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(control);
    }

    /// Refuses `what` on a thread inside a call (a host function or a listener): the
    /// call holds its module's items, and waiting for others could deadlock.
    pub(crate) fn check_not_in_call(what: &str) -> Result<()> {
        if crate::store::in_call() {
            return Err(Error::usage(format!(
                "{what} from inside a call (a host function or a listener) is not \
                 supported: the call holds its module's memories, tables and globals"
            )));
        }
        Ok(())
    }

    pub(crate) fn check_open(&self) -> Result<()> {
        match *self.closed.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(code) => Err(Error::from_kind(ErrorKind::RuntimeClosed(code))),
            None => Ok(()),
        }
    }
}
