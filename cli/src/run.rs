//! `wasmscope run`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmscope::listener::FunctionListenerFactory;
use wasmscope::{CompilationMode, ModuleConfig, Runtime, RuntimeConfig, UnknownImports, ValueType};
use wasmscope_listeners::logging::{LoggingListenerFactory, Scope};
use wasmscope_listeners::multi::MultiListenerFactory;
use wasmscope_listeners::profiler::Profiler;

use crate::hostlog::{self, LogScope};
use crate::pipe;

/// The calls after which `run`'s tiered compilation compiles a function (`--tier-up`).
pub const DEFAULT_TIER_UP_CALLS: u32 = 1000;

/// Arguments of `wasmscope run`.
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// Serve the program to a debugger (LLDB's Wasm plugin, the GDB remote protocol) on
    /// [HOST:]PORT (loopback unless a host is given; port 0 picks one and prints it)
    /// instead of running it: it stops before its first instruction until a debugger
    /// connects (`lldb` then `process connect --plugin wasm connect://127.0.0.1:PORT`).
    #[arg(short = 'g', long = "gdb-server", value_name = "[HOST:]PORT")]
    pub gdb_server: Option<String>,
    /// Use the interpreter alone (the portable engine; it starts at once).
    #[arg(long, conflicts_with_all = ["compiler", "tier_up"])]
    pub interpreter: bool,
    /// Use the Cranelift compiler alone: every function compiled on its first call
    /// (x86-64 and AArch64). Without --interpreter or --compiler, `run` uses the
    /// compiler tiered (see --tier-up), or the interpreter where there is no compiler
    /// and for --hostlogging, --trace and --profile (listener hooks run on one engine;
    /// with --compiler they run on compiled code).
    #[arg(long, conflicts_with = "tier_up")]
    pub compiler: bool,
    /// Tiered compilation, the default where the compiler runs: each function runs on
    /// the interpreter until it has been called CALLS times (default 1000), then is
    /// compiled in the background and runs compiled. A short run, and the functions a
    /// program calls a few times, cost no compile time (BENCHMARKS.md, "Tiered
    /// compilation"). 0: every function compiled on its first call (as --compiler).
    #[arg(long, value_name = "CALLS")]
    pub tier_up: Option<u32>,
    /// Keep the compiler's machine code in DIR (created if missing), as wazero's
    /// `-cachedir`: the first run compiles every function and keeps them (no tiering),
    /// a later run of the same module with the same options compiles nothing. Only the
    /// compiler's code is kept (the interpreter starts at once anyway).
    /// The files hold code that runs in this process: keep DIR private to you.
    #[arg(long, value_name = "DIR")]
    pub cachedir: Option<PathBuf>,
    /// When function bodies are validated and translated (wasmi's option of the same
    /// name): `lazy-translation` (the default) validates the whole module before it runs
    /// and translates each function on its first call; `lazy` also validates each
    /// function on its first call (the fastest start for a large module; an invalid
    /// function is reported when it is first called); `eager` validates and translates
    /// everything before the module runs.
    #[arg(long, value_name = "MODE", value_enum, default_value_t = CompilationModeArg::LazyTranslation)]
    pub compilation_mode: CompilationModeArg,
    /// Cap every memory at PAGES 64 KiB pages (`RuntimeConfig::with_memory_limit_pages`).
    /// A 32-bit memory never exceeds 65536 pages (4 GiB, all it can address); the default
    /// lets a 64-bit memory (memory64) grow to 1048576 pages (64 GiB; pages are mapped when
    /// touched) on 64-bit hosts, as `wasmscope debug` and the workbench do, and keeps 4 GiB
    /// elsewhere.
    #[arg(long, value_name = "PAGES")]
    pub memory_limit_pages: Option<u32>,
    /// An environment variable for the guest, KEY=VALUE (repeatable).
    #[arg(long = "env", value_name = "KEY=VALUE", value_parser = parse_env)]
    pub env: Vec<(String, String)>,
    /// Pass the host's environment variables to the guest (before --env ones).
    #[arg(long)]
    pub env_inherit: bool,
    /// A host directory for the guest: HOST[:GUEST][:ro] (repeatable). GUEST defaults
    /// to HOST; `:ro` mounts it read-only. Paths can never escape a mount.
    #[arg(long = "mount", value_name = "HOST[:GUEST][:ro]", value_parser = parse_mount)]
    pub mounts: Vec<Mount>,
    /// A host directory for the guest, as wasmtime spells it: HOST[::GUEST] (repeatable;
    /// GUEST defaults to HOST). The same as --mount HOST:GUEST.
    #[arg(long = "dir", value_name = "HOST[::GUEST]", value_parser = parse_dir)]
    pub dirs: Vec<Mount>,
    /// Link imports that no module provides (other than WASI's) to stubs, so that a
    /// module whose unknown imports are never called can run: `trap` stubs trap with a
    /// message naming the import when called, `default` stubs return zeros (wasmtime's
    /// `-W unknown-imports-trap=y` / `unknown-imports-default=y`). Without it an unknown
    /// import is a link error.
    #[arg(long = "unknown-imports", value_name = "MODE", value_enum)]
    pub unknown_imports: Option<UnknownImportsArg>,
    /// End the run after this long (e.g. 500ms, 10s, 2m); the process exits 124. 0, as
    /// in wazero, means no limit.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,
    /// Run this export instead of `_start` (a reactor): `_initialize` is called first if
    /// exported; the arguments after FILE are the export's parameters (decimal integers,
    /// floats such as 1.5, inf or nan), and its results are printed one per line, as
    /// wasmtime prints them.
    #[arg(long, value_name = "NAME")]
    pub invoke: Option<String>,
    /// Log WASI host calls of these scopes to stderr in wazero's format
    /// (`==> wasi_snapshot_preview1.fd_write(fd=1,...)` / `<== errno=ESUCCESS`);
    /// comma-separated or repeated.
    #[arg(
        long = "hostlogging",
        value_name = "SCOPE",
        value_enum,
        value_delimiter = ','
    )]
    pub hostlogging: Vec<LogScope>,
    /// Log every call, guest and host, to stderr in wazero's format (`-->`/`<--` for
    /// guest functions, `==>`/`<==` for host functions).
    #[arg(long)]
    pub trace: bool,
    /// Profile the run and write its folded stacks to FILE when it ends (also on a trap
    /// or an exit): `a;b;c <self time in µs>` per stack, for flame-graph tools.
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// Print function names in traps, --trace and --profile exactly as the module has
    /// them (wazero's output: `_ZN7divzero5share17h…E`), not demangled
    /// (`divzero::share`).
    #[arg(long)]
    pub raw_names: bool,
    /// The program, a .wasm or .wat file.
    pub file: PathBuf,
    /// Arguments for the guest (argv[0] is the file's base name), or with --invoke the
    /// export's parameters. Everything after FILE is the guest's (`--` may separate).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

