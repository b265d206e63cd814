//! A small Debug Adapter Protocol client for the tests: it starts an adapter process
//! (`wasmscope dap`, `lldb-dap-22`), sends requests and waits for their responses and
//! for events, with a time limit on every wait (a test fails, it never hangs).

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value as Json};

/// How long any one wait lasts at most.
pub const WAIT: Duration = Duration::from_secs(60);

/// A running adapter.
pub struct Client {
    child: Child,
    stdin: ChildStdin,
    rx: mpsc::Receiver<Json>,
    seq: i64,
    /// Every event received so far, in order.
    pub events: Vec<Json>,
    /// Responses that arrived while waiting for something else.
    responses: Vec<Json>,
}

fn read_message(input: &mut impl BufRead) -> Option<Json> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if input.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            if length.is_some() {
                break;
            }
            continue;
        }
        if let Some(v) = line.strip_prefix("Content-Length:") {
            length = v.trim().parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    input.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

impl Client {
    /// Starts `command` as the adapter.
    pub fn start(mut command: Command) -> Client {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the adapter starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut input = BufReader::new(stdout);
            while let Some(m) = read_message(&mut input) {
                if tx.send(m).is_err() {
                    return;
                }
            }
        });
        Client {
            child,
            stdin,
            rx,
            seq: 0,
            events: Vec::new(),
            responses: Vec::new(),
        }
    }

    /// Sends raw bytes (for malformed-input tests).
    pub fn send_raw(&mut self, bytes: &[u8]) {
        let _ = self.stdin.write_all(bytes);
        let _ = self.stdin.flush();
    }

    /// Sends a request; returns its sequence number.
    pub fn send(&mut self, command: &str, arguments: Json) -> i64 {
        self.seq += 1;
        let body = json!({
            "seq": self.seq,
            "type": "request",
            "command": command,
            "arguments": arguments,
        })
        .to_string();
        self.send_raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
        self.seq
    }

    fn receive(&mut self, deadline: Instant) -> Json {
        let left = deadline.saturating_duration_since(Instant::now());
        let m = self.rx.recv_timeout(left).unwrap_or_else(|_| {
            panic!(
                "no message from the adapter in time; events so far: {:#?}",
                self.events
            )
        });
        if m["type"] == "event" {
            self.events.push(m.clone());
        }
        m
    }

    /// Sends a request and waits for its response (success or not).
    pub fn request(&mut self, command: &str, arguments: Json) -> Json {
        let seq = self.send(command, arguments);
        self.response(seq)
    }

    /// Waits for the response to request `seq`.
    pub fn response(&mut self, seq: i64) -> Json {
        if let Some(i) = self.responses.iter().position(|r| r["request_seq"] == seq) {
            return self.responses.remove(i);
        }
        let deadline = Instant::now() + WAIT;
        loop {
            let m = self.receive(deadline);
            if m["type"] == "response" {
                if m["request_seq"] == seq {
                    return m;
                }
                self.responses.push(m);
            }
        }
    }

    /// Sends a request that must succeed; its body.
    pub fn ok(&mut self, command: &str, arguments: Json) -> Json {
        let r = self.request(command, arguments);
        assert_eq!(r["success"], true, "{command} failed: {r:#}");
        r["body"].clone()
    }

    /// Waits for the next event named `event` after the `seen` first events; its body.
    pub fn event_after(&mut self, event: &str, seen: usize) -> Json {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(e) = self.events.iter().skip(seen).find(|e| e["event"] == event) {
                return e["body"].clone();
            }
            let m = self.receive(deadline);
            if m["type"] == "response" {
                self.responses.push(m);
            }
        }
    }

    /// Waits for the first event named `event` not yet taken by [`Client::take_event`].
    pub fn take_event(&mut self, event: &str) -> Json {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(i) = self.events.iter().position(|e| e["event"] == event) {
                let e = self.events.remove(i);
                return e["body"].clone();
            }
            let m = self.receive(deadline);
            if m["type"] == "response" {
                self.responses.push(m);
            } else if m["type"] == "event" {
                // receive() kept it in `events`.
            }
        }
    }

    /// The guest's output so far (the `stdout` category of `output` events).
    pub fn stdout(&self) -> String {
        self.events
            .iter()
            .filter(|e| e["event"] == "output" && e["body"]["category"] == "stdout")
            .filter_map(|e| e["body"]["output"].as_str())
            .collect()
    }

    /// Frame 0's id, name, source path and line, after a stop.
    pub fn top_frame(&mut self) -> (i64, String, String, i64) {
        let body = self.ok(
            "stackTrace",
            json!({ "threadId": 1, "startFrame": 0, "levels": 20 }),
        );
        let f = &body["stackFrames"][0];
        (
            f["id"].as_i64().unwrap(),
            f["name"].as_str().unwrap_or("").to_string(),
            f["source"]["path"].as_str().unwrap_or("").to_string(),
            f["line"].as_i64().unwrap_or(0),
        )
    }

    /// The variables of frame `frame`'s first scope (its locals): name → value.
    pub fn locals(&mut self, frame: i64) -> Vec<(String, String)> {
        let scopes = self.ok("scopes", json!({ "frameId": frame }));
        let r = scopes["scopes"][0]["variablesReference"].clone();
        let vars = self.ok("variables", json!({ "variablesReference": r }));
        vars["variables"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                (
                    v["name"].as_str().unwrap_or("").to_string(),
                    v["value"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    }

    /// Waits for the adapter to end; its exit status.
    pub fn wait(mut self) -> i32 {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().unwrap_or(-1);
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the adapter did not end");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
