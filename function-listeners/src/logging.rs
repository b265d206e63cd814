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
//! failure as `<-- error: ...`. WASI calls show as wazero shows them (see
//! [`crate::wasi_log`]): their errno symbolically (`errno=ESUCCESS`), their paths as
//! strings (`path=dir/file.txt`), flags by name, outputs after the call
//! (`<== (nwritten=6,errno=ESUCCESS)`); reads and writes of stdio are left out.
//!
//! Function names are printed as the module has them, wazero's exact output, unless
//! [`LoggingListenerFactory::with_demangled_names`] asks for them demangled
//! (`app.divzero::share` for `app._ZN7divzero5share17hc855073edf7893f1E`).
//!
//! Output errors (a closed pipe, a full disk) are ignored: the calls go on, and the
//! listener stops writing after the first failed line.

use std::io::Write;
use std::sync::{Arc, Mutex};

use wasmscope::listener::{
    CallContext, FunctionListener, FunctionListenerFactory, ListenerAction, StackIterator,
};
use wasmscope::{Error, FunctionDefinition};

use crate::values::{param_strings, result_strings};

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
    /// A write failed: nothing more is written.
    failed: bool,
    depth: usize,
    /// The output parameters of each call in progress, innermost last; `None` for a
    /// call left out of the log (see [`crate::wasi_log::left_out`]).
    outputs: Vec<Option<Vec<crate::wasi_log::Output>>>,
}

/// Creates [`LoggingListener`]s that write to one output, sharing the indentation.
pub struct LoggingListenerFactory {
    shared: Arc<Mutex<Shared>>,
    scope: Scope,
    /// Only functions of these modules (e.g. `wasi_snapshot_preview1`), if set.
    modules: Option<Vec<String>>,
    /// Only functions with these names (e.g. `fd_write`), if set.
    functions: Option<Vec<String>>,
    demangle: bool,
    /// Whether reads and writes of stdio are logged too.
    stdio: bool,
}

impl LoggingListenerFactory {
    /// Logs the calls in `scope` to `out`.
    pub fn new(out: impl Write + Send + 'static, scope: Scope) -> Self {
        LoggingListenerFactory {
            shared: Arc::new(Mutex::new(Shared {
                out: Box::new(out),
                failed: false,
                depth: 0,
                outputs: Vec::new(),
            })),
            scope,
            modules: None,
            functions: None,
            demangle: false,
            stdio: false,
        }
    }

    /// Whether to log `fd_read` and `fd_write` on stdin, stdout and stderr too. wazero
    /// leaves them out (the default): in a log on stderr their lines would be
    /// interleaved with the program's own output. A log kept apart from the program's
    /// output (the workbench's call log) can show them.
    pub fn with_stdio_calls(mut self, log: bool) -> Self {
        self.stdio = log;
        self
    }

    /// Whether to print function names [demangled](wasmscope::demangle) (`app.divzero::share`)
    /// rather than as the module has them (`app._ZN7divzero5share17hc855073edf7893f1E`,
    /// wazero's exact output: the default). Filters
    /// ([`with_functions`](Self::with_functions)) still match the names as the module has
    /// them.
    pub fn with_demangled_names(mut self, demangle: bool) -> Self {
        self.demangle = demangle;
        self
    }

    /// Logs only functions of these modules (e.g. `wasi_snapshot_preview1`).
    pub fn with_modules(mut self, modules: &[&str]) -> Self {
        self.modules = Some(modules.iter().map(|m| m.to_string()).collect());
        self
    }

    /// Logs only functions with these names ([`FunctionDefinition::name`]: for a host
    /// function the name it is exported under, e.g. `fd_write`). Combined with
    /// [`with_modules`](Self::with_modules), a function must match both.
    pub fn with_functions(mut self, names: &[&str]) -> Self {
        self.functions = Some(names.iter().map(|n| n.to_string()).collect());
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
        if let Some(functions) = &self.functions {
            if !functions
                .iter()
                .any(|f| Some(f.as_str()) == definition.name())
            {
                return None;
            }
        }
        Some(Arc::new(LoggingListener {
            shared: self.shared.clone(),
            host,
            demangle: self.demangle,
            stdio: self.stdio,
            wasi: crate::wasi_log::is_wasi(definition),
        }))
    }
}

/// Logs the calls of one function; see the [module docs](self).
pub struct LoggingListener {
    shared: Arc<Mutex<Shared>>,
    host: bool,
    /// Whether the printed name is demangled. The name is taken from the call's
    /// definition, which names the module as it was instantiated (the definition given
    /// to the factory at compile time has the name section's module name).
    demangle: bool,
    /// Whether reads and writes of stdio are logged too.
    stdio: bool,
    /// Whether the function is WASI's (shown as wazero shows WASI calls).
    wasi: bool,
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
        if !shared.failed {
            let written = writeln!(shared.out, "{}{line}", "\t".repeat(depth));
            shared.failed = written.is_err();
        }
    }

    fn arrows(&self) -> (&'static str, &'static str) {
        if self.host {
            ("==>", "<==")
        } else {
            ("-->", "<--")
        }
    }
}

fn results_text(
    call: &CallContext<'_>,
    outputs: &[crate::wasi_log::Output],
    results: &[u64],
) -> String {
    // Like wazero: values written through output pointers first, then the results.
    let mut items = crate::wasi_log::outputs(call.memory(), outputs, results.first().copied());
    items.extend(result_strings(call.definition(), results));
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
        if self.wasi && !self.stdio && crate::wasi_log::left_out(def, params) {
            let mut shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
            shared.outputs.push(None);
            return ListenerAction::Continue;
        }
        let (shown, outputs) = if self.wasi {
            crate::wasi_log::params(call, params)
        } else {
            (param_strings(call, params), Vec::new())
        };
        let line = format!(
            "{} {}({})",
            self.arrows().0,
            crate::function_name(def, self.demangle),
            shown.join(",")
        );
        let mut shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        let depth = shared.depth;
        self.write_line(&line, depth, &mut shared);
        shared.depth += 1;
        shared.outputs.push(Some(outputs));
        ListenerAction::Continue
    }

    fn after(&self, call: &CallContext<'_>, results: &[u64]) {
        let mut shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        let Some(Some(outputs)) = shared.outputs.pop() else {
            return; // Left out of the log.
        };
        let line = format!(
            "{}{}",
            self.arrows().1,
            results_text(call, &outputs, results)
        );
        shared.depth = shared.depth.saturating_sub(1);
        let depth = shared.depth;
        self.write_line(&line, depth, &mut shared);
    }

    fn abort(&self, _: &CallContext<'_>, error: &Error) {
        let first = error.to_string();
        let first = first.lines().next().unwrap_or_default();
        let line = format!("{} error: {first}", self.arrows().1);
        let mut shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(None) = shared.outputs.pop() {
            return; // Left out of the log.
        }
        shared.depth = shared.depth.saturating_sub(1);
        let depth = shared.depth;
        self.write_line(&line, depth, &mut shared);
    }
}
