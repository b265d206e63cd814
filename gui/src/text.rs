//! The module's text format, printed per function when it is needed.
//!
//! Opening keeps a *skeleton*: `wasmprinter`'s print of the module without function
//! bodies, data bytes, element items and custom-section bytes (its `print_skeleton`
//! mode, 36,000 lines for Ruby's 50 MB debug build), and per defined function its body's
//! byte range and how many lines its text has (counted from its locals and operators,
//! without printing). Line numbers are those of a full print: a function's header line
//! in the skeleton stands for all its lines.
//!
//! A function's text is printed when a view needs it: `wasmprinter` prints a small
//! module made of the original's type, import, function, table, memory, tag and global
//! sections, its `name` section, and a code section whose bodies before the wanted ones
//! are empty (so function indices, names and types are the original's) and which ends
//! with the wanted ones, copied. A bounded cache keeps the last printed functions.
//! Data segments and custom sections are escaped from the bytes when shown (cut short
//! for display) or searched; element segments are printed at opening (their items need
//! the names).
//!
//! Offsets map to lines without printing: a function's lines are its header, its locals
//! (one line when it has any), one line per operator and the closing `)` (at the final
//! `end`), which the operators' offsets give.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use wasmparser::{BinaryReader, OperatorsReader, Parser, Payload};

/// One line of the module's text format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextLine {
    /// The line as `wasmprinter` printed it (a data segment's or custom section's bytes
    /// cut short, see [`ModuleText::line`]).
    pub text: String,
    /// The code-section offset of the instruction on this line, if it is one.
    pub code_offset: Option<u64>,
}

/// How many bytes of a data segment or custom section a shown line escapes.
pub const SHOWN_BYTES: usize = 1024;

/// The printed functions kept (bytes of text, about); the last printed one is always
/// kept, however large.
const CACHE_BYTES: usize = 8 << 20;

/// Bodies printed in one go by a search (bytes of code).
const SEARCH_BATCH_BYTES: u64 = 128 << 10;

/// What a skeleton line stands for.
#[derive(Clone, Debug)]
enum Kind {
    /// The line as printed.
    Plain,
    /// A defined function's header: all its lines.
    Func,
    /// A data segment or custom section: the skeleton's `...)` stands for the escaped
    /// bytes of this module range, in quotes, and the `)`.
    Bytes(Range<usize>),
}

#[derive(Clone, Debug)]
struct SkelLine {
    text: Box<str>,
    offset: Option<u64>,
    kind: Kind,
}

/// A defined function's place in the text.
#[derive(Clone, Debug)]
struct Func {
    /// Its header's line in the skeleton.
    skel: usize,
    /// Its first line in the whole text.
    first: usize,
    /// How many lines its text has.
    lines: usize,
    /// The module range of its body (locals and operators, after the size).
    body: Range<u64>,
}

#[derive(Debug, Default)]
struct Cache {
    funcs: HashMap<u32, (Arc<Vec<TextLine>>, u64)>,
    tick: u64,
    bytes: usize,
}

fn cost(lines: &[TextLine]) -> usize {
    lines.iter().map(|l| l.text.len() + 48).sum()
}

impl Cache {
    fn get(&mut self, f: u32) -> Option<Arc<Vec<TextLine>>> {
        self.tick += 1;
        let tick = self.tick;
        self.funcs.get_mut(&f).map(|(l, t)| {
            *t = tick;
            l.clone()
        })
    }

    fn insert(&mut self, f: u32, lines: Arc<Vec<TextLine>>) {
        self.tick += 1;
        self.bytes += cost(&lines);
        if let Some((old, _)) = self.funcs.insert(f, (lines, self.tick)) {
            self.bytes -= cost(&old);
        }
        while self.bytes > CACHE_BYTES && self.funcs.len() > 1 {
            let Some(oldest) = self
                .funcs
                .iter()
                .filter(|(k, _)| **k != f)
                .min_by_key(|(_, (_, t))| *t)
                .map(|(k, _)| *k)
            else {
                break;
            };
            if let Some((old, _)) = self.funcs.remove(&oldest) {
                self.bytes -= cost(&old);
            }
        }
    }
}

