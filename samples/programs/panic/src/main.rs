//! `panic`: a Rust panic. std prints "thread 'main' panicked at ..." and the message to
//! stderr, then (panic = "abort") aborts, which in Wasm is the `unreachable` instruction:
//! the run ends with an "unreachable" trap, not an exit code.

#[inline(never)]
fn check_inventory(items: &[u32]) -> u32 {
    let total: u32 = items.iter().sum();
    if total != 42 {
        panic!("inventory mismatch: expected 42 items, counted {total}");
    }
    total
}

fn main() {
    // Taken from the arguments so that the compiler cannot decide the panic statically.
    let extra = (std::env::args().count() as u32).saturating_sub(1);
    let items = [10, 20, 5 + extra];
    println!("checking inventory of {} boxes", items.len());
    let total = check_inventory(&items);
    println!("inventory ok: {total}");
}
