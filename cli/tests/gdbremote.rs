//! `wasmscope run -g` at the packet level, as a raw client speaks it: the handshake,
//! LLDB's Wasm queries, memory in both address spaces, breakpoints, steps, an interrupt,
//! kill, detach, a dropped connection, a second client, and malformed or hostile input
//! (which gets errors, never a crash or a changed program).

#[path = "common/gdb_server.rs"]
mod gdb_server;

use gdb_server::{checksum, samples, Raw, Server};

const CODE: u64 = 1 << 62;

fn le_u64(hex: &str) -> u64 {
    let bytes: Vec<u8> = (0..16)
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    u64::from_le_bytes(bytes.try_into().unwrap())
}

/// The code address of the stop reply's pc (register 00).
fn pc_of(stop: &str) -> u64 {
    let field = stop
        .split(';')
        .find_map(|f| f.strip_prefix("00:"))
        .unwrap_or_else(|| panic!("no pc in {stop}"));
    le_u64(field)
}

fn handshake(c: &mut Raw) {
    let supported = c.ask("qSupported:xmlRegisters=i386;multiprocess+;swbreak+");
    assert!(supported.contains("qXfer:libraries:read+"), "{supported}");
    assert_eq!(c.ask("QStartNoAckMode"), "OK");
    c.acks();
}

#[test]
fn handshake_module_memory_and_frames() {
    let server = Server::start("programs/hello.wasm", &[]);
    let mut c = Raw::connect(server.port);
    handshake(&mut c);
    let host = c.ask("qHostInfo");
    let triple: String = host
        .split(';')
        .find_map(|f| f.strip_prefix("triple:"))
        .unwrap()
        .to_string();
    let triple: Vec<u8> = (0..triple.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&triple[i..i + 2], 16).unwrap())
        .collect();
    assert!(String::from_utf8(triple).unwrap().starts_with("wasm32"));
    assert_eq!(c.ask("qfThreadInfo"), "m1");
    assert_eq!(c.ask("qsThreadInfo"), "l");
    let stop = c.ask("?");
    assert!(stop.starts_with("T05"), "{stop}");
    let pc = pc_of(&stop);
    assert_eq!(pc >> 62, 1, "a code address: {pc:x}");
    // The library list names the module at code address 0.
    let libs = c.ask("qXfer:libraries:read::0,1000");
    assert!(
        libs.starts_with('l') && libs.contains("hello.wasm") && libs.contains("0x4000000000000000"),
        "{libs}"
    );
    // The module's bytes in the code space: the magic number.
    assert_eq!(c.ask(&format!("m{CODE:x},8")), "0061736d01000000");
    let wasm = std::fs::read(samples().join("programs/hello.wasm")).unwrap();
    // The byte at the pc is an instruction of the module.
    let at = (pc & 0xffff_ffff) as usize;
    assert_eq!(c.ask(&format!("m{pc:x},1")), format!("{:02x}", wasm[at]));
    // The call stack's first frame is the pc.
    let stack = c.ask("qWasmCallStack:1");
    assert_eq!(le_u64(&stack[..16]), pc);
    // Linear memory: readable at 0, not past its end.
    assert_eq!(c.ask("m0,4").len(), 8);
    assert_eq!(c.ask("mffff0000,4"), "E08");
    // Step one instruction: the pc moves.
    let stop = c.ask("s");
    assert!(stop.contains("reason:trace"), "{stop}");
    assert_ne!(pc_of(&stop), pc);
    let p1 = pc_of(&c.ask("s"));
    let p2 = pc_of(&c.ask("s"));
    assert_ne!(p1, p2);
    // Locals of frame 0 (_start's one i32, still 0) are readable; an index past them
    // is an error.
    assert_eq!(c.ask("qWasmLocal:0;0"), "00000000");
    assert_eq!(c.ask("qWasmLocal:0;1"), "E04");
    assert_eq!(c.ask("qWasmLocal:0;9999"), "E04");
    assert_eq!(c.ask("qWasmLocal:99;0"), "E04");
    assert_eq!(
        c.ask("qWasmGlobal:0;0").len(),
        8,
        "__stack_pointer is an i32"
    );
    assert_eq!(c.ask("qWasmGlobal:0;instance:0;").len(), 8);
    assert_eq!(c.ask("qWasmGlobal:0;instance:5;"), "E04");
    // Continue to the end: the exit reply, and the process exits 0 with the output.
    let end = c.ask("c");
    assert_eq!(end, "W00");
    let (code, out) = server.finish();
    assert_eq!(code, 0);
    assert!(out.contains("hello, wasmscope!"), "{out}");
}

