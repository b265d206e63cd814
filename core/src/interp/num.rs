//! Numeric semantics that Rust's operators do not give exactly as WebAssembly wants.

use crate::error::TrapCode;

macro_rules! float_helpers {
    ($t:ty, $min:ident, $max:ident) => {
        /// WebAssembly `min`: NaN if either is NaN, and `-0 < +0`.
        pub(crate) fn $min(a: $t, b: $t) -> $t {
            if a.is_nan() || b.is_nan() {
                a + b
            } else if a == b {
                <$t>::from_bits(a.to_bits() | b.to_bits())
            } else if a < b {
                a
            } else {
                b
            }
        }

        /// WebAssembly `max`: NaN if either is NaN, and `-0 < +0`.
        pub(crate) fn $max(a: $t, b: $t) -> $t {
            if a.is_nan() || b.is_nan() {
                a + b
            } else if a == b {
                <$t>::from_bits(a.to_bits() & b.to_bits())
            } else if a > b {
                a
            } else {
                b
            }
        }
    };
}

float_helpers!(f32, f32_min, f32_max);
float_helpers!(f64, f64_min, f64_max);

/// Checks a float (widened exactly to f64) against the open interval `(lo, hi)` that a
/// trapping truncation accepts.
#[inline]
fn check_trunc(x: f64, lo: f64, hi: f64) -> Result<f64, TrapCode> {
    if x.is_nan() {
        Err(TrapCode::InvalidConversionToInteger)
    } else if x > lo && x < hi {
        Ok(x)
    } else {
        Err(TrapCode::IntegerOverflow)
    }
}

/// `i32.trunc_f*_s` on a value widened to f64.
#[inline]
pub(crate) fn trunc_i32_s(x: f64) -> Result<u64, TrapCode> {
    check_trunc(x, -2147483649.0, 2147483648.0).map(|x| x as i32 as u32 as u64)
}

/// `i32.trunc_f*_u`.
#[inline]
pub(crate) fn trunc_i32_u(x: f64) -> Result<u64, TrapCode> {
    check_trunc(x, -1.0, 4294967296.0).map(|x| x as u32 as u64)
}

/// `i64.trunc_f*_s`.
#[inline]
pub(crate) fn trunc_i64_s(x: f64) -> Result<u64, TrapCode> {
    // -2^63 itself is representable and valid; the next lower f64 is not.
    if x == -9223372036854775808.0 {
        return Ok(i64::MIN as u64);
    }
    check_trunc(x, -9223372036854775808.0, 9223372036854775808.0).map(|x| x as i64 as u64)
}

/// `i64.trunc_f*_u`.
#[inline]
pub(crate) fn trunc_i64_u(x: f64) -> Result<u64, TrapCode> {
    check_trunc(x, -1.0, 18446744073709551616.0).map(|x| x as u64)
}

/// Applies a rounding function (`ceil`, `floor`, `trunc`, `nearest`), returning a quiet
/// NaN for any NaN input: Rust's functions may pass a signalling NaN through, WebAssembly
/// wants an arithmetic NaN.
#[inline]
pub(crate) fn round_f32(x: f32, f: fn(f32) -> f32) -> f32 {
    if x.is_nan() {
        f32::from_bits(x.to_bits() | 0x0040_0000)
    } else {
        f(x)
    }
}

/// See [`round_f32`].
#[inline]
pub(crate) fn round_f64(x: f64, f: fn(f64) -> f64) -> f64 {
    if x.is_nan() {
        f64::from_bits(x.to_bits() | 0x0008_0000_0000_0000)
    } else {
        f(x)
    }
}

/// `start..start + len` as an index range, or `None` when it does not fit in `usize`
/// (possible only where `usize` has 32 bits, as in the browser): an address past 4 GiB is
/// out of bounds, never wrapped around.
#[inline(always)]
pub(crate) fn span(start: u64, len: u64) -> Option<std::ops::Range<usize>> {
    let end = start.checked_add(len)?;
    Some(usize::try_from(start).ok()?..usize::try_from(end).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_max_zeros_and_nans() {
        assert_eq!(f32_min(0.0, -0.0).to_bits(), (-0.0f32).to_bits());
        assert_eq!(f32_max(-0.0, 0.0).to_bits(), 0.0f32.to_bits());
        assert!(f64_min(f64::NAN, 1.0).is_nan());
        assert!(f64_max(1.0, f64::NAN).is_nan());
        assert_eq!(f64_min(1.0, 2.0), 1.0);
        assert_eq!(f64_max(1.0, 2.0), 2.0);
    }

    #[test]
    fn rounding_quiets_signalling_nans() {
        let snan = f32::from_bits(0x7fa0_0000);
        assert_eq!(round_f32(snan, f32::ceil).to_bits(), 0x7fe0_0000);
        assert_eq!(round_f64(2.5, f64::round_ties_even), 2.0);
    }

    #[test]
    fn truncation_bounds() {
        assert_eq!(trunc_i32_s(-2147483648.9), Ok(i32::MIN as u32 as u64));
        assert_eq!(trunc_i32_s(2147483648.0), Err(TrapCode::IntegerOverflow));
        assert_eq!(trunc_i32_u(-0.9), Ok(0));
        assert_eq!(
            trunc_i32_u(f64::NAN),
            Err(TrapCode::InvalidConversionToInteger)
        );
        assert_eq!(trunc_i64_s(-9223372036854775808.0), Ok(i64::MIN as u64));
        assert_eq!(
            trunc_i64_u(18446744073709551616.0),
            Err(TrapCode::IntegerOverflow)
        );
    }
}
