//! `pattern`: fills a 64 KiB static buffer with the bytes "WASMSCOPE!" repeated (the
//! last chunk is cut short: 65536 = 6553 * 10 + 6), prints the buffer's address in linear
//! memory, then loops a while over it (summing bytes) so that a debugger can pause and
//! look at memory. Prints the checksum and exits with 0.
//!
//! The first argument is the number of passes over the buffer (default 100).

const SIZE: usize = 64 * 1024;
const PATTERN: &[u8; 10] = b"WASMSCOPE!";

// In .bss (zero-initialised), so the 64 KiB are written at run time, not shipped in a
// data segment.
static mut BUFFER: [u8; SIZE] = [0; SIZE];

#[inline(never)]
fn fill(buffer: &mut [u8]) {
    for (i, byte) in buffer.iter_mut().enumerate() {
        *byte = PATTERN[i % PATTERN.len()];
    }
}

#[inline(never)]
fn checksum(buffer: &[u8], passes: u32) -> u64 {
    let mut sum = 0u64;
    for pass in 0..passes {
        for &byte in std::hint::black_box(buffer) {
            sum = sum.wrapping_mul(31).wrapping_add(byte as u64 ^ pass as u64);
        }
    }
    sum
}

fn main() {
    let passes = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100);
    // SAFETY: single-threaded; the only reference to BUFFER.
    let buffer: &mut [u8; SIZE] = unsafe { &mut *std::ptr::addr_of_mut!(BUFFER) };
    fill(buffer);
    println!("pattern at {:#x}, {} bytes", buffer.as_ptr() as usize, buffer.len());
    let sum = checksum(buffer, passes);
    println!("checksum over {passes} passes: {sum:#018x}");
}
