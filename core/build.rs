//! Chooses the interpreter's dispatch for its fast path (`src/interp/hot.rs`).
//!
//! With optimisation (opt-level 2 or 3: release builds, and this workspace's tests) on
//! x86-64 and AArch64 under Unix (Linux, macOS), each handler of the fast path ends in a call of the next one in
//! tail position, which LLVM turns into a jump (a sibling call): the dispatch is threaded,
//! one indirect jump per handler. Without optimisation LLVM does not make that call a jump,
//! and every instruction would take native stack, so those builds (and other targets, the
//! browser's among them) use a loop that calls one handler at a time instead:
//! `cfg(ws_tail_dispatch)` is set only for the first. `WASMSCOPE_LOOP_DISPATCH=1` at build
//! time forces the loop (to test it in an optimised build).

fn main() {
    println!("cargo:rustc-check-cfg=cfg(ws_tail_dispatch)");
    println!("cargo:rerun-if-env-changed=WASMSCOPE_LOOP_DISPATCH");
    let opt = std::env::var("OPT_LEVEL").unwrap_or_default();
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    // Unix calling conventions (Linux, macOS): every handler argument in a register, as the
    // tests have checked; not Windows, whose x64 convention passes them differently.
    let unix =
        std::env::var("CARGO_CFG_TARGET_FAMILY").is_ok_and(|f| f.split(',').any(|f| f == "unix"));
    let forced_loop = std::env::var_os("WASMSCOPE_LOOP_DISPATCH").is_some_and(|v| v == "1");
    if matches!(opt.as_str(), "2" | "3")
        && matches!(arch.as_str(), "x86_64" | "aarch64")
        && unix
        && !forced_loop
    {
        println!("cargo:rustc-cfg=ws_tail_dispatch");
    }
}
