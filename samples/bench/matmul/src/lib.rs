//! matmul: C = A * B for n x n f64 matrices (row-major Vecs, i-k-j loop
//! order). Entries of A are multiples of 1/2 and entries of B multiples of
//! 1/4 in small ranges, so every product and sum is exact and the result does
//! not depend on summation order. `run(n)` returns the bits of
//! sum_{i,j} C[i][j] * ((i + 2j) % 5 + 1) (f64::to_bits as i64).
//! Exercises f64 multiply-add chains, nested loops, f64 loads/stores.
#![cfg_attr(not(test), no_std)]

extern crate alloc;
use alloc::vec;
use alloc::vec::Vec;

#[inline(never)]
fn matmul(a: &[f64], b: &[f64], c: &mut [f64], n: usize) {
    for i in 0..n {
        let crow = &mut c[i * n..(i + 1) * n];
        for k in 0..n {
            let aik = a[i * n + k];
            let brow = &b[k * n..(k + 1) * n];
            for (cij, bkj) in crow.iter_mut().zip(brow) {
                *cij += aik * *bkj;
            }
        }
    }
}

#[no_mangle]
pub extern "C" fn run(n: i32) -> i64 {
    bench_common::link();
    let n = n.max(0) as usize;
    let mut a: Vec<f64> = Vec::with_capacity(n * n);
    let mut b: Vec<f64> = Vec::with_capacity(n * n);
    for i in 0..n {
        for j in 0..n {
            a.push(((i * 3 + j * 7) % 17) as f64 * 0.5 - 4.0);
            b.push(((i * 5 + j * 11) % 13) as f64 * 0.25 - 1.5);
        }
    }
    let mut c: Vec<f64> = vec![0.0; n * n];
    matmul(core::hint::black_box(&a), &b, &mut c, n);
    let mut sum = 0.0f64;
    for i in 0..n {
        for j in 0..n {
            sum += c[i * n + j] * ((i + 2 * j) % 5 + 1) as f64;
        }
    }
    sum.to_bits() as i64
}

#[cfg(test)]
mod tests {
    #[test]
    fn checksums() {
        for (n, want) in [(SMALL_N, SMALL_SUM), (RECOMMENDED_N, RECOMMENDED_SUM)] {
            let got = super::run(n);
            println!("expected: matmul {n} {got}");
            assert_eq!(got, want);
        }
    }
    const SMALL_N: i32 = 36;
    const SMALL_SUM: i64 = -4587294452476805120;
    const RECOMMENDED_N: i32 = 180;
    const RECOMMENDED_SUM: i64 = -4605352831451398144;
}
