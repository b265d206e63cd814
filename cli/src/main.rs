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

#![deny(unsafe_code)]

mod dap;
mod debug;
mod gdbremote;
mod hostlog;
mod inspect;
mod interrupt;
mod pipe;
mod run;
mod sources;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

/// Run WebAssembly programs and look inside modules.
#[derive(Parser, Debug)]
#[command(name = "wasmscope", version, about, long_about = None)]
struct Cli {
    /// With `run`: serve the program to a debugger (LLDB's Wasm plugin, the GDB remote
    /// protocol) on [HOST:]PORT (loopback unless a host is given; port 0 picks one and
    /// prints it) instead of running it: it stops before its first instruction until a
    /// debugger connects (`lldb` then `process connect --plugin wasm
    /// connect://127.0.0.1:PORT`). Accepted before `run`, as LLDB's Wasm platform passes
    /// it, or as `run`'s own option.
    #[arg(short = 'g', long = "gdb-server", value_name = "[HOST:]PORT")]
    gdb_server: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a WASI program (.wasm or .wat): its `_start`, or an export with --invoke.
    ///
    /// The guest's exit code becomes the process's; a trap prints a wasm stack trace on
    /// stderr and exits 1, as does a module that cannot run as asked (no `_start`,
    /// --invoke arguments that do not fit its export); --timeout exits 124; errors in the
    /// command line itself exit 2.
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

/// Puts a `--` after `run`'s or `debug`'s FILE unless one is there, so that everything
/// after FILE is the guest's, as their help says (wasmtime's rule). Clap's
/// `trailing_var_arg` starts only at the first guest argument: without this, a flag of
/// ours right after FILE (`run prog.wasm --help`, `run prog.wasm --env A=1`) would be
/// taken as ours. Which options take a value is read from the parser's own definitions,
/// so the walk to FILE skips values as clap does; an unknown option is left for clap to
/// report.
fn guest_args_after_file(args: Vec<OsString>) -> Vec<OsString> {
    let cli = Cli::command();
    // The first non-option after the program name is the subcommand.
    let Some(sub_at) = first_positional(&cli, &args, 1) else {
        return args;
    };
    let Some(command) = args[sub_at]
        .to_str()
        .filter(|name| ["run", "debug"].contains(name))
        .and_then(|name| cli.find_subcommand(name))
    else {
        return args;
    };
    match first_positional(command, &args, sub_at + 1) {
        Some(file_at) if args.get(file_at + 1).is_none_or(|next| next != "--") => {
            let mut args = args;
            args.insert(file_at + 1, OsString::from("--"));
            args
        }
        _ => args,
    }
}

/// The index of the first argument from `from` on that is neither an option of
/// `command` nor an option's value; `None` at a `--` or the end.
fn first_positional(command: &clap::Command, args: &[OsString], from: usize) -> Option<usize> {
    let takes_value = |arg: &clap::Arg| arg.get_action().takes_values();
    let options = || command.get_arguments();
    let mut i = from;
    while i < args.len() {
        let Some(arg) = args[i].to_str() else {
            return Some(i);
        };
        if arg == "--" {
            return None;
        }
        if let Some(long) = arg.strip_prefix("--") {
            if !long.contains('=') {
                let named = |a: &&clap::Arg| {
                    a.get_long() == Some(long)
                        || a.get_all_aliases().is_some_and(|all| all.contains(&long))
                };
                if options().find(named).is_some_and(takes_value) {
                    i += 1;
                }
            }
        } else if let Some(shorts) = arg.strip_prefix('-').filter(|s| !s.is_empty()) {
            // A cluster (`-abc`): the first short that takes a value takes the rest of
            // the cluster, or the next argument when it is last.
            for (at, c) in shorts.char_indices() {
                let named = |a: &&clap::Arg| {
                    a.get_short() == Some(c)
                        || a.get_all_short_aliases()
                            .is_some_and(|all| all.contains(&c))
                };
                if options().find(named).is_some_and(takes_value) {
                    if at + c.len_utf8() == shorts.len() {
                        i += 1;
                    }
                    break;
                }
            }
        } else {
            return Some(i);
        }
        i += 1;
    }
    None
}

fn main() -> ExitCode {
    let cli = Cli::parse_from(guest_args_after_file(std::env::args_os().collect()));
    let code = command(cli);
    // Our own output that could not be written (`inspect ... > /dev/full`) fails the
    // command even when the rest went well.
    match pipe::write_error() {
        Some(e) if code == ExitCode::SUCCESS => {
            pipe::eprintln(format!("error: cannot write to stdout: {e}"));
            ExitCode::from(1)
        }
        _ => code,
    }
}

fn command(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Run(args) => match cli.gdb_server.as_ref().or(args.gdb_server.as_ref()) {
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
