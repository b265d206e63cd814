//! `wasmscope debug`: a line-oriented source debugger with gdb's command names, on the
//! same debugging session as the workbench ([`wasmscope_listeners::stepper::Stepper`]).
//!
//! Commands come from stdin (a prompt is shown when stdin is a terminal), after those of
//! `-x FILE` and `--ex CMD`. Output follows gdb's: `$1 = 42` for `print`, `name = value`
//! lines for `info locals`, `#0  function (args) at file:line` frames, the source line
//! after each stop. Errors go to stderr and the session goes on. The guest's stdout and
//! stderr are the debugger's; its stdin is empty, and its clocks and random bytes are
//! deterministic, so two sessions see the same run.

use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use wasmscope::{ExecutionState, LineStep, ModuleConfig, StepMode};
use wasmscope_listeners::breakpoints::{BreakpointLocation, HitCondition};
use wasmscope_listeners::stepper::{Frame, Op, Stepper};

use crate::pipe;
use crate::run::{read_module, Mount};

/// Arguments of `wasmscope debug`.
#[derive(clap::Args, Debug)]
pub struct DebugArgs {
    /// An environment variable for the guest, KEY=VALUE (repeatable).
    #[arg(long = "env", value_name = "KEY=VALUE", value_parser = crate::run::parse_env)]
    pub env: Vec<(String, String)>,
    /// A host directory for the guest: HOST[:GUEST][:ro] (repeatable).
    #[arg(long = "mount", value_name = "HOST[:GUEST][:ro]", value_parser = crate::run::parse_mount)]
    pub mounts: Vec<Mount>,
    /// Read source files under TO where the DWARF says FROM (gdb's `set
    /// substitute-path`), e.g. `/samples=./samples`; repeatable.
    #[arg(long = "substitute-path", value_name = "FROM=TO", value_parser = parse_substitute)]
    pub substitute: Vec<(String, String)>,
    /// Debug this export instead of `_start` (a module without WASI, a Learn sample):
    /// the arguments after FILE are its parameters, as `run --invoke` takes them.
    #[arg(long, value_name = "NAME")]
    pub invoke: Option<String>,
    /// Run the commands of FILE first (one per line, `#` comments), as gdb's `-x`.
    #[arg(short = 'x', long = "command", value_name = "FILE")]
    pub command_files: Vec<PathBuf>,
    /// Run this command first, after the -x files (repeatable), as gdb's `-ex`.
    #[arg(long = "ex", value_name = "COMMAND")]
    pub commands: Vec<String>,
    /// The program, a .wasm or .wat file.
    pub file: PathBuf,
    /// Arguments for the guest (argv[0] is the file's base name).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

/// `--substitute-path FROM=TO`.
fn parse_substitute(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((from, to)) if !from.is_empty() => Ok((from.to_string(), to.to_string())),
        _ => Err("expected FROM=TO (where the DWARF says FROM, read under TO)".into()),
    }
}

/// How many instructions `debug` runs between two looks for a Ctrl-C.
const SLICE: u64 = 1 << 20;

/// A Wasm local of a frame ([`Debugger::locals_of`]).
struct WasmLocal {
    /// The name section's name, if it has one.
    named: Option<String>,
    /// Its name in commands: the name section's, else `localK`.
    name: String,
    is_parameter: bool,
    value: wasmscope::Value,
}

/// One frame as gdb shows it: a Wasm frame, or a function inlined into it.
struct View {
    /// The Wasm frame it belongs to (index into `Stepper::frames`).
    wasm: usize,
    function: String,
    file: Option<String>,
    line: u32,
    /// The code offset, for frames without line information.
    offset: Option<u64>,
}

/// A `catch syscall`: the WASI functions (or `module.name` host functions) whose calls
/// stop the program, before and after.
struct Catch {
    id: u32,
    /// What the user asked for, as `info breakpoints` shows it.
    what: String,
    names: Vec<String>,
    enabled: bool,
}

/// A `watch -l`, `rwatch` or `awatch`: a range of linear memory the runtime watches
/// (set again at each `run`).
struct LocationWatch {
    id: u32,
    expression: String,
    address: u64,
    size: u64,
    kind: wasmscope::WatchKind,
    enabled: bool,
    /// It stops only where this holds (`watch -l EXPR if COND`).
    condition: Option<String>,
    /// The runtime's id for it in this run.
    runtime_id: Option<u32>,
    /// A Wasm global's index (`watch global N|NAME`), instead of memory.
    global: Option<u32>,
}

/// Sets watchpoint `w` in the stepper's session (so that the past shown and
/// `reverse-continue` see it too): its id there.
fn arm_watch(stepper: &mut Stepper, w: &LocationWatch) -> Option<u32> {
    use wasmscope_listeners::stepper::Watched;
    Some(stepper.watch(match w.global {
        Some(g) => Watched::Global(g),
        None => Watched::Memory {
            memory: 0,
            address: w.address,
            len: w.size,
            kind: w.kind,
        },
    }))
}

/// A `watch`: a range of linear memory and the value it had.
struct Watch {
    id: u32,
    expression: String,
    address: u64,
    size: u64,
    bytes: Vec<u8>,
    value: String,
    /// The call depth of the frame it was set in: it is deleted when that frame returns.
    depth: usize,
}

struct Debugger {
    wasm: Vec<u8>,
    file: String,
    args: DebugArgs,
    stepper: Stepper,
    /// Whether the program has been started (`run`) and not ended.
    running: bool,
    /// Whether it has been started at all (a `run` then needs a fresh session).
    started: bool,
    /// The selected frame (index into `views`).
    selected: usize,
    views: Vec<View>,
    frames: Vec<Frame>,
    /// `print`'s value history (`$1`, `$2`...).
    history: usize,
    displays: Vec<(u32, String)>,
    watches: Vec<Watch>,
    catches: Vec<Catch>,
    location_watches: Vec<LocationWatch>,
    next_display: u32,
    substitute: Vec<(String, String)>,
    sources: HashMap<String, Option<Vec<String>>>,
    quit: bool,
    /// A Ctrl-C stopped the last run or step.
    interrupted: bool,
}

/// `wasmscope debug`.
pub fn debug(args: DebugArgs) -> ExitCode {
    let wasm = match read_module(&args.file) {
        Ok(w) => w,
        Err(e) => {
            pipe::eprintln(e);
            return ExitCode::from(1);
        }
    };
    let stepper = match Stepper::new(&wasm, wasmscope::wasi::instantiate) {
        Ok(s) => s,
        Err(e) => {
            pipe::eprintln(format!("{}: {e}", args.file.display()));
            return ExitCode::from(1);
        }
    };
    let substitute = args.substitute.clone();
    // What `run` would start is checked now, as `wasmscope run` checks it: a session that
    // could never start ends here, with run's exit code.
    if let Err(e) = crate::run::entry(
        &args.file,
        stepper.compiled(),
        args.invoke.as_deref(),
        &args.args,
    ) {
        pipe::eprintln(e);
        return ExitCode::from(1);
    }
    let file = args.file.display().to_string();
    let mut stepper = stepper;
    // Logpoints print as they are passed, in order with the guest's output.
    stepper.set_log_sink(Some(Box::new(|line: &str| say(line))));
    let mut d = Debugger {
        wasm,
        file,
        args,
        stepper,
        running: false,
        selected: 0,
        views: Vec::new(),
        frames: Vec::new(),
        history: 0,
        displays: Vec::new(),
        watches: Vec::new(),
        catches: Vec::new(),
        location_watches: Vec::new(),
        started: false,
        next_display: 1,
        substitute,
        sources: HashMap::new(),
        quit: false,
        interrupted: false,
    };
    let dwarf = if d.stepper.compiled().has_line_info() {
        "with DWARF"
    } else {
        "no DWARF: Wasm-level debugging only"
    };
    say(&format!("Reading {} ({dwarf})", d.file));
    // Ctrl-C stops the running program, not the debugger.
    crate::interrupt::catch_ctrl_c();
    let mut first: Vec<String> = Vec::new();
    for f in &d.args.command_files {
        match std::fs::read_to_string(f) {
            Ok(text) => first.extend(text.lines().map(String::from)),
            Err(e) => pipe::eprintln(format!("{}: {e}", f.display())),
        }
    }
    first.extend(d.args.commands.iter().cloned());
    for line in first {
        d.command(&line);
        if d.quit {
            return ExitCode::SUCCESS;
        }
    }
    let stdin = std::io::stdin();
    let interactive = stdin.is_terminal();
    let mut input = stdin.lock();
    loop {
        if interactive {
            print!("(wasmscope) ");
            let _ = std::io::stdout().flush();
        }
        let mut line = String::new();
        match input.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        d.command(&line);
        if d.quit {
            break;
        }
    }
    ExitCode::SUCCESS
}

fn say(text: &str) {
    pipe::print(&format!("{text}\n"));
}

fn err(text: &str) {
    pipe::eprintln(text);
}

