//! `wasmscope run -g [ADDR:]PORT FILE`: a GDB remote protocol server with LLDB's
//! WebAssembly extensions, so that LLDB (`process connect --plugin wasm
//! connect://ADDR:PORT`), and through `lldb-dap` VS Code, debug a program running on
//! wasmscope's interpreter at the source level. LLDB reads the module's DWARF itself;
//! this server gives it the machine: the module, code and linear memory, the call stack,
//! locals, globals and operand-stack values, breakpoints, steps and stops.
//!
//! The protocol as LLDB's Wasm process plugin speaks it:
//!
//! - **Addresses** are 64 bits: the top two bits say the space (`0` linear memory, `1` the
//!   module's bytes, "code"), bits 32..62 the module (this server has one, module `0`),
//!   the low 32 bits the offset. A code address is an offset in the module's bytes (the
//!   code-section offsets of the runtime plus [`CompiledModule::code_section_offset`]).
//! - **The module** is announced by `qXfer:libraries:read` (its path, loaded at code
//!   address `0`); LLDB reads the file, or the module's bytes through `m` when the path
//!   is not a `.wasm` file on its side.
//! - **Frames**: `qWasmCallStack` gives the frames' code addresses, innermost first (a
//!   caller's is its return address: the instruction after its call); `qWasmLocal:F;I`,
//!   `qWasmStackValue:F;I` and `qWasmGlobal:F;I` (or `qWasmGlobal:I;instance:0;`) give a
//!   value's bytes, little-endian, as wide as its type.
//! - **Control**: `Z0`/`z0` software breakpoints at code addresses, `c`, `s` (one
//!   instruction, entering calls), `vCont`, Ctrl-C (`\x03`, the guest pauses between
//!   slices of [`SLICE`] instructions), `k`, `D` (the program runs on to its end).
//! - **Stops**: `T05…reason:breakpoint` / `reason:trace` / `T02…reason:signal` for an
//!   interrupt / `reason:exception;description:…` for a trap (its message, the way
//!   LLDB shows a stop reason); `W` with the exit code when the program ends (a trap
//!   ends it with code 1, as `wasmscope run` does).
//!
//! Robustness: malformed packets get an error reply (`E03`), a bad checksum a `-`
//! (retransmit) in acknowledged mode, oversized input is dropped with an error; a
//! dropped connection leaves the program paused where it was and the server waits for
//! the next client (unless the process that started the server has ended: then the
//! program ends, so that no orphan waits forever); a second client while one is connected is told so
//! (`E.another debugger…`) and closed. Nothing a client sends can panic the server or
//! change the program's state other than through the commands above.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};

use wasmscope::{CompiledModule, ExecutionState, Value};
use wasmscope_listeners::breakpoints::BreakpointLocation;
use wasmscope_listeners::stepper::{Frame, Op, Stepper};

use crate::pipe;
use crate::run::RunArgs;

/// The address-space bits of a code address (LLDB's `wasm_addr_t` type `Object`).
const CODE_SPACE: u64 = 1 << 62;
/// Instructions the guest runs between two looks at the connection for an interrupt.
pub const SLICE: u64 = 200_000;
/// The largest packet accepted (longer input is dropped with an error reply): twice the
/// announced `PacketSize` (0x8000), for escapes.
const MAX_PACKET: usize = 64 * 1024;
/// The largest memory read answered at once (LLDB splits larger ones).
const MAX_READ: u64 = 16 * 1024;
/// The one thread's id.
const THREAD: u64 = 1;
/// What the server announces (`qSupported`).
const FEATURES: &str = "PacketSize=8000;QStartNoAckMode+;qXfer:libraries:read+;\
                        vContSupported+;qWasmInstance+";
/// The guest's triple for `qHostInfo` and `qProcessInfo`.
const TRIPLE: &str = "wasm32-unknown-wasi-wasm";

