//! `wasmscope`: run WebAssembly programs and inspect modules.
//!
//! Exit codes of `wasmscope run`:
//!
//! - the guest's own exit code when it exits (`proc_exit`, or returning from `_start`: 0);
//! - 1 when the run fails once the module is read: it is not a module, does not compile
//!   or link, has no `_start` (without `--invoke`), has no export `--invoke` names or
//!   not the parameters given, or traps (the reason on stderr, one line; traps in
//!   wazero's stack-trace format, function names demangled unless `--raw-names`); also
//!   when the file cannot be read or `--profile`'s file cannot be written;
//! - 2 for usage errors: the command line itself is wrong, whatever the module (an
//!   unknown flag, no FILE, a malformed `--env`, `--mount`, `--dir` or `--timeout`
//!   value); checked before the file is read, reported by the argument parser with the
//!   usage;
//! - 124 when `--timeout` ends the run;
//! - 141 when stdout or stderr is a pipe whose reader has gone (`| head`): the run ends
//!   at once and quietly, as a process that SIGPIPE ends (see `pipe.rs`).
//!
//! `wasmscope inspect` exits 0, 1 when the file cannot be read or parsed, 2 for usage
//! errors (and 141 on a closed pipe).

mod dap;
mod debug;
mod gdbremote;
mod hostlog;
mod inspect;
mod pipe;
mod run;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Run WebAssembly programs and look inside modules.
#[derive(Parser, Debug)]
#[command(name = "wasmscope", version, about, long_about = None)]
struct Cli {
    /// With `run`: serve the program to a debugger (LLDB's Wasm plugin, the GDB remote
    /// protocol) on [HOST:]PORT (loopback unless a host is given; port 0 picks one and
    /// prints it) instead of running it: it stops before its first instruction until a
    /// debugger connects (`lldb` then `process connect --plugin wasm
    /// connect://127.0.0.1:PORT`). Accepted before or after `run`, as LLDB's Wasm
    /// platform passes it.
    #[arg(
        short = 'g',
        long = "gdb-server",
        value_name = "[HOST:]PORT",
        global = true
    )]
    gdb_server: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a WASI program (.wasm or .wat): its `_start`, or an export with --invoke.
    ///
    /// The guest's exit code becomes the process's; a trap prints a wasm stack trace on
    /// stderr and exits 1; --timeout exits 124; usage errors exit 2.
    Run(Box<run::RunArgs>),
    /// Debug a WASI program at the source level with gdb's commands (break FILE:LINE
    /// [if EXPR], run, next, step, finish, continue, bt, frame N, print EXPR, info
    /// locals, display, watch, quit; `help` lists them), read from stdin.
    Debug(Box<debug::DebugArgs>),
    /// Serve the Debug Adapter Protocol on stdin/stdout: VS Code (or any DAP client)
    /// launches and debugs a WASI program at the source level through wasmscope.
    Dap,
    /// Describe a module: sections with offsets and sizes, imports, exports, custom
    /// sections, names, producers and DWARF.
    Inspect {
        /// The module (.wasm or .wat).
        file: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run(args) => match &cli.gdb_server {
            Some(address) => gdbremote::serve(&args, address),
            None => run::run(*args),
        },
        _ if cli.gdb_server.is_some() => {
            pipe::eprintln("error: -g/--gdb-server is an option of `wasmscope run`");
            ExitCode::from(2)
        }
        Command::Debug(args) => debug::debug(*args),
        Command::Dap => dap::dap(),
        Command::Inspect { file } => {
            let result = run::read_module(&file)
                .and_then(|bytes| inspect::report(&file.display().to_string(), &bytes));
            match result {
                Ok(text) => {
                    pipe::print(&text);
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    pipe::eprintln(e);
                    ExitCode::from(1)
                }
            }
        }
    }
}