const HELP: &str = "\
Commands (gdb's names; abbreviations in brackets):
  run [r]                  start the program (again)
  break [b] LOC [if EXPR]  breakpoint at FILE:LINE, FUNCTION or *OFFSET, maybe conditional
  tbreak LOC               a breakpoint that is deleted when hit
  dprintf LOC,\"FMT\",ARGS.. a logpoint: print and go on (each %-conversion shows an ARG)
  condition N [EXPR]       set or remove breakpoint N's condition
  ignore N COUNT           breakpoint N stops from its COUNT+1th hit on
  delete [d] [N]           delete breakpoint N (all without N)
  disable N / enable N     turn breakpoint N off / on
  info breakpoints [i b]   the breakpoints, with hits
  continue [c]             run to the next breakpoint, watchpoint or the end
  next [n] / step [s]      next source line, over / into calls
  finish                   run out of the current function
  nexti [ni] / stepi [si]  one Wasm instruction, over / into calls
  backtrace [bt, where]    the call stack, inlined functions as frames
  frame [f] N, up, down    select a frame
  print [p] EXPR           an expression's value: names, a.b, p->b, v[i], *p, &x,
                           arithmetic, comparisons, casts (T)x and x as T
  info locals / info args  the selected frame's variables / parameters
  display EXPR             print EXPR at every stop (undisplay N)
  watch EXPR               stop when the memory EXPR is in changes (steps instruction
                           by instruction: slow on long runs; deleted when its frame returns)
  watch -l EXPR [if COND]  stop when the memory EXPR is in changes (the runtime watches it:
                           every function runs its debug code), in any frame
  rwatch EXPR / awatch EXPR  stop after a load of EXPR's memory / a load or a change
  watch global N|NAME [if COND]  stop when Wasm global N (or the one named NAME) changes
  catch syscall [NAME|CLASS]..  stop before and after WASI calls (all without a NAME):
                           fd_write, ..., or a class: files, clocks, random, args, exit,
                           other (also group:CLASS); arguments and results decoded
  return [ERRNO]           at a catch: before the call, skip it and return ERRNO (a name
                           such as ENOSPC, or a number; 0 without one); after it, return
                           ERRNO instead of what it returned
  set arg NAME = VALUE     before a caught call: change its argument NAME (or its index)
  record                   record the next runs (before run, or run again): then
  reverse-stepi [rsi], reverse-step [rs], reverse-next [rn], reverse-finish,
  reverse-continue [rc]    step backwards (a replay of the recorded run; going forward
                           past the present runs the program on)
  info record              the instruction count, and whether this is the past
  record goto N|begin|end  show the recorded run before its instruction N
  last-writer EXPR|ADDR [LEN]  the write that gave the bytes their value: instruction
                           count, function, line (record goto shows that moment)
  stack                    the spec's abstract machine at the selected frame's instruction:
                           control stack, operand stack (values, what it pops), semantics
  list [l]                 source lines around the current one
  quit [q]                 leave";

