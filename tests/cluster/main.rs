//! Two `postbode serve` processes on one PostgreSQL database (SPEC §9): both
//! send, sharing the ledger; one at a time leads (folder watcher, scheduler,
//! jobs). Killing the leader with SIGKILL while it sends: the other takes the
//! lead and the dead one's rows, and nobody gets an issue twice.

#[path = "../common/mod.rs"]
mod common;

use common::{Postbode, SmtpServer, soon};
use sqlx::Row;
use std::collections::HashMap;
use std::time::{Duration, Instant};

const SUBSCRIBERS: usize = 2000;

fn on_database(pb: &Postbode, url: &str, newsletters: Option<&Postbode>) {
    pb.use_database(url);
    if let Some(first) = newsletters {
        let mut cfg = std::fs::read_to_string(pb.path("postbode.toml")).expect("config");
        cfg.push_str(&format!(
            "\n[paths]\nnewsletters = \"{}\"\n",
            first.path("newsletters").display()
        ));
        std::fs::write(pb.path("postbode.toml"), cfg).expect("config");
    }
}

fn issue(subject: &str, send_at: &str) -> String {
    format!("---\nsubject: {subject}\nsend_at: {send_at}\n---\nNieuws voor iedereen.\n")
}

fn leads(pb: &Postbode) -> bool {
    pb.log().contains("this process leads")
}

fn wait(what: &str, secs: u64, mut done: impl FnMut() -> bool) {
    let end = Instant::now() + Duration::from_secs(secs);
    while !done() {
        assert!(Instant::now() < end, "{what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_processes_share_the_sending_and_one_takes_over_when_the_leader_dies() {
    let Some(url) = common::postgres_database().await else {
        return;
    };
    let smtp = SmtpServer::start(&[]);
    let mut a = Postbode::new(&smtp.url(), "");
    on_database(&a, &url, None);
    let mut b = Postbode::new(&smtp.url(), "");
    on_database(&b, &url, Some(&a));

    a.import_members(SUBSCRIBERS);

    let env = [
        ("POSTBODE_SMTP__CONNECTIONS", "3"),
        ("POSTBODE_SMTP__RETRY_BASE_SECS", "1"),
    ];
    a.serve_with_env(&env);
    wait("a never led", 15, || leads(&a));
    b.serve_with_env(&env);
    std::thread::sleep(Duration::from_secs(4));
    assert!(!leads(&b), "only one leader:\n{}", b.log());

    // The first issue: both processes send it, nobody twice.
    a.drop_issue("eerste.md", &issue("Eerste nummer", &soon(3)));
    a.wait_issue("eerste", "sent", 120);
    let mut got = smtp.recipients_of("Eerste nummer");
    got.dedup();
    assert_eq!(got.len(), SUBSCRIBERS, "every subscriber exactly once");
    assert_eq!(smtp.recipients_of("Eerste nummer").len(), SUBSCRIBERS);
    let admin = sqlx::AnyPool::connect(&url).await.expect("database");
    let per_process: Vec<i64> =
        sqlx::query("SELECT COUNT(*) FROM deliveries WHERE state = 'sent' GROUP BY claimed_by")
            .fetch_all(&admin)
            .await
            .expect("ledger")
            .iter()
            .map(|r| r.get(0))
            .collect();
    assert_eq!(per_process.len(), 2, "both processes sent: {per_process:?}");

    // The second issue: the leader is killed while the issue is being sent.
    a.drop_issue("tweede.md", &issue("Tweede nummer", &soon(3)));
    wait("the second issue never started", 30, || {
        smtp.recipients_of("Tweede nummer").len() > 200
    });
    a.kill();
    // b takes the lead and a's rows, and finishes the issue.
    wait("b never took the lead", 20, || leads(&b));
    let done = b.wait_issue("tweede", "sent", 120);
    assert!(
        b.log()
            .contains("another postbode process stopped while sending"),
        "{}",
        b.log()
    );
    let unknown = done["deliveries"]["unknown"].as_i64().unwrap_or(0);
    let sent = done["deliveries"]["sent"].as_i64().unwrap_or(0);
    assert_eq!(sent + unknown, SUBSCRIBERS as i64, "{done}");
    let mut copies: HashMap<String, usize> = HashMap::new();
    for r in smtp.recipients_of("Tweede nummer") {
        *copies.entry(r).or_default() += 1;
    }
    assert!(
        copies.values().all(|&n| n == 1),
        "duplicates: {:?}",
        copies.iter().filter(|(_, n)| **n > 1).collect::<Vec<_>>()
    );
    // Missing only where the kill left a message's fate unknown.
    assert!(
        copies.len() as i64 >= SUBSCRIBERS as i64 - unknown,
        "{done}"
    );

    // The new leader watches the folder: a third issue goes out.
    // The shared folder is a's (a is gone, its folder is not).
    a.drop_issue("derde.md", &issue("Derde nummer", &soon(3)));
    b.wait_issue("derde", "sent", 120);
    assert_eq!(smtp.recipients_of("Derde nummer").len(), SUBSCRIBERS);
    b.stop();
    admin.close().await;
    common::postgres_drop(&url).await;
}
