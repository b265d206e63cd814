//! `hello`: the smallest WASI program. Prints one line to stdout and exits with 0.

fn main() {
    println!("hello, wasmscope!");
}