/// The text format of a module, printed on demand; see the [module docs](self). Every
/// method takes the module's bytes, which the text does not keep.
#[derive(Debug)]
pub struct ModuleText {
    skel: Vec<SkelLine>,
    funcs: Vec<Func>,
    /// The code section's payload range.
    code: Range<u64>,
    /// The sections a function's print needs (id and payload range), in module order,
    /// but the function section (written for each print: the parser wants as many
    /// entries as bodies).
    printing: Vec<(u8, Range<usize>)>,
    /// Each defined function's type index (the function section).
    types: Vec<u32>,
    /// The `name` section's payload range (name included), if any.
    names: Option<Range<usize>>,
    total: usize,
    cache: Mutex<Cache>,
    /// The line offsets of the last few functions asked about (most recent last).
    offsets: Mutex<Vec<(usize, Arc<Vec<u64>>)>>,
}

/// A `Print` that keeps every line with its offset.
#[derive(Default)]
struct Lines {
    lines: Vec<(Option<u64>, String)>,
}

impl wasmprinter::Print for Lines {
    fn write_str(&mut self, s: &str) -> std::io::Result<()> {
        if let Some((_, l)) = self.lines.last_mut() {
            l.push_str(s);
        }
        Ok(())
    }
    fn newline(&mut self) -> std::io::Result<()> {
        Ok(())
    }
    fn start_line(&mut self, offset: Option<u64>) {
        self.lines.push((offset, String::new()));
    }
}

/// A `Print` that keeps the lines whose offsets are in `range` (a run of them), and stops
/// the print after them.
struct Window {
    range: Range<u64>,
    lines: Vec<(u64, String)>,
    active: bool,
    done: bool,
}

impl wasmprinter::Print for Window {
    fn write_str(&mut self, s: &str) -> std::io::Result<()> {
        if self.done {
            return Err(std::io::Error::other("past the wanted functions"));
        }
        if self.active {
            if let Some((_, l)) = self.lines.last_mut() {
                l.push_str(s);
            }
        }
        Ok(())
    }
    fn newline(&mut self) -> std::io::Result<()> {
        Ok(())
    }
    fn start_line(&mut self, offset: Option<u64>) {
        match offset {
            Some(o) if self.range.contains(&o) && !self.done => {
                self.active = true;
                self.lines.push((o, String::new()));
            }
            _ if self.active => {
                self.active = false;
                self.done = true;
            }
            _ => {}
        }
    }
}

fn leb(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn section(out: &mut Vec<u8>, id: u8, payload: &[u8]) {
    out.push(id);
    leb(out, payload.len() as u64);
    out.extend_from_slice(payload);
}

/// `bytes` as `wasmprinter` prints them in a string (without the quotes).
pub fn escape(bytes: &[u8], out: &mut String) {
    for b in bytes {
        if *b >= 0x20 && *b < 0x7f && *b != b'"' && *b != b'\\' {
            out.push(*b as char);
        } else {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push('\\');
            out.push(HEX[(*b >> 4) as usize] as char);
            out.push(HEX[(*b & 15) as usize] as char);
        }
    }
}

/// Whether `hay` contains `needle` (lowercase), ignoring case as `str::to_lowercase`
/// does (ASCII needles without allocating).
pub fn contains_ignoring_case(hay: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    if needle.is_ascii() {
        let (h, n) = (hay.as_bytes(), needle.as_bytes());
        if hay.is_ascii() {
            return h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n));
        }
    }
    hay.to_lowercase().contains(needle)
}

