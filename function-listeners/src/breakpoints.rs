//! Breakpoints as a debugger's user sets them: on a source line, a function (by its
//! source name) or a code offset; with a condition (an expression of
//! [`wasmscope::variables`] that must hold), a hit condition (which hits stop), or a log
//! message (a logpoint: print and go on).
//!
//! A debugging session has one set, [`Breakpoints`]: a handle that the
//! [`Stepper`](crate::stepper::Stepper) running the program and the front end's views
//! share (the workbench keeps it across runs of the same module). Nothing copies it: a
//! change through any handle is what the next stop sees.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

/// Where a breakpoint is.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum BreakpointLocation {
    /// Line `line` of the source file whose path ends with `file`.
    Line {
        /// A suffix of the file's path (`src/main.rs`).
        file: String,
        /// The line, from 1.
        line: u32,
    },
    /// The entry of the functions with this name: a name-section name, a demangled
    /// Rust or C++ path, or its last segments (`area`, `Point::norm`).
    Function(String),
    /// A code-section offset.
    Offset(u64),
}

impl fmt::Display for BreakpointLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BreakpointLocation::Line { file, line } => write!(f, "{file}:{line}"),
            BreakpointLocation::Function(name) => write!(f, "{name}"),
            BreakpointLocation::Offset(o) => write!(f, "*{o:#x}"),
        }
    }
}

impl BreakpointLocation {
    /// Parses gdb's forms: `file:line`, `*0xOFFSET` (a code offset), or a function name.
    ///
    /// ```
    /// use wasmscope_listeners::breakpoints::BreakpointLocation as L;
    /// assert_eq!(L::parse("src/main.rs:12"), Ok(L::Line { file: "src/main.rs".into(), line: 12 }));
    /// assert_eq!(L::parse("*0x1f"), Ok(L::Offset(0x1f)));
    /// assert_eq!(L::parse("vars::area"), Ok(L::Function("vars::area".into())));
    /// assert!(L::parse("main.rs:x").is_err());
    /// ```
    ///
    /// # Errors
    /// A malformed line number or offset, or nothing.
    pub fn parse(text: &str) -> Result<BreakpointLocation, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("no location".into());
        }
        if let Some(o) = text.strip_prefix('*') {
            let o = o.trim();
            let v = match o.strip_prefix("0x") {
                Some(h) => u64::from_str_radix(h, 16),
                None => o.parse(),
            };
            return v
                .map(BreakpointLocation::Offset)
                .map_err(|_| format!("bad code offset {o:?}"));
        }
        // `file:line` (a Rust path has `::`, not a single `:` before digits).
        if let Some((file, line)) = text.rsplit_once(':') {
            if !file.ends_with(':') && !line.starts_with(':') && !file.is_empty() {
                let line: u32 = line
                    .trim()
                    .parse()
                    .map_err(|_| format!("bad line number {line:?}"))?;
                if line == 0 {
                    return Err("lines count from 1".into());
                }
                return Ok(BreakpointLocation::Line {
                    file: file.trim().to_string(),
                    line,
                });
            }
        }
        Ok(BreakpointLocation::Function(text.to_string()))
    }
}

/// Which hits of a breakpoint stop (counted after its condition holds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HitCondition {
    /// The `n`th hit only (`5`, `==5`).
    Equal(u64),
    /// From the `n`th hit on (`>=5`; `>4` is `>=5`).
    AtLeast(u64),
    /// Every `n`th hit (`%5`).
    Multiple(u64),
}

impl HitCondition {
    /// Parses `N`, `==N`, `>=N`, `>N` or `%N`, as VS Code's hit conditions.
    ///
    /// ```
    /// use wasmscope_listeners::breakpoints::HitCondition as H;
    /// assert_eq!(H::parse("3"), Ok(H::Equal(3)));
    /// assert_eq!(H::parse(">= 2"), Ok(H::AtLeast(2)));
    /// assert_eq!(H::parse(">2"), Ok(H::AtLeast(3)));
    /// assert_eq!(H::parse("%4"), Ok(H::Multiple(4)));
    /// assert!(H::parse("%0").is_err());
    /// assert!(H::parse("often").is_err());
    /// ```
    ///
    /// # Errors
    /// Anything else.
    pub fn parse(text: &str) -> Result<HitCondition, String> {
        let t = text.trim();
        let number = |s: &str| -> Result<u64, String> {
            s.trim()
                .parse()
                .map_err(|_| format!("bad hit condition {text:?} (N, ==N, >=N, >N or %N)"))
        };
        if let Some(n) = t.strip_prefix(">=") {
            return Ok(HitCondition::AtLeast(number(n)?));
        }
        if let Some(n) = t.strip_prefix('>') {
            return Ok(HitCondition::AtLeast(number(n)?.saturating_add(1)));
        }
        if let Some(n) = t.strip_prefix('%') {
            return match number(n)? {
                0 => Err("%0: every 0th hit".into()),
                n => Ok(HitCondition::Multiple(n)),
            };
        }
        Ok(HitCondition::Equal(number(
            t.strip_prefix("==").unwrap_or(t),
        )?))
    }

