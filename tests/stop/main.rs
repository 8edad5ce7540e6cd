//! The operator's emergency stop (SPEC §8): `postbode pause`, `resume` and
//! `cancel` while an issue is being sent to 5,000 subscribers through a real
//! SMTP server, on SQLite and on two `serve` processes sharing PostgreSQL.
//!
//! What may still arrive after a stop returns: the messages that were being
//! handed to the server at that moment. A worker marks a row `sending` only
//! in a statement that also checks the stop, and holds one row at a time, so
//! that is at most one message per SMTP connection of each process.

#[path = "../common/mod.rs"]
mod common;

use common::{Postbode, SmtpServer, soon};
use std::collections::HashMap;
use std::process::Output;
use std::time::{Duration, Instant};

const RECIPIENTS: usize = 5000;
const CONNECTIONS: usize = 4;
const SUBJECT: &str = "Platformnieuws noodstop";

/// Slow enough to act halfway, fast enough to finish in well under a minute.
fn env(rate: &'static str) -> [(&'static str, &'static str); 3] {
    [
        ("POSTBODE_SMTP__CONNECTIONS", "4"),
        ("POSTBODE_SMTP__RATE_PER_SECOND", rate),
        ("POSTBODE_SMTP__RETRY_BASE_SECS", "1"),
    ]
}

fn issue(subject: &str, send_at: &str) -> String {
    format!("---\nsubject: {subject}\nsend_at: {send_at}\n---\nNieuws voor iedereen.\n")
}

