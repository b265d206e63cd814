//! Starts `wasmscope run -g 127.0.0.1:0` on a sample and learns the port it listens on
//! (from its stderr); a raw GDB remote protocol client for packet-level tests.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

pub fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../samples")
        .canonicalize()
        .unwrap()
}

/// A `wasmscope run -g` process.
pub struct Server {
    pub child: Child,
    pub port: u16,
    /// Its stderr so far.
    pub stderr: Arc<Mutex<String>>,
}

impl Server {
    /// Serves `module` (relative to samples/) with guest `args`.
    pub fn start(module: &str, args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_wasmscope"))
            .args(["run", "-g", "127.0.0.1:0"])
            .arg(samples().join(module))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        {
            let stderr = stderr.clone();
            let pipe = child.stderr.take().unwrap();
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines() {
                    let Ok(line) = line else { return };
                    stderr.lock().unwrap().push_str(&format!("{line}\n"));
                    if let Some(rest) = line.split("waiting for a debugger on 127.0.0.1:").nth(1) {
                        let port: String = rest.chars().take_while(char::is_ascii_digit).collect();
                        let _ = tx.send(port.parse::<u16>().unwrap());
                    }
                }
            });
        }
        let port = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the server says where it listens");
        Server {
            child,
            port,
            stderr,
        }
    }

    /// Waits for the process to end: (exit code, stdout).
    pub fn finish(mut self) -> (i32, String) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let mut out = String::new();
                if let Some(mut o) = self.child.stdout.take() {
                    let _ = o.read_to_string(&mut out);
                }
                return (status.code().unwrap_or(-1), out);
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "the server did not end; stderr:\n{}",
                    self.stderr.lock().unwrap()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether the process is still running.
    pub fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A raw protocol client.
pub struct Raw {
    pub stream: TcpStream,
    buf: Vec<u8>,
}

pub fn checksum(data: &[u8]) -> u8 {
    data.iter().fold(0u8, |a, b| a.wrapping_add(*b))
}

impl Raw {
    pub fn connect(port: u16) -> Raw {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        Raw {
            stream,
            buf: Vec::new(),
        }
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    pub fn send(&mut self, payload: &str) {
        let p = format!("${payload}#{:02x}", checksum(payload.as_bytes()));
        self.send_raw(p.as_bytes());
    }

    /// The next packet's payload (acknowledgements skipped); `None` when the connection
    /// closed.
    pub fn packet(&mut self) -> Option<String> {
        loop {
            while let Some(&b) = self.buf.first() {
                if b == b'$' {
                    break;
                }
                self.buf.remove(0);
            }
            if let Some(hash) = self.buf.iter().position(|b| *b == b'#') {
                if self.buf.len() >= hash + 3 {
                    let body = String::from_utf8_lossy(&self.buf[1..hash]).into_owned();
                    self.buf.drain(..hash + 3);
                    return Some(body);
                }
            }
            let mut chunk = [0u8; 4096];
            match self.stream.read(&mut chunk) {
                Ok(0) | Err(_) => return None,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
            }
        }
    }

    /// Sends `payload` and returns the reply.
    pub fn ask(&mut self, payload: &str) -> String {
        self.send(payload);
        self.packet().expect("a reply")
    }

    /// Bytes received that are not packets (`+`, `-`), taken.
    pub fn acks(&mut self) -> Vec<u8> {
        self.stream
            .set_read_timeout(Some(Duration::from_millis(300)))
            .unwrap();
        let mut chunk = [0u8; 64];
        if let Ok(n) = self.stream.read(&mut chunk) {
            self.buf.extend_from_slice(&chunk[..n]);
        }
        self.stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let end = self
            .buf
            .iter()
            .position(|b| *b == b'$')
            .unwrap_or(self.buf.len());
        self.buf.drain(..end).collect()
    }
}