    /// Whether hit number `hits` (from 1) stops.
    pub fn matches(self, hits: u64) -> bool {
        match self {
            HitCondition::Equal(n) => hits == n,
            HitCondition::AtLeast(n) => hits >= n,
            HitCondition::Multiple(n) => n != 0 && hits.is_multiple_of(n),
        }
    }
}

impl fmt::Display for HitCondition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HitCondition::Equal(n) => write!(f, "=={n}"),
            HitCondition::AtLeast(n) => write!(f, ">={n}"),
            HitCondition::Multiple(n) => write!(f, "%{n}"),
        }
    }
}

/// A breakpoint of a session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Breakpoint {
    /// Its number in the session (from 1, never reused).
    pub id: u32,
    /// Where the user put it.
    pub location: BreakpointLocation,
    /// The code offsets it stops at (empty: the location has no code).
    pub offsets: Vec<u64>,
    /// An expression that must hold for it to stop (or log).
    pub condition: Option<String>,
    /// Which of its hits stop.
    pub hit_condition: Option<HitCondition>,
    /// A logpoint's message: `{expr}` parts are replaced by their values (`{{` and `}}`
    /// are braces); a logpoint never stops.
    pub log_message: Option<String>,
    /// Whether it is on.
    pub enabled: bool,
    /// How many times it was reached with its condition holding.
    pub hits: u64,
}

impl Breakpoint {
    /// A breakpoint at `location` covering `offsets`, with nothing else set.
    pub fn new(id: u32, location: BreakpointLocation, offsets: Vec<u64>) -> Breakpoint {
        Breakpoint {
            id,
            location,
            offsets,
            condition: None,
            hit_condition: None,
            log_message: None,
            enabled: true,
            hits: 0,
        }
    }
}

/// `message` with its `{expr}` parts replaced by `eval(expr)`; `{{` and `}}` are braces.
///
/// ```
/// use wasmscope_listeners::breakpoints::interpolate;
/// let eval = |e: &str| if e == "x" { "42".to_string() } else { format!("<{e}?>") };
/// assert_eq!(interpolate("x = {x}, {{literal}}, {y}", eval), "x = 42, {literal}, <y?>");
/// assert_eq!(interpolate("open {x", eval), "open {x");
/// ```
pub fn interpolate(message: &str, mut eval: impl FnMut(&str) -> String) -> String {
    let mut out = String::new();
    let mut rest = message;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
        } else if tail.starts_with('{') {
            match tail.find('}') {
                Some(end) => {
                    out.push_str(&eval(tail[1..end].trim()));
                    rest = &tail[end + 1..];
                }
                None => {
                    out.push_str(tail);
                    rest = "";
                }
            }
        } else {
            out.push('}');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

/// Receives logpoint messages and condition errors as they happen
/// ([`Breakpoints::set_log_sink`]).
pub type LogSink = Box<dyn FnMut(&str) + Send>;

/// The breakpoints of a session, and what they said.
#[derive(Default)]
pub(crate) struct Book {
    pub(crate) list: Vec<Breakpoint>,
    pub(crate) next_id: u32,
    /// Logpoint messages and condition errors, oldest first.
    pub(crate) log: Vec<String>,
    /// The breakpoints that stopped the last pause.
    pub(crate) stopped_by: Vec<u32>,
    /// Where logpoint messages go as they happen (else into `log`).
    pub(crate) sink: Option<LogSink>,
    /// Counts the changes of `list` (a stepper re-reads the offsets when it moved).
    pub(crate) generation: u64,
    /// The target of a run to cursor in progress: it stops there whatever the
    /// breakpoints there say.
    pub(crate) run_to: Option<u64>,
}

/// The one breakpoint set of a debugging session; clones are handles to the same set.
///
/// ```
/// use wasmscope_listeners::breakpoints::{BreakpointLocation, Breakpoints};
/// let set = Breakpoints::new();
/// let view = set.clone();
/// let id = set.add(BreakpointLocation::parse("src/main.rs:12").unwrap(), vec![0x40, 0x48]);
/// view.set_condition(id, Some("i > 2")).unwrap();
/// assert_eq!(set.get(id).unwrap().condition.as_deref(), Some("i > 2"));
/// assert_eq!(set.enabled_offsets(), [0x40, 0x48].into());
/// view.set_enabled(id, false).unwrap();
/// assert!(set.enabled_offsets().is_empty());
/// assert!(set.set_condition(id, Some("i >")).is_err());
/// ```
#[derive(Clone, Default)]
pub struct Breakpoints {
    inner: Arc<Mutex<Book>>,
}

impl fmt::Debug for Breakpoints {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.lock().list.iter()).finish()
    }
}

