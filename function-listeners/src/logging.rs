//! Logs every listened call in wazero's format (indented with one tab per level; shown
//! here with spaces):
//!
//! ```text
//! --> app.main()
//!     --> app.fac(n=3)
//!         ==> env.log(x=6)
//!         <==
//!     <-- 6
//! <--
//! ```
//!
//! `-->`/`<--` for guest functions, `==>`/`<==` for host functions, one tab per enclosing
//! logged call, `name=value` where the name is known, several results as `(a,b)`, a
//! failure as `<-- error: ...`. WASI calls show their errno symbolically
//! (`errno=ESUCCESS`) and their path arguments as strings (`path=dir/file.txt`).

use std::io::Write;
use std::sync::{Arc, Mutex};

use wasmscope::listener::{
    CallContext, FunctionListener, FunctionListenerFactory, ListenerAction, StackIterator,
};
use wasmscope::{Error, FunctionDefinition};

use crate::values::format_values;

/// Which calls to log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every function, guest and host.
    All,
    /// Host functions only (what `wasmscope run --hostlogging` shows).
    Host,
}

struct Shared {
    out: Box<dyn Write + Send>,
    depth: usize,
}

/// Creates [`LoggingListener`]s that write to one output, sharing the indentation.
pub struct LoggingListenerFactory {
    shared: Arc<Mutex<Shared>>,
    scope: Scope,
    /// Only host functions of these modules (e.g. `wasi_snapshot_preview1`), if set.
    modules: Option<Vec<String>>,
}

impl LoggingListenerFactory {
    /// Logs the calls in `scope` to `out`.
    pub fn new(out: impl Write + Send + 'static, scope: Scope) -> Self {
        LoggingListenerFactory {
            shared: Arc::new(Mutex::new(Shared {
                out: Box::new(out),
                depth: 0,
            })),
            scope,
            modules: None,
        }
    }

    /// Logs only functions of these modules (e.g. `wasi_snapshot_preview1`).
    pub fn with_modules(mut self, modules: &[&str]) -> Self {
        self.modules = Some(modules.iter().map(|m| m.to_string()).collect());
        self
    }
}

impl FunctionListenerFactory for LoggingListenerFactory {
    fn new_listener(&self, definition: &FunctionDefinition) -> Option<Arc<dyn FunctionListener>> {
        let host = definition.is_host();
        if self.scope == Scope::Host && !host {
            return None;
        }
        if let Some(modules) = &self.modules {
            if !modules.iter().any(|m| m == definition.module_name()) {
                return None;
            }
        }
        Some(Arc::new(LoggingListener {
            shared: self.shared.clone(),
            host,
        }))
    }
}

/// Logs the calls of one function; see the [module docs](self).
pub struct LoggingListener {
    shared: Arc<Mutex<Shared>>,
    host: bool,
}

const ERRNO_NAMES: [&str; 77] = [
    "ESUCCESS",
    "E2BIG",
    "EACCES",
    "EADDRINUSE",
    "EADDRNOTAVAIL",
    "EAFNOSUPPORT",
    "EAGAIN",
    "EALREADY",
    "EBADF",
    "EBADMSG",
    "EBUSY",
    "ECANCELED",
    "ECHILD",
    "ECONNABORTED",
    "ECONNREFUSED",
    "ECONNRESET",
    "EDEADLK",
    "EDESTADDRREQ",
    "EDOM",
    "EDQUOT",
    "EEXIST",
    "EFAULT",
    "EFBIG",
    "EHOSTUNREACH",
    "EIDRM",
    "EILSEQ",
    "EINPROGRESS",
    "EINTR",
    "EINVAL",
    "EIO",
    "EISCONN",
    "EISDIR",
    "ELOOP",
    "EMFILE",
    "EMLINK",
    "EMSGSIZE",
    "EMULTIHOP",
    "ENAMETOOLONG",
    "ENETDOWN",
    "ENETRESET",
    "ENETUNREACH",
    "ENFILE",
    "ENOBUFS",
    "ENODEV",
    "ENOENT",
    "ENOEXEC",
    "ENOLCK",
    "ENOLINK",
    "ENOMEM",
    "ENOMSG",
    "ENOPROTOOPT",
    "ENOSPC",
    "ENOSYS",
    "ENOTCONN",
    "ENOTDIR",
    "ENOTEMPTY",
    "ENOTRECOVERABLE",
    "ENOTSOCK",
    "ENOTSUP",
    "ENOTTY",
    "ENXIO",
    "EOVERFLOW",
    "EOWNERDEAD",
    "EPERM",
    "EPIPE",
    "EPROTO",
    "EPROTONOSUPPORT",
    "EPROTOTYPE",
    "ERANGE",
    "EROFS",
    "ESPIPE",
    "ESRCH",
    "ESTALE",
    "ETIMEDOUT",
    "ETXTBSY",
    "EXDEV",
    "ENOTCAPABLE",
];

