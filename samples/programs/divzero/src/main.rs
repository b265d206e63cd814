//! `divzero`: an integer division by zero deep in a call chain, as a real Wasm trap
//! (`i32.div_u` → "integer divide by zero"), not a Rust panic.
//!
//! Call chain at the trap (innermost first):
//!
//! ```text
//! raw_div        #[inline(always)]  — the `i32.div_u` itself; inlined into `share`
//! share          #[inline(never)]
//! per_bucket     #[inline(always)]  — inlined into `distribute`
//! distribute     #[inline(never)]
//! run            #[inline(never)]
//! main
//! ```
//!
//! So the trapping instruction sits in an inlined frame, and `share`'s caller is an
//! inlined frame too: a debugger needs DWARF `DW_TAG_inlined_subroutine` to show all six.
//!
//! The divisor is the number of arguments: no arguments → divide by zero. With
//! arguments, it prints the shares and exits with 0.

/// Rust checks `/` for a zero divisor and panics; to get the Wasm trap we tell the
/// compiler the divisor is non-zero, which removes the check and leaves a bare
/// `i32.div_u`. Calling this with 0 is undefined behaviour in Rust terms — deliberately:
/// what happens is that the Wasm instruction traps, which is what this sample shows.
#[inline(always)]
fn raw_div(total: u32, parts: u32) -> u32 {
    unsafe { std::hint::assert_unchecked(parts != 0) };
    total / parts
}

#[inline(never)]
fn share(total: u32, parts: u32) -> u32 {
    let whole = raw_div(total, parts);
    whole
}

#[inline(always)]
fn per_bucket(total: u32, buckets: u32) -> u32 {
    share(total, buckets)
}

#[inline(never)]
fn distribute(total: u32, buckets: u32) -> Vec<u32> {
    let each = per_bucket(total, buckets);
    let mut out = vec![each; buckets as usize];
    if let Some(first) = out.first_mut() {
        *first += total - each * buckets;
    }
    out
}

#[inline(never)]
fn run(buckets: u32) -> u32 {
    let shares = distribute(1000, buckets);
    for (i, s) in shares.iter().enumerate() {
        println!("bucket {i}: {s}");
    }
    shares.iter().sum()
}

fn main() {
    let buckets = (std::env::args().count() as u32).saturating_sub(1);
    println!("distributing 1000 over {buckets} buckets");
    let sum = run(buckets);
    println!("total {sum}");
}
