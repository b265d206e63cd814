//! `files`: reads `/data/input.txt` from a preopened (mounted) directory, writes its
//! content upper-cased (ASCII) to `/data/output.txt` and prints the byte count.
//!
//! Shows WASI preopens, `path_open`, `fd_read`, `fd_write` on a file and `fd_close`.
//! Exits with 1 (and a message on stderr) if the directory is not mounted.

use std::process::ExitCode;

const INPUT: &str = "/data/input.txt";
const OUTPUT: &str = "/data/output.txt";

fn main() -> ExitCode {
    let input = match std::fs::read(INPUT) {
        Ok(bytes) => bytes,
        Err(e) => {
            eprintln!("files: cannot read {INPUT}: {e} (mount a directory at /data)");
            return ExitCode::from(1);
        }
    };
    let output = input.to_ascii_uppercase();
    if let Err(e) = std::fs::write(OUTPUT, &output) {
        eprintln!("files: cannot write {OUTPUT}: {e}");
        return ExitCode::from(1);
    }
    println!("{} bytes", output.len());
    ExitCode::SUCCESS
}
