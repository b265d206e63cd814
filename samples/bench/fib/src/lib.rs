//! fib: naive doubly-recursive Fibonacci. Exercises calls/returns.
//! `run(n)` returns fib(n) mod 2^63 (fib(0)=0, fib(1)=1; exact for n <= 92).
#![cfg_attr(not(test), no_std)]

#[inline(never)]
fn fib(n: u32) -> u64 {
    if n < 2 {
        return n as u64;
    }
    // The 63-bit mask is part of the workload on purpose: with a plain
    // `fib(n - 1) + fib(n - 2)` LLVM's accumulator tail-recursion elimination
    // turns the second call into a loop. With the mask the compiled function
    // makes two genuine recursive `call`s per level (checked in the wasm).
    let a = fib(n - 1);
    let b = fib(n - 2);
    a.wrapping_add(b) & (u64::MAX >> 1)
}

#[no_mangle]
pub extern "C" fn run(n: i32) -> i64 {
    bench_common::link();
    fib(n.max(0) as u32) as i64
}

#[cfg(test)]
mod tests {
    #[test]
    fn checksums() {
        assert_eq!(super::run(0), 0);
        assert_eq!(super::run(1), 1);
        assert_eq!(super::run(10), 55);
        for (n, want) in [(SMALL_N, SMALL_SUM), (RECOMMENDED_N, RECOMMENDED_SUM)] {
            let got = super::run(n);
            println!("expected: fib {n} {got}");
            assert_eq!(got, want);
        }
    }
    const SMALL_N: i32 = 23;
    const SMALL_SUM: i64 = 28657;
    const RECOMMENDED_N: i32 = 32;
    const RECOMMENDED_SUM: i64 = 2178309;
}
