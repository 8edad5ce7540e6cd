//! SPEC §9 "Exactly once" and "Nothing lost": a large issue goes out through a
//! real SMTP server while the daemon is killed with SIGKILL again and again, and
//! through a server that misbehaves (4xx, 5xx, dropped connections, stalls).
//! Every subscriber gets it exactly once; only a message whose fate the daemon
//! cannot know (it was inside the DATA exchange) may be `unknown`, and such a
//! one arrived at most once.

#[path = "../common/mod.rs"]
mod common;

use common::{Postbode, SmtpServer, soon};
use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

/// The misbehaving-server test gives up on a silent server after 2 s; the tests
/// of this file run one at a time so the large send cannot starve it of CPU.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const SUBSCRIBERS: usize = 5_000;
const SLUG: &str = "2027-03-platformnieuws";
const CONNECTIONS: &str = "6";

fn address(i: usize) -> String {
    format!("lezer{i:05}@example.nl")
}

/// Writes `n` confirmed subscribers as CSV and imports them in one command.
/// Every third one follows a workshop, so the issue has more than one variant.
fn import(pb: &Postbode, n: usize) {
    let mut csv = String::from("email,name,workshops,interests,language,reminders\n");
    for i in 0..n {
        let workshop = if i % 3 == 0 { "arbeid-en-inclusie" } else { "" };
        let language = if i % 5 == 0 { "en" } else { "nl" };
        csv.push_str(&format!(
            "{},Lezer {i},{workshop},,{language},no\n",
            address(i)
        ));
    }
    let file = pb.path("subscribers.csv");
    std::fs::write(&file, csv).expect("write csv");
    let out = pb.ok(&[
        "subscribers",
        "import",
        file.to_str().expect("utf-8 path"),
        "--confirmed",
        "--consent",
        "test",
    ]);
    assert!(out.contains(&format!("imported {n} subscribers")), "{out}");
}

fn issue(send_at: &str) -> String {
    format!(
        "---\nsubject: Platformnieuws maart\nsend_at: {send_at}\n---\nBeste {{{{ subscriber.name }}}},\n\n\
## Werkplaats Arbeid en Inclusie {{workshops=arbeid-en-inclusie}}\nAlleen voor de werkplaats.\n\n\
## Samen Wijzer Servicepunt\nVoor iedereen.\n"
    )
}