impl Breakpoints {
    /// An empty set.
    pub fn new() -> Breakpoints {
        Breakpoints::default()
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Book> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a breakpoint at `location` covering code offsets `offsets` (resolved by the
    /// caller, e.g. [`crate::stepper::Stepper::resolve`]); returns its number.
    pub fn add(&self, location: BreakpointLocation, offsets: Vec<u64>) -> u32 {
        let mut book = self.lock();
        book.next_id += 1;
        let id = book.next_id;
        book.list.push(Breakpoint::new(id, location, offsets));
        book.generation += 1;
        id
    }

    /// Removes breakpoint `id`; whether there was one.
    pub fn remove(&self, id: u32) -> bool {
        let mut book = self.lock();
        let before = book.list.len();
        book.list.retain(|b| b.id != id);
        let removed = book.list.len() != before;
        book.generation += u64::from(removed);
        removed
    }

    /// Removes every breakpoint.
    pub fn clear(&self) {
        let mut book = self.lock();
        book.list.clear();
        book.generation += 1;
    }

    /// The breakpoints, in the order they were set.
    pub fn list(&self) -> Vec<Breakpoint> {
        self.lock().list.clone()
    }

    /// Breakpoint `id`.
    pub fn get(&self, id: u32) -> Option<Breakpoint> {
        self.lock().list.iter().find(|b| b.id == id).cloned()
    }

    /// The first breakpoint at `location`.
    pub fn find(&self, location: &BreakpointLocation) -> Option<Breakpoint> {
        self.lock()
            .list
            .iter()
            .find(|b| &b.location == location)
            .cloned()
    }

    /// The code offsets of the enabled breakpoints.
    pub fn enabled_offsets(&self) -> std::collections::BTreeSet<u64> {
        self.lock()
            .list
            .iter()
            .filter(|b| b.enabled)
            .flat_map(|b| b.offsets.iter().copied())
            .collect()
    }

    /// How many changes the set has seen (a stepper syncs when it moves).
    pub fn generation(&self) -> u64 {
        self.lock().generation
    }

    fn edit(&self, id: u32, f: impl FnOnce(&mut Breakpoint)) -> Result<(), String> {
        let mut book = self.lock();
        let b = book
            .list
            .iter_mut()
            .find(|b| b.id == id)
            .ok_or_else(|| format!("no breakpoint number {id}"))?;
        f(b);
        book.generation += 1;
        Ok(())
    }

    /// Sets (or with `None` or an empty text removes) breakpoint `id`'s condition, an
    /// expression over the variables in scope where it stops.
    ///
    /// # Errors
    /// No such breakpoint, or a syntax error in the condition.
    pub fn set_condition(&self, id: u32, condition: Option<&str>) -> Result<(), String> {
        let condition = condition.map(str::trim).filter(|c| !c.is_empty());
        if let Some(c) = condition {
            wasmscope::variables::check_syntax(c)?;
        }
        self.edit(id, |b| b.condition = condition.map(String::from))
    }

    /// Sets (or removes) which hits of breakpoint `id` stop.
    ///
    /// # Errors
    /// No such breakpoint.
    pub fn set_hit_condition(&self, id: u32, hits: Option<HitCondition>) -> Result<(), String> {
        self.edit(id, |b| b.hit_condition = hits)
    }

    /// Makes breakpoint `id` a logpoint with `message` (`{expr}` parts replaced by their
    /// values; it never stops), or with `None` or an empty text a breakpoint again.
    ///
    /// # Errors
    /// No such breakpoint, or a syntax error in an expression of the message.
    pub fn set_log_message(&self, id: u32, message: Option<&str>) -> Result<(), String> {
        let message = message.filter(|m| !m.trim().is_empty());
        if let Some(m) = message {
            let mut error = None;
            interpolate(m, |e| {
                if let Err(err) = wasmscope::variables::check_syntax(e) {
                    error.get_or_insert(format!("in {{{e}}}: {err}"));
                }
                String::new()
            });
            if let Some(e) = error {
                return Err(e);
            }
        }
        self.edit(id, |b| b.log_message = message.map(String::from))
    }

    /// Turns breakpoint `id` on or off.
    ///
    /// # Errors
    /// No such breakpoint.
    pub fn set_enabled(&self, id: u32, enabled: bool) -> Result<(), String> {
        self.edit(id, |b| b.enabled = enabled)
    }

    /// Takes the next number of the sequence for a front end's own kind of stop
    /// (`wasmscope debug`'s watchpoints), so that no breakpoint gets it.
    pub fn next_number(&self) -> u32 {
        let mut book = self.lock();
        book.next_id += 1;
        book.next_id
    }

    /// Sends logpoint messages and condition errors to `sink` as they happen (in order
    /// with the guest's own output), instead of keeping them for
    /// [`Breakpoints::take_log`]; `None` keeps them again.
    pub fn set_log_sink(&self, sink: Option<LogSink>) {
        self.lock().sink = sink;
    }

    /// The logpoints' messages and the condition errors since the last call, oldest
    /// first.
    pub fn take_log(&self) -> Vec<String> {
        std::mem::take(&mut self.lock().log)
    }

    /// Forgets the hits and what the last run said (a new run begins).
    pub fn reset_hits(&self) {
        let mut book = self.lock();
        book.log.clear();
        book.stopped_by.clear();
        for b in &mut book.list {
            b.hits = 0;
        }
    }
}
