//! A real webhook receiver (tests/support/webhook_receiver.py) that checks
//! every signature with Python's hmac, as an operator's receiver would.

use serde_json::Value;
use std::io::Write;
use std::process::{Child, ChildStdin};
use std::time::{Duration, Instant};

use crate::common::python_server;

pub struct Receiver {
    child: Child,
    stdin: ChildStdin,
    pub port: u16,
}

impl Receiver {
    /// Listens on `port` (0: any free one), checking signatures with
    /// `secret`; what arrives is appended to `out`.
    pub fn start(secret: &str, out: &std::path::Path, port: u16) -> Self {
        Self::answering(secret, out, port, 200)
    }

    /// Like `start`, answering every request with `status` from the first.
    pub fn answering(secret: &str, out: &std::path::Path, port: u16, status: u16) -> Self {
        let args = [
            secret.to_string(),
            out.display().to_string(),
            port.to_string(),
            status.to_string(),
        ];
        let (mut child, port) = python_server("webhook_receiver.py", &args);
        let stdin = child.stdin.take().expect("stdin");
        Self { child, stdin, port }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hooks/postbode", self.port)
    }

    /// `status N` or `hang N` (see the script).
    pub fn tell(&mut self, command: &str) {
        writeln!(self.stdin, "{command}").expect("receiver stdin");
        self.stdin.flush().expect("flush");
        // The script reads its stdin in another thread.
        std::thread::sleep(Duration::from_millis(200));
    }

    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every request recorded in `out`, in arrival order.
pub fn records(out: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(out)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// The requests the receiver accepted (signature valid, answered 200).
pub fn accepted(out: &std::path::Path) -> Vec<Value> {
    records(out)
        .into_iter()
        .filter(|r| r["valid"] == true && r["answered"] == 200)
        .collect()
}

/// The distinct delivery ids the receiver accepted.
pub fn accepted_ids(out: &std::path::Path) -> std::collections::HashSet<String> {
    accepted(out)
        .iter()
        .filter_map(|r| r["delivery"].as_str().map(String::from))
        .collect()
}

/// Waits until `done` holds for the records in `out`.
pub fn wait_until(
    out: &std::path::Path,
    secs: u64,
    what: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let end = Instant::now() + Duration::from_secs(secs);
    loop {
        let r = records(out);
        if done(&r) {
            return r;
        }
        assert!(
            Instant::now() < end,
            "waited {secs}s for {what}; got {:#?}",
            r
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
