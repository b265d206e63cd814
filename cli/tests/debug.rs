//! `wasmscope debug` driven through stdin, as a script or a person without a display
//! drives it: breakpoints (by line, function, condition, hit count, temporary), line
//! steps, `finish`, `bt`, `frame`, `print`, `info locals`/`args`, `display`, `watch`,
//! `dprintf`, traps and exits; gdb's output forms; bad commands say so and go on.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../samples")
}

/// Runs `wasmscope debug` on `module` (relative to samples/) with `commands` on stdin:
/// (exit code, stdout, stderr).
fn debug(module: &str, args: &[&str], commands: &str) -> (i32, String, String) {
    debug_with(&[], module, args, commands)
}

/// [`debug`] with `flags` before FILE.
fn debug_with(
    flags: &[&str],
    module: &str,
    args: &[&str],
    commands: &str,
) -> (i32, String, String) {
    let samples = samples();
    let substitute = format!("--substitute-path=/samples={}", samples.display());
    let mut all = vec![substitute.as_str()];
    all.extend_from_slice(flags);
    spawn_debug(&all, &samples.join(module), args, commands)
}

/// `wasmscope debug FLAGS FILE ARGS` with `commands` on stdin: (exit code, stdout,
/// stderr).
fn spawn_debug(
    flags: &[&str],
    file: &std::path::Path,
    args: &[&str],
    commands: &str,
) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wasmscope"))
        .arg("debug")
        .args(flags)
        .arg(file)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A debugger that could not start may have gone already: the commands then find
    // no reader, which its exit code and message tell.
    let _ = child.stdin.take().unwrap().write_all(commands.as_bytes());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn has(out: &str, line: &str) {
    assert!(
        out.lines().any(|l| l == line),
        "no line {line:?} in:\n{out}"
    );
}

#[test]
fn break_run_print_and_info_locals_at_a_rust_line() {
    let (code, out, err) = debug(
        "programs/vars.wasm",
        &[],
        "break vars/src/main.rs:130\nrun\nprint p\np rect.origin.x + p.y\nprint arr[1] * 2\n\
         info locals\nprint nosuch\nquit\n",
    );
    assert_eq!(code, 0, "{err}");
    has(
        &out,
        "Breakpoint 1 at 0x53df: file /samples/programs/vars/src/main.rs, line 130.",
    );
    has(
        &out,
        "Breakpoint 1, main () at /samples/programs/vars/src/main.rs:130",
    );
    has(&out, "130\t    println!(\"p = {:?}\", p);");
    has(&out, "$1 = Point { x: 3, y: -4 }");
    has(&out, "$2 = -3");
    has(&out, "$3 = 40");
    has(
        &out,
        "rect = Rect { origin: Point { x: 1, y: 2 }, size: Point { x: 10, y: 20 } }",
    );
    has(&out, "meters = Meters(7, 9)");
    has(&out, "slice = [20, 30]");
    assert_eq!(err, "no variable named nosuch in scope\n");
}

#[test]
fn next_step_finish_and_the_backtrace_of_an_inlined_frame() {
    let (code, out, err) = debug(
        "programs/vars.wasm",
        &[],
        "break describe\nrun\ninfo args\nnext\nnext\nbreak vars/src/main.rs:75\ncontinue\n\
         bt 3\ninfo args\nframe 1\ninfo locals\nfinish\nquit\n",
    );
    assert_eq!(code, 0, "{err}");
    // The function breakpoint stops after the prologue: the parameters are in place.
    has(
        &out,
        "Breakpoint 1, describe (shape=Circle { r: 2.5 }, color=Green, label=\"wasm\", \
         count=12345678901, values=[10, 20, 30, 40]) at /samples/programs/vars/src/main.rs:86",
    );
    has(&out, "label = \"wasm\"");
    has(&out, "count = 12345678901");
    has(&out, "87\t    let seen = !values.is_empty();");
    // weigh is inlined into describe: a frame of its own in the backtrace.
    let bt: Vec<&str> = out.lines().filter(|l| l.starts_with('#')).collect();
    assert!(
        bt[0].starts_with("#0  weigh (values=[10, 20, 30, 40], bias=-100) at "),
        "{bt:?}"
    );
    assert!(
        bt[1].starts_with("#1  describe (shape=Circle { r: 2.5 }"),
        "{bt:?}"
    );
    assert!(
        bt[2].starts_with("#2  main () at /samples/programs/vars/src/main.rs:184"),
        "{bt:?}"
    );
    has(&out, "(More stack frames follow...)");
    has(&out, "bias = -100");
    // finish: back in main, after the call.
    assert!(
        out.lines()
            .any(|l| l.starts_with("main () at /samples/programs/vars/src/main.rs:18")),
        "{out}"
    );
}