#[test]
fn breakpoints_and_continue() {
    let server = Server::start("programs/hello.wasm", &[]);
    let mut c = Raw::connect(server.port);
    handshake(&mut c);
    // Step a few instructions to learn an address that runs later... use the stack:
    // the caller's return address of a deeper frame is reached again on return.
    let start = pc_of(&c.ask("?"));
    let mut pcs = Vec::new();
    let mut depth_seen = 0;
    for _ in 0..400 {
        let stop = c.ask("s");
        pcs.push(pc_of(&stop));
        let stack = c.ask("qWasmCallStack:1");
        if stack.len() / 16 >= 2 {
            depth_seen = stack.len() / 16;
            // The caller's return address: a breakpoint there stops when it returns.
            let ret = le_u64(&stack[16..32]);
            assert_eq!(c.ask(&format!("Z0,{ret:x},1")), "OK");
            let stop = c.ask("c");
            assert!(stop.contains("reason:breakpoint"), "{stop}");
            assert_eq!(pc_of(&stop), ret);
            assert_eq!(c.ask(&format!("z0,{ret:x},1")), "OK");
            break;
        }
    }
    assert!(
        depth_seen >= 2,
        "no call within 400 instructions of {start:x}"
    );
    // Breakpoints outside the code space or the module are refused.
    assert_eq!(c.ask("Z0,10,1"), "E06");
    assert_eq!(c.ask(&format!("Z0,{:x},1", CODE | 0xffff_fff0)), "E06");
    assert_eq!(c.ask(&format!("Z0,{:x},1", CODE | (7 << 32))), "E06");
    // Hardware breakpoints and watchpoints: not supported (empty reply).
    assert_eq!(c.ask("Z2,10,4"), "");
    assert_eq!(c.ask("c"), "W00");
    assert_eq!(server.finish().0, 0);
}

#[test]
fn interrupt_kill_and_exit_codes() {
    // A guest that runs for hours: Ctrl-C pauses it, `k` ends it.
    let mut server = Server::start("programs/longloop.wasm", &["100000000000", "1000000000000"]);
    let mut c = Raw::connect(server.port);
    handshake(&mut c);
    c.send("vCont;c:1");
    std::thread::sleep(std::time::Duration::from_millis(300));
    c.send_raw(&[3]);
    let stop = c.packet().unwrap();
    assert!(
        stop.starts_with("T02") && stop.contains("reason:signal"),
        "{stop}"
    );
    // Paused: it answers, and steps.
    assert!(c.ask("s").starts_with("T05"));
    assert!(server.running());
    assert_eq!(c.ask("k"), "X09");
    assert_eq!(server.finish().0, 137);

    // A guest's own exit code is the process's and the reply's.
    let server = Server::start("programs/exit.wasm", &[]);
    let mut c = Raw::connect(server.port);
    handshake(&mut c);
    assert_eq!(c.ask("c"), "W07");
    assert_eq!(server.finish().0, 7);
}

#[test]
fn a_trap_is_a_stop_with_its_message_then_exit_1() {
    let server = Server::start("programs/divzero.wasm", &[]);
    let mut c = Raw::connect(server.port);
    handshake(&mut c);
    let stop = c.ask("c");
    assert!(stop.contains("reason:exception"), "{stop}");
    let desc = stop
        .split(';')
        .find_map(|f| f.strip_prefix("description:"))
        .unwrap();
    let desc: Vec<u8> = (0..desc.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&desc[i..i + 2], 16).unwrap())
        .collect();
    assert_eq!(
        String::from_utf8(desc).unwrap(),
        "wasm error: integer divide by zero"
    );
    // The trapping frames are still readable.
    assert!(c.ask("qWasmCallStack:1").len() >= 32);
    assert_eq!(c.ask("c"), "W01");
    assert_eq!(server.finish().0, 1);
}

#[test]
fn detach_runs_the_program_on() {
    let server = Server::start("programs/hello.wasm", &[]);
    let mut c = Raw::connect(server.port);
    handshake(&mut c);
    assert_eq!(c.ask("D;1"), "OK");
    let (code, out) = server.finish();
    assert_eq!(code, 0);
    assert!(out.contains("hello, wasmscope!"));
}

#[test]
fn a_dropped_connection_keeps_the_program_paused_for_the_next() {
    let server = Server::start("programs/hello.wasm", &[]);
    let mut c = Raw::connect(server.port);
    handshake(&mut c);
    let pc = pc_of(&c.ask("s"));
    drop(c);
    // The next client finds it where the last left it (in acknowledged mode again).
    let mut c = Raw::connect(server.port);
    c.send("?");
    let stop = c.packet().unwrap();
    assert_eq!(pc_of(&stop), pc);
    handshake(&mut c);
    assert_eq!(c.ask("c"), "W00");
    assert_eq!(server.finish().0, 0);
}

#[test]
fn a_second_client_is_refused() {
    let server = Server::start("programs/hello.wasm", &[]);
    let mut first = Raw::connect(server.port);
    handshake(&mut first);
    let mut second = Raw::connect(server.port);
    let refusal = second.packet().unwrap();
    assert!(refusal.contains("another debugger"), "{refusal}");
    assert_eq!(second.packet(), None, "closed");
    // The first goes on undisturbed.
    assert!(first.ask("?").starts_with("T05"));
    let stderr = server.stderr.lock().unwrap().clone();
    assert!(stderr.contains("refused a second debugger"), "{stderr}");
    assert_eq!(first.ask("c"), "W00");
    assert_eq!(server.finish().0, 0);
}