impl Debugger {
    fn command(&mut self, line: &str) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return;
        }
        let (cmd, rest) = match line.split_once(char::is_whitespace) {
            Some((c, r)) => (c, r.trim()),
            None => (line, ""),
        };
        match cmd {
            "help" | "h" => say(HELP),
            "quit" | "q" => self.quit = true,
            "run" | "r" => self.run(),
            "break" | "b" | "br" => self.break_command(rest, false),
            "tbreak" => self.break_command(rest, true),
            "dprintf" => self.dprintf(rest),
            "condition" => self.condition(rest),
            "ignore" => self.ignore(rest),
            "delete" | "d" => self.delete(rest),
            "disable" | "enable" => self.enable(rest, cmd == "enable"),
            "continue" | "c" | "cont" => self.go(Go::Continue),
            "next" | "n" => self.go(Go::Line(LineStep::Over)),
            "step" | "s" => self.go(Go::Line(LineStep::Into)),
            "finish" | "fin" => self.go(Go::Line(LineStep::Out)),
            "nexti" | "ni" => self.go(Go::Instruction(StepMode::Over)),
            "stepi" | "si" => self.go(Go::Instruction(StepMode::Instruction)),
            "backtrace" | "bt" | "where" => self.backtrace(rest),
            "frame" | "f" => self.frame(rest),
            "up" => self.select(self.selected.saturating_add(count(rest))),
            "down" => self.select(self.selected.saturating_sub(count(rest))),
            "print" | "p" | "inspect" => self.print(rest),
            "display" => self.display(rest),
            "undisplay" => self.undisplay(rest),
            "watch" => match rest
                .strip_prefix("-location ")
                .or_else(|| rest.strip_prefix("-l "))
            {
                Some(expr) => self.location_watch(expr.trim(), wasmscope::WatchKind::Write),
                None => match rest.strip_prefix("global ") {
                    Some(g) => self.global_watch(g.trim()),
                    None => self.watch(rest),
                },
            },
            "rwatch" | "awatch" => {
                let expr = rest
                    .strip_prefix("-location ")
                    .or_else(|| rest.strip_prefix("-l "))
                    .unwrap_or(rest)
                    .trim();
                let kind = if cmd == "rwatch" {
                    wasmscope::WatchKind::Read
                } else {
                    wasmscope::WatchKind::Access
                };
                self.location_watch(expr, kind);
            }
            "catch" => self.catch(rest),
            "record" | "rec" => match rest.strip_prefix("goto") {
                Some(target) => self.record_goto(target.trim()),
                None => self.record(rest),
            },
            "last-writer" => self.last_writer(rest),
            "reverse-stepi" | "rsi" => {
                self.reverse(wasmscope_listeners::stepper::Reverse::Instruction)
            }
            "reverse-step" | "rs" => self.reverse(wasmscope_listeners::stepper::Reverse::Step),
            "reverse-next" | "rn" => self.reverse(wasmscope_listeners::stepper::Reverse::Next),
            "reverse-finish" => self.reverse(wasmscope_listeners::stepper::Reverse::Finish),
            "reverse-continue" | "rc" => {
                self.reverse(wasmscope_listeners::stepper::Reverse::Continue)
            }
            "return" => self.return_command(rest),
            "set" => match rest.split_once(char::is_whitespace) {
                Some(("arg", assignment)) => self.set_arg(assignment),
                _ => {
                    err("Only \"set arg NAME = VALUE\" is supported (at a catch, before the call).")
                }
            },
            "stack" => self.machine(),
            "list" | "l" => self.list(),
            "info" | "i" => match rest.split_whitespace().next().unwrap_or("") {
                "locals" | "lo" => self.info_vars(false),
                "args" | "ar" => self.info_vars(true),
                "breakpoints" | "b" | "break" | "watchpoints" => self.info_breakpoints(),
                "record" | "rec" => self.info_record(),
                "frame" | "f" => self.frame(""),
                "display" => {
                    for (n, e) in &self.displays {
                        say(&format!("{n}:   {e}"));
                    }
                }
                other => err(&format!(
                    "Undefined info command: \"{other}\".  Try \"help\"."
                )),
            },
            other => err(&format!("Undefined command: \"{other}\".  Try \"help\".")),
        }
    }

    fn module_config(&self) -> ModuleConfig {
        let argv0 = self
            .args
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut argv: Vec<&str> = vec![&argv0];
        argv.extend(self.args.args.iter().map(String::as_str));
        let mut config = ModuleConfig::new()
            .with_args(&argv)
            .with_stdout(pipe::stdout())
            .with_stderr(pipe::stderr());
        for (k, v) in &self.args.env {
            config = config.with_env(k, v);
        }
        let mut fs = wasmscope::FsConfig::new();
        for m in &self.args.mounts {
            fs = if m.read_only {
                fs.with_read_only_dir_mount(&m.host, &m.guest)
            } else {
                fs.with_dir_mount(&m.host, &m.guest)
            };
        }
        config.with_fs_config(fs)
    }

    fn run(&mut self) {
        if self.running {
            say("Starting the program again from the beginning.");
        }
        if self.started {
            // A fresh runtime: the last run's module (and its WASI state) is gone.
            match Stepper::new(&self.wasm, wasmscope::wasi::instantiate) {
                Ok(mut fresh) => {
                    // The same breakpoint set (and its log sink), hits counted afresh,
                    // and the same catchpoints.
                    fresh.use_breakpoints(self.stepper.breakpoint_set().clone());
                    fresh.set_host_call_catches(self.stepper.host_call_catches());
                    fresh.set_time_travel(self.stepper.time_travel());
                    self.stepper = fresh;
                }
                Err(e) => return err(&e.to_string()),
            }
        }
        let config = self.module_config();
        let (export, params) = match self.entry() {
            Ok(entry) => entry,
            Err(e) => return err(&e),
        };
        if let Err(e) = self.stepper.start(config, &export, &params) {
            return err(&format!("{}: {e}", self.file));
        }
        self.started = true;
        self.running = true;
        for w in &mut self.location_watches {
            w.runtime_id = if w.enabled {
                arm_watch(&mut self.stepper, w)
            } else {
                None
            };
        }
        let line = format!(
            "Starting program: {} {}",
            self.file,
            self.args.args.join(" ")
        );
        say(line.trim_end());
        self.go(Go::Continue);
    }

    /// What `run` starts: `_start`, or `--invoke`'s export with its parameters.
    fn entry(&self) -> Result<(String, Vec<u64>), String> {
        crate::run::entry(
            &self.args.file,
            self.stepper.compiled(),
            self.args.invoke.as_deref(),
            &self.args.args,
        )
    }

    /// `stack`: the specification's abstract machine at the selected frame's instruction
    /// (the control stack, the operand stack with values, what the instruction pops and
    /// pushes and does).
    fn machine(&self) {
        let Some(v) = self.views.get(self.selected) else {
            return err("No frame selected.");
        };
        let Some(frame) = self.frames.get(v.wasm) else {
            return err("No frame selected.");
        };
        let Some(offset) = frame.code_offset else {
            return err("The frame has no code offset (a host function).");
        };
        let Some(m) = self
            .stepper
            .compiled()
            .machine(frame.definition.index(), offset)
        else {
            return err("No instruction begins here.");
        };
        say(&format!("{:#x}  {}", m.code_offset, m.instruction));
        say(&format!("  {}", m.semantics));
        say("control stack (innermost last):");
        for (k, l) in m.control.iter().enumerate() {
            let target = if m.branch_target == Some(k) {
                "  <- the branch's target"
            } else {
                ""
            };
            say(&format!(
                "  label {}  {:<9} {}{target}",
                l.index,
                l.kind.to_string(),
                l.block_type()
            ));
        }
        let top = m.before.len();
        let popped = top.saturating_sub(m.pops as usize);
        say("operand stack (bottom first):");
        if m.before.is_empty() {
            say("  (empty)");
        }
        for (k, t) in m.before.iter().enumerate() {
            let value = frame
                .operands
                .get(k)
                .map(|x| format!(" {}", value_text(x)))
                .unwrap_or_default();
            let mark = if k >= popped { "  <- popped" } else { "" };
            say(&format!("  {t}{value}{mark}"));
        }
        match &m.after {
            Some(after) => {
                let pushed: Vec<String> = after[after.len().saturating_sub(m.pushes as usize)..]
                    .iter()
                    .map(|t| t.to_string())
                    .collect();
                say(&format!(
                    "after: {} entr{} (pushes [{}])",
                    after.len(),
                    if after.len() == 1 { "y" } else { "ies" },
                    pushed.join(" ")
                ));
            }
            None => say("after: the function returns"),
        }
        // The frame's locals, as the workbench's Machine view shows them.
        let locals = self.locals_of(frame);
        say("locals:");
        if locals.is_empty() {
            say("  (none)");
        }
        for (k, l) in locals.iter().enumerate() {
            let name = l
                .named
                .as_ref()
                .map(|n| format!(" ${n}"))
                .unwrap_or_default();
            let param = if l.is_parameter { "  (parameter)" } else { "" };
            say(&format!(
                "  local {k}{name}: {} {}{param}",
                l.value.ty(),
                value_text(&l.value)
            ));
        }
    }

    fn break_command(&mut self, rest: &str, temporary: bool) {
        let (loc, cond) = match rest.split_once(" if ") {
            Some((l, c)) => (l.trim(), Some(c.trim())),
            None => (rest.trim(), None),
        };
        let loc = if loc.is_empty() {
            // gdb: the current line.
            match self.views.get(self.selected) {
                Some(View {
                    file: Some(f),
                    line,
                    ..
                }) => format!("{f}:{line}"),
                _ => return err("No default breakpoint location now selected."),
            }
        } else {
            loc.to_string()
        };
        let location = match BreakpointLocation::parse(&loc) {
            Ok(l) => l,
            Err(e) => return err(&e),
        };
        if let Some(c) = cond {
            if let Err(e) = wasmscope::variables::check_syntax(c) {
                return err(&format!("bad condition: {e}"));
            }
        }
        let id = match self.stepper.add_breakpoint(location.clone()) {
            Ok(id) => id,
            Err(e) => return err(&e),
        };
        if let Some(c) = cond {
            if let Err(e) = self.stepper.set_condition(id, Some(c)) {
                return err(&e);
            }
        }
        if temporary {
            self.temporary(id);
        }
        let b = self.stepper.breakpoint(id).expect("just added");
        let kind = if temporary {
            "Temporary breakpoint"
        } else {
            "Breakpoint"
        };
        say(&format!(
            "{kind} {id} at {}",
            self.describe_offsets(&b.offsets)
        ));
    }

    /// Temporary breakpoints: deleted after their first stop (hit condition 1).
    fn temporary(&mut self, id: u32) {
        let _ = self
            .stepper
            .set_hit_condition(id, Some(HitCondition::Equal(1)));
    }

    /// `0x1a2: file vars/src/main.rs, line 110.` for a breakpoint's first offset.
    fn describe_offsets(&self, offsets: &[u64]) -> String {
        let Some(&first) = offsets.first() else {
            return "no code".into();
        };
        let more = match offsets.len() {
            1 => String::new(),
            n => format!(" ({n} locations)"),
        };
        let locs = self.stepper.compiled().source_locations(first);
        match locs.last() {
            Some(l) => format!("{first:#x}: file {}, line {}.{more}", l.file, l.line),
            None => format!("{first:#x}{more}"),
        }
    }

    fn dprintf(&mut self, rest: &str) {
        // dprintf LOCATION,"format",ARG,...
        let Some((loc, tail)) = rest.split_once(',') else {
            return err("Format string required");
        };
        let tail = tail.trim();
        let Some(body) = tail.strip_prefix('"') else {
            return err("Bad format string");
        };
        let Some(end) = body.find('"') else {
            return err("Bad format string, non-terminated '\"'");
        };
        let format = &body[..end];
        let args: Vec<&str> = body[end + 1..]
            .split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .collect();
        // Each %-conversion becomes `{arg}` (shown as `print` shows it).
        let mut message = String::new();
        let mut args_iter = args.iter();
        let mut chars = format.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '%' if chars.peek() == Some(&'%') => {
                    chars.next();
                    message.push('%');
                }
                '%' => {
                    // Skip flags, width, length and the conversion letter.
                    while let Some(&n) = chars.peek() {
                        chars.next();
                        if n.is_ascii_alphabetic() && !"hlLqjzt".contains(n) {
                            break;
                        }
                    }
                    match args_iter.next() {
                        Some(a) => message.push_str(&format!("{{{a}}}")),
                        None => return err("Bad format string, missing '\"'"),
                    }
                }
                '\\' if chars.peek() == Some(&'n') => {
                    chars.next();
                }
                '{' => message.push_str("{{"),
                '}' => message.push_str("}}"),
                other => message.push(other),
            }
        }
        let location = match BreakpointLocation::parse(loc) {
            Ok(l) => l,
            Err(e) => return err(&e),
        };
        let id = match self.stepper.add_breakpoint(location) {
            Ok(id) => id,
            Err(e) => return err(&e),
        };
        if let Err(e) = self.stepper.set_log_message(id, Some(&message)) {
            // Not a logpoint: no breakpoint either.
            self.stepper.remove_breakpoint(id);
            return err(&e);
        }
        let b = self.stepper.breakpoint(id).expect("just added");
        say(&format!(
            "Dprintf {id} at {}",
            self.describe_offsets(&b.offsets)
        ));
    }

    fn number(rest: &str) -> Option<u32> {
        rest.split_whitespace().next()?.parse().ok()
    }

    fn condition(&mut self, rest: &str) {
        let Some(id) = Self::number(rest) else {
            return err("Argument required (breakpoint number).");
        };
        let expr = rest.split_once(char::is_whitespace).map(|(_, e)| e.trim());
        match self.stepper.set_condition(id, expr) {
            Ok(()) if expr.is_none() => say(&format!("Breakpoint {id} now unconditional.")),
            Ok(()) => {}
            Err(e) => err(&e),
        }
    }

    fn ignore(&mut self, rest: &str) {
        let mut parts = rest.split_whitespace();
        let (Some(id), Some(n)) = (
            parts.next().and_then(|p| p.parse::<u32>().ok()),
            parts.next().and_then(|p| p.parse::<u64>().ok()),
        ) else {
            return err("Argument required (a breakpoint number and a count).");
        };
        let hits = self.stepper.breakpoint(id).map_or(0, |b| b.hits);
        match self.stepper.set_hit_condition(
            id,
            Some(HitCondition::AtLeast(
                hits.saturating_add(n).saturating_add(1),
            )),
        ) {
            Ok(()) => say(&format!(
                "Will ignore next {n} crossings of breakpoint {id}."
            )),
            Err(e) => err(&e),
        }
    }

    fn delete(&mut self, rest: &str) {
        if rest.is_empty() {
            self.stepper.clear_breakpoints();
            self.watches.clear();
            self.catches.clear();
            self.sync_catches();
            for w in std::mem::take(&mut self.location_watches) {
                if let Some(r) = w.runtime_id {
                    self.stepper.unwatch(r);
                }
            }
            return;
        }
        for n in rest.split_whitespace() {
            match n.parse::<u32>() {
                Ok(id) => {
                    let before =
                        self.watches.len() + self.catches.len() + self.location_watches.len();
                    self.watches.retain(|w| w.id != id);
                    self.catches.retain(|c| c.id != id);
                    if let Some(k) = self.location_watches.iter().position(|w| w.id == id) {
                        let w = self.location_watches.remove(k);
                        if let Some(r) = w.runtime_id {
                            self.stepper.unwatch(r);
                        }
                    }
                    let others = before
                        != self.watches.len() + self.catches.len() + self.location_watches.len();
                    self.sync_catches();
                    if !self.stepper.remove_breakpoint(id) && !others {
                        err(&format!("No breakpoint number {id}."));
                    }
                }
                Err(_) => err(&format!(
                    "Convenience variable must have integer value: {n}"
                )),
            }
        }
    }

    fn enable(&mut self, rest: &str, on: bool) {
        for n in rest.split_whitespace() {
            match n.parse::<u32>() {
                Ok(id) => {
                    if let Some(c) = self.catches.iter_mut().find(|c| c.id == id) {
                        c.enabled = on;
                        self.sync_catches();
                    } else if let Some(k) = self.location_watches.iter().position(|w| w.id == id) {
                        self.location_watches[k].enabled = on;
                        let runtime_id = self.location_watches[k].runtime_id;
                        if let Some(r) = runtime_id.filter(|_| !on) {
                            self.stepper.unwatch(r);
                            self.location_watches[k].runtime_id = None;
                        } else if on && runtime_id.is_none() && self.running {
                            self.location_watches[k].runtime_id =
                                arm_watch(&mut self.stepper, &self.location_watches[k]);
                        }
                    } else if let Err(e) = self.stepper.set_enabled(id, on) {
                        err(&e);
                    }
                }
                Err(_) => err(&format!("Bad breakpoint number '{n}'")),
            }
        }
    }

    fn info_breakpoints(&self) {
        let list = self.stepper.breakpoints();
        if list.is_empty()
            && self.watches.is_empty()
            && self.catches.is_empty()
            && self.location_watches.is_empty()
        {
            return say("No breakpoints or watchpoints.");
        }
        say("Num     Type           Disp Enb What");
        for b in list {
            let kind = if b.log_message.is_some() {
                "dprintf"
            } else {
                "breakpoint"
            };
            let disp = if b.hit_condition == Some(HitCondition::Equal(1)) {
                "del "
            } else {
                "keep"
            };
            let enb = if b.enabled { "y" } else { "n" };
            say(&format!(
                "{:<7} {kind:<14} {disp} {enb}   {} ({} location{})",
                b.id,
                b.location,
                b.offsets.len(),
                if b.offsets.len() == 1 { "" } else { "s" }
            ));
            if let Some(c) = &b.condition {
                say(&format!("\tstop only if {c}"));
            }
            if let Some(h) = b.hit_condition.filter(|h| *h != HitCondition::Equal(1)) {
                say(&format!("\tstop only on hits {h}"));
            }
            if let Some(m) = &b.log_message {
                say(&format!("\tprint \"{m}\""));
            }
            if b.hits > 0 {
                say(&format!(
                    "\tbreakpoint already hit {} time{}",
                    b.hits,
                    if b.hits == 1 { "" } else { "s" }
                ));
            }
        }
        for w in &self.watches {
            say(&format!(
                "{:<7} {:<14} keep y   {}",
                w.id, "watchpoint", w.expression
            ));
        }
        for w in &self.location_watches {
            let kind = match w.kind {
                wasmscope::WatchKind::Write => "hw watchpoint",
                wasmscope::WatchKind::Read => "read watchpoint",
                wasmscope::WatchKind::Access => "acc watchpoint",
            };
            say(&format!(
                "{:<7} {kind:<14} keep {}   {}{}",
                w.id,
                if w.enabled { "y" } else { "n" },
                if w.global.is_some() { "" } else { "-location " },
                w.expression
            ));
            if let Some(c) = &w.condition {
                say(&format!("\tstop only if {c}"));
            }
        }
        for c in &self.catches {
            say(&format!(
                "{:<7} {:<14} keep {}   syscall {}",
                c.id,
                "catchpoint",
                if c.enabled { "y" } else { "n" },
                c.what
            ));
        }
    }

    /// `watch -l EXPR`, `rwatch EXPR`, `awatch EXPR`: the runtime watches EXPR's bytes.
    fn location_watch(&mut self, expr: &str, kind: wasmscope::WatchKind) {
        let (expr, condition) = match expr.split_once(" if ") {
            Some((e, c)) => (e.trim(), Some(c.trim().to_string())),
            None => (expr, None),
        };
        let Some(frame) = self.selected_frame().cloned() else {
            return err("The program is not being run: start it, then watch what it has.");
        };
        let e = self.stepper.evaluate(&frame, expr);
        if let Err(x) = &e.value {
            return err(x);
        }
        let Some(address) = e.address else {
            return err(&format!(
                "Cannot watch {expr}: it is not in linear memory (a Wasm local or a constant); \
                 display it instead"
            ));
        };
        let size = e.size.unwrap_or(4).clamp(1, 4096);
        if self.stepper.module().is_none() {
            return err("The program is not being run: start it, then watch what it has.");
        }
        let id = self.stepper.next_number();
        let what = match kind {
            wasmscope::WatchKind::Write => "Hardware watchpoint",
            wasmscope::WatchKind::Read => "Hardware read watchpoint",
            wasmscope::WatchKind::Access => "Hardware access (read/write) watchpoint",
        };
        say(&format!("{what} {id}: -location {expr}"));
        let mut w = LocationWatch {
            id,
            expression: expr.to_string(),
            address,
            size,
            kind,
            enabled: true,
            condition,
            runtime_id: None,
            global: None,
        };
        w.runtime_id = arm_watch(&mut self.stepper, &w);
        self.location_watches.push(w);
    }

    /// `watch global N|NAME [if COND]`: the runtime watches Wasm global N (or the one
    /// the name section calls NAME).
    fn global_watch(&mut self, what: &str) {
        let (what, condition) = match what.split_once(" if ") {
            Some((e, c)) => (e.trim(), Some(c.trim().to_string())),
            None => (what, None),
        };
        let names = wasmscope::inspect::structure(&self.wasm)
            .map(|s| s.global_names)
            .unwrap_or_default();
        let index = what.parse::<u32>().ok().or_else(|| {
            let name = what.strip_prefix('$').unwrap_or(what);
            names.iter().find(|(_, n)| *n == name).map(|(i, _)| *i)
        });
        let count = self.stepper.module().map(|m| m.globals().len());
        let Some(count) = count else {
            return err("The program is not being run: start it, then watch what it has.");
        };
        let Some(index) = index.filter(|i| (*i as usize) < count) else {
            return err(&format!(
                "No global {what:?}: give its index (0 to {}) or its name",
                count.saturating_sub(1)
            ));
        };
        let expression = match names.get(&index) {
            Some(n) => format!("global {index} (${n})"),
            None => format!("global {index}"),
        };
        let mut w = LocationWatch {
            id: self.stepper.next_number(),
            expression,
            address: 0,
            size: 0,
            kind: wasmscope::WatchKind::Write,
            enabled: true,
            condition,
            runtime_id: None,
            global: Some(index),
        };
        w.runtime_id = arm_watch(&mut self.stepper, &w);
        say(&format!("Hardware watchpoint {}: {}", w.id, w.expression));
        self.location_watches.push(w);
    }

    /// The stop message of a watchpoint the runtime stopped at, as gdb's.
    fn watch_hit_text(&self) -> Option<String> {
        let (hit_id, hit) = self.stepper.watch_hit()?;
        let w = self
            .location_watches
            .iter()
            .find(|w| w.runtime_id == Some(hit_id))?;
        let (id, expression, address, kind) = (w.id, w.expression.clone(), w.address, w.kind);
        if let Some(g) = w.global {
            let ty = self.stepper.module().and_then(|m| {
                m.globals()
                    .get(g as usize)
                    .map(|x| x.global_type().value_type)
            });
            let shown = |bytes: &[u8]| {
                let lo =
                    u64::from_le_bytes(bytes[..8.min(bytes.len())].try_into().unwrap_or([0; 8]));
                match ty {
                    Some(wasmscope::ValueType::I32) => (lo as u32 as i32).to_string(),
                    Some(wasmscope::ValueType::I64) => (lo as i64).to_string(),
                    Some(wasmscope::ValueType::F32) => f32::from_bits(lo as u32).to_string(),
                    Some(wasmscope::ValueType::F64) => f64::from_bits(lo).to_string(),
                    _ => format!("0x{}", hex(bytes)),
                }
            };
            return Some(format!(
                "Hardware watchpoint {id}: {expression}\n\nOld value = {}\nNew value = {}",
                shown(&hit.old),
                shown(&hit.new)
            ));
        }
        // The value as its expression shows it where the call is, if it names the same
        // memory there; else the bytes.
        let now = self
            .frames
            .first()
            .map(|f| self.stepper.evaluate(f, &expression));
        let shown = |bytes: &[u8], current: bool| match &now {
            Some(e) if current && e.address == Some(address) => e
                .value
                .clone()
                .unwrap_or_else(|_| format!("0x{}", hex(bytes))),
            // Bytes of the same type as the value there now.
            Some(e) if e.address == Some(address) => {
                scalar_text(&e.type_name, bytes).unwrap_or_else(|| format!("0x{}", hex(bytes)))
            }
            _ => format!("0x{}", hex(bytes)),
        };
        let what = match kind {
            wasmscope::WatchKind::Write => "Hardware watchpoint",
            wasmscope::WatchKind::Read => "Hardware read watchpoint",
            wasmscope::WatchKind::Access => "Hardware access (read/write) watchpoint",
        };
        let body = if hit.read {
            format!("Value = {}", shown(&hit.new, true))
        } else {
            format!(
                "Old value = {}\nNew value = {}",
                shown(&hit.old, false),
                shown(&hit.new, true)
            )
        };
        Some(format!("{what} {id}: -location {expression}\n\n{body}"))
    }

    /// `record [full|stop]`.
    fn record(&mut self, rest: &str) {
        match rest {
            "" | "full" => {
                if self.stepper.time_travel() {
                    return err("The process is already being recorded.");
                }
                self.stepper.set_time_travel(true);
                if self.running {
                    say("Recording starts with the next run (run again to record this one).");
                } else {
                    say("The next runs are recorded: reverse-step and the other reverse commands work in them.");
                }
            }
            "stop" => {
                self.stepper.set_time_travel(false);
                say("Process record is stopped: the next runs are not recorded.");
            }
            other => err(&format!("Undefined record command: \"{other}\".")),
        }
    }

    /// `info record`.
    fn info_record(&self) {
        if !self.stepper.time_travel() {
            return say("No recording is currently active.");
        }
        say("Active record target: record-full");
        if self.running {
            let (now, present) = (self.stepper.instructions(), self.stepper.present());
            if self.stepper.in_past() {
                say(&format!("Replay mode: at instruction {now} of {present}."));
            } else {
                say(&format!("Record mode: {present} instructions recorded."));
            }
        }
    }

    /// `record goto N|begin|start|end`.
    fn record_goto(&mut self, target: &str) {
        if !self.running {
            return err("The program is not being run.");
        }
        let n = match target {
            "begin" | "start" => 1,
            "end" => self.stepper.present(),
            t => match t.parse::<u64>() {
                Ok(n) if n >= 1 => n,
                _ => return err(&format!("Bad instruction number: \"{t}\".")),
            },
        };
        match self.stepper.go_to(n) {
            Ok(state) => {
                say(&format!("Instruction {}.", self.stepper.instructions()));
                self.stopped(state, Go::Continue);
            }
            Err(e) => err(&e),
        }
    }

    /// `last-writer EXPR|ADDR [LEN]`.
    fn last_writer(&mut self, rest: &str) {
        if !self.running {
            return err("The program is not being run.");
        }
        let mut words: Vec<&str> = rest.split_whitespace().collect();
        let len_arg = match words.as_slice() {
            [.., n] if words.len() > 1 => n.parse::<u64>().ok(),
            _ => None,
        };
        if len_arg.is_some() {
            words.pop();
        }
        let what = words.join(" ");
        if what.is_empty() {
            return err("Argument required: last-writer EXPR|ADDR [LEN]");
        }
        let number = match what.strip_prefix("0x") {
            Some(h) => u64::from_str_radix(h, 16).ok(),
            None => what.parse::<u64>().ok(),
        };
        let (address, size) = match number {
            Some(a) => (a, 1),
            None => {
                let Some(frame) = self.selected_frame().cloned() else {
                    return err("No frame selected.");
                };
                let e = self.stepper.evaluate(&frame, &what);
                if let Err(x) = &e.value {
                    return err(x);
                }
                match (e.address, e.points_to) {
                    (Some(a), _) => (a, e.size.unwrap_or(1)),
                    // A pointer (`&x`, `p`): the bytes it points at.
                    (None, Some(a)) => (a, 1),
                    (None, None) => {
                        return err(&format!(
                            "{what} is not in linear memory (a Wasm local or a constant)"
                        ))
                    }
                }
            }
        };
        let len = len_arg.unwrap_or(size).clamp(1, 1 << 20);
        match self.stepper.last_writer(0, address, len) {
            Ok(Some(w)) => {
                let function = w
                    .sources
                    .first()
                    .and_then(|l| l.function.clone())
                    .or_else(|| w.function_index.map(|i| format!("function {i}")))
                    .unwrap_or_else(|| "??".into());
                let place = match w.sources.first() {
                    Some(l) => format!(" at {}:{}", l.file, l.line),
                    None => String::new(),
                };
                let offset = w
                    .code_offset
                    .map(|o| format!(" (0x{o:x})"))
                    .unwrap_or_default();
                say(&format!(
                    "Last written before instruction {} by {function}{place}{offset}: 0x{} -> 0x{}",
                    w.instructions,
                    hex(&w.old),
                    hex(&w.new)
                ));
                say(&format!(
                    "(record goto {} shows that moment)",
                    w.instructions
                ));
            }
            Ok(None) => say(&format!(
                "0x{address:x} ({len} bytes) has not been written since the start: it holds what \
                 instantiation put there."
            )),
            Err(e) => err(&e),
        }
    }

    /// The reverse commands.
    fn reverse(&mut self, how: wasmscope_listeners::stepper::Reverse) {
        if !self.running {
            return err("The program is not being run.");
        }
        let how_forward = match how {
            wasmscope_listeners::stepper::Reverse::Instruction => {
                Go::Instruction(StepMode::Instruction)
            }
            wasmscope_listeners::stepper::Reverse::Continue => Go::Continue,
            wasmscope_listeners::stepper::Reverse::Step => Go::Line(LineStep::Into),
            wasmscope_listeners::stepper::Reverse::Next => Go::Line(LineStep::Over),
            wasmscope_listeners::stepper::Reverse::Finish => Go::Continue,
        };
        match self.stepper.reverse(how) {
            Ok(Some(ExecutionState::Paused))
                if how == wasmscope_listeners::stepper::Reverse::Continue =>
            {
                // At the breakpoint it found, as gdb says it; or right after the change
                // a watchpoint saw.
                self.refresh();
                say("");
                match self.stepper.breakpoints_here().first() {
                    Some(id) => say(&format!("Breakpoint {id}, {}", self.frame_text(0))),
                    None => say(&self.frame_text(0)),
                }
                self.show_line(0);
                self.show_displays();
            }
            Ok(Some(state)) => self.stopped(state, how_forward),
            Ok(None) => {
                say("");
                say("No more reverse-execution history.");
                self.stopped(ExecutionState::Paused, Go::Continue);
            }
            Err(e) => err(&e),
        }
    }

    /// `catch syscall [NAME|CLASS|group:CLASS]...`.
    fn catch(&mut self, rest: &str) {
        let mut words = rest.split_whitespace();
        match words.next() {
            Some("syscall") => {}
            Some(other) => {
                return err(&format!(
                    "Catching \"{other}\" is not supported: catch syscall [NAME|CLASS]..."
                ))
            }
            None => return err("Argument required: catch syscall [NAME|CLASS]..."),
        }
        let mut names: Vec<String> = Vec::new();
        let asked: Vec<&str> = words.collect();
        for w in &asked {
            let class = w.strip_prefix("group:").unwrap_or(w);
            if wasmscope::wasi::WasiClass::of(w).is_some() || w.contains('.') {
                names.push(w.to_string());
            } else if let Some(c) = wasmscope::wasi::WasiClass::parse(class) {
                names.extend(c.functions().into_iter().map(String::from));
            } else {
                let classes: Vec<&str> = wasmscope::wasi::WasiClass::ALL
                    .iter()
                    .map(|c| c.name())
                    .collect();
                return err(&format!(
                    "Unknown syscall name '{w}': a WASI function (fd_write, path_open, ...), \
                     a class ({}), or a host function as MODULE.NAME",
                    classes.join(", ")
                ));
            }
        }
        if asked.is_empty() {
            for c in wasmscope::wasi::WasiClass::ALL {
                names.extend(c.functions().into_iter().map(String::from));
            }
        }
        let what = if asked.is_empty() {
            "<any syscall>".to_string()
        } else {
            format!("\"{}\"", asked.join(" "))
        };
        let id = self.stepper.next_number();
        say(&format!("Catchpoint {id} (syscall {what})"));
        self.catches.push(Catch {
            id,
            what,
            names,
            enabled: true,
        });
        self.sync_catches();
    }

    /// Gives the stepper the names of the enabled catchpoints.
    fn sync_catches(&mut self) {
        let mut names: Vec<String> = Vec::new();
        for c in self.catches.iter().filter(|c| c.enabled) {
            for n in &c.names {
                if !names.contains(n) {
                    names.push(n.clone());
                }
            }
        }
        self.stepper.set_host_call_catches(&names);
    }

    /// The stop message of a catchpoint, if the program is paused at a host call.
    fn catch_text(&self) -> Option<String> {
        let call = self.stepper.host_call()?;
        let name = call.definition.name().unwrap_or("?").to_string();
        let module = call.definition.module_name().to_string();
        let id = self
            .catches
            .iter()
            .find(|c| {
                c.enabled
                    && c.names
                        .iter()
                        .any(|n| *n == name || *n == format!("{module}.{name}"))
            })
            .map_or(0, |c| c.id);
        let described = self.stepper.describe_wasi_call(&call);
        let texts = |args: &[wasmscope::wasi::WasiArg]| -> Vec<String> {
            args.iter()
                .map(|a| format!("{}={}", a.name, a.text))
                .collect()
        };
        let args: Vec<String> = match &described {
            Some((args, _)) => texts(args),
            None => call.params.iter().map(|v| format!("{v:?}")).collect(),
        };
        let mut out = match call.phase {
            wasmscope::HostCallPhase::Before => format!(
                "Catchpoint {id} (call to syscall {name}), {module}.{name}({})",
                args.join(", ")
            ),
            wasmscope::HostCallPhase::After => {
                let shown: Vec<String> = match &described {
                    Some((_, results)) => texts(results),
                    None => call
                        .results
                        .iter()
                        .flatten()
                        .map(|v| format!("{v:?}"))
                        .collect(),
                };
                format!(
                    "Catchpoint {id} (returned from syscall {name}), {}",
                    shown.join(", ")
                )
            }
        };
        if matches!(call.phase, wasmscope::HostCallPhase::Before) {
            if let Some(r) = call.results {
                out.push_str(&format!(" (skipped: returns {r:?})"));
            }
        }
        Some(out)
    }

    /// `return [VALUE]` at a catchpoint.
    fn return_command(&mut self, rest: &str) {
        let Some(call) = self.stepper.host_call() else {
            return err("\"return\" works at a catchpoint (catch syscall): the program is not stopped at one.");
        };
        let name = call.definition.name().unwrap_or("?").to_string();
        let types = call.definition.result_types().to_vec();
        let values: Result<Vec<wasmscope::Value>, String> = match (types.as_slice(), rest) {
            ([], "") => Ok(vec![]),
            ([], _) => Err(format!("{name} returns nothing")),
            ([ty], "") => wasmscope_listeners::values::parse_value(*ty, "0").map(|v| vec![v]),
            ([ty], text) => wasmscope_listeners::values::parse_value(*ty, text).map(|v| vec![v]),
            (_, text) => types
                .iter()
                .zip(text.split(','))
                .map(|(ty, t)| wasmscope_listeners::values::parse_value(*ty, t))
                .collect(),
        };
        let values = match values {
            Ok(v) => v,
            Err(e) => return err(&e),
        };
        let shown = match values.as_slice() {
            [wasmscope::Value::I32(n)]
                if call.definition.module_name() == wasmscope::wasi::MODULE_NAME =>
            {
                wasmscope_listeners::values::errno_text(*n as u32)
            }
            v => format!("{v:?}"),
        };
        match self.stepper.set_host_call_results(&values) {
            Ok(()) => match call.phase {
                wasmscope::HostCallPhase::Before => {
                    say(&format!("{name} will not run: it returns {shown}."))
                }
                wasmscope::HostCallPhase::After => say(&format!("{name} now returns {shown}.")),
            },
            Err(e) => err(&e.to_string()),
        }
    }

    /// `set arg NAME = VALUE` before a caught call.
    fn set_arg(&mut self, assignment: &str) {
        let Some(call) = self.stepper.host_call() else {
            return err("\"set arg\" works at a catchpoint before the call: the program is not stopped at one.");
        };
        let Some((name, value)) = assignment.split_once('=') else {
            return err("Usage: set arg NAME = VALUE");
        };
        let name = name.trim();
        let names = call.definition.param_names();
        let index = name
            .parse::<usize>()
            .ok()
            .or_else(|| names.iter().position(|n| n.as_deref() == Some(name)));
        let Some(index) = index.filter(|i| *i < call.params.len()) else {
            return err(&format!(
                "{} has no argument {name}",
                call.definition.name().unwrap_or("?")
            ));
        };
        let ty = call.params[index].ty();
        let v = match wasmscope_listeners::values::parse_value(ty, value) {
            Ok(v) => v,
            Err(e) => return err(&e),
        };
        let mut params = call.params.clone();
        params[index] = v;
        match self.stepper.set_host_call_params(&params) {
            Ok(()) => {
                if let Some(text) = self.catch_text() {
                    say(&text);
                }
            }
            Err(e) => err(&e.to_string()),
        }
    }

    fn go(&mut self, how: Go) {
        if !self.running {
            return err("The program is not being run.");
        }
        let was_past = self.stepper.in_past();
        // A Ctrl-C that came as the last run ended is not for this one (at the prompt
        // Ctrl-C ends the debugger: `interrupt::Running`).
        crate::interrupt::take();
        self.interrupted = false;
        let mut state = if self.watches.is_empty() {
            match how {
                Go::Continue => self.resume_past_false_watch_conditions(),
                Go::Line(kind) => self.sliced(Op::Line(kind)),
                Go::Instruction(StepMode::Over) => self.sliced(Op::StepOver),
                Go::Instruction(_) => self.sliced(Op::StepInto),
            }
        } else {
            self.go_watching(how)
        };
        // `step` goes on through the toolchain's code to the program's own ("Just My
        // Code", as the workbench's Step into).
        if matches!(how, Go::Line(LineStep::Into)) && self.watches.is_empty() {
            let mut last = None;
            for _ in 0..100_000 {
                if !matches!(state, ExecutionState::Paused) {
                    break;
                }
                if self.interrupted {
                    break;
                }
                let Some(next) = self.stepper.library_step(last) else {
                    break;
                };
                last = Some(next);
                state = self.sliced(Op::Line(next));
            }
        }
        for line in self.stepper.take_log() {
            say(&line);
        }
        if was_past && !self.stepper.in_past() && matches!(state, ExecutionState::Paused) {
            // The end of the replay: the next command runs the program on.
            say("");
            say("No more reverse-execution history.");
            return self.stopped(state, Go::Continue);
        }
        self.stopped(state, how);
    }

    /// Continue, going on past the stops of location watchpoints whose condition does
    /// not hold there (an error in a condition stops, and says so, as gdb does).
    fn resume_past_false_watch_conditions(&mut self) -> ExecutionState {
        for _ in 0..1_000_000 {
            let state = self.sliced(Op::Continue);
            if !matches!(state, ExecutionState::Paused) || self.interrupted {
                return state;
            }
            let Some((hit_id, _)) = self.stepper.watch_hit() else {
                return state;
            };
            let Some((id, condition)) = self
                .location_watches
                .iter()
                .find(|w| w.runtime_id == Some(hit_id))
                .and_then(|w| Some((w.id, w.condition.clone()?)))
            else {
                return state;
            };
            let Some(top) = self.stepper.frames().into_iter().next() else {
                return state;
            };
            match self.stepper.test(&top, &condition) {
                Ok(false) => continue,
                Ok(true) => return state,
                Err(e) => {
                    err(&format!(
                        "Error in testing condition for watchpoint {id}: {e}"
                    ));
                    return state;
                }
            }
        }
        self.sliced(Op::Continue)
    }

    /// Runs `op` in slices of [`SLICE`] instructions, so that a Ctrl-C between two
    /// slices stops it where it is (`self.interrupted` then says so); a breakpoint, the
    /// end of the step, or the program's end stop it as they would unsliced.
    fn sliced(&mut self, op: Op) -> ExecutionState {
        let _running = crate::interrupt::Running::start();
        let mut state = self.stepper.begin(op, SLICE);
        while matches!(state, ExecutionState::Paused)
            && self.stepper.pending().is_some()
            && self.stepper.paused_by_budget()
        {
            if crate::interrupt::take() {
                self.stepper.cancel();
                self.interrupted = true;
                break;
            }
            state = self.stepper.go_on(SLICE);
        }
        state
    }

    /// Runs instruction by instruction, checking the watched memory after each.
    fn go_watching(&mut self, how: Go) -> ExecutionState {
        // The step to make, as instruction steps: a line step or continue runs until it
        // would have stopped, or a watch fires.
        let target_depth = self.stepper.position().map(|p| p.depth);
        let start_line = self.views.first().map(|v| (v.file.clone(), v.line));
        let _running = crate::interrupt::Running::start();
        loop {
            let state = self.stepper.step_into();
            if !matches!(state, ExecutionState::Paused) {
                return state;
            }
            if crate::interrupt::take() {
                self.interrupted = true;
                return state;
            }
            if let Some(fired) = self.check_watches() {
                say(&fired);
                return state;
            }
            if !self.stepper.stopped_by().is_empty() || self.stepper.host_call().is_some() {
                return state;
            }
            let p = self.stepper.position();
            let depth = p.as_ref().map(|p| p.depth);
            let done = match how {
                Go::Continue => false,
                Go::Instruction(StepMode::Instruction) => true,
                Go::Instruction(_) => depth <= target_depth,
                Go::Line(kind) => {
                    let offset = p.and_then(|p| p.code_offset);
                    let locs = offset
                        .map(|o| self.stepper.compiled().source_locations(o))
                        .unwrap_or_default();
                    let statement = offset.is_some_and(|o| self.stepper.compiled().is_statement(o));
                    let line = locs.first().map(|l| (Some(l.file.clone()), l.line));
                    match kind {
                        LineStep::Out => depth < target_depth && statement,
                        LineStep::Into => statement && line.is_some() && line != start_line,
                        LineStep::Over => {
                            statement
                                && depth <= target_depth
                                && line.is_some()
                                && line != start_line
                        }
                    }
                }
            };
            if done {
                return state;
            }
        }
    }

    /// The message of the first watch whose memory changed (and updates it), or of one
    /// whose frame has returned (it is deleted, as gdb does).
    fn check_watches(&mut self) -> Option<String> {
        let depth = self.stepper.position()?.depth;
        if let Some(i) = self.watches.iter().position(|w| depth < w.depth) {
            let w = self.watches.remove(i);
            return Some(format!(
                "\nWatchpoint {} deleted because the program has left the block in\n\
                 which its expression is valid.",
                w.id
            ));
        }
        let module = self.stepper.module()?;
        let memory = module.memories().into_iter().next()?;
        let mut fired = None;
        for w in &mut self.watches {
            let Some(now) = memory.read_at(w.address, w.size) else {
                continue;
            };
            if now != w.bytes && fired.is_none() {
                w.bytes = now;
                fired = Some(w.id);
            }
        }
        let id = fired?;
        self.refresh();
        let w = self.watches.iter().find(|w| w.id == id)?;
        // The new value in the frame the watch was set in.
        let frame = self
            .frames
            .len()
            .checked_sub(1 + w.depth)
            .and_then(|i| self.frames.get(i))?;
        let new = self
            .stepper
            .evaluate(frame, &w.expression)
            .value
            .unwrap_or_else(|_| hex(&w.bytes));
        let w = self.watches.iter_mut().find(|w| w.id == id)?;
        let old = std::mem::replace(&mut w.value, new.clone());
        Some(format!(
            "\nWatchpoint {}: {}\n\nOld value = {old}\nNew value = {new}",
            w.id, w.expression
        ))
    }

    fn stopped(&mut self, state: ExecutionState, how: Go) {
        match state {
            ExecutionState::Paused => {
                self.refresh();
                let by = self.stepper.stopped_by();
                let view = self.views.first();
                let changed_function =
                    !matches!(how, Go::Line(LineStep::Over) | Go::Instruction(_));
                if std::mem::take(&mut self.interrupted) {
                    // Ctrl-C: where the program was, in gdb's words.
                    say("");
                    say("Program received signal SIGINT, Interrupt.");
                    if view.is_some() {
                        say(&self.frame_text(0));
                    }
                } else if let Some(text) = self.catch_text() {
                    say("");
                    say(&text);
                    if view.is_some() {
                        say(&self.frame_text(0));
                    }
                } else if let Some(text) = self.watch_hit_text() {
                    say("");
                    say(&text);
                    say("");
                    if view.is_some() {
                        say(&self.frame_text(0));
                    }
                } else if let Some(&id) = by.first() {
                    say("");
                    let top = self.frame_text(0);
                    say(&format!("Breakpoint {id}, {top}"));
                    // A temporary breakpoint goes after its stop.
                    if self
                        .stepper
                        .breakpoint(id)
                        .is_some_and(|b| b.hit_condition == Some(HitCondition::Equal(1)))
                    {
                        self.stepper.remove_breakpoint(id);
                        say(&format!("Temporary breakpoint {id} deleted."));
                    }
                } else if changed_function && view.is_some() {
                    say(&self.frame_text(0));
                }
                self.show_line(0);
                self.show_displays();
            }
            ExecutionState::Finished(results) => {
                self.ended();
                // An `--invoke`d export's results, as `run --invoke` prints them.
                let returned = self.args.invoke.as_deref().and_then(|name| {
                    let exports = self.stepper.compiled().exported_functions();
                    let def = exports.iter().find(|d| d.export_names().contains(&name))?;
                    let types = def.result_types();
                    (!types.is_empty()).then(|| {
                        let values = crate::run::format_results(types, &results);
                        format!("[{name} returned {}]", values.join(", "))
                    })
                });
                if let Some(line) = returned {
                    say(&line);
                }
                say("[program exited normally]");
            }
            ExecutionState::Exited(0) => {
                self.ended();
                say("[program exited normally]");
            }
            ExecutionState::Exited(code) => {
                self.ended();
                say(&format!("[program exited with code {code}]"));
            }
            ExecutionState::Trapped(e) => {
                // The trapping frames stay readable.
                self.refresh();
                let message = e.to_string();
                let first = message.lines().next().unwrap_or("");
                let first = first.strip_prefix("wasm error: ").unwrap_or(first);
                say("");
                say(&format!("Program trapped: {first}."));
                if !self.views.is_empty() {
                    say(&self.frame_text(0));
                    self.show_line(0);
                }
                self.running = false;
            }
            _ => {
                self.ended();
            }
        }
    }

    fn ended(&mut self) {
        self.running = false;
        self.views.clear();
        self.frames.clear();
        self.selected = 0;
    }

    /// Reads the frames of the paused call; frame 0 is selected.
    fn refresh(&mut self) {
        self.frames = self.stepper.frames();
        self.views.clear();
        for (i, f) in self.frames.iter().enumerate() {
            if f.sources.is_empty() {
                let name = f
                    .definition
                    .name()
                    .map(wasmscope::demangle)
                    .unwrap_or_else(|| f.definition.debug_name());
                self.views.push(View {
                    wasm: i,
                    function: name,
                    file: None,
                    line: 0,
                    offset: f.code_offset,
                });
            }
            for l in &f.sources {
                self.views.push(View {
                    wasm: i,
                    function: l.function.clone().unwrap_or_else(|| "??".into()),
                    file: Some(l.file.clone()),
                    line: l.line,
                    offset: f.code_offset,
                });
            }
        }
        self.selected = 0;
    }

    /// `function (a=1, b=2) at file:line` for view `n`.
    fn frame_text(&self, n: usize) -> String {
        let Some(v) = self.views.get(n) else {
            return String::new();
        };
        let args: Vec<String> = self
            .vars_of(n)
            .into_iter()
            .filter(|var| var.is_parameter)
            .map(|var| {
                format!(
                    "{}={}",
                    var.name,
                    var.value.unwrap_or_else(|e| format!("<{e}>"))
                )
            })
            .collect();
        let name = if v.file.is_some() {
            short_name(&v.function)
        } else {
            v.function.clone()
        };
        match &v.file {
            Some(f) => format!("{name} ({}) at {}:{}", args.join(", "), f, v.line),
            None => {
                // No line information: the Wasm parameters.
                let args: Vec<String> = self
                    .wasm_locals(n)
                    .into_iter()
                    .filter(|l| l.is_parameter)
                    .map(|l| format!("{}={}", l.name, l.value))
                    .collect();
                format!(
                    "{name} ({}) at {}",
                    args.join(", "),
                    v.offset
                        .map_or("??".to_string(), |o| format!("code offset {o:#x}"))
                )
            }
        }
    }

    /// The Wasm locals of view `n` when it has no line information (a module without
    /// DWARF, a function built without it). Empty for a frame with source lines, whose
    /// variables are DWARF's.
    fn wasm_locals(&self, n: usize) -> Vec<WasmLocal> {
        self.views
            .get(n)
            .filter(|v| v.file.is_none())
            .and_then(|v| self.frames.get(v.wasm))
            .map_or_else(Vec::new, |frame| self.locals_of(frame))
    }

    /// `frame`'s Wasm locals, parameters first, each by the name section's name or as
    /// `localK`.
    fn locals_of(&self, frame: &Frame) -> Vec<WasmLocal> {
        let index = frame.definition.index();
        let params = frame.definition.param_types().len();
        let compiled = self.stepper.compiled();
        frame
            .locals
            .iter()
            .enumerate()
            .map(|(k, value)| {
                let named = compiled.local_name(index, k as u32).map(str::to_string);
                WasmLocal {
                    name: named.clone().unwrap_or_else(|| format!("local{k}")),
                    named,
                    is_parameter: k < params,
                    value: *value,
                }
            })
            .collect()
    }

    /// The variables of view `n`'s function (an inlined function's own, or the Wasm
    /// frame's outermost function's).
    fn vars_of(&self, n: usize) -> Vec<wasmscope::variables::Variable> {
        let Some(v) = self.views.get(n) else {
            return Vec::new();
        };
        let Some(frame) = self.frames.get(v.wasm) else {
            return Vec::new();
        };
        let all = self.stepper.variables(frame);
        let short = short_name(&v.function);
        all.into_iter()
            .filter(|var| {
                var.function
                    .as_deref()
                    .is_none_or(|f| f == short || f == v.function)
            })
            .collect()
    }

    /// Line `line` of the source file the DWARF calls `file`, found as `dap` finds it
    /// (`--substitute-path`, the path itself, or its trailing components beside the
    /// program: [`crate::sources::local_path`]). The first file of the program's own not
    /// found is said once, with the flag that maps paths.
    fn source(&mut self, file: &str, line: u32) -> Option<String> {
        if !self.sources.contains_key(file) {
            let found = crate::sources::local_path(file, &self.substitute, &self.args.file);
            let lines = found
                .and_then(|p| std::fs::read_to_string(p).ok())
                .map(|t| t.lines().map(String::from).collect::<Vec<_>>());
            // (The toolchain's own sources, libc's and Rust's, are seldom there: no
            // hint for them.)
            let library = wasmscope_listeners::stepper::is_library_path(file);
            let warned = self
                .sources
                .iter()
                .any(|(f, l)| l.is_none() && !wasmscope_listeners::stepper::is_library_path(f));
            if lines.is_none() && !library && !warned {
                err(&format!(
                    "warning: source file {file} not found; map the DWARF's paths to local \
                     ones with --substitute-path FROM=TO"
                ));
            }
            self.sources.insert(file.to_string(), lines);
        }
        let lines = self.sources.get(file)?.as_ref()?;
        lines.get(line.checked_sub(1)? as usize).cloned()
    }

    fn show_line(&mut self, n: usize) {
        let Some(v) = self.views.get(n) else {
            return;
        };
        match (&v.file.clone(), v.line) {
            (Some(f), line) => match self.source(f, line) {
                Some(text) => say(&format!("{line}\t{text}")),
                None => say(&format!("{line}\tin {f}")),
            },
            (None, _) => {
                // No line information: the instruction, in the text format's words.
                let frame = self.frames.get(v.wasm);
                let instruction = frame.zip(v.offset).and_then(|(f, o)| {
                    self.stepper
                        .compiled()
                        .machine(f.definition.index(), o)
                        .map(|m| m.instruction)
                });
                if let Some(o) = v.offset {
                    match instruction {
                        Some(i) => say(&format!("{o:#x}\t{i}")),
                        None => say(&format!("{o:#x}\t(no line information)")),
                    }
                }
            }
        }
    }

    fn list(&mut self) {
        let Some(v) = self.views.get(self.selected) else {
            return err("No frame selected.");
        };
        let (Some(f), line) = (v.file.clone(), v.line) else {
            return err("No line information here.");
        };
        for l in line.saturating_sub(5).max(1)..line.saturating_add(5) {
            if let Some(text) = self.source(&f, l) {
                say(&format!("{l}\t{text}"));
            }
        }
    }

    fn backtrace(&self, rest: &str) {
        if self.views.is_empty() {
            return err("No stack.");
        }
        let limit = rest.trim().parse().unwrap_or(usize::MAX);
        for n in 0..self.views.len().min(limit) {
            say(&format!("#{n:<2} {}", self.frame_text(n)));
        }
        if limit < self.views.len() {
            say("(More stack frames follow...)");
        }
    }

    fn frame(&mut self, rest: &str) {
        if rest.is_empty() {
            return self.select(self.selected);
        }
        match rest.parse::<usize>() {
            Ok(n) => self.select(n),
            Err(_) => err(&format!("Invalid frame number: {rest}")),
        }
    }

    fn select(&mut self, n: usize) {
        if self.views.is_empty() {
            return err("No stack.");
        }
        if n >= self.views.len() {
            return err("No frame at that level.");
        }
        self.selected = n;
        say(&format!("#{n:<2} {}", self.frame_text(n)));
        self.show_line(n);
    }

    fn selected_frame(&self) -> Option<&Frame> {
        self.frames.get(self.views.get(self.selected)?.wasm)
    }

    fn print(&mut self, expr: &str) {
        if expr.is_empty() {
            return err("An expression is required.");
        }
        // In a frame without line information, a Wasm local by its name (`n`, `$n`)
        // or index (`local0`).
        let wasm = self
            .wasm_locals(self.selected)
            .into_iter()
            .find(|l| l.name == expr.strip_prefix('$').unwrap_or(expr) || l.name == expr);
        let value = match (wasm, self.selected_frame()) {
            (Some(local), _) => Ok(local.value.to_string()),
            (None, Some(f)) => self.stepper.evaluate(f, expr).value,
            (None, None) => literal_only(expr),
        };
        match value {
            Ok(v) => {
                self.history += 1;
                say(&format!("${} = {v}", self.history));
            }
            Err(e) => err(&e),
        }
    }

    fn info_vars(&self, params: bool) {
        if self.views.is_empty() {
            return err("No frame selected.");
        }
        let mut vars: Vec<(String, String)> = self
            .vars_of(self.selected)
            .into_iter()
            .filter(|v| v.is_parameter == params)
            .map(|v| (v.name, v.value.unwrap_or_else(|e| format!("<{e}>"))))
            .collect();
        if vars.is_empty() {
            vars = self
                .wasm_locals(self.selected)
                .into_iter()
                .filter(|l| l.is_parameter == params)
                .map(|l| (l.name, l.value.to_string()))
                .collect();
        }
        if vars.is_empty() {
            return say(if params {
                "No arguments."
            } else {
                "No locals."
            });
        }
        for (name, value) in vars {
            say(&format!("{name} = {value}"));
        }
    }

    fn display(&mut self, expr: &str) {
        if expr.is_empty() {
            return self.show_displays();
        }
        if let Err(e) = wasmscope::variables::check_syntax(expr) {
            return err(&e);
        }
        let n = self.next_display;
        self.next_display += 1;
        self.displays.push((n, expr.to_string()));
        if self.running {
            self.show_display(n, expr);
        }
    }

    fn undisplay(&mut self, rest: &str) {
        if rest.is_empty() {
            self.displays.clear();
        }
        for n in rest
            .split_whitespace()
            .filter_map(|n| n.parse::<u32>().ok())
        {
            self.displays.retain(|(d, _)| *d != n);
        }
    }

    fn show_displays(&self) {
        for (n, e) in &self.displays {
            self.show_display(*n, e);
        }
    }

    fn show_display(&self, n: u32, expr: &str) {
        let Some(frame) = self.frames.first() else {
            return;
        };
        match self.stepper.evaluate(frame, expr).value {
            Ok(v) => say(&format!("{n}: {expr} = {v}")),
            Err(e) => say(&format!("{n}: {expr} = <{e}>")),
        }
    }

    fn watch(&mut self, expr: &str) {
        let Some(frame) = self.selected_frame().cloned() else {
            return err("The program is not being run: start it, then watch what it has.");
        };
        let e = self.stepper.evaluate(&frame, expr);
        let value = match e.value.clone() {
            Ok(v) => v,
            Err(x) => return err(&x),
        };
        let Some(address) = e.address else {
            return err(&format!(
                "Cannot watch {expr}: it is not in linear memory (a Wasm local or a constant); \
                 display it instead"
            ));
        };
        let size = e.size.unwrap_or(4).clamp(1, 4096);
        let Some(bytes) = self
            .stepper
            .module()
            .and_then(|m| m.memories().into_iter().next())
            .and_then(|m| m.read_at(address, size))
        else {
            return err("Cannot read the watched memory.");
        };
        // Watchpoints share the breakpoints' numbers.
        let id = self.stepper.next_number();
        let top = self.stepper.position().map_or(0, |p| p.depth);
        let wasm_index = self.views.get(self.selected).map_or(0, |v| v.wasm);
        let depth = top.saturating_sub(wasm_index);
        self.watches.push(Watch {
            id,
            expression: expr.to_string(),
            address,
            size,
            bytes,
            value,
            depth,
        });
        say(&format!("Watchpoint {id}: {expr}"));
    }
}

