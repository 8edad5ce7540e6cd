//! Attacks on links, keys and forms, performed against a real `postbode`
//! on 127.0.0.1 as someone who tries would perform them, and what the person
//! whose record is targeted would notice: nothing changes.

#[path = "../common/mod.rs"]
mod common;

mod datalinks;
mod forms;
mod keys;
mod leaks;
mod proxies;
mod resignup;

use common::Postbode;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Replaces one line of the installation's `postbode.toml`.
pub fn set_config(pb: &Postbode, from: &str, to: &str) {
    let cfg = std::fs::read_to_string(pb.path("postbode.toml")).expect("config");
    assert!(cfg.contains(from), "{from:?} not in the config");
    std::fs::write(pb.path("postbode.toml"), cfg.replace(from, to)).expect("config");
}

/// Starts `postbode serve`, which must refuse to run: (exit code, stderr).
pub fn serve_refused(pb: &Postbode, env: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut child = Command::new(common::BIN)
        .arg("serve")
        .current_dir(pb.dir.path())
        .env("POSTBODE_LOG", "warn")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn serve");
    let end = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let out = child.wait_with_output().expect("output");
            return (
                status.code(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            );
        }
        if Instant::now() > end {
            let _ = child.kill();
            panic!("serve started although it should have refused");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// What a person would see of their record, without the bookkeeping.
pub fn record(pb: &Postbode, email: &str) -> serde_json::Value {
    let s = pb.subscriber(email);
    serde_json::json!({
        "status": s["status"], "name": s["name"], "language": s["language"],
        "workshops": s["workshops"], "interests": s["interests"],
        "reminders": s["reminders"], "confirmed_at": s["confirmed_at"],
        "unsubscribed_at": s["unsubscribed_at"],
    })
}

/// The consent history of `email` as `subscribers export` shows it.
pub fn consent_history(pb: &Postbode, email: &str) -> Vec<serde_json::Value> {
    let data: serde_json::Value =
        serde_json::from_str(&pb.ok(&["subscribers", "export", email])).expect("json");
    data["consents"].as_array().cloned().unwrap_or_default()
}

/// Waits until the daemon's log contains `needle`.
pub fn wait_for_log(pb: &Postbode, needle: &str) {
    let end = Instant::now() + Duration::from_secs(20);
    while !pb.log().contains(needle) {
        assert!(
            Instant::now() < end,
            "never logged {needle:?}:\n{}",
            pb.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
