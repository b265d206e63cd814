//! Standard output and error whose reader has gone (`wasmscope run ... | head`): the run
//! ends at once and quietly, as a Unix tool does when SIGPIPE ends it (and as wazero,
//! a Go program, does): no panic, no message, exit code [`EXIT_BROKEN_PIPE`].
//!
//! Every write of ours and of the guest to stdout or stderr goes through [`Std`] (Rust
//! ignores SIGPIPE, so a write to a closed pipe fails with `BrokenPipe`, and `println!`
//! would panic on it). The guest's writes to other pipes (files in a mount) still fail
//! with `EPIPE` as WASI says.

use std::io::{self, Write};
use std::sync::{Mutex, OnceLock};

/// The exit code when stdout or stderr is closed by its reader: 128 + SIGPIPE, what a
/// shell reports for a process that SIGPIPE ended.
pub const EXIT_BROKEN_PIPE: u8 = 141;

type Hook = Box<dyn FnOnce() + Send>;

/// What to do before exiting on a closed pipe (write the `--profile` file).
static BEFORE_EXIT: OnceLock<Mutex<Option<Hook>>> = OnceLock::new();

/// Runs `hook` before the process exits on a closed stdout or stderr (at most once;
/// a later call replaces an earlier hook).
pub fn before_exit(hook: impl FnOnce() + Send + 'static) {
    let slot = BEFORE_EXIT.get_or_init(|| Mutex::new(None));
    *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(Box::new(hook));
}

/// Ends the process quietly: the reader of stdout or stderr has gone.
fn exit_quietly() -> ! {
    let hook = BEFORE_EXIT
        .get()
        .and_then(|slot| slot.lock().unwrap_or_else(|e| e.into_inner()).take());
    if let Some(hook) = hook {
        hook();
    }
    std::process::exit(EXIT_BROKEN_PIPE.into())
}

fn check<T>(result: io::Result<T>) -> io::Result<T> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => exit_quietly(),
        other => other,
    }
}

/// stdout or stderr (or any writer) that ends the process quietly when its reader has
/// gone; other errors are returned.
pub struct Std<W>(pub W);

impl<W: Write> Write for Std<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        check(self.0.write(buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        check(self.0.flush())
    }
}

/// The guest's and the listeners' stdout.
pub fn stdout() -> Std<io::Stdout> {
    Std(io::stdout())
}

/// The guest's and the listeners' stderr.
pub fn stderr() -> Std<io::Stderr> {
    Std(io::stderr())
}

/// The first error writing our own output to stdout (a full disk, say), kept for
/// [`write_error`]: output that could not be written must not end in success.
static WRITE_ERROR: OnceLock<String> = OnceLock::new();

/// Prints `text` on stdout (`print!` without the panic). An error other than a closed
/// pipe is kept for [`write_error`].
pub fn print(text: &str) {
    let mut out = stdout();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        let _ = WRITE_ERROR.set(e.to_string());
    }
}

/// The first error [`print`] met, if any: the command then fails (exit 1), saying so.
pub fn write_error() -> Option<&'static str> {
    WRITE_ERROR.get().map(String::as_str)
}

/// Prints `line` and a newline on stderr (`eprintln!` without the panic).
pub fn eprintln(line: impl std::fmt::Display) {
    let _ = writeln!(stderr(), "{line}");
}