/// `--compilation-mode` modes (see [`wasmscope::CompilationMode`]).
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompilationModeArg {
    /// Validate and translate every function before running.
    Eager,
    /// Validate every function before running, translate each on its first call.
    LazyTranslation,
    /// Validate and translate each function on its first call.
    Lazy,
}

/// `--unknown-imports` modes.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnknownImportsArg {
    /// Stubs that trap, naming the import, when called.
    Trap,
    /// Stubs that return zeros.
    Default,
}

/// Parses one `--invoke` argument as a value of type `ty` (in slot form).
pub(crate) fn parse_value(text: &str, ty: ValueType) -> Result<Vec<u64>, String> {
    let bad = || format!("cannot read {text:?} as {ty}");
    let float = |t: &str| -> Result<f64, String> {
        match t {
            "nan" | "+nan" => Ok(f64::NAN),
            "-nan" => Ok(-f64::NAN),
            _ => t.parse::<f64>().map_err(|_| bad()),
        }
    };
    Ok(match ty {
        ValueType::I32 => vec![match text.parse::<i32>() {
            Ok(v) => v as u32 as u64,
            Err(_) => text.parse::<u32>().map_err(|_| bad())? as u64,
        }],
        ValueType::I64 => vec![match text.parse::<i64>() {
            Ok(v) => v as u64,
            Err(_) => text.parse::<u64>().map_err(|_| bad())?,
        }],
        ValueType::F32 => vec![(float(text)? as f32).to_bits() as u64],
        ValueType::F64 => vec![float(text)?.to_bits()],
        ValueType::V128 => {
            let v = text.parse::<u128>().map_err(|_| bad())?;
            vec![v as u64, (v >> 64) as u64]
        }
        _ => {
            return Err(format!(
                "{ty} parameters cannot be given on the command line"
            ))
        }
    })
}

