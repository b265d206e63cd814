//! `exit`: calls `std::process::exit(N)` (WASI `proc_exit`) with N from the first
//! argument, 7 if there is none (or it is not a number). Prints nothing.

fn main() {
    let code = std::env::args()
        .nth(1)
        .and_then(|a| a.parse::<i32>().ok())
        .unwrap_or(7);
    std::process::exit(code);
}
