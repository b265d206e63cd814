//! Clocks, sleeping and randomness: the configured sources (`ModuleConfig::with_walltime`
//! and friends) and the deterministic defaults (wazero's fake clocks and seeded random).

use std::sync::{Arc, Mutex};

/// Nanoseconds in a millisecond: how far the fake clocks advance per reading.
const MS: i64 = 1_000_000;
/// The fake wall clock's first reading: 2022-01-01T00:00:00Z (wazero's `FakeEpochNanos`).
pub(crate) const FAKE_EPOCH_NANOS: i64 = 1_640_995_200 * 1_000_000_000;
/// Seed of the default random source (wazero seeds its fake source with 42 too).
const FAKE_RAND_SEED: u64 = 42;

pub(crate) type WalltimeFn = Arc<Mutex<dyn FnMut() -> (i64, i32) + Send>>;
pub(crate) type NanotimeFn = Arc<Mutex<dyn FnMut() -> i64 + Send>>;
pub(crate) type NanosleepFn = Arc<Mutex<dyn FnMut(i64) + Send>>;
pub(crate) type RandFn = Arc<Mutex<dyn FnMut(&mut [u8]) + Send>>;

/// Where the wall clock comes from.
#[derive(Clone, Default)]
pub(crate) enum Walltime {
    /// Starts at [`FAKE_EPOCH_NANOS`] and advances 1 ms per reading.
    #[default]
    Fake,
    /// The host's `SystemTime`.
    Sys,
    /// A closure returning `(seconds, nanoseconds)` since the Unix epoch, and its
    /// resolution in nanoseconds.
    Custom(WalltimeFn, u64),
}

/// Where the monotonic clock comes from.
#[derive(Clone, Default)]
pub(crate) enum Nanotime {
    /// Starts at 0 and advances 1 ms per reading.
    #[default]
    Fake,
    /// The host's `Instant`, from when the module was instantiated.
    Sys,
    /// A closure returning nanoseconds, and its resolution.
    Custom(NanotimeFn, u64),
}

/// How `poll_oneoff` sleeps.
#[derive(Clone, Default)]
pub(crate) enum Nanosleep {
    /// Returns at once.
    #[default]
    Fake,
    /// `std::thread::sleep`.
    Sys,
    /// A closure given the nanoseconds to sleep.
    Custom(NanosleepFn),
}

/// Where `random_get` takes its bytes from.
#[derive(Clone, Default)]
pub(crate) enum RandSource {
    /// A deterministic generator seeded with 42.
    #[default]
    Fake,
    /// A closure that fills a buffer.
    Custom(RandFn),
}

/// The clock and random state of one module instance.
pub(crate) struct Clocks {
    walltime: Walltime,
    fake_walltime: i64,
    nanotime: Nanotime,
    fake_nanotime: i64,
    #[cfg(not(target_arch = "wasm32"))]
    start: std::time::Instant,
    nanosleep: Nanosleep,
    rand: RandSource,
    rng: u64,
}

fn lock<T: ?Sized>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Clocks {
    pub(crate) fn new(
        walltime: Walltime,
        nanotime: Nanotime,
        nanosleep: Nanosleep,
        rand: RandSource,
    ) -> Self {
        Clocks {
            walltime,
            fake_walltime: FAKE_EPOCH_NANOS,
            nanotime,
            fake_nanotime: 0,
            #[cfg(not(target_arch = "wasm32"))]
            start: std::time::Instant::now(),
            nanosleep,
            rand,
            rng: FAKE_RAND_SEED,
        }
    }

    /// Nanoseconds since the Unix epoch.
    pub(crate) fn walltime(&mut self) -> i64 {
        match &self.walltime {
            #[cfg(not(target_arch = "wasm32"))]
            Walltime::Sys => sys_walltime(),
            Walltime::Custom(f, _) => {
                let (sec, nsec) = (lock(f))();
                sec.saturating_mul(1_000_000_000)
                    .saturating_add(nsec as i64)
            }
            _ => {
                let t = self.fake_walltime;
                self.fake_walltime = t.saturating_add(MS);
                t
            }
        }
    }

    /// The wall clock's resolution in nanoseconds.
    pub(crate) fn walltime_resolution(&self) -> u64 {
        match &self.walltime {
            Walltime::Fake => 1,
            Walltime::Sys => 1_000,
            Walltime::Custom(_, res) => *res,
        }
    }

    /// Monotonic nanoseconds.
    pub(crate) fn nanotime(&mut self) -> i64 {
        match &self.nanotime {
            #[cfg(not(target_arch = "wasm32"))]
            Nanotime::Sys => i64::try_from(self.start.elapsed().as_nanos()).unwrap_or(i64::MAX),
            Nanotime::Custom(f, _) => (lock(f))(),
            _ => {
                let t = self.fake_nanotime;
                self.fake_nanotime = t.saturating_add(MS);
                t
            }
        }
    }

    /// The monotonic clock's resolution in nanoseconds.
    pub(crate) fn nanotime_resolution(&self) -> u64 {
        match &self.nanotime {
            Nanotime::Fake | Nanotime::Sys => 1,
            Nanotime::Custom(_, res) => *res,
        }
    }

    /// Sleeps `ns` nanoseconds (or not, with the default).
    pub(crate) fn nanosleep(&mut self, ns: i64) {
        match &self.nanosleep {
            Nanosleep::Fake => {}
            Nanosleep::Sys => {
                #[cfg(not(target_arch = "wasm32"))]
                std::thread::sleep(std::time::Duration::from_nanos(ns.max(0) as u64));
            }
            Nanosleep::Custom(f) => (lock(f))(ns),
        }
    }

    /// Fills `buf` with random bytes.
    pub(crate) fn fill_random(&mut self, buf: &mut [u8]) {
        match &self.rand {
            RandSource::Fake => {
                for chunk in buf.chunks_mut(8) {
                    let v = splitmix64(&mut self.rng).to_le_bytes();
                    chunk.copy_from_slice(&v[..chunk.len()]);
                }
            }
            RandSource::Custom(f) => (lock(f))(buf),
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn sys_walltime() -> i64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_nanos()).unwrap_or(i64::MAX),
    }
}

/// SplitMix64: small, fast, and good enough for a deterministic test source.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fake_clocks_advance_one_ms_per_reading() {
        let mut c = Clocks::new(
            Walltime::Fake,
            Nanotime::Fake,
            Nanosleep::Fake,
            RandSource::Fake,
        );
        assert_eq!(c.walltime(), FAKE_EPOCH_NANOS);
        assert_eq!(c.walltime(), FAKE_EPOCH_NANOS + MS);
        assert_eq!(c.nanotime(), 0);
        assert_eq!(c.nanotime(), MS);
        let (mut a, mut b) = ([0u8; 13], [0u8; 13]);
        c.fill_random(&mut a);
        let mut d = Clocks::new(
            Walltime::Fake,
            Nanotime::Fake,
            Nanosleep::Fake,
            RandSource::Fake,
        );
        d.fill_random(&mut b);
        assert_eq!(a, b);
        assert_ne!(a, [0; 13]);
    }
}