/// Formats results as wasmtime's `--invoke` prints them: one value per line.
pub(crate) fn format_results(types: &[ValueType], slots: &[u64]) -> Vec<String> {
    let mut out = Vec::new();
    let mut at = 0;
    for ty in types {
        let v = slots.get(at).copied().unwrap_or(0);
        out.push(match ty {
            ValueType::I32 => (v as u32 as i32).to_string(),
            ValueType::I64 => (v as i64).to_string(),
            ValueType::F32 => f32::from_bits(v as u32).to_string(),
            ValueType::F64 => f64::from_bits(v).to_string(),
            ValueType::V128 => {
                let hi = slots.get(at + 1).copied().unwrap_or(0);
                (v as u128 | (hi as u128) << 64).to_string()
            }
            ValueType::FuncRef if v == 0 => "<null funcref>".to_string(),
            ValueType::FuncRef => "<funcref>".to_string(),
            ValueType::ExternRef if v == 0 => "<null externref>".to_string(),
            ValueType::ExnRef if v == 0 => "<null exnref>".to_string(),
            ValueType::ExnRef => "<exnref>".to_string(),
            ValueType::AnyRef if v == 0 => "<null anyref>".to_string(),
            ValueType::AnyRef | ValueType::ExternRef => {
                let name = if *ty == ValueType::AnyRef {
                    "anyref"
                } else {
                    "externref"
                };
                match wasmscope::Value::AnyRef(Some(v)).gc_ref() {
                    Some(wasmscope::GcRef::I31(i)) => format!("<i31 {i}>"),
                    Some(wasmscope::GcRef::Object(i)) => format!("<{name}: object #{i}>"),
                    _ => format!("<{name}>"),
                }
            }
        });
        at += ty.slots();
    }
    out
}

