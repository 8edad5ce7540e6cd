//! One recipient in the middle of 500 must not stop an issue. A name with a
//! line break used to make lettre panic while composing: the worker died,
//! its row stayed claimed and the issue stayed `sending` for good. Now such a
//! name cannot reach a header, and if a worker fails anyway (a fault in
//! postbode or a library) the message it held is recorded, an alert says so,
//! and a new worker takes its place.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::{Postbode, SmtpServer, soon};
use crate::{copies, issue, still_serving};
use postbode::delivery::{Probe, Stage};
use postbode::domain::clock::{Clock, SystemClock};
use postbode::domain::issue::IssueStatus;
use postbode::newsletters::IssueName;
use postbode::newsletters::ingest::Intake;
use postbode::schedule::IssueScheduler;
use postbode::startup::Daemon;
use postbode::storage::Db;
use tokio_util::sync::CancellationToken;

/// `n` confirmed subscribers `lezer{i}@example.nl`, plus `extra`, imported at once.
fn import(pb: &Postbode, n: usize, extra: &[&str]) {
    let mut csv = String::from("email,name,workshops,interests,language,reminders\n");
    for i in 0..n {
        csv.push_str(&format!("lezer{i}@example.nl,Lezer {i},,,nl,no\n"));
    }
    for e in extra {
        csv.push_str(&format!("{e},,,,nl,no\n"));
    }
    std::fs::write(pb.path("lezers.csv"), csv).expect("csv");
    pb.ok(&[
        "subscribers",
        "import",
        "lezers.csv",
        "--confirmed",
        "--consent",
        "test",
    ]);
}