/// Parses `-g`'s value: `PORT` (on the loopback interface), `:PORT`, or `HOST:PORT`.
///
/// # Errors
/// A port that is not a number, an address that does not resolve.
pub fn parse_address(text: &str) -> Result<SocketAddr, String> {
    let text = text.trim();
    let port_only = text.strip_prefix(':').unwrap_or(text);
    if let Ok(port) = port_only.parse::<u16>() {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    text.to_socket_addrs()
        .map_err(|e| format!("{text:?}: {e} (expected PORT or HOST:PORT)"))?
        .next()
        .ok_or_else(|| format!("{text:?} names no address"))
}

/// The checksum of a packet's payload: the sum of its bytes modulo 256.
fn checksum(data: &[u8]) -> u8 {
    data.iter().fold(0u8, |a, b| a.wrapping_add(*b))
}

/// A packet on the wire: `$`, the payload with `#`, `$`, `}` and `*` escaped, `#`, the
/// checksum in two hex digits.
pub fn encode(payload: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(payload.len() + 4);
    for &b in payload {
        if matches!(b, b'#' | b'$' | b'}' | b'*') {
            body.push(b'}');
            body.push(b ^ 0x20);
        } else {
            body.push(b);
        }
    }
    let mut out = Vec::with_capacity(body.len() + 4);
    out.push(b'$');
    out.extend_from_slice(&body);
    out.extend_from_slice(format!("#{:02x}", checksum(&body)).as_bytes());
    out
}

/// What [`Decoder::next`] found in the input.
#[derive(Debug, PartialEq, Eq)]
pub enum Incoming {
    /// A packet's payload (unescaped, run-length expanded).
    Packet(Vec<u8>),
    /// A packet whose checksum is wrong (acknowledged mode asks for it again).
    BadChecksum,
    /// More than [`MAX_PACKET`] bytes without an end.
    TooLong,
    /// The client's interrupt (Ctrl-C: byte 3).
    Interrupt,
    /// An acknowledgement: `+`, or `-` (send the last packet again).
    Ack(bool),
}

/// Splits a byte stream into packets (see [`Incoming`]); bytes outside packets other
/// than acknowledgements and interrupts are skipped.
#[derive(Default)]
pub struct Decoder {
    buf: Vec<u8>,
}

impl Decoder {
    /// Adds received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete item, if the input holds one.
    pub fn next(&mut self) -> Option<Incoming> {
        // Noise between packets goes at once.
        let noise = self
            .buf
            .iter()
            .position(|b| matches!(b, b'+' | b'-' | 3 | b'$'))
            .unwrap_or(self.buf.len());
        self.buf.drain(..noise);
        let first = *self.buf.first()?;
        match first {
            b'+' | b'-' => {
                self.buf.remove(0);
                return Some(Incoming::Ack(first == b'+'));
            }
            3 => {
                self.buf.remove(0);
                return Some(Incoming::Interrupt);
            }
            _ => {}
        }
        let Some(hash) = self.buf.iter().position(|b| *b == b'#') else {
            if self.buf.len() > MAX_PACKET {
                self.buf.clear();
                return Some(Incoming::TooLong);
            }
            return None;
        };
        if self.buf.len() < hash + 3 {
            return None;
        }
        let raw: Vec<u8> = self.buf[1..hash].to_vec();
        let sum = std::str::from_utf8(&self.buf[hash + 1..hash + 3])
            .ok()
            .and_then(|s| u8::from_str_radix(s, 16).ok());
        self.buf.drain(..hash + 3);
        if raw.len() > MAX_PACKET {
            return Some(Incoming::TooLong);
        }
        if sum != Some(checksum(&raw)) {
            return Some(Incoming::BadChecksum);
        }
        // Unescape `}x` and expand run-length `c*n`.
        let mut out = Vec::with_capacity(raw.len());
        let mut i = 0;
        while i < raw.len() {
            match raw[i] {
                b'}' if i + 1 < raw.len() => {
                    out.push(raw[i + 1] ^ 0x20);
                    i += 2;
                }
                b'*' if i + 1 < raw.len() && !out.is_empty() => {
                    let n = raw[i + 1].saturating_sub(29) as usize;
                    let last = *out.last().unwrap_or(&0);
                    if out.len() + n > MAX_PACKET {
                        return Some(Incoming::TooLong);
                    }
                    out.extend(std::iter::repeat_n(last, n));
                    i += 2;
                }
                b => {
                    out.push(b);
                    i += 1;
                }
            }
        }
        Some(Incoming::Packet(out))
    }
}

/// Hex digits of `bytes`, two per byte, lowercase.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Bytes of hex digits; `None` when they are not.
fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

fn parse_hex(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(text, 16).ok()
}

/// A value's bytes as LLDB reads a Wasm local, global or operand: little-endian, as wide
/// as its type (a reference as a 4-byte handle, 0 for null).
fn value_bytes(v: &Value) -> Vec<u8> {
    match v {
        Value::I32(x) => x.to_le_bytes().to_vec(),
        Value::I64(x) => x.to_le_bytes().to_vec(),
        Value::F32(x) => x.to_bits().to_le_bytes().to_vec(),
        Value::F64(x) => x.to_bits().to_le_bytes().to_vec(),
        Value::V128(x) => x.to_le_bytes().to_vec(),
        Value::FuncRef(r) | Value::ExternRef(r) | Value::ExnRef(r) | Value::AnyRef(r) => {
            (r.unwrap_or(0) as u32).to_le_bytes().to_vec()
        }
    }
}

/// Why the program is stopped, as the last stop reply said.
#[derive(Clone, Debug)]
enum Stop {
    /// Before its first instruction, or after `s`.
    Trace,
    /// At a breakpoint.
    Breakpoint,
    /// Paused by the client's interrupt.
    Interrupt,
    /// Trapped: the message. The program cannot go on.
    Trap(String),
    /// Ended with this exit code.
    Exited(u32),
}

/// How a client's session ended.
enum SessionEnd {
    /// The connection dropped: the program stays paused for the next client.
    Lost,
    /// The client detached: the program runs on without a debugger.
    Detached,
    /// The program ended (the exit code), or the client killed it.
    Ended(u8),
}

/// What a packet asks the server to do besides answering.
enum Action {
    Reply(String),
    /// No reply (`k` in gdb's dialect ends with the exit reply below).
    Resume(Op),
    Detach,
    /// End the program: `k` (answered with an exit reply) or `vKill` (answered `OK`).
    Kill(bool),
}

/// A connection to one client.
struct Conn {
    stream: TcpStream,
    decoder: Decoder,
    /// Items decoded while the guest ran, for [`Conn::receive`].
    pending: std::collections::VecDeque<Incoming>,
    ack: bool,
    last: Vec<u8>,
}

impl Conn {
    fn new(stream: TcpStream) -> Conn {
        let _ = stream.set_nodelay(true);
        Conn {
            stream,
            decoder: Decoder::default(),
            pending: Default::default(),
            ack: true,
            last: Vec::new(),
        }
    }

    fn send(&mut self, payload: &str) -> io::Result<()> {
        self.last = encode(payload.as_bytes());
        self.stream.write_all(&self.last)?;
        self.stream.flush()
    }

    /// The next packet or interrupt (acknowledging packets in acknowledged mode);
    /// `None` when the connection closed.
    fn receive(&mut self) -> io::Result<Option<Incoming>> {
        loop {
            while let Some(item) = self.pending.pop_front().or_else(|| self.decoder.next()) {
                match item {
                    Incoming::Ack(true) => {}
                    Incoming::Ack(false) if self.ack => {
                        let last = self.last.clone();
                        self.stream.write_all(&last)?;
                    }
                    // Without acknowledgements a `-` is noise.
                    Incoming::Ack(false) => {}
                    Incoming::Packet(_) => {
                        if self.ack {
                            self.stream.write_all(b"+")?;
                        }
                        return Ok(Some(item));
                    }
                    Incoming::BadChecksum => {
                        if self.ack {
                            self.stream.write_all(b"-")?;
                        } else {
                            return Ok(Some(item));
                        }
                    }
                    other => return Ok(Some(other)),
                }
            }
            let mut buf = [0u8; 4096];
            let n = match self.stream.read(&mut buf) {
                Ok(0) => return Ok(None),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            self.decoder.push(&buf[..n]);
        }
    }

    /// Whether the client asked for an interrupt since the last look (without waiting);
    /// `Err` when the connection closed. Other input stays for [`Conn::receive`].
    fn interrupted(&mut self) -> io::Result<bool> {
        self.stream.set_nonblocking(true)?;
        let mut buf = [0u8; 4096];
        let result = loop {
            match self.stream.read(&mut buf) {
                Ok(0) => break Err(io::Error::new(io::ErrorKind::ConnectionAborted, "closed")),
                Ok(n) => self.decoder.push(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => break Err(e),
            }
        };
        self.stream.set_nonblocking(false)?;
        result?;
        // Decode what came: an interrupt outside a packet counts; the rest waits for
        // `receive`, within bounds (a client streaming input while the guest runs does
        // not grow the server's memory without end).
        let mut interrupt = false;
        while let Some(item) = self.decoder.next() {
            match item {
                Incoming::Interrupt => interrupt = true,
                other if self.pending.len() < 64 => self.pending.push_back(other),
                _ => {}
            }
        }
        if self.decoder.buf.len() > 2 * MAX_PACKET {
            self.decoder.buf.clear();
        }
        Ok(interrupt)
    }
}

/// The debugged program and what the server knows of it.
struct Target {
    stepper: Stepper,
    /// The module's bytes (the code address space).
    wasm: Vec<u8>,
    /// The name announced in the library list.
    name: String,
    /// Code-section offset → module offset.
    base: u64,
    stop: Stop,
    /// The client's breakpoints: code address → the session's breakpoint number.
    breakpoints: HashMap<u64, u32>,
    /// The paused frames (Wasm frames only), read once per stop.
    frames: Option<Vec<Frame>>,
    /// Whether stop replies list the threads (`QListThreadsInStopReply`).
    list_threads: bool,
    /// `--invoke`'s export, whose results are printed when it returns.
    invoke: Option<String>,
}

impl Target {
    fn frames(&mut self) -> &[Frame] {
        if self.frames.is_none() {
            let frames = self
                .stepper
                .frames()
                .into_iter()
                .filter(|f| f.code_offset.is_some())
                .collect();
            self.frames = Some(frames);
        }
        self.frames.as_deref().unwrap_or_default()
    }

    /// The code addresses of the frames, innermost first: the paused instruction, then
    /// each caller's return address.
    fn call_stack(&mut self) -> Vec<u64> {
        let base = self.base;
        let compiled: CompiledModule = self.stepper.compiled().clone();
        self.frames()
            .iter()
            .enumerate()
            .filter_map(|(i, f)| {
                let offset = f.code_offset?;
                // The paused (or trapping) instruction; a caller's return address.
                let offset = if i == 0 {
                    offset
                } else {
                    compiled.instruction_after(offset).unwrap_or(offset + 1)
                };
                Some(CODE_SPACE | (base + offset))
            })
            .collect()
    }

    fn pc(&mut self) -> u64 {
        self.call_stack().first().copied().unwrap_or(CODE_SPACE)
    }

    fn stop_reply(&mut self) -> String {
        let pc = self.pc();
        let (signal, reason) = match &self.stop {
            Stop::Exited(code) => return format!("W{:02x}", code & 0xff),
            Stop::Trace => (5, "reason:trace;".to_string()),
            Stop::Breakpoint => (5, "reason:breakpoint;".to_string()),
            Stop::Interrupt => (2, "reason:signal;".to_string()),
            Stop::Trap(message) => (
                5,
                format!("reason:exception;description:{};", hex(message.as_bytes())),
            ),
        };
        let threads = if self.list_threads {
            format!("threads:{THREAD:x};thread-pcs:{pc:x};")
        } else {
            String::new()
        };
        format!(
            "T{signal:02x}thread:{THREAD:x};name:{};{threads}00:{};{reason}",
            self.name_for_thread(),
            hex(&pc.to_le_bytes()),
        )
    }

    fn name_for_thread(&self) -> String {
        std::path::Path::new(&self.name)
            .file_name()
            .map(|n| {
                n.to_string_lossy()
                    .replace([';', ':', '#', '$', '}', '*'], "_")
            })
            .unwrap_or_else(|| "main".into())
    }

    /// Runs `op` to its end, looking for an interrupt between slices; records the stop.
    /// `Err` when the connection dropped (the program is paused where the slice ended).
    fn resume(&mut self, conn: &mut Conn, op: Op) -> io::Result<()> {
        self.frames = None;
        if let Stop::Trap(_) = self.stop {
            // A trapped program cannot go on: it ends as `wasmscope run` ends it.
            self.stop = Stop::Exited(1);
            return Ok(());
        }
        let mut state = self.stepper.begin(op, SLICE);
        loop {
            match state {
                ExecutionState::Paused if self.stepper.paused_by_budget() => {
                    match conn.interrupted() {
                        Ok(true) => {
                            self.stepper.cancel();
                            self.stop = Stop::Interrupt;
                            return Ok(());
                        }
                        Ok(false) => {}
                        Err(e) => {
                            self.stepper.cancel();
                            self.stop = Stop::Interrupt;
                            return Err(e);
                        }
                    }
                    state = self.stepper.go_on(SLICE);
                }
                ExecutionState::Paused => {
                    self.stop = if self.stepper.stopped_by().is_empty() {
                        Stop::Trace
                    } else {
                        Stop::Breakpoint
                    };
                    return Ok(());
                }
                ExecutionState::Finished(results) => {
                    if let Some(export) = &self.invoke {
                        print_results(&self.stepper, export, &results);
                    }
                    self.stop = Stop::Exited(0);
                    return Ok(());
                }
                ExecutionState::Exited(code) => {
                    self.stop = Stop::Exited(code);
                    return Ok(());
                }
                ExecutionState::Trapped(e) => {
                    let message = e.to_string();
                    pipe::eprintln(&message);
                    let first = message.lines().next().unwrap_or("trap").to_string();
                    self.stop = Stop::Trap(first);
                    return Ok(());
                }
                _ => {
                    self.stop = Stop::Exited(1);
                    return Ok(());
                }
            }
        }
    }

    /// Reads `len` bytes at a 64-bit address (either space); `None` when none can be.
    fn read(&self, address: u64, len: u64) -> Option<Vec<u8>> {
        let space = address >> 62;
        let module = (address >> 32) & 0x3fff_ffff;
        let offset = address & 0xffff_ffff;
        if module != 0 || len == 0 {
            return None;
        }
        let len = len.min(MAX_READ);
        match space {
            0 => {
                let memory = self.stepper.module()?.memories().into_iter().next()?;
                let size = memory.size();
                if offset >= size {
                    return None;
                }
                memory.read_at(offset, len.min(size - offset))
            }
            1 => {
                let start = usize::try_from(offset).ok()?;
                let end = start.saturating_add(len as usize).min(self.wasm.len());
                (start < end).then(|| self.wasm[start..end].to_vec())
            }
            _ => None,
        }
    }

    /// Writes bytes into linear memory (code cannot be written: breakpoints are `Z0`).
    fn write(&self, address: u64, bytes: &[u8]) -> bool {
        if address >> 32 != 0 {
            return false;
        }
        let Some(memory) = self
            .stepper
            .module()
            .and_then(|m| m.memories().into_iter().next())
        else {
            return false;
        };
        memory.write_at(address, bytes)
    }

    /// The library list document, ASCII only (other characters of the path as XML
    /// character references), so that any byte offset a client reads from is a
    /// character boundary.
    fn library_list(&self) -> String {
        let name = xml_escape(&self.name);
        format!(
            "<library-list><library name=\"{name}\"><section address=\"0x{CODE_SPACE:x}\"/>\
             </library></library-list>"
        )
    }

    fn handle(&mut self, packet: &str) -> Action {
        let reply = |s: &str| Action::Reply(s.to_string());
        let malformed = || Action::Reply("E03".to_string());
        // LLDB names the thread in some packets (`;thread:1;`): one thread, so drop it.
        let packet = packet.split(";thread:").next().unwrap_or(packet);
        let (head, rest) = match packet.find([':', ',']) {
            Some(i) => (&packet[..i], &packet[i + 1..]),
            None => (packet, ""),
        };
        match head {
            "qSupported" => reply(FEATURES),
            "QStartNoAckMode" => reply("OK"),
            "QListThreadsInStopReply" => {
                self.list_threads = true;
                reply("OK")
            }
            "qHostInfo" => Action::Reply(format!(
                "triple:{};ptrsize:4;endian:little;hostname:{};",
                hex(TRIPLE.as_bytes()),
                hex(b"wasmscope")
            )),
            "qProcessInfo" => Action::Reply(format!(
                "pid:1;parent-pid:1;real-uid:0;real-gid:0;effective-uid:0;effective-gid:0;\
                 name:{};triple:{};ptrsize:4;endian:little;",
                hex(self.name.as_bytes()),
                hex(TRIPLE.as_bytes())
            )),
            "qC" => Action::Reply(format!("QC{THREAD:x}")),
            "qfThreadInfo" => Action::Reply(format!("m{THREAD:x}")),
            "qsThreadInfo" => reply("l"),
            "qAttached" => reply("1"),
            "qSymbol" => reply("OK"),
            "?" => Action::Reply(self.stop_reply()),
            "qThreadStopInfo1" => Action::Reply(self.stop_reply()),
            "Hg1" | "Hg0" | "Hc1" | "Hc0" | "Hc-1" | "Hg-1" => reply("OK"),
            "T1" => reply("OK"),
            "qRegisterInfo0" => reply(
                "name:pc;alt-name:pc;bitsize:64;offset:0;encoding:uint;format:hex;\
                 set:General Purpose Registers;gcc:16;dwarf:16;generic:pc;",
            ),
            h if h.starts_with("qRegisterInfo") => reply("E45"),
            "p0" | "g" => {
                let pc = self.pc();
                Action::Reply(hex(&pc.to_le_bytes()))
            }
            h if h.starts_with('p') => reply("E45"),
            h if h.starts_with('P') || h.starts_with('G') => reply("E45"),
            "qXfer" => {
                // qXfer:libraries:read::OFFSET,LENGTH
                let Some(args) = rest.strip_prefix("libraries:read::") else {
                    return reply("");
                };
                let Some((o, l)) = args.split_once(',') else {
                    return malformed();
                };
                let (Some(o), Some(l)) = (parse_hex(o), parse_hex(l)) else {
                    return malformed();
                };
                let doc = self.library_list();
                let start = (o as usize).min(doc.len());
                let end = start.saturating_add(l as usize).min(doc.len());
                let more = if end < doc.len() { 'm' } else { 'l' };
                Action::Reply(format!("{more}{}", &doc[start..end]))
            }
            "qWasmCallStack" => {
                let pcs = self.call_stack();
                if pcs.is_empty() {
                    return reply("E04");
                }
                let bytes: Vec<u8> = pcs.iter().flat_map(|p| p.to_le_bytes()).collect();
                Action::Reply(hex(&bytes))
            }
            "qWasmLocal" | "qWasmStackValue" => {
                let Some((f, i)) = rest.split_once(';') else {
                    return malformed();
                };
                let (Ok(f), Ok(i)) = (f.parse::<usize>(), i.parse::<usize>()) else {
                    return malformed();
                };
                let locals = head == "qWasmLocal";
                let value = self.frames().get(f).and_then(|fr| {
                    if locals {
                        fr.locals.get(i).cloned()
                    } else {
                        fr.operands.get(i).cloned()
                    }
                });
                match value {
                    Some(v) => Action::Reply(hex(&value_bytes(&v))),
                    None => reply("E04"),
                }
            }
            "qWasmGlobal" => {
                // `FRAME;INDEX` (the frame's module) or `INDEX;instance:ID;`.
                let parts: Vec<&str> = rest.split(';').collect();
                let index = match parts.as_slice() {
                    [i, inst, ..] if inst.starts_with("instance:") => {
                        if parse_hex(inst.trim_start_matches("instance:")) != Some(0) {
                            return reply("E04");
                        }
                        i.parse::<usize>().ok()
                    }
                    [f, i] => match f.parse::<usize>() {
                        Ok(f) if f < self.frames().len() => i.parse::<usize>().ok(),
                        Ok(_) => return reply("E04"),
                        Err(_) => None,
                    },
                    _ => None,
                };
                let Some(index) = index else {
                    return malformed();
                };
                let Some(module) = self.stepper.module() else {
                    return reply("E04");
                };
                let value = module.globals().get(index).and_then(|g| {
                    let bits = g.peek();
                    Value::from_slots(g.value_type(), &[bits as u64, (bits >> 64) as u64])
                });
                match value {
                    Some(v) => Action::Reply(hex(&value_bytes(&v))),
                    None => reply("E04"),
                }
            }
            h if h.starts_with('m') => {
                let Some((a, l)) = packet[1..].split_once(',') else {
                    return malformed();
                };
                let (Some(a), Some(l)) = (parse_hex(a), parse_hex(l)) else {
                    return malformed();
                };
                match self.read(a, l) {
                    Some(bytes) => Action::Reply(hex(&bytes)),
                    None => reply("E08"),
                }
            }
            h if h.starts_with('M') => {
                // M ADDR,LEN:BYTES
                let body = &packet[1..];
                let Some((al, data)) = body.split_once(':') else {
                    return malformed();
                };
                let Some((a, l)) = al.split_once(',') else {
                    return malformed();
                };
                let (Some(a), Some(l), Some(bytes)) = (parse_hex(a), parse_hex(l), unhex(data))
                else {
                    return malformed();
                };
                if bytes.len() as u64 != l {
                    return malformed();
                }
                self.frames = None;
                if self.write(a, &bytes) {
                    reply("OK")
                } else {
                    reply("E09")
                }
            }
            h if h.starts_with("Z0") || h.starts_with("z0") => {
                let insert = h.starts_with('Z');
                let mut fields = packet.split(',');
                let (_, Some(a)) = (fields.next(), fields.next().and_then(parse_hex)) else {
                    return malformed();
                };
                self.set_breakpoint(a, insert)
            }
            h if h.starts_with('Z') || h.starts_with('z') => reply(""),
            "vCont?" => reply("vCont;c;C;s;S"),
            h if h.starts_with("vCont;") => {
                let action = h.trim_start_matches("vCont;");
                match action.chars().next() {
                    Some('c' | 'C') => Action::Resume(Op::Continue),
                    Some('s' | 'S') => Action::Resume(Op::StepInto),
                    _ => reply(""),
                }
            }
            h if h.starts_with('c') || h.starts_with('C') => {
                if h.len() > 1 && h.starts_with('c') {
                    // `c ADDR`: resuming elsewhere is not possible.
                    return reply("E05");
                }
                Action::Resume(Op::Continue)
            }
            h if h.starts_with('s') || h.starts_with('S') => {
                if h.len() > 1 && h.starts_with('s') {
                    return reply("E05");
                }
                Action::Resume(Op::StepInto)
            }
            "k" => Action::Kill(false),
            h if h.starts_with("vKill") => Action::Kill(true),
            h if h.starts_with('D') => Action::Detach,
            _ => reply(""),
        }
    }

    fn set_breakpoint(&mut self, address: u64, insert: bool) -> Action {
        if address >> 62 != 1 || (address >> 32) & 0x3fff_ffff != 0 {
            return Action::Reply("E06".into());
        }
        let Some(code) = (address & 0xffff_ffff).checked_sub(self.base) else {
            return Action::Reply("E06".into());
        };
        if insert {
            if !self.breakpoints.contains_key(&address) {
                match self
                    .stepper
                    .add_breakpoint(BreakpointLocation::Offset(code))
                {
                    Ok(id) => {
                        self.breakpoints.insert(address, id);
                    }
                    Err(_) => return Action::Reply("E06".into()),
                }
            }
        } else if let Some(id) = self.breakpoints.remove(&address) {
            self.stepper.remove_breakpoint(id);
        }
        Action::Reply("OK".into())
    }
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            c => out.push_str(&format!("&#{};", c as u32)),
        }
    }
    out
}

/// `--invoke`'s results, as `wasmscope run --invoke` prints them.
fn print_results(stepper: &Stepper, export: &str, results: &[u64]) {
    let types = stepper
        .module()
        .and_then(|m| m.exported_function(export))
        .map(|f| f.definition().result_types().to_vec())
        .unwrap_or_default();
    for line in crate::run::format_results(&types, results) {
        pipe::print(&format!("{line}\n"));
    }
}

/// Serves one client until it detaches, the connection drops or the program ends.
fn session(target: &mut Target, stream: TcpStream) -> SessionEnd {
    let peer = stream
        .peer_addr()
        .map(|a| a.to_string())
        .unwrap_or_else(|_| "?".into());
    pipe::eprintln(format!("wasmscope: debugger connected from {peer}"));
    let mut conn = Conn::new(stream);
    loop {
        let item = match conn.receive() {
            Ok(Some(item)) => item,
            Ok(None) | Err(_) => return SessionEnd::Lost,
        };
        let text = match item {
            Incoming::Packet(p) => String::from_utf8_lossy(&p).into_owned(),
            // Already stopped (or the interrupt crossed a stop reply): nothing to do, as
            // gdbserver does; a reply here would answer the client's next question.
            Incoming::Interrupt => continue,
            Incoming::TooLong | Incoming::BadChecksum => {
                if conn.send("E03").is_err() {
                    return SessionEnd::Lost;
                }
                continue;
            }
            Incoming::Ack(_) => continue,
        };
        let action = target.handle(&text);
        let sent = match action {
            Action::Reply(r) => {
                let result = conn.send(&r);
                if text == "QStartNoAckMode" {
                    conn.ack = false;
                }
                result
            }
            Action::Resume(op) => {
                if target.resume(&mut conn, op).is_err() {
                    return SessionEnd::Lost;
                }
                let reply = target.stop_reply();
                let sent = conn.send(&reply);
                if let Stop::Exited(code) = target.stop {
                    return SessionEnd::Ended(code as u8);
                }
                sent
            }
            Action::Detach => {
                let _ = conn.send("OK");
                return SessionEnd::Detached;
            }
            Action::Kill(v) => {
                let _ = conn.send(if v { "OK" } else { "X09" });
                pipe::eprintln("wasmscope: the debugger killed the program");
                return SessionEnd::Ended(137);
            }
        };
        if sent.is_err() {
            return SessionEnd::Lost;
        }
    }
}

/// This process's parent (changes when the parent ends); 0 where there is no such idea.
fn parent_id() -> u32 {
    #[cfg(unix)]
    {
        std::os::unix::process::parent_id()
    }
    #[cfg(not(unix))]
    {
        0
    }
}

/// `wasmscope run -g ADDR FILE`: see the [module docs](self).
pub fn serve(args: &RunArgs, address: &str) -> ExitCode {
    // The process that started the server (a shell, LLDB's Wasm platform): when it is
    // gone while no debugger is connected, nobody can come back, and the server ends
    // rather than wait forever as an orphan.
    let parent = parent_id();
    let fail = |message: String| {
        pipe::eprintln(message);
        ExitCode::from(1)
    };
    let addr = match parse_address(address) {
        Ok(a) => a,
        Err(e) => {
            pipe::eprintln(format!("wasmscope: -g {e}"));
            return ExitCode::from(2);
        }
    };
    if args.compiler {
        pipe::eprintln(
            "wasmscope: -g debugs on the interpreter (compiled code cannot pause): \
             --compiler is ignored",
        );
    }
    let wasm = match crate::run::read_module(&args.file) {
        Ok(w) => w,
        Err(e) => return fail(e),
    };
    let mut stepper = match Stepper::new(&wasm, wasmscope::wasi::instantiate) {
        Ok(s) => s,
        Err(e) => return fail(format!("{}: {e}", args.file.display())),
    };
    let (export, params) = match crate::run::entry(
        &args.file,
        stepper.compiled(),
        args.invoke.as_deref(),
        &args.args,
    ) {
        Ok(entry) => entry,
        Err(e) => return fail(e),
    };
    if let Err(e) = stepper.start(crate::run::guest_config(args), &export, &params) {
        return fail(format!("{}: {e}", args.file.display()));
    }
    // Into the function: the program stops before its first instruction.
    let first = stepper.step_into();
    if !matches!(first, ExecutionState::Paused) {
        return fail(format!(
            "{}: the program ended before its first instruction",
            args.file.display()
        ));
    }
    let base = stepper.compiled().code_section_offset().unwrap_or(0);
    let is_wasm_file = args
        .file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("wasm"));
    let name = match std::fs::canonicalize(&args.file) {
        Ok(p) if is_wasm_file => p.display().to_string(),
        // LLDB reads a module it cannot open from the code space.
        _ => format!(
            "{}.wasm",
            args.file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "module".into())
        ),
    };
    let mut target = Target {
        stepper,
        wasm,
        name,
        base,
        stop: Stop::Trace,
        breakpoints: HashMap::new(),
        frames: None,
        list_threads: false,
        invoke: args.invoke.clone(),
    };
    let listener = match TcpListener::bind(addr) {
        Ok(l) => l,
        Err(e) => return fail(format!("wasmscope: -g {addr}: {e}")),
    };
    let local = listener.local_addr().unwrap_or(addr);
    if !local.ip().is_loopback() {
        pipe::eprintln(format!(
            "wasmscope: WARNING: the debug server listens on {local}, which is not a \
             loopback address: anyone who can reach it can read and change this program's \
             memory and run it. Use 127.0.0.1 unless you mean this."
        ));
    }
    pipe::eprintln(format!(
        "wasmscope: waiting for a debugger on {local} (lldb: process connect --plugin wasm \
         connect://{local})"
    ));
    let busy = Arc::new(AtomicBool::new(false));
    let (tx, rx) = mpsc::channel::<TcpStream>();
    {
        let busy = busy.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                // A client that reconnects at once may come before the server has seen
                // its old connection close: give that a moment.
                let mut waited = 0;
                while busy.load(Ordering::SeqCst) && waited < 100 {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    waited += 1;
                }
                if busy.swap(true, Ordering::SeqCst) {
                    let who = stream
                        .peer_addr()
                        .map(|a| a.to_string())
                        .unwrap_or_default();
                    pipe::eprintln(format!(
                        "wasmscope: refused a second debugger from {who}: one is connected"
                    ));
                    let _ = stream
                        .write_all(&encode(b"E.another debugger is connected to this program"));
                    let _ = stream.shutdown(std::net::Shutdown::Both);
                    continue;
                }
                if tx.send(stream).is_err() {
                    break;
                }
            }
        });
    }
    loop {
        let stream = loop {
            match rx.recv_timeout(std::time::Duration::from_millis(250)) {
                Ok(stream) => break stream,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if parent_id() != parent {
                        return fail(
                            "wasmscope: the process that started the debug server has ended, \
                             and no debugger is connected: the program ends"
                                .into(),
                        );
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return fail("wasmscope: the debug server stopped listening".into());
                }
            }
        };
        match session(&mut target, stream) {
            SessionEnd::Lost => {
                busy.store(false, Ordering::SeqCst);
                pipe::eprintln(format!(
                    "wasmscope: the debugger's connection was lost; the program stays paused; \
                     waiting for a debugger on {local}"
                ));
            }
            SessionEnd::Detached => {
                if let Stop::Trap(_) = target.stop {
                    // Already said on stderr when it trapped.
                    return ExitCode::from(1);
                }
                pipe::eprintln("wasmscope: the debugger detached; the program runs on");
                target.stepper.clear_breakpoints();
                target.stepper.cancel();
                let code = loop {
                    match target.stepper.resume() {
                        ExecutionState::Paused => continue,
                        ExecutionState::Finished(results) => {
                            if let Some(export) = &target.invoke {
                                print_results(&target.stepper, export, &results);
                            }
                            break 0;
                        }
                        ExecutionState::Exited(c) => break c as u8,
                        ExecutionState::Trapped(e) => {
                            pipe::eprintln(e.to_string());
                            break 1;
                        }
                        _ => break 1,
                    }
                };
                return ExitCode::from(code);
            }
            SessionEnd::Ended(code) => return ExitCode::from(code),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packets_round_trip_with_escapes_and_run_lengths() {
        let mut d = Decoder::default();
        d.push(&encode(b"m0,4"));
        d.push(&encode(b"a#b$c}d*e"));
        assert_eq!(d.next(), Some(Incoming::Packet(b"m0,4".to_vec())));
        assert_eq!(d.next(), Some(Incoming::Packet(b"a#b$c}d*e".to_vec())));
        assert_eq!(d.next(), None);
        // `0* ` is "0" repeated 3 more times (' ' is 32 = 29 + 3).
        let body = b"0* ";
        d.push(format!("${}#{:02x}", "0* ", checksum(body)).as_bytes());
        assert_eq!(d.next(), Some(Incoming::Packet(b"0000".to_vec())));
    }

    #[test]
    fn bad_input_is_reported_not_fatal() {
        let mut d = Decoder::default();
        d.push(b"$qC#00");
        assert_eq!(d.next(), Some(Incoming::BadChecksum));
        d.push(b"junk+\x03$qC#zz");
        assert_eq!(d.next(), Some(Incoming::Ack(true)));
        assert_eq!(d.next(), Some(Incoming::Interrupt));
        assert_eq!(d.next(), Some(Incoming::BadChecksum));
        d.push(&vec![b'$'; MAX_PACKET + 10]);
        assert_eq!(d.next(), Some(Incoming::TooLong));
        assert_eq!(d.next(), None);
        // A run length at the start has nothing to repeat: kept as is.
        d.push(format!("$*a#{:02x}", checksum(b"*a")).as_bytes());
        assert_eq!(d.next(), Some(Incoming::Packet(b"*a".to_vec())));
        // Noise before a packet is skipped in one go.
        d.push(&[b'x'; 5000]);
        d.push(&encode(b"?"));
        assert_eq!(d.next(), Some(Incoming::Packet(b"?".to_vec())));
    }

    #[test]
    fn addresses() {
        assert_eq!(parse_address("1234").unwrap().to_string(), "127.0.0.1:1234");
        assert_eq!(parse_address(":0").unwrap().to_string(), "127.0.0.1:0");
        assert_eq!(
            parse_address("0.0.0.0:99").unwrap().to_string(),
            "0.0.0.0:99"
        );
        assert!(parse_address("nope").is_err());
        assert_eq!(unhex("0aff"), Some(vec![10, 255]));
        assert_eq!(unhex("0af"), None);
        assert_eq!(unhex("zz"), None);
        assert_eq!(unhex("+1"), None);
        assert_eq!(parse_hex("+1"), None);
        assert_eq!(parse_hex(""), None);
        assert_eq!(parse_hex("ff"), Some(255));
        assert_eq!(
            xml_escape("/home/zoë/a&b.wasm"),
            "/home/zo&#235;/a&amp;b.wasm"
        );
    }
}