/// A function body's line offsets (module offsets, one per line of its text): header,
/// locals (when any), the operators but the last, the final `end` (the closing `)`,
/// when the text has more than its header).
fn body_offsets(
    bytes: &[u8],
    body: &Range<u64>,
) -> Result<Vec<u64>, wasmparser::BinaryReaderError> {
    let slice = &bytes[body.start as usize..body.end as usize];
    let mut reader = BinaryReader::new(slice, body.start as _);
    let mut out = vec![body.start];
    let groups = reader.read_var_u32()?;
    let mut locals = false;
    for _ in 0..groups {
        let offset = reader.original_position();
        let count = reader.read_var_u32()?;
        reader.read::<wasmparser::ValType>()?;
        if count > 0 && !locals {
            locals = true;
            out.push(offset);
        }
    }
    let mut ops = OperatorsReader::new(reader);
    let mut last = None;
    while !ops.eof() {
        if let Some(o) = last {
            out.push(o);
        }
        last = Some(ops.original_position());
        ops.read()?;
    }
    if let Some(o) = last {
        if out.len() > 1 {
            out.push(o);
        }
    }
    Ok(out)
}

/// How many lines a function body's text has (what [`body_offsets`] gives, counted).
fn body_lines(body: &wasmparser::FunctionBody<'_>) -> Result<usize, wasmparser::BinaryReaderError> {
    let mut locals = body.get_locals_reader()?;
    let mut any = false;
    for _ in 0..locals.get_count() {
        let (count, _) = locals.read()?;
        any |= count > 0;
    }
    let mut ops = body.get_operators_reader()?;
    let mut n: usize = 0;
    while !ops.eof() {
        ops.read()?;
        n += 1;
    }
    let inner = usize::from(any) + n.saturating_sub(1);
    Ok(1 + inner + usize::from(inner > 0))
}

impl ModuleText {
    /// The skeleton of module `bytes` (valid: the caller validated it).
    ///
    /// # Errors
    /// The module cannot be decoded or printed.
    pub fn new(bytes: &[u8]) -> Result<ModuleText, String> {
        let err = |e: wasmparser::BinaryReaderError| e.to_string();
        let mut printing = Vec::new();
        let mut names = None;
        let mut code = 0..0;
        let mut bodies: Vec<(Range<u64>, usize)> = Vec::new();
        // What the skeleton's `...)` lines stand for, by their offset.
        let mut expand: HashMap<u64, Range<usize>> = HashMap::new();

        let mut elem_section = None;
        let mut types = Vec::new();
        for payload in Parser::new(0).parse_all(bytes) {
            let payload = payload.map_err(err)?;
            match &payload {
                Payload::CodeSectionEntry(body) => {
                    bodies.push((body.range(), body_lines(body).map_err(err)?));
                }
                Payload::DataSection(reader) => {
                    for d in reader.clone().into_iter_with_offsets() {
                        let (offset, d) = d.map_err(err)?;
                        let end = d.range.end as usize;
                        expand.insert(offset, end - d.data.len()..end);
                    }
                }
                Payload::FunctionSection(reader) => {
                    for t in reader.clone() {
                        types.push(t.map_err(err)?);
                    }
                }
                Payload::CustomSection(c) if c.name() == "name" => {
                    names = Some(c.range().start as usize..c.range().end as usize);
                }
                Payload::CustomSection(c) => {
                    let start = c.data_offset() as usize;
                    expand.insert(c.range().start, start..start + c.data().len());
                }
                _ => {}
            }
            if let Some((id, range)) = payload.as_section() {
                let range = range.start as usize..range.end as usize;
                match id {
                    1 | 2 | 4..=6 | 13 => printing.push((id, range)),
                    9 => elem_section = Some(range),
                    10 => code = range.start as u64..range.end as u64,
                    _ => {}
                }
            }
        }
        // The skeleton.
        let mut printed = Lines::default();
        let mut config = wasmprinter::Config::new();
        config.print_skeleton(true);
        config
            .print(bytes, &mut printed)
            .map_err(|e| e.to_string())?;
        let starts: HashMap<u64, u32> = bodies
            .iter()
            .enumerate()
            .map(|(i, (r, _))| (r.start, i as u32))
            .collect();
        let elems = match elem_section {
            Some(range) => Self::elem_lines(bytes, &printing, &names, range),
            None => HashMap::new(),
        };
        let mut skel = Vec::with_capacity(printed.lines.len());
        let mut funcs = Vec::with_capacity(bodies.len());
        let mut total = 0;
        for (offset, text) in printed.lines {
            let skeletal = text.ends_with("...)");
            let mut line = SkelLine {
                text: text.into(),
                offset,
                kind: Kind::Plain,
            };
            match offset {
                Some(o) if code.contains(&o) && starts.contains_key(&o) => {
                    let n = starts[&o];
                    let (body, lines) = bodies[n as usize].clone();
                    line.text = "".into();
                    line.kind = Kind::Func;
                    funcs.push(Func {
                        skel: skel.len(),
                        first: total,
                        lines,
                        body,
                    });
                    total += lines;
                }
                Some(o) if skeletal && expand.contains_key(&o) => {
                    line.kind = Kind::Bytes(expand[&o].clone());
                    total += 1;
                }
                Some(o) if skeletal && elems.contains_key(&o) => {
                    line.text = elems[&o].as_str().into();
                    total += 1;
                }
                _ => total += 1,
            }
            skel.push(line);
        }
        Ok(ModuleText {
            skel,
            funcs,
            code,
            printing,
            types,
            names,
            total,
            cache: Mutex::default(),
            offsets: Mutex::default(),
        })
    }