fn wait(what: &str, secs: u64, mut done: impl FnMut() -> bool) {
    let end = Instant::now() + Duration::from_secs(secs);
    while !done() {
        assert!(Instant::now() < end, "{what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Every recipient of `subject` at most once; returns how many got it.
fn once_each(smtp: &SmtpServer, subject: &str) -> usize {
    let mut copies: HashMap<String, usize> = HashMap::new();
    for r in smtp.recipients_of(subject) {
        *copies.entry(r).or_default() += 1;
    }
    let twice: Vec<_> = copies.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "sent twice: {twice:?}");
    copies.len()
}

fn deliveries(pb: &Postbode, slug: &str, state: &str) -> i64 {
    let i = pb.issue_status(slug).expect("the issue");
    i["deliveries"][state].as_i64().unwrap_or(0)
}

/// Stops the issue once 500 of its messages arrived (`base` were there
/// before it started); asserts that no more than `in_flight` arrive after
/// the command returned. Returns how many messages there are then.
fn stop_midway(
    smtp: &SmtpServer,
    pb: &Postbode,
    command: &str,
    slug: &str,
    base: usize,
    in_flight: usize,
) -> (usize, String) {
    wait("the issue never got going", 60, || {
        smtp.count() >= base + 500
    });
    let out = pb.cli(&[command, slug]);
    let at_return = smtp.count();
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(
        at_return - base < RECIPIENTS,
        "stopped too late to tell: {said}"
    );
    // Long enough for several hundred messages at the rates used here.
    std::thread::sleep(Duration::from_secs(4));
    let after = smtp.count();
    assert!(
        after - at_return <= in_flight,
        "{} messages arrived after `{command}` returned, at most {in_flight} were being sent",
        after - at_return
    );
    (after, said)
}

fn pause_and_resume(smtp: &SmtpServer, pb: &Postbode, in_flight: usize) {
    let (got, said) = stop_midway(smtp, pb, "pause", "noodstop", 0, in_flight);
    assert!(said.contains("noodstop is gepauzeerd"), "{said}");
    assert!(said.contains("Verstuurd: "), "{said}");
    assert_eq!(
        pb.issue_status("noodstop").expect("issue")["status"],
        "paused"
    );
    // Paused means paused: nothing moves while it is.
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(smtp.count(), got, "mail went out while paused");
    let again = pb.cli(&["pause", "noodstop"]);
    assert!(again.status.success(), "{}", text(&again));
    assert!(
        text(&again).contains("was al gepauzeerd"),
        "{}",
        text(&again)
    );
    // Someone who signs up while the issue is paused is not one of its
    // recipients: those were fixed when it started.
    pb.add("laat@example.nl", "Laat", &[], &[]);

    let out = pb.cli(&["resume", "noodstop"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("gaat verder"), "{}", text(&out));
    pb.wait_issue("noodstop", "sent", 120);
    assert_eq!(
        once_each(smtp, SUBJECT),
        RECIPIENTS,
        "everyone exactly once"
    );
    assert!(
        !smtp
            .recipients_of(SUBJECT)
            .contains(&"laat@example.nl".to_string())
    );
    assert_eq!(deliveries(pb, "noodstop", "sent"), RECIPIENTS as i64);
    let late = pb.cli(&["resume", "noodstop"]);
    assert_ne!(late.status.code(), Some(0), "{}", text(&late));
    assert!(
        text(&late).contains("al naar iedereen verstuurd"),
        "{}",
        text(&late)
    );
}

fn cancel_midway(smtp: &SmtpServer, pb: &Postbode, slug: &str, subject: &str, in_flight: usize) {
    let before = smtp.count();
    let (after, said) = stop_midway(smtp, pb, "cancel", slug, before, in_flight);
    assert!(said.contains(&format!("{slug} is geannuleerd")), "{said}");
    let got = once_each(smtp, subject);
    assert_eq!(got, after - before);
    let i = pb.issue_status(slug).expect("issue");
    assert_eq!(i["status"], "cancelled", "{i}");
    let (sent, cancelled) = (
        deliveries(pb, slug, "sent"),
        deliveries(pb, slug, "cancelled"),
    );
    assert_eq!(sent, got as i64, "{i}");
    // Everyone active when it started: the subscriber who joined during the
    // paused first issue included.
    let active = pb.status_json()["subscribers"]["active"].as_i64();
    assert_eq!(Some(sent + cancelled), active, "{i}");
    assert!(cancelled > 0, "{i}");
    let shown = pb.ok(&["status"]);
    assert!(
        shown.contains(&format!("cancelled {cancelled}")),
        "status shows the cancelled rows:\n{shown}"
    );
    // Final: not resumed, not brought back by its file.
    let out = pb.cli(&["resume", slug]);
    assert_ne!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("geannuleerd en kan niet hervat"),
        "{}",
        text(&out)
    );
    pb.drop_issue(&format!("{slug}.md"), &issue(subject, &soon(2)));
    pb.wait_issue_until(slug, 20, "the edit refused with a warning", |i| {
        i["warning"]
            .as_str()
            .is_some_and(|w| w.contains("postbode cancel"))
    });
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(smtp.count(), after, "the edited file sent nothing");
    assert_eq!(pb.issue_status(slug).expect("issue")["status"], "cancelled");
}

#[test]
fn pause_holds_the_send_and_resume_sends_everyone_exactly_once_on_sqlite() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    pb.import_members(RECIPIENTS);
    pb.serve_with_env(&env("200"));
    pb.drop_issue("noodstop.md", &issue(SUBJECT, &soon(2)));
    pause_and_resume(&smtp, &pb, CONNECTIONS);
    pb.stop();
}

#[test]
fn cancel_stops_the_send_for_good_on_sqlite() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    pb.import_members(RECIPIENTS);
    pb.serve_with_env(&env("200"));
    pb.drop_issue("afgelast.md", &issue("Afgelast nummer", &soon(2)));
    cancel_midway(&smtp, &pb, "afgelast", "Afgelast nummer", CONNECTIONS);
    pb.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn two_processes_on_postgresql_stop_together() {
    let Some(url) = common::postgres_database().await else {
        return;
    };
    let smtp = SmtpServer::start(&[]);
    let mut a = Postbode::new(&smtp.url(), "");
    a.use_database(&url);
    let mut b = Postbode::new(&smtp.url(), "");
    b.use_database(&url);
    let mut cfg = std::fs::read_to_string(b.path("postbode.toml")).expect("config");
    cfg.push_str(&format!(
        "\n[paths]\nnewsletters = \"{}\"\n",
        a.path("newsletters").display()
    ));
    std::fs::write(b.path("postbode.toml"), cfg).expect("config");
    a.import_members(RECIPIENTS);
    a.serve_with_env(&env("100"));
    b.serve_with_env(&env("100"));
    // Both take part, so a stop must reach the process that did not get it.
    a.drop_issue("noodstop.md", &issue(SUBJECT, &soon(3)));
    pause_and_resume(&smtp, &b, 2 * CONNECTIONS);
    a.drop_issue("afgelast.md", &issue("Afgelast nummer", &soon(2)));
    cancel_midway(&smtp, &a, "afgelast", "Afgelast nummer", 2 * CONNECTIONS);
    a.stop();
    b.stop();
    common::postgres_drop(&url).await;
}

/// A scheduled issue that is paused does not start at its time; in English
/// when the platform speaks English.
#[test]
fn a_paused_scheduled_issue_waits_for_resume() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    let cfg = std::fs::read_to_string(pb.path("postbode.toml")).expect("config");
    let cfg = cfg.replace("editors = []", "editors = []\nlanguage = \"en\"");
    std::fs::write(pb.path("postbode.toml"), cfg).expect("config");
    pb.import_members(3);
    pb.serve();
    pb.drop_issue("later.md", &issue("Later nummer", &soon(4)));
    pb.wait_issue("later", "scheduled", 20);
    let out = pb.cli(&["pause", "later"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("later is paused: sending does not start"),
        "{}",
        text(&out)
    );
    assert_eq!(pb.issue_status("later").expect("issue")["status"], "paused");
    std::thread::sleep(Duration::from_secs(7));
    assert_eq!(smtp.count(), 0, "a paused issue started");
    assert_eq!(pb.issue_status("later").expect("issue")["status"], "paused");
    let out = pb.cli(&["resume", "later"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("no longer paused"), "{}", text(&out));
    pb.wait_issue("later", "sent", 30);
    assert_eq!(once_each(&smtp, "Later nummer"), 3);

    let out = pb.cli(&["cancel", "bestaat-niet"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        text(&out).contains("There is no issue named bestaat-niet"),
        "{}",
        text(&out)
    );
    let out = pb.cli(&["pause", "later"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        text(&out).contains("cannot be paused: its status is sent"),
        "{}",
        text(&out)
    );
    pb.stop();
}
