//! Relaxed SIMD's deterministic choices (README, `CoreFeatures::RELAXED_SIMD`), the same
//! on every engine, on the inputs where the choices differ: a fused multiply-add, a
//! saturating dot product, `bitselect` lane selects, saturating truncations,
//! NaN-propagating min and max (the canonical NaN), and an out-of-range swizzle index
//! giving 0.

mod common;

use wasmscope::{CoreFeatures, Runtime, RuntimeConfig};

const WAT: &str = r#"(module
  ;; (1 + 2^-23)^2 - (1 + 2^-22) = 2^-46 exactly; unfused it would round to 0.
  (func (export "madd") (result v128)
    (f32x4.relaxed_madd (v128.const f32x4 0x1.000002p0 0x1.000002p0 2 0)
                        (v128.const f32x4 0x1.000002p0 0x1.000002p0 3 0)
                        (v128.const f32x4 -0x1.000004p0 -0x1.000004p0 1 0)))
  (func (export "nmadd") (result v128)
    (f64x2.relaxed_nmadd (v128.const f64x2 0x1.0000000000001p0 2)
                         (v128.const f64x2 0x1.0000000000001p0 3)
                         (v128.const f64x2 0x1.0000000000002p0 1)))
  ;; -128 * -128 twice: 32768, saturated to 32767; -128 * 127 twice: -32512.
  (func (export "dot") (result v128)
    (i16x8.relaxed_dot_i8x16_i7x16_s
      (v128.const i8x16 -128 -128 -128 -128 1 2 3 4 0 0 0 0 0 0 0 0)
      (v128.const i8x16 -128 -128 127 127 5 6 7 8 0 0 0 0 0 0 0 0)))
  (func (export "dot_add") (result v128)
    (i32x4.relaxed_dot_i8x16_i7x16_add_s
      (v128.const i8x16 -128 -128 -128 -128 1 2 3 4 0 0 0 0 0 0 0 0)
      (v128.const i8x16 -128 -128 -128 -128 5 6 7 8 0 0 0 0 0 0 0 0)
      (v128.const i32x4 1 10 0x7fffffff 0)))
  (func (export "laneselect") (result v128)
    (i32x4.relaxed_laneselect (v128.const i32x4 -1 -1 -1 -1)
                              (v128.const i32x4 0 0 0 0)
                              (v128.const i32x4 0x0f0f0f0f 0x80000000 0 -1)))
  (func (export "trunc") (result v128)
    (i32x4.relaxed_trunc_f32x4_s (v128.const f32x4 nan 3e9 -3e9 -1.5)))
  (func (export "trunc_u") (result v128)
    (i32x4.relaxed_trunc_f64x2_u_zero (v128.const f64x2 -1 5e9)))
  (func (export "min") (result v128)
    (f32x4.relaxed_min (v128.const f32x4 nan -0 1 2) (v128.const f32x4 1 0 nan -2)))
  (func (export "max") (result v128)
    (f64x2.relaxed_max (v128.const f64x2 -0 nan) (v128.const f64x2 0 1)))
  (func (export "swizzle") (result v128)
    (i8x16.relaxed_swizzle (v128.const i8x16 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25)
                           (v128.const i8x16 0 15 16 200 -1 1 0 0 0 0 0 0 0 0 0 0)))
)"#;

fn v128(slots: &[u64]) -> u128 {
    slots[0] as u128 | (slots[1] as u128) << 64
}

fn f32x4(v: u128) -> [u32; 4] {
    std::array::from_fn(|i| (v >> (32 * i)) as u32)
}

fn i16x8(v: u128) -> [i16; 8] {
    std::array::from_fn(|i| (v >> (16 * i)) as u16 as i16)
}

fn i32x4(v: u128) -> [i32; 4] {
    std::array::from_fn(|i| (v >> (32 * i)) as u32 as i32)
}

#[test]
fn relaxed_operators_make_the_documented_choice() {
    if common::on_every_engine(relaxed_operators_make_the_documented_choice) {
        return;
    }
    let rt = Runtime::with_config(common::engine_config());
    let m = rt.instantiate(&wat::parse_str(WAT).unwrap()).unwrap();
    let call = |name: &str| v128(&m.exported_function(name).unwrap().call(&[]).unwrap());

    let fused = 2f32.powi(-46).to_bits();
    assert_eq!(f32x4(call("madd")), [fused, fused, 7f32.to_bits(), 0]);
    let nmadd = call("nmadd");
    assert_eq!(
        nmadd as u64,
        (-(2f64.powi(-104))).to_bits(),
        "fused: -(1+2^-52)^2 + (1+2^-51)"
    );
    assert_eq!((nmadd >> 64) as u64, (-5f64).to_bits());

    assert_eq!(i16x8(call("dot")), [32767, -32512, 17, 53, 0, 0, 0, 0]);
    assert_eq!(i32x4(call("dot_add")), [65535, 80, 0x7fffffff, 0]);
    assert_eq!(
        i32x4(call("laneselect")),
        [0x0f0f0f0f, 0x80000000u32 as i32, 0, -1],
        "bitselect"
    );
    assert_eq!(i32x4(call("trunc")), [0, i32::MAX, i32::MIN, -1]);
    assert_eq!(i32x4(call("trunc_u")), [0, -1, 0, 0], "0, u32::MAX, zeros");
    let min = f32x4(call("min"));
    // A NaN result is the canonical NaN (positive, quiet, no payload).
    assert_eq!([min[0], min[2]], [0x7fc0_0000, 0x7fc0_0000]);
    assert_eq!([min[1], min[3]], [(-0f32).to_bits(), (-2f32).to_bits()]);
    let max = call("max");
    assert_eq!(max as u64, 0f64.to_bits(), "+0 above -0");
    assert_eq!((max >> 64) as u64, 0x7ff8_0000_0000_0000);
    let swizzled = call("swizzle").to_le_bytes();
    assert_eq!(&swizzled[..6], &[10, 25, 0, 0, 0, 11]);
}

#[test]
fn relaxed_simd_can_be_turned_off() {
    let wasm = wat::parse_str(WAT).unwrap();
    let rt =
        Runtime::with_config(RuntimeConfig::interpreter().with_core_features(CoreFeatures::V2));
    let err = rt.compile_module(&wasm).unwrap_err().to_string();
    assert!(err.to_lowercase().contains("relaxed simd"), "{err}");
    let rt =
        Runtime::with_config(RuntimeConfig::interpreter().with_core_features(CoreFeatures::V3));
    assert!(rt.compile_module(&wasm).is_ok());
}