    /// The element segments' lines by offset, printed from a module of the sections they
    /// need.
    fn elem_lines(
        bytes: &[u8],
        printing: &[(u8, Range<usize>)],
        names: &Option<Range<usize>>,
        elem: Range<usize>,
    ) -> HashMap<u64, String> {
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        for (id, r) in printing {
            section(&mut wasm, *id, &bytes[r.clone()]);
        }
        wasm.push(9);
        leb(&mut wasm, elem.len() as u64);
        // Offsets in the element section are the original's shifted by this.
        let shift = elem.start as i64 - wasm.len() as i64;
        wasm.extend_from_slice(&bytes[elem]);
        if let Some(r) = names {
            section(&mut wasm, 0, &bytes[r.clone()]);
        }
        let mut printed = Lines::default();
        if wasmprinter::Config::new()
            .print(&wasm, &mut printed)
            .is_err()
        {
            return HashMap::new();
        }
        printed
            .lines
            .into_iter()
            .filter(|(_, l)| l.trim_start().starts_with("(elem "))
            .filter_map(|(o, l)| Some(((o? as i64 + shift) as u64, l)))
            .collect()
    }

    /// How many lines the text has.
    pub fn len(&self) -> usize {
        self.total
    }

    /// Whether the text has no lines (never: a module prints at least `(module)`).
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// How many functions' lines are printed and kept (about 8 MiB of text at most, and
    /// always the last printed).
    pub fn printed_functions(&self) -> usize {
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .funcs
            .len()
    }

    /// How many defined functions the module has.
    pub fn function_count(&self) -> usize {
        self.funcs.len()
    }

    /// Where line `i` is: `Ok((function, line in it))` or `Err(skeleton line)`.
    fn locate(&self, i: usize) -> Option<Result<(usize, usize), usize>> {
        if i >= self.total {
            return None;
        }
        let after = self.funcs.partition_point(|f| f.first <= i);
        Some(match after.checked_sub(1) {
            None => Err(i),
            Some(f) => {
                let func = &self.funcs[f];
                if i < func.first + func.lines {
                    Ok((f, i - func.first))
                } else {
                    Err(func.skel + 1 + (i - func.first - func.lines))
                }
            }
        })
    }

    fn code_offset(&self, offset: Option<u64>) -> Option<u64> {
        offset
            .filter(|o| self.code.contains(o))
            .map(|o| o - self.code.start)
    }

