//! `longloop`: a long-running loop for interrupt and timeout tests. Runs N iterations
//! (first argument, default 10^10 — minutes to hours in an interpreter) of a 64-bit LCG
//! and prints a progress line every P iterations (second argument, default 10^8), then
//! the final state. Exits with 0 if it ever gets there.

fn arg(n: usize, default: u64) -> u64 {
    std::env::args()
        .nth(n)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

#[inline(never)]
fn step(state: u64) -> u64 {
    state
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407)
}

fn main() {
    let iterations = arg(1, 10_000_000_000);
    let every = arg(2, 100_000_000).max(1);
    println!("looping {iterations} times, progress every {every}");
    let mut state = 0u64;
    let mut i = 0u64;
    while i < iterations {
        state = step(state);
        i += 1;
        if i % every == 0 {
            println!("progress: {i} iterations, state {state:#018x}");
        }
    }
    println!("done: {i} iterations, state {state:#018x}");
}
