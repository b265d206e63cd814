//! simd: byte-block statistics with explicit `v128` intrinsics (built with
//! `-C target-feature=+simd128`). An LCG fills n blocks of 16 bytes; for every
//! pair of neighbouring blocks the kernel adds up the sum of absolute
//! differences, the dot product of the bytes (i16 ext-mul, i32 pairwise add),
//! and keeps the lane-wise maximum. `run(n)` returns a wrapping mix of the
//! three. On the host the same function is computed lane by lane, so the
//! checksums in `expected.txt` come from plain scalar code.
//! Exercises u8x16 min/max/sub, i16x8 extmul, i32x4 extadd and add, lane
//! extraction, v128 loads.
#![cfg_attr(not(test), no_std)]

extern crate alloc;
use alloc::vec::Vec;

#[cfg(target_arch = "wasm32")]
#[inline(never)]
fn kernel(buf: &[u8]) -> (u64, u64, u128) {
    use core::arch::wasm32::*;
    let blocks = buf.len() / 16 - 1;
    let mut sad = i32x4_splat(0);
    let mut dot = i32x4_splat(0);
    let mut mx = u8x16_splat(0);
    let (mut sad_total, mut dot_total) = (0u64, 0u64);
    for i in 0..blocks {
        // SAFETY: i + 1 < buf.len() / 16, so both 16-byte reads are in bounds.
        let (a, b) = unsafe {
            (
                v128_load(buf.as_ptr().add(i * 16) as *const v128),
                v128_load(buf.as_ptr().add(i * 16 + 16) as *const v128),
            )
        };
        let diff = u8x16_sub(u8x16_max(a, b), u8x16_min(a, b));
        let d16 = u16x8_extadd_pairwise_u8x16(diff);
        sad = i32x4_add(sad, u32x4_extadd_pairwise_u16x8(d16));
        let lo = i16x8_extmul_low_u8x16(a, b);
        let hi = i16x8_extmul_high_u8x16(a, b);
        dot = i32x4_add(dot, u32x4_extadd_pairwise_u16x8(lo));
        dot = i32x4_add(dot, u32x4_extadd_pairwise_u16x8(hi));
        mx = u8x16_max(mx, a);
        if i % 1024 == 1023 {
            for l in [
                u32x4_extract_lane::<0>(sad),
                u32x4_extract_lane::<1>(sad),
                u32x4_extract_lane::<2>(sad),
                u32x4_extract_lane::<3>(sad),
            ] {
                sad_total += l as u64;
            }
            for l in [
                u32x4_extract_lane::<0>(dot),
                u32x4_extract_lane::<1>(dot),
                u32x4_extract_lane::<2>(dot),
                u32x4_extract_lane::<3>(dot),
            ] {
                dot_total += l as u64;
            }
            sad = i32x4_splat(0);
            dot = i32x4_splat(0);
        }
    }
    for k in 0..4 {
        let (s, d) = match k {
            0 => (u32x4_extract_lane::<0>(sad), u32x4_extract_lane::<0>(dot)),
            1 => (u32x4_extract_lane::<1>(sad), u32x4_extract_lane::<1>(dot)),
            2 => (u32x4_extract_lane::<2>(sad), u32x4_extract_lane::<2>(dot)),
            _ => (u32x4_extract_lane::<3>(sad), u32x4_extract_lane::<3>(dot)),
        };
        sad_total += s as u64;
        dot_total += d as u64;
    }
    let m = u64x2_extract_lane::<0>(mx) as u128 | (u64x2_extract_lane::<1>(mx) as u128) << 64;
    (sad_total, dot_total, m)
}

/// The same computation, lane by lane (the host reference).
#[cfg(not(target_arch = "wasm32"))]
#[inline(never)]
fn kernel(buf: &[u8]) -> (u64, u64, u128) {
    let blocks = buf.len() / 16 - 1;
    let (mut sad, mut dot) = (0u64, 0u64);
    let mut mx = [0u8; 16];
    for i in 0..blocks {
        for l in 0..16 {
            let (a, b) = (buf[i * 16 + l], buf[i * 16 + 16 + l]);
            sad += a.abs_diff(b) as u64;
            dot += a as u64 * b as u64;
            mx[l] = mx[l].max(a);
        }
    }
    (sad, dot, u128::from_le_bytes(mx))
}

#[no_mangle]
pub extern "C" fn run(n: i32) -> i64 {
    bench_common::link();
    let blocks = n.max(1) as usize + 1;
    let mut buf: Vec<u8> = Vec::with_capacity(blocks * 16);
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..blocks * 16 {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        buf.push((x >> 56) as u8);
    }
    let (sad, dot, mx) = kernel(core::hint::black_box(&buf));
    let m = (mx as u64) ^ ((mx >> 64) as u64);
    (sad.wrapping_mul(31).wrapping_add(dot).wrapping_mul(31).wrapping_add(m)) as i64
}

#[cfg(test)]
mod tests {
    #[test]
    fn checksums() {
        for (n, want) in [(SMALL_N, SMALL_SUM), (RECOMMENDED_N, RECOMMENDED_SUM)] {
            let got = super::run(n);
            println!("expected: simd {n} {got}");
            assert_eq!(got, want);
        }
    }
    const SMALL_N: i32 = 20000;
    const SMALL_SUM: i64 = 187336719070;
    const RECOMMENDED_N: i32 = 200000;
    const RECOMMENDED_SUM: i64 = 1873451893085;
}