    /// Skeleton line `s` as shown: a data segment's or custom section's bytes escaped up
    /// to [`SHOWN_BYTES`], with how many are left out.
    fn shown_skel(&self, bytes: &[u8], s: &SkelLine) -> String {
        match &s.kind {
            Kind::Bytes(r) => {
                let data = &bytes[r.clone()];
                let shown = &data[..data.len().min(SHOWN_BYTES)];
                let mut text = s.text[..s.text.len() - 4].to_string();
                text.push('"');
                escape(shown, &mut text);
                text.push('"');
                if shown.len() < data.len() {
                    text.push_str(&format!(" (; … {} more bytes ;)", data.len() - shown.len()));
                }
                text.push(')');
                text
            }
            _ => s.text.to_string(),
        }
    }

    /// Line `i` as shown (`None` past the end): a data segment's or custom section's
    /// bytes are escaped up to [`SHOWN_BYTES`]; prints its function if it is not at hand.
    pub fn line(&self, bytes: &[u8], i: usize) -> Option<TextLine> {
        match self.locate(i)? {
            Ok((f, l)) => self.function(bytes, f).get(l).cloned(),
            Err(s) => {
                let line = &self.skel[s];
                Some(TextLine {
                    text: self.shown_skel(bytes, line),
                    code_offset: self.code_offset(line.offset),
                })
            }
        }
    }

    /// Line `i` exactly as a full `wasmprinter` print has it (data and custom sections'
    /// bytes in full).
    pub fn full_line(&self, bytes: &[u8], i: usize) -> Option<String> {
        match self.locate(i)? {
            Ok((f, l)) => self.function(bytes, f).get(l).map(|l| l.text.clone()),
            Err(s) => {
                let line = &self.skel[s];
                Some(match &line.kind {
                    Kind::Bytes(r) => {
                        let mut text = line.text[..line.text.len() - 4].to_string();
                        text.push('"');
                        escape(&bytes[r.clone()], &mut text);
                        text.push_str("\")");
                        text
                    }
                    _ => line.text.to_string(),
                })
            }
        }
    }

    /// The lines of defined function `f`, printed if they are not in the cache.
    fn function(&self, bytes: &[u8], f: usize) -> Arc<Vec<TextLine>> {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(lines) = cache.get(f as u32) {
            return lines;
        }
        drop(cache);
        let lines = Arc::new(self.print(bytes, f..f + 1).pop().unwrap_or_default());
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache.insert(f as u32, lines.clone());
        lines
    }

    /// Prints the functions with lines in `rows` that are not in the cache (in one go),
    /// so that [`Self::line`] finds them: what a view calls for the rows it shows.
    pub fn prepare(&self, bytes: &[u8], rows: Range<usize>) {
        let first = self
            .funcs
            .partition_point(|f| f.first + f.lines <= rows.start);
        let end = self.funcs.partition_point(|f| f.first < rows.end);
        if first >= end {
            return;
        }
        let missing: Vec<usize> = {
            let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            (first..end)
                .filter(|f| !cache.funcs.contains_key(&(*f as u32)))
                .collect()
        };
        let (Some(lo), Some(hi)) = (missing.first(), missing.last()) else {
            return;
        };
        let printed = self.print(bytes, *lo..hi + 1);
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        for (f, lines) in (*lo..).zip(printed) {
            if missing.contains(&f) {
                cache.insert(f as u32, Arc::new(lines));
            }
        }
    }

