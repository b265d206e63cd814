//! The state every handle of a runtime shares ([`RuntimeInner`]): its configuration, its
//! store behind a lock, and whether it is closed. Below the handles and the host-module
//! builder that keep an `Arc` of it, and [`crate::Runtime`], the public face.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::config::RuntimeConfig;
use crate::error::{Error, ErrorKind, Result};
use crate::store::Store;

pub(crate) struct RuntimeInner {
    pub(crate) config: RuntimeConfig,
    pub(crate) store: Mutex<Store>,
    /// Exit code once closed.
    pub(crate) closed: Mutex<Option<u32>>,
    /// Every instance's stop flag, reachable without the store lock (so that closing
    /// can stop calls in flight).
    pub(crate) controls: Mutex<Vec<Arc<crate::store::InstanceControl>>>,
}

impl RuntimeInner {
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while the store was locked (a host function's, say) leaves it usable:
        // every store mutation is completed before code that can panic runs.
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` on the locked store, then, with the lock released, the close notifiers
    /// that `f` queued.
    pub(crate) fn with_store<R>(&self, f: impl FnOnce(&mut Store) -> R) -> R {
        let (result, pending) = {
            let mut store = self.store();
            let result = f(&mut store);
            (result, std::mem::take(&mut store.pending_notifications))
        };
        for (notifier, code) in pending {
            notifier(code);
        }
        result
    }

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

    pub(crate) fn check_open(&self) -> Result<()> {
        match *self.closed.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(code) => Err(Error::from_kind(ErrorKind::RuntimeClosed(code))),
            None => Ok(()),
        }
    }
}
