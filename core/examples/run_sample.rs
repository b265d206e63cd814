//! Runs an exported function of a module and prints its results, e.g.
//!
//! ```text
//! cargo run --release -p wasmscope --example run_sample -- samples/bench/fib.wasm run 25
//! ```
//! Arguments are parsed as integers (i32/i64) or floats (f32/f64) by the function's
//! signature.

use wasmscope::{ModuleConfig, Runtime, ValueType};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!("usage: run_sample <module.wasm|.wat> <function> [args...]");
        std::process::exit(2);
    }
    if let Err(e) = run(&args[0], &args[1], &args[2..]) {
        eprintln!("{e}");
        std::process::exit(1);
    }
}

fn run(path: &str, func: &str, args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let bytes = std::fs::read(path)?;
    let bytes = if path.ends_with(".wat") {
        wat::parse_bytes(&bytes)?.into_owned()
    } else {
        bytes
    };
    let rt = Runtime::new();
    let module = rt.instantiate_with_config(&bytes, ModuleConfig::new().with_name("sample"))?;
    let f = module
        .exported_function(func)
        .ok_or_else(|| format!("{path} exports no function {func:?}"))?;
    let def = f.definition().clone();
    if def.param_types().len() != args.len() {
        return Err(format!(
            "{} takes {} arguments",
            def.debug_name(),
            def.param_types().len()
        )
        .into());
    }
    let mut params = Vec::new();
    for (ty, arg) in def.param_types().iter().zip(args) {
        params.push(match ty {
            ValueType::I32 => arg.parse::<i32>()? as u32 as u64,
            ValueType::I64 => arg.parse::<i64>()? as u64,
            ValueType::F32 => arg.parse::<f32>()?.to_bits() as u64,
            ValueType::F64 => arg.parse::<f64>()?.to_bits(),
            other => return Err(format!("cannot pass a {other} from the command line").into()),
        });
    }
    let start = std::time::Instant::now();
    let results = f.call(&params)?;
    let elapsed = start.elapsed();
    let shown: Vec<String> = def
        .result_types()
        .iter()
        .zip(&results)
        .map(|(ty, v)| match ty {
            ValueType::I32 => (*v as u32 as i32).to_string(),
            ValueType::I64 => (*v as i64).to_string(),
            ValueType::F32 => f32::from_bits(*v as u32).to_string(),
            ValueType::F64 => f64::from_bits(*v).to_string(),
            _ => format!("{v:#x}"),
        })
        .collect();
    println!(
        "{}({}) = {}   [{:.1} ms]",
        def.debug_name(),
        args.join(", "),
        shown.join(", "),
        elapsed.as_secs_f64() * 1e3
    );
    Ok(())
}
