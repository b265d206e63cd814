//! nbody: the classic Computer Language Benchmarks Game n-body simulation of
//! the Jovian planets (f64). `run(n)` advances n steps of dt = 0.01 and
//! returns the bit pattern of the final total energy (f64::to_bits as i64).
//! Exercises f64 arithmetic, f64.sqrt, f64 loads/stores.
//!
//! Unlike the other workloads this one uses std: `f64::sqrt` (which compiles
//! to `f64.sqrt`) is not available in `core` on stable Rust. std on
//! wasm32-unknown-unknown still needs no imports.

use core::f64::consts::PI;

const SOLAR_MASS: f64 = 4.0 * PI * PI;
const DAYS_PER_YEAR: f64 = 365.24;
const N_BODIES: usize = 5;

/// IEEE-754 square root (correctly rounded, so identical on wasm and host).
#[inline(always)]
fn sqrt(x: f64) -> f64 {
    x.sqrt()
}

#[derive(Clone, Copy)]
struct Body {
    pos: [f64; 3],
    vel: [f64; 3],
    mass: f64,
}

const BODIES: [Body; N_BODIES] = [
    // Sun
    Body {
        pos: [0.0, 0.0, 0.0],
        vel: [0.0, 0.0, 0.0],
        mass: SOLAR_MASS,
    },
    // Jupiter
    Body {
        pos: [
            4.84143144246472090e+00,
            -1.16032004402742839e+00,
            -1.03622044471123109e-01,
        ],
        vel: [
            1.66007664274403694e-03 * DAYS_PER_YEAR,
            7.69901118419740425e-03 * DAYS_PER_YEAR,
            -6.90460016972063023e-05 * DAYS_PER_YEAR,
        ],
        mass: 9.54791938424326609e-04 * SOLAR_MASS,
    },
    // Saturn
    Body {
        pos: [
            8.34336671824457987e+00,
            4.12479856412430479e+00,
            -4.03523417114321381e-01,
        ],
        vel: [
            -2.76742510726862411e-03 * DAYS_PER_YEAR,
            4.99852801234917238e-03 * DAYS_PER_YEAR,
            2.30417297573763929e-05 * DAYS_PER_YEAR,
        ],
        mass: 2.85885980666130812e-04 * SOLAR_MASS,
    },
    // Uranus
    Body {
        pos: [
            1.28943695621391310e+01,
            -1.51111514016986312e+01,
            -2.23307578892655734e-01,
        ],
        vel: [
            2.96460137564761618e-03 * DAYS_PER_YEAR,
            2.37847173959480950e-03 * DAYS_PER_YEAR,
            -2.96589568540237556e-05 * DAYS_PER_YEAR,
        ],
        mass: 4.36624404335156298e-05 * SOLAR_MASS,
    },
    // Neptune
    Body {
        pos: [
            1.53796971148509165e+01,
            -2.59193146099879641e+01,
            1.79258772950371181e-01,
        ],
        vel: [
            2.68067772490389322e-03 * DAYS_PER_YEAR,
            1.62824170038242295e-03 * DAYS_PER_YEAR,
            -9.51592254519715870e-05 * DAYS_PER_YEAR,
        ],
        mass: 5.15138902046611451e-05 * SOLAR_MASS,
    },
];

fn offset_momentum(bodies: &mut [Body; N_BODIES]) {
    let mut p = [0.0f64; 3];
    for b in bodies.iter() {
        for k in 0..3 {
            p[k] += b.vel[k] * b.mass;
        }
    }
    for k in 0..3 {
        bodies[0].vel[k] = -p[k] / SOLAR_MASS;
    }
}

fn energy(bodies: &[Body; N_BODIES]) -> f64 {
    let mut e = 0.0;
    for i in 0..N_BODIES {
        let bi = &bodies[i];
        e +=
            0.5 * bi.mass * (bi.vel[0] * bi.vel[0] + bi.vel[1] * bi.vel[1] + bi.vel[2] * bi.vel[2]);
        for bj in &bodies[i + 1..] {
            let dx = bi.pos[0] - bj.pos[0];
            let dy = bi.pos[1] - bj.pos[1];
            let dz = bi.pos[2] - bj.pos[2];
            e -= bi.mass * bj.mass / sqrt(dx * dx + dy * dy + dz * dz);
        }
    }
    e
}

#[inline(never)]
fn advance(bodies: &mut [Body; N_BODIES], dt: f64) {
    for i in 0..N_BODIES {
        let (head, tail) = bodies.split_at_mut(i + 1);
        let bi = &mut head[i];
        for bj in tail.iter_mut() {
            let dx = bi.pos[0] - bj.pos[0];
            let dy = bi.pos[1] - bj.pos[1];
            let dz = bi.pos[2] - bj.pos[2];
            let d2 = dx * dx + dy * dy + dz * dz;
            let mag = dt / (d2 * sqrt(d2));
            let mi = bi.mass * mag;
            let mj = bj.mass * mag;
            bi.vel[0] -= dx * mj;
            bi.vel[1] -= dy * mj;
            bi.vel[2] -= dz * mj;
            bj.vel[0] += dx * mi;
            bj.vel[1] += dy * mi;
            bj.vel[2] += dz * mi;
        }
    }
    for b in bodies.iter_mut() {
        b.pos[0] += dt * b.vel[0];
        b.pos[1] += dt * b.vel[1];
        b.pos[2] += dt * b.vel[2];
    }
}

#[no_mangle]
pub extern "C" fn run(n: i32) -> i64 {
    let mut bodies = core::hint::black_box(BODIES);
    offset_momentum(&mut bodies);
    for _ in 0..n.max(0) {
        advance(&mut bodies, 0.01);
    }
    energy(&bodies).to_bits() as i64
}

#[cfg(test)]
mod tests {
    #[test]
    fn energy_matches_benchmarks_game() {
        // Reference output of the benchmarks game for n = 1000.
        let mut bodies = super::BODIES;
        super::offset_momentum(&mut bodies);
        assert_eq!(format!("{:.9}", super::energy(&bodies)), "-0.169075164");
        let e = f64::from_bits(super::run(1000) as u64);
        assert_eq!(format!("{e:.9}"), "-0.169087605");
    }

    #[test]
    fn checksums() {
        for (n, want) in [(SMALL_N, SMALL_SUM), (RECOMMENDED_N, RECOMMENDED_SUM)] {
            let got = super::run(n);
            println!("expected: nbody {n} {got}");
            assert_eq!(got, want);
        }
    }
    const SMALL_N: i32 = 1000;
    const SMALL_SUM: i64 = -4628111993556820050;
    const RECOMMENDED_N: i32 = 100000;
    const RECOMMENDED_SUM: i64 = -4628112272630222944;
}
