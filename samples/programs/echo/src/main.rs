//! `echo`: prints its arguments (not the program name) one per line, then every
//! environment variable as `KEY=VALUE`, sorted by key, one per line. Exits with 0.
//!
//! Shows WASI `args_get`/`args_sizes_get` and `environ_get`/`environ_sizes_get`.

fn main() {
    for arg in std::env::args().skip(1) {
        println!("{arg}");
    }
    let mut vars: Vec<(String, String)> = std::env::vars().collect();
    vars.sort();
    for (key, value) in vars {
        println!("{key}={value}");
    }
}
