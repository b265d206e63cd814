//! Formatting Wasm values the way wazero's logs print them.

use wasmscope::listener::CallContext;
use wasmscope::{FunctionDefinition, ValueType};

use crate::logging::errno_name;

/// Go's `%v` for a float: the shortest representation, in exponent form (`e+38`) when
/// the decimal exponent is below -4 or at least 21.
fn go_float(value: f64, shortest: String) -> String {
    if value.is_nan() {
        return "NaN".into();
    }
    if value.is_infinite() {
        return if value > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if value == 0.0 {
        return if value.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // `shortest` is Rust's `{:e}`: `d.ddde-5`.
    let (mantissa, exp) = shortest.split_once('e').unwrap_or((&shortest, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..21).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else {
        // Plain decimal from the same shortest digits.
        let negative = mantissa.starts_with('-');
        let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
        let point = 1 + exp;
        let body = if point <= 0 {
            format!("0.{}{}", "0".repeat((-point) as usize), digits)
        } else if point as usize >= digits.len() {
            format!("{}{}", digits, "0".repeat(point as usize - digits.len()))
        } else {
            format!(
                "{}.{}",
                &digits[..point as usize],
                &digits[point as usize..]
            )
        };
        if negative {
            format!("-{body}")
        } else {
            body
        }
    }
}

/// One value of type `ty` from `slots` (two for `v128`), as wazero prints it: integers
/// signed, floats like Go's `%v`, references as 16 hex digits, `v128` as 32.
pub fn format_value(ty: ValueType, slots: &[u64]) -> String {
    let v = slots.first().copied().unwrap_or(0);
    match ty {
        ValueType::I32 => (v as u32 as i32).to_string(),
        ValueType::I64 => (v as i64).to_string(),
        ValueType::F32 => {
            let f = f32::from_bits(v as u32);
            go_float(f as f64, format!("{f:e}"))
        }
        ValueType::F64 => {
            let f = f64::from_bits(v);
            go_float(f, format!("{f:e}"))
        }
        ValueType::V128 => format!("{:016x}{:016x}", v, slots.get(1).copied().unwrap_or(0)),
        ValueType::FuncRef | ValueType::ExternRef | ValueType::ExnRef | ValueType::AnyRef => {
            format!("{v:016x}")
        }
    }
}

/// Values of `types` from consecutive `slots`, each as [`format_value`] prints it.
pub fn format_values(types: &[ValueType], slots: &[u64]) -> Vec<String> {
    let mut at = 0;
    types
        .iter()
        .map(|t| {
            let n = t.slots();
            let s = format_value(*t, slots.get(at..at + n).unwrap_or(&[]));
            at += n;
            s
        })
        .collect()
}

/// The parameters of a call as the logging listener shows them: `name=value` where the
/// definition names the parameter, the bare value otherwise; a `path`/`path_len` pair
/// (WASI's `path`, `old_path`, ...) becomes one `path=text` read from the caller's memory
/// (`?` when out of range).
pub fn param_strings(call: &CallContext<'_>, params: &[u64]) -> Vec<String> {
    let def = call.definition();
    let values = format_values(def.param_types(), params);
    let names = def.param_names();
    let mut parts = Vec::new();
    let mut i = 0;
    while i < values.len() {
        let name = names.get(i).and_then(|n| n.as_deref());
        match name {
            Some(n)
                if names.get(i + 1).and_then(|m| m.as_deref()) == Some(&format!("{n}_len"))
                    && n.ends_with("path") =>
            {
                let (ptr, len) = (
                    params.get(i).copied().unwrap_or(0) as u32 as usize,
                    params.get(i + 1).copied().unwrap_or(0) as u32 as usize,
                );
                let text = call
                    .memory()
                    .and_then(|m| m.get(ptr..ptr.checked_add(len)?))
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .unwrap_or_else(|| "?".into());
                parts.push(format!("{n}={text}"));
                i += 2;
                continue;
            }
            // Output pointers (WASI's `result.*`): shown as results, after the call.
            Some(n) if n.starts_with("result.") => {}
            Some(n) => parts.push(format!("{n}={}", values[i])),
            None => parts.push(values[i].clone()),
        }
        i += 1;
    }
    parts
}

/// The results of a call as the logging listener shows them: `name=value` where the
/// definition names the result (a result named `errno` symbolically, `errno=ESUCCESS`),
/// the bare value otherwise.
pub fn result_strings(def: &FunctionDefinition, results: &[u64]) -> Vec<String> {
    let values = format_values(def.result_types(), results);
    let names = def.result_names();
    values
        .iter()
        .enumerate()
        .map(|(i, v)| match names.get(i).and_then(|n| n.as_deref()) {
            Some("errno") => format!(
                "errno={}",
                errno_name(results.get(i).copied().unwrap_or(0) as u32)
            ),
            Some(n) => format!("{n}={v}"),
            None => v.clone(),
        })
        .collect()
}

/// The value of type `ty` a person typed for a host call's parameter or result (a
/// debugger's `return ENOSPC`, `set arg fd = 2`): a decimal or `0x` hexadecimal integer,
/// for an `i32` also a WASI errno name (`ENOSPC`); a float for `f32`/`f64`.
///
/// # Errors
/// Text that is none of these, a number out of the type's range, or a type that cannot
/// be typed (references, vectors).
///
/// ```
/// use wasmscope::{Value, ValueType};
/// use wasmscope_listeners::values::parse_value;
/// assert_eq!(parse_value(ValueType::I32, "ENOSPC"), Ok(Value::I32(51)));
/// assert_eq!(parse_value(ValueType::I32, "0xffffffff"), Ok(Value::I32(-1)));
/// assert!(parse_value(ValueType::I32, "4294967296").is_err());
/// ```
pub fn parse_value(ty: ValueType, text: &str) -> Result<wasmscope::Value, String> {
    use wasmscope::Value;
    let t = text.trim();
    let int = |t: &str| -> Option<i128> {
        match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
            Some(h) => i128::from_str_radix(h, 16).ok(),
            None => t.parse::<i128>().ok(),
        }
    };
    let bad = || format!("invalid value \"{t}\" for a {ty:?}");
    match ty {
        ValueType::I32 => {
            let n = match int(t) {
                Some(n) => n,
                None => i128::from(wasmscope::wasi::Errno::parse(t).ok_or_else(bad)?.0),
            };
            if n < i128::from(i32::MIN) || n > i128::from(u32::MAX) {
                return Err(bad());
            }
            Ok(Value::I32(n as u32 as i32))
        }
        ValueType::I64 => {
            let n = int(t).ok_or_else(bad)?;
            if n < i128::from(i64::MIN) || n > i128::from(u64::MAX) {
                return Err(bad());
            }
            Ok(Value::I64(n as u64 as i64))
        }
        ValueType::F32 => t.parse().map(Value::F32).map_err(|_| bad()),
        ValueType::F64 => t.parse().map(Value::F64).map_err(|_| bad()),
        _ => Err(format!("a {ty:?} cannot be typed in")),
    }
}

/// A WASI errno as people read it: `ENOSPC (51)`, `ESUCCESS (0)`.
pub fn errno_text(errno: u32) -> String {
    format!("{} ({errno})", errno_name(errno))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wazero() {
        assert_eq!(format_value(ValueType::I32, &[u32::MAX as u64]), "-1");
        assert_eq!(format_value(ValueType::I64, &[u64::MAX]), "-1");
        assert_eq!(
            format_value(ValueType::F32, &[f32::MAX.to_bits() as u64]),
            "3.4028235e+38"
        );
        assert_eq!(
            format_value(ValueType::F64, &[f64::MAX.to_bits()]),
            "1.7976931348623157e+308"
        );
        assert_eq!(format_value(ValueType::F64, &[1.5f64.to_bits()]), "1.5");
        assert_eq!(format_value(ValueType::F64, &[100.0f64.to_bits()]), "100");
        assert_eq!(format_value(ValueType::F64, &[0.001f64.to_bits()]), "0.001");
        assert_eq!(
            format_value(ValueType::F64, &[0.00001f64.to_bits()]),
            "1e-05"
        );
        assert_eq!(format_value(ValueType::ExternRef, &[0]), "0000000000000000");
        assert_eq!(
            format_value(ValueType::V128, &[0, 1]),
            "00000000000000000000000000000001"
        );
    }
}
