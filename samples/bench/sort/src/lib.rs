//! sort: fills a Vec<u32> of n elements from a 32-bit LCG and sorts it with a
//! hand-written quicksort (median-of-three, insertion sort for short ranges).
//! `run(n)` returns sum((i + 1) * v[i]) wrapping in u64 over the sorted
//! vector, or -1 if the result is not sorted. Exercises i32 loads/stores,
//! compares and branches, recursion, memory.grow (through the allocator).
#![cfg_attr(not(test), no_std)]

extern crate alloc;
use alloc::vec::Vec;

fn insertion_sort(v: &mut [u32]) {
    for i in 1..v.len() {
        let x = v[i];
        let mut j = i;
        while j > 0 && v[j - 1] > x {
            v[j] = v[j - 1];
            j -= 1;
        }
        v[j] = x;
    }
}

/// Hoare partition around the median of the first, middle and last element;
/// returns the split point `p` (all of v[..p] <= all of v[p..]).
fn partition(v: &mut [u32]) -> usize {
    let len = v.len();
    let mid = len / 2;
    if v[mid] < v[0] {
        v.swap(mid, 0);
    }
    if v[len - 1] < v[0] {
        v.swap(len - 1, 0);
    }
    if v[len - 1] < v[mid] {
        v.swap(len - 1, mid);
    }
    let pivot = v[mid];
    let mut i = 0;
    let mut j = len - 1;
    loop {
        while v[i] < pivot {
            i += 1;
        }
        while v[j] > pivot {
            j -= 1;
        }
        if i >= j {
            return j + 1;
        }
        v.swap(i, j);
        i += 1;
        j -= 1;
    }
}

#[inline(never)]
fn quicksort(mut v: &mut [u32]) {
    while v.len() > 16 {
        let p = partition(v);
        let (lo, hi) = v.split_at_mut(p);
        // Recurse into the smaller half, loop on the larger one.
        if lo.len() < hi.len() {
            quicksort(lo);
            v = hi;
        } else {
            quicksort(hi);
            v = lo;
        }
    }
    insertion_sort(v);
}

#[no_mangle]
pub extern "C" fn run(n: i32) -> i64 {
    bench_common::link();
    let n = n.max(0) as usize;
    let mut v: Vec<u32> = Vec::with_capacity(n);
    let mut x: u32 = 0x2545_f491;
    for _ in 0..n {
        x = x.wrapping_mul(1664525).wrapping_add(1013904223);
        v.push(x ^ (x >> 15));
    }
    quicksort(core::hint::black_box(&mut v));
    let mut sum: u64 = 0;
    for (i, w) in v.windows(2).enumerate() {
        if w[0] > w[1] {
            return -1;
        }
        sum = sum.wrapping_add((i as u64 + 1).wrapping_mul(w[0] as u64));
    }
    if let Some(&last) = v.last() {
        sum = sum.wrapping_add((n as u64).wrapping_mul(last as u64));
    }
    sum as i64
}

#[cfg(test)]
mod tests {
    #[test]
    fn sorts_like_std() {
        for n in [0usize, 1, 2, 3, 15, 16, 17, 100, 1000, 4097] {
            let mut x: u32 = 7;
            let mut v: Vec<u32> = (0..n)
                .map(|_| {
                    x = x.wrapping_mul(1664525).wrapping_add(1013904223);
                    x % 50 // lots of duplicates
                })
                .collect();
            let mut w = v.clone();
            super::quicksort(&mut v);
            w.sort_unstable();
            assert_eq!(v, w);
        }
    }

    #[test]
    fn checksums() {
        for (n, want) in [(SMALL_N, SMALL_SUM), (RECOMMENDED_N, RECOMMENDED_SUM)] {
            let got = super::run(n);
            println!("expected: sort {n} {got}");
            assert_eq!(got, want);
        }
    }
    const SMALL_N: i32 = 3000;
    const SMALL_SUM: i64 = 12618732263144203;
    const RECOMMENDED_N: i32 = 200000;
    const RECOMMENDED_SUM: i64 = 1946880292983709922;
}