#[derive(Clone, Copy)]
enum Go {
    Continue,
    Line(LineStep),
    Instruction(StepMode),
}

/// A function's last path segment, generics kept whole: `std::rt::lang_start<()>` ->
/// `lang_start<()>`.
fn short_name(name: &str) -> String {
    let mut depth = 0i32;
    let mut start = 0;
    let b = name.as_bytes();
    for i in 0..b.len() {
        match b[i] {
            b'<' | b'(' | b'[' | b'{' => depth += 1,
            b'>' | b')' | b']' | b'}' => depth -= 1,
            b':' if depth == 0 && b.get(i + 1) == Some(&b':') => start = i + 2,
            _ => {}
        }
    }
    name[start.min(name.len())..].to_string()
}

fn count(rest: &str) -> usize {
    rest.trim().parse().unwrap_or(1)
}

/// Little-endian `bytes` as a value of the scalar type `type_name` (C's and Rust's
/// integer and float names), if it is one of that size.
fn scalar_text(type_name: &str, bytes: &[u8]) -> Option<String> {
    let t = type_name.trim();
    let unsigned = t.starts_with("unsigned") || t.starts_with('u') || t == "bool" || t == "_Bool";
    let float = matches!(t, "float" | "double" | "f32" | "f64");
    let known = float
        || unsigned
        || matches!(
            t,
            "char"
                | "signed char"
                | "short"
                | "int"
                | "long"
                | "long long"
                | "long int"
                | "long long int"
                | "short int"
                | "i8"
                | "i16"
                | "i32"
                | "i64"
                | "isize"
        );
    if !known || !matches!(bytes.len(), 1 | 2 | 4 | 8) {
        return None;
    }
    let mut b = [0u8; 8];
    b[..bytes.len()].copy_from_slice(bytes);
    let raw = u64::from_le_bytes(b);
    let bits = bytes.len() as u32 * 8;
    Some(match (float, bytes.len()) {
        (true, 4) => f32::from_bits(raw as u32).to_string(),
        (true, 8) => f64::from_bits(raw).to_string(),
        (true, _) => return None,
        (false, _) if unsigned => raw.to_string(),
        (false, _) => {
            let shift = 64 - bits;
            (((raw << shift) as i64) >> shift).to_string()
        }
    })
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// `print` without a frame: literals and arithmetic only.
fn literal_only(expr: &str) -> Result<String, String> {
    // An empty module: no scope, so names are unknown.
    let wasm = b"\0asm\x01\0\0\0";
    let frame = wasmscope::variables::FrameValues {
        locals: &[],
        operands: &[],
        global: &|_| None,
        memory: &|_, _| None,
    };
    let scope = wasmscope::variables::Scope::new(wasm, 0, &frame).map_err(|e| e.to_string())?;
    scope.evaluate(expr).value
}

/// A Wasm value as `stack` shows it: `3`, `-1`, `2.5`, `0x...` for references.
fn value_text(v: &wasmscope::Value) -> String {
    match v {
        wasmscope::Value::I32(x) => x.to_string(),
        wasmscope::Value::I64(x) => x.to_string(),
        wasmscope::Value::F32(x) => format!("{x:?}"),
        wasmscope::Value::F64(x) => format!("{x:?}"),
        other => format!("{other:?}"),
    }
}
