//! How much memory opening a module in the workbench takes: parses FILE as the Open view
//! does (`LoadedModule::parse`: sections, text, DWARF, unknown imports) and prints the
//! process's peak resident size against the module's size (Linux: `VmHWM` in
//! `/proc/self/status`).
//!
//! ```sh
//! cargo run --release -p wasmscope-gui --example open_memory -- ruby.debug+stdlib.wasm
//! ```

fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: open_memory FILE.wasm");
        std::process::exit(2);
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    let before = peak_kib().unwrap_or(0);
    let start = std::time::Instant::now();
    let module = match wasmscope_gui::state::LoadedModule::parse(&path, &bytes) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    let elapsed = start.elapsed();
    let peak = peak_kib().unwrap_or(0);
    let size = bytes.len() as f64 / 1024.0;
    println!(
        "{path}: {:.1} MiB module, {} text lines, opened in {:.2} s; peak RSS {:.1} MiB \
         ({:.1} MiB before opening) = {:.2}x the module's size",
        size / 1024.0,
        module.lines.len(),
        elapsed.as_secs_f64(),
        peak as f64 / 1024.0,
        before as f64 / 1024.0,
        peak as f64 / size,
    );
}
