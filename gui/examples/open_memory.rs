//! How much memory and time opening a module in the workbench takes: parses FILE as the
//! Open view does (`LoadedModule::parse_owned`: sections, the text's skeleton, DWARF,
//! unknown imports) and prints the process's peak resident size against the module's
//! size (Linux: `VmHWM` in `/proc/self/status`). Then what the first frames and a search
//! add: the Module view's tree, a DWARF lookup, the Code view's first screen, a search of
//! the whole text in Code (printed function by function).
//!
//! With `--check` it also compares every line of the text, and every offset's line, with
//! a full `wasmprinter` print (streamed, not kept).
//!
//! ```sh
//! cargo run --release -p wasmscope-gui --example open_memory -- ruby.debug+stdlib.wasm
//! ```

fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// Compares the lazy text with a full print, line by line, as the print goes.
struct Check<'a> {
    module: &'a wasmscope_gui::state::LoadedModule,
    code: std::ops::Range<u64>,
    line: Option<(usize, Option<u64>, String)>,
    next: usize,
    differ: usize,
}

impl Check<'_> {
    fn finish_line(&mut self) {
        let Some((i, offset, text)) = self.line.take() else {
            return;
        };
        if i % 10_000 == 0 {
            // Functions in batches, as the Code view prints the ones it shows.
            self.module.prepare_lines(i..i + 10_000);
        }
        let ours = self.module.full_line(i);
        let code_offset = offset
            .filter(|o| self.code.contains(o))
            .map(|o| o - self.code.start);
        let shown = self.module.line(i).and_then(|l| l.code_offset);
        let back = code_offset.and_then(|o| self.module.line_of_offset(o));
        let first_of_offset = back.is_none_or(|b| b <= i);
        if ours.as_deref() != Some(text.as_str())
            || shown != code_offset
            || (code_offset.is_some() && !first_of_offset)
            || (code_offset.is_some() && back.is_none())
        {
            if self.differ < 5 {
                let cut = |s: &str| s.chars().take(120).collect::<String>();
                eprintln!(
                    "line {i} differs: print {:?} {code_offset:?}, ours {:?} {shown:?}, \
                     offset's line {back:?}",
                    cut(&text),
                    ours.as_deref().map(cut)
                );
            }
            self.differ += 1;
        }
    }
}

impl wasmprinter::Print for Check<'_> {
    fn write_str(&mut self, s: &str) -> std::io::Result<()> {
        if let Some((_, _, t)) = &mut self.line {
            t.push_str(s);
        }
        Ok(())
    }
    fn newline(&mut self) -> std::io::Result<()> {
        Ok(())
    }
    fn start_line(&mut self, offset: Option<u64>) {
        self.finish_line();
        self.line = Some((self.next, offset, String::new()));
        self.next += 1;
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let check = args.iter().any(|a| a == "--check");
    let Some(path) = args.iter().find(|a| !a.starts_with("--")).cloned() else {
        eprintln!("usage: open_memory [--check] FILE.wasm");
        std::process::exit(2);
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    let size = bytes.len() as f64 / 1024.0;
    let before = peak_kib().unwrap_or(0);
    let start = std::time::Instant::now();
    let module = match wasmscope_gui::state::LoadedModule::parse_owned(&path, bytes) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    let elapsed = start.elapsed();
    let peak = peak_kib().unwrap_or(0);
    println!(
        "{path}: {:.1} MiB module, {} text lines ({} functions), opened in {:.2} s; peak RSS \
         {:.1} MiB ({:.1} MiB before opening) = {:.2}x the module's size",
        size / 1024.0,
        module.line_count(),
        module.text.function_count(),
        elapsed.as_secs_f64(),
        mib(peak),
        mib(before),
        peak as f64 / size,
    );

    // The first frames: the Module view's tree, a DWARF lookup (the Source view), the
    // Code view's first screen and one in the middle.
    let start = std::time::Instant::now();
    let tree = wasmscope::inspect::tree(&module.bytes);
    if let Some(d) = &module.debug {
        let _ = d.locations(0x1000);
    }
    let middle = module.line_count() / 2;
    for rows in [0..60, middle..middle + 60] {
        module.prepare_lines(rows.clone());
        for i in rows {
            let _ = module.line(i);
        }
    }
    let peak = peak_kib().unwrap_or(0);
    println!(
        "first frames (module tree, a DWARF lookup, two screens of code) in {:.2} s; \
         peak RSS {:.1} MiB = {:.2}x",
        start.elapsed().as_secs_f64(),
        mib(peak),
        peak as f64 / size,
    );
    drop(tree);

    // A search of the whole text, as Code's search bar does it (frame by frame).
    let start = std::time::Instant::now();
    let mut found = Vec::new();
    let (mut at, mut frames, mut longest) = (0, 0, std::time::Duration::ZERO);
    while at < module.line_count() {
        let frame = std::time::Instant::now();
        let deadline = web_time::Instant::now() + std::time::Duration::from_millis(8);
        at = module
            .text
            .search(&module.bytes, "i32.div_u", at, deadline, &mut found);
        longest = longest.max(frame.elapsed());
        frames += 1;
    }
    let peak = peak_kib().unwrap_or(0);
    println!(
        "search for \"i32.div_u\": {} matches in {:.2} s over {frames} frames (longest \
         {:.0} ms); peak RSS {:.1} MiB = {:.2}x",
        found.len(),
        start.elapsed().as_secs_f64(),
        longest.as_secs_f64() * 1000.0,
        mib(peak),
        peak as f64 / size,
    );

    if check {
        let start = std::time::Instant::now();
        let code = module
            .sections
            .iter()
            .find(|s| s.id == 10)
            .map_or(0..0, |s| s.offset as u64..(s.offset + s.size) as u64);
        let mut c = Check {
            module: &module,
            code,
            line: None,
            next: 0,
            differ: 0,
        };
        if let Err(e) = wasmprinter::Config::new().print(&module.bytes, &mut c) {
            eprintln!("print: {e}");
        }
        c.finish_line();
        println!(
            "check against a full print: {} lines printed, {} ours, {} differ ({:.1} s)",
            c.next,
            module.line_count(),
            c.differ,
            start.elapsed().as_secs_f64()
        );
        if c.differ > 0 || c.next != module.line_count() {
            std::process::exit(1);
        }
    }
}