/// How many messages the server has stored (cheap: a directory listing).
fn stored(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .expect("read dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .count()
}

/// Waits until the server stored at least `n` messages, then SIGKILLs the daemon.
fn kill_after(pb: &mut Postbode, smtp: &SmtpServer, n: usize, secs: u64) -> usize {
    let end = Instant::now() + Duration::from_secs(secs);
    loop {
        let got = stored(smtp.dir.path());
        if got >= n {
            pb.kill();
            return got;
        }
        assert!(
            Instant::now() < end,
            "only {got} of {n} messages after {secs}s; log:\n{}",
            tail(&pb.log())
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The count once the server has written what it was receiving at the kill.
fn settled(smtp: &SmtpServer) -> usize {
    let mut last = stored(smtp.dir.path());
    loop {
        std::thread::sleep(Duration::from_millis(300));
        let now = stored(smtp.dir.path());
        if now == last {
            return now;
        }
        last = now;
    }
}

fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

fn unknown_count(pb: &Postbode) -> i64 {
    pb.issue_status(SLUG)
        .and_then(|i| i["deliveries"]["unknown"].as_i64())
        .unwrap_or(0)
}

/// One ledger row as the database has it.
struct Row {
    state: String,
    message_id: String,
}

async fn ledger(pb: &Postbode, slug: &str) -> HashMap<String, Row> {
    let db = pb.sqlite().await;
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT s.email_key, d.state, d.message_id FROM deliveries d
         JOIN subscribers s ON s.id = d.subscriber_id JOIN issues i ON i.id = d.issue_id
         WHERE i.slug = $1",
    )
    .bind(slug)
    .fetch_all(&db)
    .await
    .expect("ledger rows");
    db.close().await;
    rows.into_iter()
        .map(|(email, state, message_id)| (email, Row { state, message_id }))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn killing_the_daemon_again_and_again_while_it_sends_loses_and_duplicates_nothing() {
    let _one = ONE_AT_A_TIME.lock().await;
    let started = Instant::now();
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    import(&pb, SUBSCRIBERS);
    eprintln!(
        "imported {SUBSCRIBERS} subscribers in {:?}",
        started.elapsed()
    );
    let env = [("POSTBODE_SMTP__CONNECTIONS", CONNECTIONS)];

    pb.serve_with_env(&env);
    pb.drop_issue(&format!("{SLUG}.md"), &issue(&soon(2)));
    // Kill points: inside the very first batch, then part-way through; one
    // restart is killed as soon as it answers, while it recovers and claims.
    let mut unknown = 0;
    for (phase, at) in [Some(1), Some(500), None, Some(2000), Some(3500)]
        .into_iter()
        .enumerate()
    {
        let seen = match at {
            Some(n) => kill_after(&mut pb, &smtp, n, 90),
            None => {
                pb.kill();
                stored(smtp.dir.path())
            }
        };
        let after = settled(&smtp);
        pb.serve_with_env(&env);
        let now_unknown = unknown_count(&pb);
        eprintln!(
            "phase {phase}: killed at {seen} stored messages ({after} once settled); \
             {} rows became unknown ({now_unknown} in all); {:?}",
            now_unknown - unknown,
            started.elapsed()
        );
        unknown = now_unknown;
    }
    let done = pb.wait_issue(SLUG, "sent", 150);
    pb.stop();
    let messages = smtp.messages();
    eprintln!(
        "finished: {} messages received, deliveries {}; {:?}",
        messages.len(),
        done["deliveries"],
        started.elapsed()
    );

    let rows = ledger(&pb, SLUG).await;
    assert_eq!(rows.len(), SUBSCRIBERS, "one ledger row per subscriber");
    let mut received: HashMap<&str, Vec<String>> = HashMap::new();
    for m in &messages {
        let id = m.header("Message-ID").expect("Message-ID");
        received.entry(m.rcpt.as_str()).or_default().push(id);
    }
    let strangers: Vec<_> = received
        .keys()
        .filter(|r| !rows.contains_key(**r))
        .collect();
    assert!(
        strangers.is_empty(),
        "mail to non-subscribers: {strangers:?}"
    );

    let (mut sent, mut unknown_rows, mut unknown_received) = (0, 0, 0);
    let mut problems = Vec::new();
    for i in 0..SUBSCRIBERS {
        let who = address(i);
        let row = &rows[&who];
        let got = received.get(who.as_str()).map_or(&[][..], |v| v.as_slice());
        match row.state.as_str() {
            "sent" => {
                sent += 1;
                if got.len() != 1 {
                    problems.push(format!("{who}: sent, received {} times", got.len()));
                } else if got[0] != row.message_id {
                    problems.push(format!(
                        "{who}: received {} but the ledger sent {}",
                        got[0], row.message_id
                    ));
                }
            }
            "unknown" => {
                unknown_rows += 1;
                unknown_received += got.len();
                if got.len() > 1 {
                    problems.push(format!("{who}: unknown, received {} times", got.len()));
                } else if got.first().is_some_and(|id| *id != row.message_id) {
                    problems.push(format!(
                        "{who}: unknown, received {} but the ledger was sending {}",
                        got[0], row.message_id
                    ));
                }
            }
            other => problems.push(format!("{who}: left {other}, received {}", got.len())),
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems, first: {:#?}",
        problems.len(),
        &problems[..problems.len().min(20)]
    );
    eprintln!(
        "{sent} sent, {unknown_rows} unknown ({unknown_received} of those arrived); {:?}",
        started.elapsed()
    );
    assert_eq!(messages.len(), sent + unknown_received);
    assert_eq!(done["deliveries"]["sent"], sent as i64, "{done}");
    assert_eq!(
        done["deliveries"]["unknown"].as_i64().unwrap_or(0),
        unknown_rows as i64,
        "status shows the unknown rows: {done}"
    );
    assert_eq!(unknown, unknown_rows as i64);
    // Only what was in flight at a kill: at most one message per connection.
    assert!(
        unknown_rows <= 5 * CONNECTIONS.parse::<usize>().expect("number"),
        "{unknown_rows} unknown"
    );
}

const CHAOS_SUBSCRIBERS: usize = 2_000;
const CHAOS_SLUG: &str = "2027-04-platformnieuws";

/// What each `--chaos` mode of tests/support/smtp_server.py must lead to:
/// the ledger state, how many copies arrived, and the server's attempts.log.
fn expected(mode: &str) -> (&'static str, usize, &'static [&'static str]) {
    match mode {
        "ok" => ("sent", 1, &["250"]),
        "rcpt-451-twice" => ("sent", 1, &["451", "451", "250"]),
        "rcpt-421" => ("sent", 1, &["421", "250"]),
        "rcpt-drop" => ("sent", 1, &["drop", "250"]),
        "rcpt-stall" => ("sent", 1, &["stall", "250"]),
        "data-451" => ("sent", 1, &["451", "250"]),
        "data-421" => ("sent", 1, &["421", "250"]),
        // 5xx: failed, one attempt, never retried.
        "rcpt-550" => ("failed", 0, &["550"]),
        "data-554" => ("failed", 0, &["554"]),
        // The whole message was handed over and no answer came: the server may
        // have it (here it does) or not. Never resent: unknown, at most once.
        "data-drop-stored" => ("unknown", 1, &["250-drop"]),
        "data-stall-stored" => ("unknown", 1, &["250-stall"]),
        "data-drop-lost" => ("unknown", 0, &["drop"]),
        other => panic!("unknown chaos mode {other}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_misbehaving_server_gets_each_message_once_and_5xx_is_never_retried() {
    let _one = ONE_AT_A_TIME.lock().await;
    let started = Instant::now();
    let smtp = SmtpServer::start(&["--chaos", "postbode", "--stall", "5"]);
    let mut pb = Postbode::new(&smtp.url(), "");
    import(&pb, CHAOS_SUBSCRIBERS);
    pb.serve_with_env(&[
        ("POSTBODE_SMTP__CONNECTIONS", CONNECTIONS),
        ("POSTBODE_SMTP__TIMEOUT_SECS", "2"),
        ("POSTBODE_SMTP__RETRY_BASE_SECS", "1"),
        // This test is about each message's fate; pausing after a run of
        // failures is tested in tests/faults.
        ("POSTBODE_SMTP__PAUSE_AFTER_FAILURES", "100000"),
    ]);
    pb.drop_issue(&format!("{CHAOS_SLUG}.md"), &issue(&soon(2)));
    let done = pb.wait_issue(CHAOS_SLUG, "sent", 100);
    eprintln!(
        "sent: deliveries {}; {:?}",
        done["deliveries"],
        started.elapsed()
    );
    // Several retry periods go by: a retry of a failed row would show now.
    std::thread::sleep(Duration::from_secs(3));
    pb.stop();

    let modes: HashMap<String, String> = std::fs::read_to_string(smtp.dir.path().join("chaos.log"))
        .expect("chaos.log")
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(a, m)| (a.to_string(), m.to_string()))
        .collect();
    let mut attempts: HashMap<String, Vec<String>> = HashMap::new();
    for line in smtp.attempts() {
        if let Some((a, code)) = line.split_once(' ') {
            attempts.entry(a.into()).or_default().push(code.into());
        }
    }
    let mut received: HashMap<String, usize> = HashMap::new();
    for m in smtp.messages() {
        *received.entry(m.rcpt).or_default() += 1;
    }
    let rows = ledger(&pb, CHAOS_SLUG).await;
    assert_eq!(rows.len(), CHAOS_SUBSCRIBERS);

    let mut per_mode: std::collections::BTreeMap<&str, usize> = Default::default();
    let mut problems = Vec::new();
    for i in 0..CHAOS_SUBSCRIBERS {
        let who = address(i);
        let mode = modes.get(&who).map_or("never tried", String::as_str);
        *per_mode.entry(mode).or_default() += 1;
        if mode == "never tried" {
            problems.push(format!("{who}: the server never saw it"));
            continue;
        }
        let (state, copies, log) = expected(mode);
        let got = (
            rows[&who].state.as_str(),
            received.get(&who).copied().unwrap_or(0),
            attempts.get(&who).cloned().unwrap_or_default(),
        );
        if got != (state, copies, log.iter().map(|c| c.to_string()).collect()) {
            problems.push(format!(
                "{who} ({mode}): {} with {} copies after {:?}; expected {state} with {copies} after {log:?}",
                got.0, got.1, got.2
            ));
        }
    }
    eprintln!(
        "addresses per chaos mode: {per_mode:?}; {:?}",
        started.elapsed()
    );
    assert!(
        problems.is_empty(),
        "{} problems, first: {:#?}",
        problems.len(),
        &problems[..problems.len().min(20)]
    );
    assert!(
        per_mode.len() == 12,
        "every chaos mode was exercised: {per_mode:?}"
    );
    let count = |state: &str| rows.values().filter(|r| r.state == state).count() as i64;
    let shown = &done["deliveries"];
    for state in ["sent", "failed", "unknown"] {
        assert_eq!(
            shown[state].as_i64().unwrap_or(0),
            count(state),
            "{state}: {shown}"
        );
    }
}