    /// Prints defined functions `funcs`: their lines, function by function, each with
    /// as many lines as the skeleton counted (never fewer or more, even if the print
    /// differs).
    fn print(&self, bytes: &[u8], funcs: Range<usize>) -> Vec<Vec<TextLine>> {
        let funcs = funcs.start..funcs.end.min(self.funcs.len());
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        let mut functions = Vec::new();
        leb(&mut functions, funcs.end as u64);
        for t in &self.types[..funcs.end.min(self.types.len())] {
            leb(&mut functions, u64::from(*t));
        }
        for (id, r) in &self.printing {
            // The function section's place: after the type and import sections.
            if *id > 2 && !functions.is_empty() {
                section(&mut wasm, 3, &std::mem::take(&mut functions));
            }
            section(&mut wasm, *id, &bytes[r.clone()]);
        }
        if !functions.is_empty() {
            section(&mut wasm, 3, &functions);
        }
        let mut code = Vec::new();
        leb(&mut code, funcs.end as u64);
        for _ in 0..funcs.start {
            code.extend_from_slice(&[2, 0, 0x0b]);
        }
        // Where each wanted body is in `code`.
        let mut starts = Vec::with_capacity(funcs.len());
        for f in funcs.clone() {
            let body = &self.funcs[f].body;
            leb(&mut code, body.end - body.start);
            starts.push(code.len());
            code.extend_from_slice(&bytes[body.start as usize..body.end as usize]);
        }
        wasm.push(10);
        leb(&mut wasm, code.len() as u64);
        let code_at = wasm.len();
        wasm.extend_from_slice(&code);
        if let Some(r) = &self.names {
            section(&mut wasm, 0, &bytes[r.clone()]);
        }
        let starts: Vec<u64> = starts.iter().map(|s| (code_at + s) as u64).collect();
        let end = (code_at + code.len()) as u64;
        let mut window = Window {
            range: starts.first().copied().unwrap_or(end)..end,
            lines: Vec::new(),
            active: false,
            done: false,
        };
        // An error after the wanted lines is the window stopping the print.
        let _ = wasmprinter::Config::new().print(&wasm, &mut window);
        let mut out: Vec<Vec<TextLine>> = vec![Vec::new(); funcs.len()];
        for (offset, text) in window.lines {
            let k = starts.partition_point(|s| *s <= offset).saturating_sub(1);
            let Some(f) = funcs.clone().nth(k) else {
                continue;
            };
            let original = self.funcs[f].body.start + (offset - starts[k]);
            out[k].push(TextLine {
                text,
                code_offset: self.code_offset(Some(original)),
            });
        }
        for (k, lines) in out.iter_mut().enumerate() {
            let want = self.funcs[funcs.start + k].lines;
            if lines.len() > want && want > 0 {
                // More than counted (a print this module does not expect): the rest
                // goes on the last line.
                let rest: Vec<String> = lines.drain(want..).map(|l| l.text).collect();
                if let Some(last) = lines.last_mut() {
                    for r in rest {
                        last.text.push(' ');
                        last.text.push_str(r.trim());
                    }
                }
            }
            lines.resize(
                want,
                TextLine {
                    text: String::new(),
                    code_offset: None,
                },
            );
        }
        out
    }

    /// The line offsets of defined function `f` (see [`body_offsets`]).
    fn offsets(&self, bytes: &[u8], f: usize) -> Arc<Vec<u64>> {
        let mut recent = self.offsets.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(k) = recent.iter().position(|(g, _)| *g == f) {
            let hit = recent.remove(k);
            recent.push(hit.clone());
            return hit.1;
        }
        let offsets = Arc::new(body_offsets(bytes, &self.funcs[f].body).unwrap_or_default());
        if recent.len() >= 4 {
            recent.remove(0);
        }
        recent.push((f, offsets.clone()));
        offsets
    }

    /// The function whose body holds module offset `offset`, or the first after it.
    fn function_at_or_after(&self, offset: u64) -> usize {
        self.funcs.partition_point(|f| f.body.end <= offset)
    }

    /// The line of the instruction (or function header, locals, closing `)`) at
    /// code-section offset `code_offset`, if a line starts there.
    pub fn line_of_offset(&self, bytes: &[u8], code_offset: u64) -> Option<usize> {
        let offset = self.code.start.checked_add(code_offset)?;
        let f = self.function_at_or_after(offset);
        let func = self.funcs.get(f)?;
        if offset < func.body.start {
            return None;
        }
        let offsets = self.offsets(bytes, f);
        let l = offsets.binary_search(&offset).ok()?;
        (l < func.lines).then_some(func.first + l)
    }

