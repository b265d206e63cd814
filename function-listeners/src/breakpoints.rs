//! Breakpoints as a debugger's user sets them: on a source line, a function (by its
//! source name) or a code offset; with a condition (an expression of
//! [`wasmscope::variables`] that must hold), a hit condition (which hits stop), or a log
//! message (a logpoint: print and go on). The [`Stepper`](crate::stepper::Stepper) owns
//! the one set of a session; front ends read it and change it through the stepper.

use std::fmt;

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