/// The daemon's services for the installation in `pb`, built as `serve`
/// builds them, for a test that drives them itself.
async fn daemon_in(pb: &Postbode) -> Daemon {
    let config = postbode::config::Config::load(&pb.path("postbode.toml")).expect("config");
    let db = Db::connect_and_migrate(&config.database_url())
        .await
        .expect("database");
    Daemon::build(config, Arc::new(SystemClock), db)
        .await
        .expect("services")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_that_fails_on_one_message_fails_that_message_only() {
    let smtp = SmtpServer::start(&[]);
    let pb = Postbode::new(&smtp.url(), "");
    import(&pb, 498, &["paniek@example.nl", "breek@example.nl"]);
    let daemon = daemon_in(&pb).await;

    // The issue, taken in and started as the watcher and scheduler do.
    let subject = "Platformnieuws met een haperende medewerker";
    let send_at = soon(1);
    let path = pb.path("newsletters/2027-09-haper.md");
    let text = issue(subject, &send_at);
    std::fs::write(&path, &text).expect("issue");
    let intake = Intake {
        db: &daemon.db,
        pipeline: &daemon.issues,
        tz: daemon.config.timezone(),
        now: SystemClock.now(),
    };
    intake
        .ingest(&IssueName::of(&path).expect("name"), &text)
        .await
        .expect("taken in");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    IssueScheduler::new(
        daemon.db.clone(),
        daemon.clock.clone(),
        daemon.config.timezone(),
        daemon.issues.clone(),
        daemon.wake_scheduler.clone(),
        daemon.wake_sender.clone(),
    )
    .tick()
    .await
    .expect("started");

    // Two faults: one while composing, one after `sending` was written.
    let probe: Probe = Arc::new(|stage, r| match (stage, r.email.as_str()) {
        (Stage::Compose, "paniek@example.nl") => panic!("injected fault while composing"),
        (Stage::Send, "breek@example.nl") => panic!("injected fault while sending"),
        _ => {}
    });
    let engine = daemon.engine_with(Some(probe));
    let stop = CancellationToken::new();
    let running = tokio::spawn(engine.run(stop.clone()));
    let end = Instant::now() + Duration::from_secs(90);
    loop {
        let row = daemon
            .db
            .issue_by_slug("2027-09-haper")
            .await
            .expect("issue")
            .expect("stored");
        if row.status == IssueStatus::Sent {
            break;
        }
        assert!(Instant::now() < end, "the issue stays {}", row.status);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let now = SystemClock.now().timestamp();
    assert_eq!(
        daemon.liveness.problem(now),
        None,
        "every worker runs again"
    );
    stop.cancel();
    running.await.expect("the sender stops");

    let got = copies(&smtp, subject);
    assert_eq!(got.len(), 498, "everyone else got it");
    assert!(got.values().all(|n| *n == 1), "exactly once each");
    assert!(!got.contains_key("paniek@example.nl"));
    assert!(!got.contains_key("breek@example.nl"));
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT s.email, d.state, d.last_reply FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
         WHERE s.email IN ('paniek@example.nl', 'breek@example.nl') ORDER BY s.email",
    )
    .fetch_all(&daemon.db.pool)
    .await
    .expect("rows");
    assert_eq!(rows[0].0, "breek@example.nl");
    assert_eq!(rows[0].1, "unknown", "it was past `sending`: {rows:?}");
    assert!(
        rows[0].2.contains("injected fault while sending"),
        "{rows:?}"
    );
    assert_eq!(rows[1].1, "failed", "{rows:?}");
    assert!(
        rows[1]
            .2
            .contains("internal error: injected fault while composing"),
        "{rows:?}"
    );

    // The operator sees both in `postbode status`.
    let status = pb.ok(&["status"]);
    assert!(status.contains("meldingen (nieuwste eerst)"), "{status}");
    assert!(status.contains("a delivery worker stopped"), "{status}");
    assert!(status.contains("the other messages go on"), "{status}");
    let json = pb.status_json();
    assert_eq!(json["alerts"].as_array().map(Vec::len), Some(2), "{json}");
    assert!(
        !status.contains("paniek@example.nl"),
        "no addresses: {status}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_line_break_put_into_a_stored_name_reaches_no_header() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    import(&pb, 499, &["anouk@example.nl"]);
    pb.serve();
    // Written behind postbode's back while it runs: an import tool, a
    // hand-made SQL fix, a restored backup.
    pb.sql("UPDATE subscribers SET name = 'Anouk' || char(13) || char(10) || 'Bcc: everyone@example.org' WHERE email = 'anouk@example.nl'").await;
    let subject = "Platformnieuws voor vijfhonderd";
    pb.drop_issue("2027-10-vijfhonderd.md", &issue(subject, &soon(3)));
    pb.wait_issue("2027-10-vijfhonderd", "sent", 90);
    let got = copies(&smtp, subject);
    assert_eq!(got.len(), 500, "all 500");
    assert!(got.values().all(|n| *n == 1), "exactly once each");
    let anouk = smtp
        .with_subject(subject)
        .into_iter()
        .find(|m| m.rcpt == "anouk@example.nl")
        .expect("anouk's copy");
    let raw = String::from_utf8_lossy(&anouk.raw);
    assert!(!raw.contains("\r\nBcc:"), "no header injected");
    assert!(anouk.header("Bcc").is_none());
    let parsed = anouk.parsed();
    let to = parsed.to().and_then(|a| a.first()).expect("To");
    assert_eq!(
        to.name(),
        Some("Anouk Bcc: everyone@example.org"),
        "the cleaned name"
    );
    assert_eq!(to.address(), Some("anouk@example.nl"));
    still_serving(&pb).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn healthz_says_so_while_the_sender_is_not_running() {
    let pb = Postbode::new("file://outbox", "");
    let daemon = daemon_in(&pb).await;
    let stop = CancellationToken::new();
    let web = tokio::spawn(postbode::web::serve(daemon.web(), stop.clone()));
    let healthz = || async {
        let end = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(r) = reqwest::get(format!("{}/healthz", pb.base_url())).await {
                return (r.status().as_u16(), r.text().await.expect("body"));
            }
            assert!(Instant::now() < end, "the web pages never answered");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    // The pages run, the sender does not: a probe must not call that healthy.
    let (status, body) = healthz().await;
    assert_eq!(status, 503, "{body}");
    assert!(
        body.contains("4 of 4 delivery workers are not running"),
        "{body}"
    );
    let running = tokio::spawn(daemon.engine().run(stop.clone()));
    let end = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = healthz().await;
        if status == 200 {
            assert_eq!(body, "ok\n");
            break;
        }
        assert!(Instant::now() < end, "still {status}: {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.cancel();
    running.await.expect("sender stops");
    web.await.expect("web stops").expect("web ran");
}
