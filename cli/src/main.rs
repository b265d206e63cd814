//! `wasmscope`: run WebAssembly programs and inspect modules.
//!
//! Exit codes of `wasmscope run`: the guest's own exit code when it exits (`proc_exit`, or
//! returning from `_start`: 0); 1 when it traps or the module cannot be compiled,
//! linked or run (the reason on stderr, traps in wazero's stack-trace format); 2 for
//! usage errors; 124 when `--timeout` ends the run (also 1 when `--profile`'s file
//! cannot be written). `wasmscope inspect` exits 0, or 1
//! when the file cannot be read or parsed.

mod hostlog;
mod inspect;
mod run;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Run WebAssembly programs and look inside modules.
#[derive(Parser, Debug)]
#[command(name = "wasmscope", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a WASI program (.wasm or .wat): its `_start`, or an export with --invoke.
    ///
    /// The guest's exit code becomes the process's; a trap prints a wasm stack trace on
    /// stderr and exits 1; --timeout exits 124.
    Run(run::RunArgs),
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
        Command::Run(args) => run::run(args),
        Command::Inspect { file } => {
            let result = run::read_module(&file)
                .and_then(|bytes| inspect::report(&file.display().to_string(), &bytes));
            match result {
                Ok(text) => {
                    print!("{text}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{e}");
                    ExitCode::from(1)
                }
            }
        }
    }
}
