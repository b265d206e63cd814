//! `recursion`: a recursive function called to depth N (first argument, default 10000).
//! Each level makes one real Wasm `call` (the result is combined in a way LLVM cannot
//! turn into a loop) and keeps nothing on the shadow stack, so the depth is limited by
//! the engine's call stack only: depth 10000 prints the result and exits with 0, depth
//! 1000000 exhausts the call stack (trap "call stack exhausted").

#[inline(never)]
fn descend(depth: u32) -> u64 {
    if depth == 0 {
        return 1;
    }
    let below = descend(depth - 1);
    below.rotate_left(7) ^ depth as u64
}

fn main() {
    let depth = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    println!("recursing to depth {depth}");
    let result = descend(depth);
    println!("result {result:#018x}");
}