/// Parses `500ms`, `10s`, `2m`, `1h`, or a number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let (num, unit) = match s.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: f64 = num.parse().map_err(|_| format!("invalid duration {s:?}"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => {
            return Err(format!(
                "invalid duration unit in {s:?} (use ms, s, m or h)"
            ))
        }
    };
    if !secs.is_finite() || secs < 0.0 {
        return Err(format!("invalid duration {s:?}"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Reads a module file: a binary module, or WAT text converted to binary (anything
/// else is a one-line error naming the file; see [`wasmscope::module_bytes`]).
pub fn read_module(path: &Path) -> Result<Vec<u8>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    match wasmscope::module_bytes(&bytes) {
        // A binary module is the file's bytes as they are: no copy.
        Ok(std::borrow::Cow::Borrowed(wasm)) if wasm.len() == bytes.len() => Ok(bytes),
        Ok(std::borrow::Cow::Borrowed(wasm)) => Ok(wasm.to_vec()),
        Ok(std::borrow::Cow::Owned(wasm)) => Ok(wasm),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// A `--env` argument: `KEY=VALUE` (the value may be empty and may hold `=`).
pub(crate) fn parse_env(kv: &str) -> Result<(String, String), String> {
    match kv.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err("expected KEY=VALUE".to_string()),
    }
}

/// A host directory mounted for the guest (`--mount`, `--dir`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mount {
    pub(crate) host: String,
    pub(crate) guest: String,
    pub(crate) read_only: bool,
}

/// A `--mount` argument: `HOST[:GUEST][:ro]`.
pub(crate) fn parse_mount(m: &str) -> Result<Mount, String> {
    let mut parts: Vec<&str> = m.split(':').collect();
    let read_only = parts.last() == Some(&"ro");
    if read_only {
        parts.pop();
    }
    let (host, guest) = match parts.as_slice() {
        [host] if !host.is_empty() => (host, host),
        [host, guest] if !host.is_empty() && !guest.is_empty() => (host, guest),
        _ => return Err("expected HOST[:GUEST][:ro]".to_string()),
    };
    Ok(Mount {
        host: host.to_string(),
        guest: guest.to_string(),
        read_only,
    })
}

/// A `--dir` argument (wasmtime's spelling): `HOST` or `HOST::GUEST`.
fn parse_dir(d: &str) -> Result<Mount, String> {
    let (host, guest) = d.split_once("::").unwrap_or((d, d));
    if host.is_empty() || guest.is_empty() {
        return Err("expected HOST[::GUEST]".to_string());
    }
    Ok(Mount {
        host: host.to_string(),
        guest: guest.to_string(),
        read_only: false,
    })
}

/// The listener factory for `--hostlogging`, `--trace` and `--profile`, if any is set.
fn listener_factory(
    args: &RunArgs,
    profiler: Option<&Profiler>,
) -> Option<Arc<dyn FunctionListenerFactory>> {
    let mut factories: Vec<Arc<dyn FunctionListenerFactory>> = Vec::new();
    if args.trace {
        // Every call, WASI included (stdio reads and writes too, which --hostlogging
        // leaves out as wazero does): --hostlogging would add nothing.
        factories.push(Arc::new(
            LoggingListenerFactory::new(pipe::stderr(), Scope::All)
                .with_demangled_names(!args.raw_names)
                .with_stdio_calls(true),
        ));
    } else if !args.hostlogging.is_empty() {
        let logging = LoggingListenerFactory::new(pipe::stderr(), Scope::Host)
            .with_demangled_names(!args.raw_names)
            .with_modules(&hostlog::WASI_MODULES);
        match hostlog::functions_for(&args.hostlogging) {
            None => factories.push(Arc::new(logging)),
            Some(names) if names.is_empty() => {}
            Some(names) => factories.push(Arc::new(logging.with_functions(&names))),
        }
    }
    if let Some(p) = profiler {
        factories.push(Arc::new(p.clone()));
    }
    match factories.len() {
        0 => None,
        1 => factories.pop(),
        _ => Some(Arc::new(MultiListenerFactory::new(factories))),
    }
}

/// Runs the program; returns the process exit code.
pub fn run(args: RunArgs) -> ExitCode {
    let profiler = args
        .profile
        .as_ref()
        .map(|_| Profiler::new().with_demangled_names(!args.raw_names));
    let write_profile = {
        let target = args.profile.clone().zip(profiler.clone());
        move || match target {
            Some((path, p)) => std::fs::write(&path, p.folded())
                .map_err(|e| format!("--profile {}: {e}", path.display())),
            None => Ok(()),
        }
    };
    // A run that a closed stdout or stderr ends still leaves its profile.
    pipe::before_exit({
        let write_profile = write_profile.clone();
        move || {
            let _ = write_profile();
        }
    });
    let result = run_inner(&args, profiler.as_ref());
    let profile_written = write_profile();
    match result {
        Ok(code) => match profile_written {
            Ok(()) => ExitCode::from(code),
            Err(message) => {
                pipe::eprintln(message);
                ExitCode::from(1)
            }
        },
        Err(message) => {
            pipe::eprintln(message);
            if let Err(m) = profile_written {
                pipe::eprintln(m);
            }
            ExitCode::from(1)
        }
    }
}

/// The guest's configuration from the command line: argv (the file's base name, then the
/// arguments unless `--invoke`), the host's stdio, real clocks and random bytes, `--env`,
/// `--env-inherit`, `--mount` and `--dir`. `wasmscope run` and its `-g` server use it.
pub(crate) fn guest_config(args: &RunArgs) -> ModuleConfig {
    let argv0 = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut argv: Vec<&str> = vec![&argv0];
    if args.invoke.is_none() {
        argv.extend(args.args.iter().map(String::as_str));
    }
    let mut config = ModuleConfig::new()
        .with_args(&argv)
        .with_stdin(std::io::stdin())
        .with_stdout(pipe::stdout())
        .with_stderr(pipe::stderr())
        // The guest's isatty() answers what the streams really are.
        .with_terminals(
            std::io::stdin().is_terminal(),
            std::io::stdout().is_terminal(),
            std::io::stderr().is_terminal(),
        )
        .with_sys_walltime()
        .with_sys_nanotime()
        .with_sys_nanosleep()
        .with_rand_source(os_random);
    if args.env_inherit {
        for (k, v) in std::env::vars() {
            config = config.with_env(&k, &v);
        }
    }
    for (k, v) in &args.env {
        config = config.with_env(k, v);
    }
    let mut fs = wasmscope::FsConfig::new();
    for m in args.mounts.iter().chain(&args.dirs) {
        fs = if m.read_only {
            fs.with_read_only_dir_mount(&m.host, &m.guest)
        } else {
            fs.with_dir_mount(&m.host, &m.guest)
        };
    }
    config = config.with_fs_config(fs);
    config
}

/// `--raw-names`: an error as wazero prints it, else with demangled function names.
/// A link or instantiation error (a missing import, a memory above the limit) names the
/// file first, as every other error about the module does; traps and exits keep
/// wazero's own text.
fn error_text(args: &RunArgs, e: &wasmscope::Error) -> String {
    let text = if args.raw_names {
        e.to_string()
    } else {
        e.display_demangled().to_string()
    };
    match e.kind() {
        wasmscope::ErrorKind::Link(_) | wasmscope::ErrorKind::Instantiate(_) => {
            format!("{}: {text}", args.file.display())
        }
        _ => text,
    }
}

/// The imports of `compiled` from modules this runtime lacks, as `module.name`, with
/// what each is when it is not a function (`env.mem (a memory)`); and whether all are
/// functions (which `--unknown-imports` can stub).
fn unknown_imports(rt: &Runtime, compiled: &wasmscope::CompiledModule) -> (Vec<String>, bool) {
    use wasmscope::inspect::ItemKind;
    let mut functions_only = true;
    let names = compiled
        .imports()
        .into_iter()
        .filter(|(module, _, _)| rt.module(module).is_none())
        .map(|(module, name, kind)| {
            let kind = match kind {
                ItemKind::Func => return format!("{module}.{name}"),
                ItemKind::Table => "a table",
                ItemKind::Memory => "a memory",
                ItemKind::Global => "a global",
                ItemKind::Tag => "a tag",
            };
            functions_only = false;
            format!("{module}.{name} ({kind})")
        })
        .collect();
    (names, functions_only)
}

/// The module's exported functions for an error message: at most ten names, sorted,
/// then how many more; `None` when it exports none.
fn exported_functions(compiled: &wasmscope::CompiledModule) -> Option<String> {
    const SHOWN: usize = 10;
    let exports = compiled.exported_functions();
    let mut names: Vec<&str> = exports.iter().flat_map(|f| f.export_names()).collect();
    if names.is_empty() {
        return None;
    }
    names.sort_unstable();
    names.dedup();
    let more = names.len().saturating_sub(SHOWN);
    names.truncate(SHOWN);
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    Some(format!("{}{more}", names.join(", ")))
}

/// What the run starts: `_start`, or `--invoke NAME` with `args` as its parameters,
/// typed by the export's signature. Checked before anything runs, by `run`, `debug`,
/// the gdb-remote server and `dap`: the error (one line, naming `file`) says what the
/// module exports.
pub(crate) fn entry(
    file: &Path,
    compiled: &wasmscope::CompiledModule,
    invoke: Option<&str>,
    args: &[String],
) -> Result<(String, Vec<u64>), String> {
    let file = file.display();
    let Some(name) = invoke else {
        if compiled
            .exported_functions()
            .iter()
            .any(|f| f.export_names().contains(&"_start"))
        {
            return Ok(("_start".to_string(), Vec::new()));
        }
        return Err(match exported_functions(compiled) {
            None => {
                format!("{file}: no _start function to run, and the module exports no functions")
            }
            Some(names) => format!(
                "{file}: no _start function to run; exported functions: {names} (run one \
                 with --invoke NAME, its arguments after the file)"
            ),
        });
    };
    let exports = compiled.exported_functions();
    let Some(def) = exports.iter().find(|d| d.export_names().contains(&name)) else {
        return Err(match exported_functions(compiled) {
            None => format!("{file}: no exported function {name:?}: the module exports none"),
            Some(names) => {
                format!("{file}: no exported function {name:?}; exported functions: {names}")
            }
        });
    };
    let params = def.param_types();
    if params.len() != args.len() {
        let types: Vec<String> = params.iter().map(|t| t.to_string()).collect();
        return Err(format!(
            "--invoke {name}: the function takes {} argument{} ({}), {} given",
            params.len(),
            if params.len() == 1 { "" } else { "s" },
            types.join(", "),
            args.len()
        ));
    }
    let mut values = Vec::new();
    for (text, ty) in args.iter().zip(params) {
        values.extend(parse_value(text, *ty).map_err(|e| format!("--invoke {name}: {e}"))?);
    }
    Ok((name.to_string(), values))
}

fn run_inner(args: &RunArgs, profiler: Option<&Profiler>) -> Result<u8, String> {
    let bytes = read_module(&args.file)?;
    let mode = match args.compilation_mode {
        CompilationModeArg::Eager => CompilationMode::Eager,
        CompilationModeArg::LazyTranslation => CompilationMode::LazyTranslation,
        CompilationModeArg::Lazy => CompilationMode::Lazy,
    };
    let factory = listener_factory(args, profiler);
    let engine = if args.interpreter || (factory.is_some() && !args.compiler) {
        RuntimeConfig::interpreter()
    } else if args.compiler {
        RuntimeConfig::compiler()
    } else {
        // The compiler where it runs (else the interpreter), tiered; a module that uses
        // GC on the interpreter alone (`RuntimeConfig::with_tiering`'s notes).
        RuntimeConfig::new().with_tiering(args.tier_up.unwrap_or(DEFAULT_TIER_UP_CALLS))
    };
    // Everything this version runs: 3.0 and the legacy exception instructions that
    // Emscripten emits.
    let mut rt_config = engine
        .with_compilation_mode(mode)
        .with_core_features(wasmscope::CoreFeatures::SUPPORTED);
    let default_pages = if cfg!(target_pointer_width = "64") {
        wasmscope_listeners::stepper::MEMORY64_LIMIT_PAGES
    } else {
        rt_config.memory_limit_pages()
    };
    rt_config = rt_config.with_memory_limit_pages(args.memory_limit_pages.unwrap_or(default_pages));
    if let Some(dir) = &args.cachedir {
        let cache = wasmscope::CompilationCache::with_dir(dir).map_err(|e| e.to_string())?;
        rt_config = rt_config.with_compilation_cache(cache);
    }
    // `--timeout 0` is no limit.
    let timeout = args.timeout.filter(|t| !t.is_zero());
    if timeout.is_some() {
        rt_config = rt_config.with_close_on_deadline(true);
    }
    if let Some(factory) = factory {
        rt_config = rt_config.with_function_listener_factory(factory);
    }
    let rt = Runtime::with_config(rt_config);
    wasmscope::wasi::instantiate(&rt).map_err(|e| e.to_string())?;
    // (The runtime keeps the bytes: handed over, not copied.)
    let compiled = rt
        .compile_module_owned(bytes)
        .map_err(|e| format!("{}: {e}", args.file.display()))?;
    let (unknown, functions_only) = unknown_imports(&rt, &compiled);
    let s = if unknown.len() == 1 { "" } else { "s" };
    if !functions_only {
        // Nothing can stand in for a memory, table, global or tag.
        return Err(format!(
            "{}: no module provides the import{s} {}; --unknown-imports stubs functions \
             only",
            args.file.display(),
            unknown.join(", "),
        ));
    }
    match args.unknown_imports {
        Some(mode) => {
            let mode = match mode {
                UnknownImportsArg::Trap => UnknownImports::Trap,
                UnknownImportsArg::Default => UnknownImports::Default,
            };
            rt.define_unknown_imports(&compiled, mode)
                .map_err(|e| format!("{}: {e}", args.file.display()))?;
        }
        None if !unknown.is_empty() => {
            return Err(format!(
                "{}: no module provides the import{s} {}; if {} never called, run with \
                 --unknown-imports=trap (stubs that trap when called) or \
                 --unknown-imports=default (stubs that return zeros)",
                args.file.display(),
                unknown.join(", "),
                if unknown.len() == 1 {
                    "it is"
                } else {
                    "they are"
                },
            ));
        }
        None => {}
    }
    let (_, call_args) = entry(&args.file, &compiled, args.invoke.as_deref(), &args.args)?;

    let mut config = guest_config(args);
    // A module without a name of its own (most WAT files) is named by its file, as
    // Rust's toolchain names the modules it builds, so traces say `fac.wat.fac(i64)`
    // rather than `.fac(i64)`.
    if compiled.name().is_none_or(str::is_empty) {
        if let Some(name) = args.file.file_name() {
            config = config.with_name(&name.to_string_lossy());
        }
    }

    let deadline = timeout.map(|t| Instant::now() + t);
    let outcome = match &args.invoke {
        None => {
            // `_start` runs during instantiation; a deadline needs the call API, so a
            // timed run instantiates without start functions and calls `_start` itself.
            if let Some(deadline) = deadline {
                rt.instantiate_module(&compiled, config.with_start_functions(&[]))
                    .and_then(|module| match module.exported_function("_start") {
                        Some(start) => start.call_with_deadline(&[], deadline).map(|_| 0),
                        None => Ok(0),
                    })
            } else {
                rt.instantiate_module(&compiled, config).map(|_| 0)
            }
        }
        Some(name) => {
            let module = rt
                .instantiate_module(&compiled, config.with_start_functions(&["_initialize"]))
                .map_err(|e| error_text(args, &e))?;
            let f = module
                .exported_function(name)
                .ok_or_else(|| format!("{}: no exported function {name:?}", args.file.display()))?;
            let def = f.definition();
            let results = match deadline {
                Some(d) => f.call_with_deadline(&call_args, d),
                None => f.call(&call_args),
            };
            results.map(|r| {
                let mut text = String::new();
                for line in format_results(def.result_types(), &r) {
                    text.push_str(&line);
                    text.push('\n');
                }
                pipe::print(&text);
                0
            })
        }
    };
    match outcome {
        Ok(code) => Ok(code as u8),
        Err(e) => match e.exit_code() {
            Some(wasmscope::EXIT_CODE_DEADLINE_EXCEEDED) => {
                pipe::eprintln(format_args!(
                    "wasmscope: timed out after {:?}",
                    timeout.unwrap_or_default()
                ));
                Ok(124)
            }
            Some(code) => Ok(code as u8),
            None => Err(error_text(args, &e)),
        },
    }
}

/// Fills `buf` from the operating system's random source.
fn os_random(buf: &mut [u8]) {
    use std::io::Read;
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        if f.read_exact(buf).is_ok() {
            return;
        }
    }
    // No OS source: a time-seeded generator (not for cryptography).
    let mut x = Instant::now().elapsed().as_nanos() as u64 ^ 0x9e37_79b9_7f4a_7c15;
    for b in buf {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5d").is_err());
    }

    #[test]
    fn mounts() {
        let mount = |host: &str, guest: &str, read_only| Mount {
            host: host.into(),
            guest: guest.into(),
            read_only,
        };
        assert_eq!(parse_mount("/tmp/x"), Ok(mount("/tmp/x", "/tmp/x", false)));
        assert_eq!(
            parse_mount("/tmp/x:/data"),
            Ok(mount("/tmp/x", "/data", false))
        );
        assert_eq!(
            parse_mount("/tmp/x:/data:ro"),
            Ok(mount("/tmp/x", "/data", true))
        );
        assert!(parse_mount(":ro").is_err());
        assert!(parse_mount("a:b:c").is_err());
        assert_eq!(
            parse_dir("/tmp/x::/data"),
            Ok(mount("/tmp/x", "/data", false))
        );
        assert!(parse_dir("::/data").is_err());
    }

    #[test]
    fn envs() {
        assert_eq!(parse_env("K=V=W"), Ok(("K".into(), "V=W".into())));
        assert_eq!(parse_env("K="), Ok(("K".into(), String::new())));
        assert!(parse_env("NOEQ").is_err());
        assert!(parse_env("=V").is_err());
    }
}
