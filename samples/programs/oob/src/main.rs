//! `oob`: an out-of-bounds memory access. Reads 4 bytes through a raw pointer at
//! 0xFFFF_FFF0, far beyond the module's linear memory (a few pages), so the
//! `i32.load` traps with "out of bounds memory access".
//!
//! The address can be given as the first argument (decimal or 0x-hex) to try others.

#[inline(never)]
fn read_word(address: usize) -> u32 {
    // SAFETY: none — this is the point of the sample. `read_volatile` keeps the load
    // from being optimised away; Wasm bounds-checks it and traps.
    unsafe { core::ptr::read_volatile(address as *const u32) }
}

fn parse_address(arg: &str) -> Option<usize> {
    match arg.strip_prefix("0x") {
        Some(hex) => usize::from_str_radix(hex, 16).ok(),
        None => arg.parse().ok(),
    }
}

fn main() {
    let address = std::env::args()
        .nth(1)
        .and_then(|a| parse_address(&a))
        .unwrap_or(0xFFFF_FFF0);
    println!("reading 4 bytes at {address:#010x}");
    let word = read_word(address);
    println!("read {word:#010x}");
}