#[test]
fn conditions_hit_counts_temporary_breakpoints_and_dprintf() {
    let (code, out, err) = debug(
        "programs/divzero.wasm",
        &["a", "b", "c", "d"],
        "break divzero/src/main.rs:56 if i == 2\ntbreak run\n\
         dprintf divzero/src/main.rs:56,\"bucket %d has %u\\n\",i,*s\n\
         info breakpoints\nrun\nprint buckets\ncontinue\nprint i\nprint *s\n\
         condition 1\nignore 1 1\ncontinue\ncontinue\nquit\n",
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("Temporary breakpoint 2 at 0x")
                && l.ends_with(": file /samples/programs/divzero/src/main.rs, line 54.")),
        "{out}"
    );
    has(
        &out,
        "1       breakpoint     keep y   divzero/src/main.rs:56 (1 location)",
    );
    has(&out, "2       breakpoint     del  y   run (1 location)");
    has(&out, "\tstop only if i == 2");
    has(
        &out,
        "3       dprintf        keep y   divzero/src/main.rs:56 (1 location)",
    );
    has(&out, "Temporary breakpoint 2 deleted.");
    has(&out, "$1 = 4");
    // The logpoint printed every bucket it passed, the condition stopped at i == 2.
    has(&out, "bucket 0 has 250");
    has(&out, "bucket 1 has 250");
    has(&out, "$2 = 2");
    has(&out, "$3 = 250");
    has(&out, "Breakpoint 1 now unconditional.");
    has(&out, "Will ignore next 1 crossings of breakpoint 1.");
    // Unconditional now, the next crossing (i == 3, hit 2) ignored: the run ends, the
    // logpoint printing as it goes, in order with the program's own lines.
    has(&out, "[program exited normally]");
    let order: Vec<&str> = out.lines().filter(|l| l.starts_with("bucket ")).collect();
    assert_eq!(
        order,
        [
            "bucket 0 has 250",
            "bucket 0: 250",
            "bucket 1 has 250",
            "bucket 1: 250",
            "bucket 2 has 250",
            "bucket 2: 250",
            "bucket 3 has 250",
            "bucket 3: 250",
        ]
    );
    assert_eq!(err, "The program is not being run.\n", "{out}");
}

#[test]
fn a_trap_stops_at_its_line_and_the_frames_stay_readable() {
    let (code, out, err) = debug(
        "programs/divzero.wasm",
        &[],
        "run\nbt 2\nprint total\nprint parts\nquit\n",
    );
    assert_eq!(code, 0, "{err}");
    has(&out, "Program trapped: integer divide by zero.");
    assert!(
        out.lines().any(|l| l.starts_with(
            "raw_div (total=1000, parts=0) at /samples/programs/divzero/src/main.rs:28"
        )),
        "{out}"
    );
    has(&out, "28\t    total / parts");
    has(&out, "$1 = 1000");
    has(&out, "$2 = 0");
}

#[test]
fn a_watchpoint_stops_where_the_memory_changes_and_ends_with_its_frame() {
    let (code, out, err) = debug(
        "c/vars.wasm",
        &[],
        "break c/vars.c:54\nrun\nwatch total\ncontinue\ncontinue\nquit\n",
    );
    assert_eq!(code, 0, "{err}");
    has(&out, "Watchpoint 2: total");
    has(&out, "New value = 4000000000003");
    has(&out, "55\t    char initial = label[0];");
    has(
        &out,
        "Watchpoint 2 deleted because the program has left the block in",
    );
    has(&out, "main () at /samples/c/vars.c:113");
}

#[test]
fn display_and_c_values() {
    let (code, out, err) = debug(
        "c/vars.wasm",
        &[],
        "display big\nbreak scaled_area\nrun\np *r\np r->size.x * scale\np (char)65\n\
         p &r->size - &r->origin\nnext\nquit\n",
    );
    assert_eq!(code, 0, "{err}");
    has(
        &out,
        "$1 = Rect { origin: Point { x: 1, y: 2 }, size: Point { x: 10, y: 20 } }",
    );
    has(&out, "$2 = 20");
    has(&out, "$3 = 65 'A'");
    has(&out, "$4 = 1");
    has(&out, "1: big = 4000000000");
}

#[test]
fn bad_commands_and_states_are_messages_and_the_session_goes_on() {
    let (code, out, err) = debug(
        "programs/vars.wasm",
        &[],
        "next\nfrobnicate\nbreak nosuchfn\nbreak main.rs:x\nbreak vars/src/main.rs:130 if p.x ==\n\
         print 1 + 2 * 3\nprint (1\nframe 3\ninfo bogus\nrun\nframe 99\ncontinue\nquit\n",
    );
    assert_eq!(code, 0, "{err}");
    let errors: Vec<&str> = err.lines().collect();
    assert_eq!(
        errors,
        [
            "The program is not being run.",
            "Undefined command: \"frobnicate\".  Try \"help\".",
            "no function named nosuchfn",
            "bad line number \"x\"",
            "bad condition: expected a value at the end",
            "expected `)` at the end",
            "No stack.",
            "Undefined info command: \"bogus\".  Try \"help\".",
            // The run ended (no breakpoint was set): no frames, nothing to continue.
            "No stack.",
            "The program is not being run.",
        ],
        "{out}"
    );
    has(&out, "$1 = 7");
    has(&out, "[program exited normally]");
}

