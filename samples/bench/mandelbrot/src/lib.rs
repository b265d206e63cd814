//! mandelbrot: an n x n grid over [-1.5, 0.5] x [-1, 1], up to 50 iterations
//! of z = z^2 + c per point in f64. `run(n)` returns
//! `(total_iterations << 32) | points_in_set`. Exercises f64 arithmetic and
//! compares in a tight inner loop.
#![cfg_attr(not(test), no_std)]

const MAX_ITER: u32 = 50;

#[no_mangle]
pub extern "C" fn run(n: i32) -> i64 {
    bench_common::link();
    let n = n.max(0) as u32;
    let step = 2.0 / n as f64;
    let mut in_set: u64 = 0;
    let mut total_iter: u64 = 0;
    for py in 0..n {
        let ci = py as f64 * step - 1.0;
        for px in 0..n {
            let cr = px as f64 * step - 1.5;
            let (mut zr, mut zi) = (0.0f64, 0.0f64);
            let mut i = 0;
            while i < MAX_ITER {
                let zr2 = zr * zr;
                let zi2 = zi * zi;
                if zr2 + zi2 > 4.0 {
                    break;
                }
                zi = 2.0 * zr * zi + ci;
                zr = zr2 - zi2 + cr;
                i += 1;
            }
            total_iter += i as u64;
            if i == MAX_ITER {
                in_set += 1;
            }
        }
    }
    ((total_iter << 32) | in_set) as i64
}

#[cfg(test)]
mod tests {
    #[test]
    fn checksums() {
        for (n, want) in [(SMALL_N, SMALL_SUM), (RECOMMENDED_N, RECOMMENDED_SUM)] {
            let got = super::run(n);
            println!("expected: mandelbrot {n} {got}");
            assert_eq!(got, want);
        }
    }
    const SMALL_N: i32 = 36;
    const SMALL_SUM: i64 = 135428908777991;
    const RECOMMENDED_N: i32 = 400;
    const RECOMMENDED_SUM: i64 = 16772027679570004;
}
