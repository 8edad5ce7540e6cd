//! Hostile input, tried from outside as a stranger would: names with line
//! breaks and bidi overrides through every way a name comes in, issue files
//! that are deep, huge, links, pipes or not text, every RFC 3463 refusal
//! through both the sender and `postbode bounce`, reports and servers that
//! answer nonsense, and a worker that fails in the middle of a send.
//!
//! Each case runs real processes on real sockets (or the real sender on a
//! real database and SMTP server) and asserts what a user would notice: the
//! daemon keeps serving, every other subscriber gets exactly one mail, the
//! bad input gets a clear message, nothing is lost.

#[path = "../common/mod.rs"]
mod common;

mod files;
mod names;
mod peers;
mod replies;
mod reports;
mod supervision;

use common::{Postbode, SmtpServer};
use std::collections::BTreeMap;

/// A subject line that appears nowhere else.
pub fn issue(subject: &str, send_at: &str) -> String {
    format!(
        "---\nsubject: {subject}\nsend_at: {send_at}\n---\nHallo {{{{ subscriber.name }}}},\n\nDit is het nieuws.\n"
    )
}

/// How many messages with `subject` each recipient got.
pub fn copies(smtp: &SmtpServer, subject: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for r in smtp.recipients_of(subject) {
        *out.entry(r).or_default() += 1;
    }
    out
}

/// GET `path` on the daemon: (status, body).
pub async fn get(pb: &Postbode, path: &str) -> (u16, String) {
    let r = reqwest::get(format!("{}{path}", pb.base_url()))
        .await
        .expect("GET");
    let status = r.status().as_u16();
    (status, r.text().await.expect("body"))
}

/// POST a urlencoded form to the daemon: (status, body). The sign-up form
/// goes with a fresh form token, as a browser sends it.
pub async fn post(pb: &Postbode, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
    match path {
        "/subscribe" => pb.sign_up(fields, &[]).await,
        _ => pb.post_form(path, fields, &[]).await,
    }
}

/// Every subscriber as `subscribers list --json` shows them.
pub fn subscribers(pb: &Postbode) -> Vec<serde_json::Value> {
    serde_json::from_str::<serde_json::Value>(&pb.ok(&["subscribers", "list", "--json"]))
        .expect("json")
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Asserts the daemon still answers `/healthz` with 200.
pub async fn still_serving(pb: &Postbode) {
    let (status, body) = get(pb, "/healthz").await;
    assert_eq!(status, 200, "healthz: {body}\n{}", pb.log());
}