/// samples/variables.toml through `wasmscope debug`: at each listed line, `print` of each
/// listed expression shows the value the program prints there.
#[test]
fn every_value_of_samples_variables_toml_prints_as_the_program_prints_it() {
    let text = std::fs::read_to_string(samples().join("variables.toml")).unwrap();
    let doc: toml::Table = text.parse().unwrap();
    let mut checked = 0;
    for stop in doc["stop"].as_array().unwrap() {
        let stop = stop.as_table().unwrap();
        let module = stop["module"].as_str().unwrap();
        let args: Vec<&str> = stop["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        let file = stop["file"].as_str().unwrap();
        let line = stop["line"].as_integer().unwrap();
        let values: Vec<(&String, &str)> = stop["values"]
            .as_table()
            .unwrap()
            .iter()
            .map(|(k, v)| (k, v.as_str().unwrap()))
            .collect();
        let mut commands = format!("break {file}:{line}\nrun\n");
        for (expr, _) in &values {
            commands.push_str(&format!("print {expr}\n"));
        }
        commands.push_str("quit\n");
        let (code, out, err) = debug(module, &args, &commands);
        assert_eq!(code, 0, "{err}");
        assert_eq!(err, "", "{module}:{line}");
        for (n, (expr, want)) in values.iter().enumerate() {
            let line_want = format!("${} = {want}", n + 1);
            assert!(
                out.lines().any(|l| l == line_want),
                "{module} {file}:{line}: print {expr}: want {line_want:?} in\n{out}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 80, "{checked}");
}

/// `stack` on a Learn sample (no DWARF, `--invoke`): the spec's machine at each stop.
#[test]
fn the_stack_command_shows_the_abstract_machine() {
    let (code, stdout, stderr) = debug_with(
        &["--invoke", "sum"],
        "wat/learn/loop.wat",
        &["3"],
        "break sum\nrun\nstack\nnexti\nnexti\nnexti\nnexti\nnexti\nstack\nquit\n",
    );
    assert_eq!((code, stderr.as_str()), (0, ""));
    for line in [
        "0x5  i32.const 1",
        "  pushes the constant 1 (i32)",
        "  label 0  function  [i32] -> [i32]",
        "  (empty)",
        "after: 1 entry (pushes [i32])",
        // Five instructions on: i32.add in the loop, with total (0) and i (1) on the
        // operand stack, both popped.
        "0xf  i32.add",
        "  pops c2, then c1 (both i32); pushes c1 + c2",
        "  label 1  function  [i32] -> [i32]",
        "  label 0  loop      [] -> []",
        "  i32 0  <- popped",
        "  i32 1  <- popped",
        "after: 1 entry (pushes [i32])",
    ] {
        has(&stdout, line);
    }
}

/// A breakpoint still stops the run while a watchpoint makes it go instruction by
/// instruction.
#[test]
fn breakpoints_stop_while_a_watch_is_set() {
    let (code, out, err) = debug(
        "c/vars.wasm",
        &[],
        "break c/vars.c:54\nrun\nwatch total\nbreak c/vars.c:57\ncontinue\ncontinue\nquit\n",
    );
    assert_eq!(code, 0, "{err}");
    has(&out, "Watchpoint 2: total");
    has(&out, "New value = 4000000000003");
    assert!(
        out.lines()
            .any(|l| l.starts_with("Breakpoint 3, describe (")),
        "{out}"
    );
}

/// `step` over a line that calls only the standard library (println!) goes to the next
/// line of the program, as the workbench's Step into does.
#[test]
fn step_steps_over_the_standard_library() {
    let (code, out, err) = debug(
        "programs/divzero.wasm",
        &[],
        "break divzero/src/main.rs:63\nrun\nstep\nstep\nquit\n",
    );
    assert_eq!(code, 0, "{err}");
    has(&out, "64\t    let sum = run(buckets);");
    has(&out, "54\t    let shares = distribute(1000, buckets);");
    assert!(!out.contains("/rustc/"), "{out}");
}

#[test]
fn catch_syscall_stops_before_and_after_a_wasi_call_with_its_arguments_decoded() {
    let (code, out, err) = debug(
        "programs/hello.wasm",
        &[],
        "catch syscall fd_write\nrun\ncontinue\ncontinue\n",
    );
    assert_eq!(code, 0, "{err}");
    has(&out, "Catchpoint 1 (syscall \"fd_write\")");
    let call = out
        .lines()
        .find(|l| l.starts_with("Catchpoint 1 (call to syscall fd_write), "))
        .unwrap_or_else(|| panic!("no stop before the call in:\n{out}"));
    assert!(
        call.contains("wasi_snapshot_preview1.fd_write(fd=1 (stdout), iovs=[{buf=0x")
            && call.contains("len=18 \"hello, wasmscope!\\n\" 68 65 6c 6c 6f")
            && call.contains("iovs_len=1, result.nwritten=0x"),
        "{call}"
    );
    has(
        &out,
        "Catchpoint 1 (returned from syscall fd_write), errno=ESUCCESS (0), result.nwritten=18",
    );
    // The call ran between the two stops: the program's line comes before the second.
    let printed = out
        .find("hello, wasmscope!\n")
        .expect("the program's output");
    assert!(printed > out.find(call).unwrap());
    assert!(printed < out.find("(returned from syscall").unwrap());
}

#[test]
fn return_at_a_catchpoint_skips_the_call_or_changes_its_result() {
    // Before the call: it does not run; the program sees ENOSPC (Rust's println panics).
    let (code, out, err) = debug(
        "programs/hello.wasm",
        &[],
        "catch syscall fd_write\nrun\nreturn ENOSPC\ndelete\ncontinue\n",
    );
    has(&out, "fd_write will not run: it returns ENOSPC (51).");
    assert!(!out.lines().any(|l| l == "hello, wasmscope!"), "{out}");
    assert!(err.contains("failed printing to stdout"), "{err}");
    assert!(err.contains("os error 51"), "{err}");
    // (A Rust panic aborts: a trap in Wasm.)
    has(&out, "Program trapped: unreachable.");
    assert_eq!(code, 0);

    // After it: the text was written, but the program is told it failed.
    let (_, out, err) = debug(
        "programs/hello.wasm",
        &[],
        "catch syscall fd_write\nrun\ncontinue\nreturn 29\ndelete\ncontinue\n",
    );
    has(&out, "fd_write now returns EIO (29).");
    assert!(out.contains("hello, wasmscope!\n"), "{out}");
    assert!(err.contains("os error 29"), "{err}");
    has(&out, "Program trapped: unreachable.");
}

#[test]
fn set_arg_changes_a_caught_calls_argument() {
    let (_, out, err) = debug(
        "programs/hello.wasm",
        &[],
        "catch syscall fd_write\nrun\nset arg fd = 2\ndelete\ncontinue\n",
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("Catchpoint 1 (call to syscall fd_write), wasi_snapshot_preview1.fd_write(fd=2 (stderr)")),
        "the call shown again with its new argument:\n{out}"
    );
    assert!(!out.lines().any(|l| l == "hello, wasmscope!"), "{out}");
    assert!(err.contains("hello, wasmscope!\n"), "to stderr: {err}");
    has(&out, "[program exited normally]");
}

#[test]
fn catchpoints_by_class_are_listed_disabled_deleted_and_bad_ones_refused() {
    let (code, out, err) = debug(
        "programs/hello.wasm",
        &[],
        "return 0\nset arg fd = 1\n\
         catch syscall group:clocks random\ncatch syscall files\ninfo breakpoints\n\
         disable 2\nrun\nenable 2\nrun\ndelete 2\ninfo breakpoints\n\
         catch syscall nosuch\ncatch signal\nset var x = 1\n",
    );
    assert_eq!(code, 0, "{err}");
    has(&out, "Catchpoint 1 (syscall \"group:clocks random\")");
    has(&out, "Catchpoint 2 (syscall \"files\")");
    has(
        &out,
        "1       catchpoint     keep y   syscall \"group:clocks random\"",
    );
    has(&out, "2       catchpoint     keep y   syscall \"files\"");
    // Disabled: the first run goes through (hello calls no clock or random function).
    assert!(out.contains("[program exited normally]"), "{out}");
    // Enabled again: the next run stops at fd_write, one of the file functions.
    assert!(
        out.contains("Catchpoint 2 (call to syscall fd_write)"),
        "{out}"
    );
    assert_eq!(
        out.matches("2       catchpoint").count(),
        1,
        "deleted, not listed again: {out}"
    );
    assert_eq!(out.matches("1       catchpoint").count(), 2, "{out}");
    assert!(err.contains("Unknown syscall name 'nosuch'"), "{err}");
    assert!(
        err.contains("Catching \"signal\" is not supported"),
        "{err}"
    );
    assert!(err.contains("\"return\" works at a catchpoint"), "{err}");
    assert!(err.contains("\"set arg\" works at a catchpoint"), "{err}");
    assert!(err.contains("Only \"set arg NAME = VALUE\""), "{err}");
}

#[test]
fn location_watchpoints_stop_where_the_stepping_watch_does_and_reads_stop_too() {
    // The runtime's watchpoint and the one that steps every instruction agree.
    let (_, stepped, _) = debug(
        "c/vars.wasm",
        &[],
        "break c/vars.c:54\nrun\nwatch total\ncontinue\nquit\n",
    );
    let (code, out, err) = debug(
        "c/vars.wasm",
        &[],
        "break c/vars.c:54\nrun\nwatch -l total\nrwatch total\ninfo watchpoints\n\
         continue\ncontinue\ndelete 3\ncontinue\nquit\n",
    );
    assert_eq!(code, 0, "{err}");
    has(&out, "Hardware watchpoint 2: -location total");
    has(&out, "Hardware read watchpoint 3: -location total");
    has(&out, "2       hw watchpoint  keep y   -location total");
    has(&out, "3       read watchpoint keep y   -location total");
    for line in [
        "Old value = 304014965150852",
        "New value = 4000000000003",
        "55\t    char initial = label[0];",
    ] {
        has(&stepped, line);
        has(&out, line);
    }
    // The read: the load of total for printf's argument.
    has(&out, "Value = 4000000000003");
    has(&out, "61\t    printf(\"total = %lld\\n\", total);");
    // Read watchpoint 3 deleted: the next stop is the change of the location (stack
    // memory used again by a later call), not total's load on line 63.
    assert!(!out.contains("63\t    return total;"), "{out}");
}

#[test]
fn a_location_watchpoint_is_set_again_by_run_and_can_be_disabled() {
    let (code, out, err) = debug(
        "c/vars.wasm",
        &[],
        "break c/vars.c:54\nrun\nwatch -l total\ndelete 1\nrun\ncontinue\n\
         disable 2\nrun\nquit\n",
    );
    assert_eq!(code, 0, "{err}");
    // The second run stops at the change, though its breakpoint is gone.
    assert_eq!(
        out.matches("Hardware watchpoint 2: -location total\n\nOld value")
            .count(),
        2,
        "{out}"
    );
    // Disabled: the third run goes to the end.
    assert!(
        out.trim_end().ends_with("[program exited normally]"),
        "{out}"
    );
    assert!(err.is_empty(), "{err}");
}

#[test]
fn reverse_commands_replay_the_recorded_run() {
    let (code, out, err) = debug(
        "c/vars.wasm",
        &[],
        "record\nbreak c/vars.c:54\nrun\nnext\nnext\nnext\ninfo record\n\
         reverse-next\nreverse-next\ninfo record\nprint total\nnext\nnext\n\
         info record\nnext\nreverse-stepi\nreverse-finish\nreverse-continue\n\
         continue\ncontinue\ncontinue\nquit\n",
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.is_empty(), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    let at = |needle: &str, from: usize| -> usize {
        from + lines[from..]
            .iter()
            .position(|l| *l == needle)
            .unwrap_or_else(|| panic!("no {needle:?} after line {from} in:\n{out}"))
    };
    // Forward to 57, back to 56 and 55 (the past: a replay), the values as they were.
    let mut i = at("57\t    printf(\"p.y = %d\\n\", p.y);", 0);
    i = at(
        "56\t    printf(\"p = Point { x: %d, y: %d }\\n\", p.x, p.y);",
        i,
    );
    i = at("55\t    char initial = label[0];", i);
    assert!(lines[i + 1..]
        .iter()
        .any(|l| l.starts_with("Replay mode: at instruction")));
    i = at("$1 = 4000000000003", i);
    // Forward again: the replay ends at the present, and the program then runs on.
    i = at("No more reverse-execution history.", i);
    i = at("57\t    printf(\"p.y = %d\\n\", p.y);", i);
    assert!(
        lines[i..].iter().any(|l| l.starts_with("Record mode: ")),
        "{out}"
    );
    i = at("58\t    printf(\"c = %s\\n\", color_names[c]);", i);
    // reverse-stepi: the end of 58's instructions... then out to the call in main.
    i = at("main () at /samples/c/vars.c:113", i);
    // No breakpoint before the call: back to the start of the history.
    i = at("No more reverse-execution history.", i + 1);
    // Forward in the past: the breakpoint, then the present.
    i = at("Breakpoint 1, describe (p=Point { x: 3, y: -4 }, c=GREEN, label=0x41d \"hello\", count=4000000000) at /samples/c/vars.c:54", i);
    at("No more reverse-execution history.", i);
    // The program's output once, from the live run (a replay writes nothing).
    assert_eq!(out.matches("p.y = -4").count(), 1, "{out}");
    assert!(out.contains("[program exited normally]"), "{out}");
}

#[test]
fn reverse_commands_need_a_recorded_run() {
    let (code, out, err) = debug(
        "c/vars.wasm",
        &[],
        "reverse-stepi\nbreak c/vars.c:54\nrun\nreverse-stepi\ninfo record\nrecord\n\
         record\nrecord stop\nrecord nonsense\nquit\n",
    );
    assert_eq!(code, 0);
    assert!(err.contains("The program is not being run."), "{err}");
    assert!(
        err.contains("this run is not recorded: turn on time travel and run again"),
        "{err}"
    );
    has(&out, "No recording is currently active.");
    has(
        &out,
        "Recording starts with the next run (run again to record this one).",
    );
    assert!(
        err.contains("The process is already being recorded."),
        "{err}"
    );
    has(
        &out,
        "Process record is stopped: the next runs are not recorded.",
    );
    assert!(
        err.contains("Undefined record command: \"nonsense\"."),
        "{err}"
    );
}

#[test]
fn reverse_continue_finds_the_last_hit_with_conditions_and_logs_nothing() {
    let (code, out, err) = debug(
        "programs/divzero.wasm",
        &["a", "b", "c", "d"],
        "record\nbreak divzero/src/main.rs:56\ndprintf divzero/src/main.rs:56,\"bucket %d\\n\",i\n\
         run\ncontinue\ncontinue\ncontinue\nprint i\nreverse-continue\nprint i\n\
         reverse-continue\nprint i\ncondition 1 i == 0\nreverse-continue\nprint i\n\
         reverse-continue\nquit\n",
    );
    assert_eq!(code, 0, "{err}");
    for (n, value) in [(1, 3), (2, 2), (3, 1), (4, 0)] {
        has(&out, &format!("${n} = {value}"));
    }
    assert_eq!(
        out.matches("Breakpoint 1, run (buckets=<optimised out>) at /samples/programs/divzero/src/main.rs:56")
            .count(),
        4 + 3,
        "four stops forward, three found backward: {out}"
    );
    // The logpoint printed only in the live run.
    for i in 0..4 {
        assert_eq!(out.matches(&format!("bucket {i}\n")).count(), 1, "{out}");
    }
    // Nothing before i == 0's hit: the start of the history.
    has(&out, "No more reverse-execution history.");
}

#[test]
fn last_writer_finds_the_write_and_record_goto_shows_that_moment() {
    let (code, out, err) = debug(
        "c/vars.wasm",
        &[],
        "record\nbreak c/vars.c:56\nrun\nlast-writer total\nlast-writer 0x100000 4\n\
         print total\nrecord goto begin\nprint 1\nrecord goto end\ninfo record\nquit\n",
    );
    assert_eq!(code, 0, "{err}");
    let line = out
        .lines()
        .find(|l| l.starts_with("Last written before instruction "))
        .unwrap_or_else(|| panic!("{out}"));
    // The store of line 54 (`long long total = ...`), which the stepping watchpoint also
    // reports (a_watchpoint_stops_where_the_memory_changes_and_ends_with_its_frame).
    assert!(
        line.ends_with(
            "by describe at /samples/c/vars.c:54 (0x9e): 0x8414010080140100 -> 0x03409452a3030000"
        ),
        "{line}"
    );
    has(
        &out,
        "0x100000 (4 bytes) has not been written since the start: it holds what instantiation put there.",
    );
    has(&out, "Instruction 1.");
    // Back at the end: the live call again.
    has(&out, "Record mode: 87314 instructions recorded.");

    // At that moment: the value just written, and the position right after the write.
    let n: u64 = line
        .strip_prefix("Last written before instruction ")
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    let (_, out, err) = debug(
        "c/vars.wasm",
        &[],
        &format!(
            "record\nbreak c/vars.c:56\nrun\nrecord goto {n}\nprint total\ninfo record\n\
             reverse-stepi\nprint total\nquit\n"
        ),
    );
    assert!(err.is_empty(), "{err}");
    has(&out, "$1 = 4000000000003");
    has(&out, &format!("Replay mode: at instruction {n} of 87314."));
    // One instruction earlier: the store has not run.
    has(&out, "$2 = 304014965150852");
}

#[test]
fn a_location_watchpoints_condition_is_tested_where_it_stops() {
    // Holds at the first change (in describe): it stops there.
    let (_, out, err) = debug(
        "c/vars.wasm",
        &[],
        "break c/vars.c:54\nrun\nwatch -l total if total > 5\ninfo watchpoints\ncontinue\nquit\n",
    );
    assert!(err.is_empty(), "{err}");
    has(&out, "\tstop only if total > 5");
    has(&out, "New value = 4000000000003");
    has(&out, "55\t    char initial = label[0];");
    // Fails there: the run goes on to the next change (the stack slot used again by
    // vfprintf), where `total` is not in scope: an error in the condition stops, as in
    // gdb.
    let (_, out, err) = debug(
        "c/vars.wasm",
        &[],
        "break c/vars.c:54\nrun\nwatch -l total if total < 5\ncontinue\nquit\n",
    );
    assert!(!out.contains("New value = 4000000000003"), "{out}");
    assert!(
        err.contains(
            "Error in testing condition for watchpoint 2: no variable named total in scope"
        ),
        "{err}"
    );
    assert!(out.contains("vfprintf (f="), "{out}");
}

#[test]
fn the_past_then_the_present_keeps_what_was_set_there() {
    // Back one instruction (mid-line), then `next`: the replay stops at the present
    // (it never runs past it), and a breakpoint set in the past stops the live run.
    let (code, out, err) = debug(
        "c/vars.wasm",
        &[],
        "record\nbreak c/vars.c:54\nrun\nnext\nreverse-stepi\nnext\nreverse-stepi\n\
         break c/vars.c:57\ninfo record\ncontinue\ncontinue\ncontinue\nquit\n",
    );
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("another way"), "{err}");
    has(&out, "No more reverse-execution history.");
    // Set while the past is shown.
    let set = out
        .find("Breakpoint 2 at 0xe6: file /samples/c/vars.c, line 57.")
        .expect("breakpoint 2 set");
    assert!(out[set..].contains("Replay mode: at instruction"), "{out}");
    // The live run stops at the breakpoint set while the past was shown.
    assert!(
        out.contains("Breakpoint 2, describe (p=Point { x: 3, y: -4 }"),
        "{out}"
    );
    assert!(out.contains("[program exited normally]"), "{out}");
}

#[test]
fn a_global_watchpoint_by_name_or_index_stops_at_each_change() {
    let (code, out, err) = debug(
        "programs/divzero.wasm",
        &["a", "b"],
        "break divzero/src/main.rs:56\nrun\nwatch global __stack_pointer\n\
         info watchpoints\ncontinue\ncontinue\nwatch global 99\nwatch global nothing\n\
         delete 1 2\nwatch global 0 if 0\ncontinue\nquit\n",
    );
    assert_eq!(code, 0, "{err}");
    has(&out, "Hardware watchpoint 2: global 0 ($__stack_pointer)");
    has(
        &out,
        "2       hw watchpoint  keep y   global 0 ($__stack_pointer)",
    );
    // Each stop names it, with the stack pointer before and after (a frame pushed: 16
    // bytes lower or more).
    let olds: Vec<i64> = out
        .lines()
        .filter_map(|l| l.strip_prefix("Old value = "))
        .map(|v| v.parse().unwrap())
        .collect();
    let news: Vec<i64> = out
        .lines()
        .filter_map(|l| l.strip_prefix("New value = "))
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(olds.len(), 2, "{out}");
    assert_eq!(news.len(), 2, "{out}");
    assert_eq!(
        news[0], olds[1],
        "the second change starts where the first ended"
    );
    assert!(news[0] < olds[0], "{out}");
    // Bad globals are messages.
    has(
        &err,
        "No global \"99\": give its index (0 to 1) or its name",
    );
    has(
        &err,
        "No global \"nothing\": give its index (0 to 1) or its name",
    );
    // A condition that never holds: the program runs to its end.
    has(&out, "Hardware watchpoint 3: global 0 ($__stack_pointer)");
    has(&out, "[program exited normally]");
}

#[test]
fn reverse_continue_goes_back_to_a_watchpoints_last_hit() {
    let (code, out, err) = debug(
        "programs/divzero.wasm",
        &["a", "b"],
        "record\nbreak divzero/src/main.rs:56\nrun\ndelete 1\nwatch global 0\ncontinue\n\
         info record\ncontinue\nreverse-continue\ninfo record\nquit\n",
    );
    assert_eq!(code, 0, "{err}");
    // The first hit's count, then back there from the second.
    let counts: Vec<&str> = out
        .lines()
        .filter_map(|l| {
            l.strip_prefix("Record mode: ")
                .or_else(|| l.strip_prefix("Replay mode: at instruction "))
        })
        .collect();
    assert_eq!(counts.len(), 2, "{out}");
    let first = counts[0].split(' ').next().unwrap();
    assert!(counts[1].starts_with(&format!("{first} of ")), "{counts:?}");
    assert!(!out.contains("Breakpoint 0,"), "{out}");
}

#[test]
fn a_session_that_cannot_start_is_an_error_at_once_as_in_run() {
    // No `_start`: the exports and the flag to run one, exit 1, the commands not read.
    let (code, out, err) = debug("wat/add.wat", &[], "run\n");
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("no _start function to run; exported functions: add"),
        "{err}"
    );
    assert!(!out.contains("Starting program"), "{out}");
    // `--invoke` with too few arguments: run's words, with the types.
    let (code, _, err) = debug_with(&["--invoke", "add"], "wat/add.wat", &["1"], "run\n");
    assert_eq!(code, 1);
    assert!(
        err.contains("--invoke add: the function takes 2 arguments (i32, i32), 1 given"),
        "{err}"
    );
    // An export that is not there: what is.
    let (code, _, err) = debug_with(&["--invoke", "sub"], "wat/add.wat", &[], "run\n");
    assert_eq!(code, 1);
    assert!(
        err.contains("no exported function \"sub\"; exported functions: add"),
        "{err}"
    );
    // And a good one still runs.
    let (code, out, _) = debug_with(&["--invoke", "add"], "wat/add.wat", &["1", "2"], "run\n");
    assert_eq!(code, 0);
    assert!(out.contains("Starting program"), "{out}");
    // Its result is said when it returns.
    has(&out, "[add returned 3]");
}

/// `wasmscope debug FILE` with `commands` on stdin and no flags: (stdout, stderr).
fn debug_plain(file: &std::path::Path, commands: &str) -> (String, String) {
    let (_, out, err) = spawn_debug(&[], file, &[], commands);
    (out, err)
}

#[test]
fn sources_are_found_beside_the_program_and_a_missing_one_is_said_once() {
    // The DWARF says /samples/programs/hello/src/main.rs; the file is found by its
    // trailing components beside the program, without --substitute-path.
    let hello = samples().join("programs/hello.wasm");
    let (out, err) = debug_plain(&hello, "break main.rs:4\nrun\nnext\n");
    assert!(out.contains("println!"), "{out}{err}");
    assert!(!err.contains("not found"), "{err}");
    // A copy elsewhere has no sources near it: said once, with the flag.
    let dir = std::env::temp_dir().join(format!("wasmscope-debug-src-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let copy = dir.join("hello.wasm");
    std::fs::copy(&hello, &copy).unwrap();
    let (out, err) = debug_plain(&copy, "break main.rs:4\nrun\nnext\nlist\n");
    assert_eq!(err.matches("not found").count(), 1, "{err}");
    assert!(err.contains("--substitute-path FROM=TO"), "{err}");
    assert!(
        out.contains("in /samples/programs/hello/src/main.rs"),
        "{out}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn break_main_stops_at_mains_first_statement_in_c_and_rust() {
    // C: the name section calls it `__original_main`, the DWARF `main`.
    let (_, out, err) = debug("c/vars.wasm", &[], "break main\nrun\n");
    assert!(!err.contains("no function named"), "{err}");
    assert!(
        out.contains("Breakpoint 1, main () at /samples/c/vars.c:68"),
        "{out}{err}"
    );
    has(&out, "68\t    int small = -42;");
    // Rust: at the line table's prologue end (line 4), before the line has run.
    let (_, out, err) = debug("programs/hello.wasm", &[], "break main\nrun\n");
    assert!(
        out.contains("Breakpoint 1, main () at /samples/programs/hello/src/main.rs:4"),
        "{out}{err}"
    );
    has(&out, "4\t    println!(\"hello, wasmscope!\");");
    assert!(!out.contains("hello, wasmscope!\n"), "{out}");
}

#[test]
fn a_module_without_dwarf_shows_its_wasm_locals_by_name() {
    let (code, out, err) = debug_with(
        &["--invoke", "sum"],
        "wat/learn/loop.wat",
        &["3"],
        "break sum\nrun\nnexti\nnexti\ninfo args\ninfo locals\nprint $n\nprint i\nbt\nstack\ncontinue\n",
    );
    assert_eq!((code, err.as_str()), (0, ""), "{out}");
    for line in [
        // Parameters in the frame line, the name section's names.
        "Breakpoint 1, sum (n=3) at code offset 0x5",
        "n = 3",
        "i = 1",
        "total = 0",
        "$1 = 3",
        "$2 = 1",
        "  local 0 $n: i32 3  (parameter)",
        "  local 2 $total: i32 0",
        "[sum returned 6]",
    ] {
        has(&out, line);
    }
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_the_running_program_and_the_session_goes_on() {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_wasmscope"))
        .arg("debug")
        .arg(format!(
            "--substitute-path=/samples={}",
            samples().display()
        ))
        .arg(samples().join("programs/longloop.wasm"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let (lines, seen) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let wait_for = |want: &str| -> Vec<String> {
        let mut got = Vec::new();
        while let Ok(line) = seen.recv_timeout(std::time::Duration::from_secs(60)) {
            let done = line.contains(want);
            got.push(line);
            if done {
                return got;
            }
        }
        panic!("no {want:?} in {got:#?}");
    };
    stdin.write_all(b"run\n").unwrap();
    stdin.flush().unwrap();
    // The loop has begun: the program printed its first line.
    wait_for("looping 10000000000 times");
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let stop = wait_for("Program received signal SIGINT, Interrupt.");
    assert!(!stop.iter().any(|l| l.contains("exited")), "{stop:#?}");
    // Paused in the program: its frames, and the session goes on.
    stdin.write_all(b"bt\nquit\n").unwrap();
    drop(stdin);
    let rest = wait_for(" main (");
    assert!(rest.last().unwrap().starts_with('#'), "{rest:#?}");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}