    /// The first line at or after code-section offset `code_offset` that has a code
    /// offset.
    pub fn line_at_or_after(&self, bytes: &[u8], code_offset: u64) -> Option<usize> {
        let offset = self.code.start.checked_add(code_offset)?;
        let mut f = self.function_at_or_after(offset);
        while let Some(func) = self.funcs.get(f) {
            let offsets = self.offsets(bytes, f);
            let l = offsets.partition_point(|o| *o < offset);
            if l < func.lines.min(offsets.len()) {
                return Some(func.first + l);
            }
            f += 1;
        }
        None
    }

    /// The code offsets of every line that has one, in order (without printing).
    pub fn code_offsets(&self, bytes: &[u8]) -> Vec<u64> {
        let mut out = Vec::new();
        for func in &self.funcs {
            if let Ok(offsets) = body_offsets(bytes, &func.body) {
                out.extend(offsets.iter().take(func.lines).map(|o| o - self.code.start));
            }
        }
        out
    }

    /// Searches lines `from..` for `needle` (lowercase; case is ignored), pushing the
    /// matching lines to `out`, until `deadline` passes (at least one function or line
    /// is searched); returns the line to go on from ([`Self::len`] when done). Functions
    /// are printed for it in batches and not kept.
    pub fn search(
        &self,
        bytes: &[u8],
        needle: &str,
        from: usize,
        deadline: web_time::Instant,
        out: &mut Vec<usize>,
    ) -> usize {
        let mut i = from;
        let mut first = true;
        while i < self.total && (first || web_time::Instant::now() < deadline) {
            first = false;
            match self.locate(i) {
                Some(Ok((f, _))) => {
                    // A batch of functions from `f`.
                    let mut end = f;
                    let mut size = 0;
                    while end < self.funcs.len() && (end == f || size < SEARCH_BATCH_BYTES) {
                        let b = &self.funcs[end].body;
                        size += b.end - b.start;
                        end += 1;
                        // Only functions that follow each other in the text.
                        if end < self.funcs.len()
                            && self.funcs[end].skel != self.funcs[end - 1].skel + 1
                        {
                            break;
                        }
                    }
                    for (k, lines) in self.print(bytes, f..end).into_iter().enumerate() {
                        let first = self.funcs[f + k].first;
                        for (l, line) in lines.iter().enumerate() {
                            if first + l >= i && contains_ignoring_case(&line.text, needle) {
                                out.push(first + l);
                            }
                        }
                    }
                    let last = &self.funcs[end - 1];
                    i = last.first + last.lines;
                }
                Some(Err(s)) => {
                    if self.skel_contains(bytes, &self.skel[s], needle) {
                        out.push(i);
                    }
                    i += 1;
                }
                None => break,
            }
        }
        i.min(self.total)
    }

    /// Whether skeleton line `s`, in full, contains `needle` (lowercase): a data
    /// segment's bytes are escaped piece by piece.
    fn skel_contains(&self, bytes: &[u8], s: &SkelLine, needle: &str) -> bool {
        let Kind::Bytes(r) = &s.kind else {
            return contains_ignoring_case(&s.text, needle);
        };
        const PIECE: usize = 64 << 10;
        let mut window = s.text[..s.text.len() - 4].to_string();
        window.push('"');
        let keep = needle.len().saturating_sub(1);
        let mut chunks = bytes[r.clone()].chunks(PIECE);
        loop {
            let last = match chunks.next() {
                Some(chunk) => {
                    escape(chunk, &mut window);
                    false
                }
                None => {
                    window.push_str("\")");
                    true
                }
            };
            if contains_ignoring_case(&window, needle) {
                return true;
            }
            if last {
                return false;
            }
            // Keep the end that a match may start in.
            let mut cut = window.len().saturating_sub(keep);
            while !window.is_char_boundary(cut) {
                cut -= 1;
            }
            window.drain(..cut);
        }
    }
}