/// The symbolic name of a WASI errno.
pub fn errno_name(errno: u32) -> String {
    ERRNO_NAMES
        .get(errno as usize)
        .map(|s| s.to_string())
        .unwrap_or_else(|| format!("errno({errno})"))
}

impl LoggingListener {
    fn write_line(&self, line: &str, depth: usize, shared: &mut Shared) {
        let _ = writeln!(shared.out, "{}{line}", "\t".repeat(depth));
    }

    fn arrows(&self) -> (&'static str, &'static str) {
        if self.host {
            ("==>", "<==")
        } else {
            ("-->", "<--")
        }
    }
}

/// `name=value` pairs (or bare values), decoding `path`/`path_len` pairs as strings.
fn params_text(call: &CallContext<'_>, def: &FunctionDefinition, params: &[u64]) -> String {
    let values = format_values(def.param_types(), params);
    let names = def.param_names();
    let mut parts = Vec::new();
    let mut i = 0;
    while i < values.len() {
        let name = names.get(i).and_then(|n| n.as_deref());
        match name {
            Some(n)
                if names.get(i + 1).and_then(|m| m.as_deref()) == Some(&format!("{n}_len"))
                    && n.ends_with("path") =>
            {
                let (ptr, len) = (params[i] as u32 as usize, params[i + 1] as u32 as usize);
                let text = call
                    .memory()
                    .and_then(|m| m.get(ptr..ptr.checked_add(len)?))
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .unwrap_or_else(|| "?".into());
                parts.push(format!("{n}={text}"));
                i += 2;
                continue;
            }
            Some(n) => parts.push(format!("{n}={}", values[i])),
            None => parts.push(values[i].clone()),
        }
        i += 1;
    }
    parts.join(",")
}

fn results_text(def: &FunctionDefinition, results: &[u64]) -> String {
    let values = format_values(def.result_types(), results);
    let names = def.result_names();
    let items: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, v)| match names.get(i).and_then(|n| n.as_deref()) {
            Some("errno") => format!("errno={}", errno_name(results[i] as u32)),
            Some(n) => format!("{n}={v}"),
            None => v.clone(),
        })
        .collect();
    match items.len() {
        0 => String::new(),
        1 => format!(" {}", items[0]),
        _ => format!(" ({})", items.join(",")),
    }
}

impl FunctionListener for LoggingListener {
    fn before(
        &self,
        call: &CallContext<'_>,
        params: &[u64],
        _: &StackIterator<'_>,
    ) -> ListenerAction {
        let def = call.definition();
        let line = format!(
            "{} {}({})",
            self.arrows().0,
            def.debug_name(),
            params_text(call, def, params)
        );
        let mut shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        let depth = shared.depth;
        self.write_line(&line, depth, &mut shared);
        shared.depth += 1;
        ListenerAction::Continue
    }

    fn after(&self, call: &CallContext<'_>, results: &[u64]) {
        let line = format!(
            "{}{}",
            self.arrows().1,
            results_text(call.definition(), results)
        );
        let mut shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        shared.depth = shared.depth.saturating_sub(1);
        let depth = shared.depth;
        self.write_line(&line, depth, &mut shared);
    }

    fn abort(&self, _: &CallContext<'_>, error: &Error) {
        let first = error.to_string();
        let first = first.lines().next().unwrap_or_default();
        let line = format!("{} error: {first}", self.arrows().1);
        let mut shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        shared.depth = shared.depth.saturating_sub(1);
        let depth = shared.depth;
        self.write_line(&line, depth, &mut shared);
    }
}