#[test]
fn malformed_and_hostile_input() {
    let server = Server::start("programs/hello.wasm", &[]);
    let mut c = Raw::connect(server.port);
    // A bad checksum in acknowledged mode: `-` (send again).
    c.send_raw(b"$qC#00");
    assert!(c.acks().contains(&b'-'));
    handshake(&mut c);
    let before = c.ask("?");
    // Bad checksum in no-ack mode, malformed arguments, unknown packets.
    c.send_raw(b"$qC#00");
    assert_eq!(c.packet().unwrap(), "E03");
    for (packet, reply) in [
        ("mzz,10", "E03"),
        ("m10", "E03"),
        ("M0,2:zz", "E03"),
        ("M0,3:0011", "E03"),
        ("qWasmLocal:x;y", "E03"),
        ("qWasmLocal:0", "E03"),
        ("qWasmGlobal:", "E03"),
        ("qXfer:libraries:read::zz,10", "E03"),
        ("Z0,zz,1", "E03"),
        ("c1234", "E05"),
        ("qNoSuchThing", ""),
        ("vFile:open:2f6574632f706173737764,0,0", ""),
        ("p5", "E45"),
        ("P0=00", "E45"),
    ] {
        assert_eq!(c.ask(packet), reply, "{packet}");
    }
    // A huge length reads what there is, up to the server's limit.
    let got = c.ask(&format!("m{CODE:x},ffffffffffffffff"));
    assert!(
        got.starts_with("0061736d") && got.len() <= 2 * 16 * 1024,
        "{}",
        got.len()
    );
    // Oversized input: dropped with an error.
    let mut huge = b"$".to_vec();
    huge.extend(std::iter::repeat_n(b'a', 70 * 1024));
    c.send_raw(&huge);
    assert_eq!(c.packet().unwrap(), "E03");
    // Random bytes (a fixed seed): whatever they are, the server still answers after.
    let mut state = 0x2545F4914F6CDD1Du64;
    for _ in 0..200 {
        let mut junk = Vec::new();
        for _ in 0..64 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let b = (state & 0xff) as u8;
            // No interrupts (a stop reply each) and no packet starts: noise only.
            if b != 3 && b != b'$' {
                junk.push(b);
            }
        }
        c.send_raw(&junk);
        // Packets with random payloads and right checksums.
        let payload: String = junk
            .iter()
            .map(|b| (b'a' + b % 26) as char)
            .take(20)
            .collect();
        c.send_raw(format!("${payload}#{:02x}", checksum(payload.as_bytes())).as_bytes());
        let reply = c.packet().unwrap();
        assert!(
            !reply.starts_with('W'),
            "{payload} ended the program: {reply}"
        );
    }
    // The program is where it was.
    assert_eq!(c.ask("?"), before);
    assert_eq!(c.ask("c"), "W00");
    assert_eq!(server.finish().0, 0);
}

#[cfg(target_os = "linux")]
#[test]
fn an_orphaned_server_ends() {
    // Started by a shell that ends at once (as when LLDB, having launched it, dies).
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{} run -g 127.0.0.1:0 {} </dev/null >/dev/null 2>&1 & echo $!; sleep 2",
            env!("CARGO_BIN_EXE_wasmscope"),
            samples().join("programs/hello.wasm").display()
        ))
        .output()
        .unwrap();
    let pid: u32 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    // Whatever happens, the server does not outlive the test.
    struct Reap(u32);
    impl Drop for Reap {
        fn drop(&mut self) {
            let _ = std::process::Command::new("kill")
                .arg(self.0.to_string())
                .status();
        }
    }
    let _reap = Reap(pid);
    let proc_dir = std::path::PathBuf::from(format!("/proc/{pid}"));
    let gone = |p: &std::path::Path| {
        // Gone, or a zombie nobody reaps yet.
        std::fs::read_to_string(p.join("stat"))
            .map(|s| s.split_whitespace().nth(2) == Some("Z"))
            .unwrap_or(true)
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !gone(&proc_dir) {
        assert!(
            std::time::Instant::now() < deadline,
            "the orphaned server goes on"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn a_non_loopback_address_is_warned_about_and_compiler_is_ignored() {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_wasmscope"))
        .args(["run", "--compiler", "-g", "0.0.0.0:0"])
        .arg(samples().join("programs/hello.wasm"))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = Vec::new();
    for line in std::io::BufReader::new(child.stderr.take().unwrap()).lines() {
        let line = line.unwrap();
        let done = line.contains("waiting for a debugger on 0.0.0.0:");
        lines.push(line);
        if done {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let text = lines.join("\n");
    assert!(text.contains("--compiler is ignored"), "{text}");
    assert!(
        text.contains("WARNING") && text.contains("not a loopback address"),
        "{text}"
    );
    // A malformed address is a usage error.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wasmscope"))
        .args(["run", "-g", "no:such:port"])
        .arg(samples().join("programs/hello.wasm"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("-g"));
}
