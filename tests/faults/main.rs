//! What the sender does with what the SMTP server says, against the real
//! aiosmtpd server: a mailbox that does not exist, a policy refusal, a full
//! mailbox, a request to slow down, a run of failures, a server that never
//! comes back within the expiry time, and the operator's explicit resend of
//! `unknown` messages.

#[path = "../common/mod.rs"]
mod common;

use common::{Postbode, SmtpServer, member, soon};
use sqlx::Executor;
use std::time::{Duration, Instant};

fn issue(subject: &str, send_at: &str) -> String {
    format!("---\nsubject: {subject}\nsend_at: {send_at}\n---\nNieuws van het platform.\n")
}

const FAST: &[(&str, &str)] = &[
    ("POSTBODE_SMTP__RETRY_BASE_SECS", "1"),
    ("POSTBODE_SMTP__CONNECTIONS", "1"),
];

fn wait_until(what: &str, secs: u64, pb: &Postbode, mut done: impl FnMut() -> bool) {
    let end = Instant::now() + Duration::from_secs(secs);
    while !done() {
        assert!(Instant::now() < end, "{what}:\n{}", pb.log());
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn replies_decide_between_hard_bounce_policy_and_a_full_mailbox() {
    let smtp = SmtpServer::start(&[
        "--fail",
        "weg@example.nl=550",
        "--fail",
        "geweigerd@example.nl=554",
        "--fail",
        "vol@example.nl=552",
    ]);
    let mut pb = Postbode::new(&smtp.url(), "");
    for who in ["weg", "geweigerd", "vol", "blij"] {
        pb.add(&format!("{who}@example.nl"), who, &[], &[]);
    }
    pb.serve_with_env(FAST);
    pb.drop_issue("juni.md", &issue("Platformnieuws juni", &soon(2)));
    let sent = pb.wait_issue("juni", "sent", 30);
    assert_eq!(sent["deliveries"]["sent"], 1, "{sent}");
    assert_eq!(sent["deliveries"]["failed"], 3, "{sent}");

    // 550 5.1.1: the address does not exist: bounced, suppressed, counted.
    assert_eq!(pb.subscriber("weg@example.nl")["status"], "bounced");
    // 554 5.7.1 is about us, not the subscriber; 552 5.2.2 is a full mailbox.
    assert_eq!(pb.subscriber("geweigerd@example.nl")["status"], "active");
    assert_eq!(pb.subscriber("vol@example.nl")["status"], "active");
    let status = pb.status_json();
    assert_eq!(
        status["unsubscribe_totals"]["per_source"]["bounce"], 1,
        "{status}"
    );
    let log = pb.log();
    assert!(
        log.contains("refused by the receiving server's policy"),
        "{log}"
    );
    assert!(
        log.contains("hard bounce (5.1.1): the subscriber is taken off the list"),
        "{log}"
    );
    assert!(!log.contains("weg@example.nl"), "no addresses in the log");
    // 5xx: one attempt each, never retried.
    for who in ["weg", "geweigerd", "vol"] {
        assert_eq!(smtp.attempts_for(&format!("{who}@example.nl")).len(), 1);
    }

    // The next issue is not even tried on the bounced address.
    pb.drop_issue("juli.md", &issue("Platformnieuws juli", &soon(2)));
    pb.wait_issue("juli", "sent", 30);
    assert_eq!(smtp.attempts_for("weg@example.nl").len(), 1);
    assert_eq!(
        smtp.recipients_of("Platformnieuws juli"),
        ["blij@example.nl"]
    );
}

#[test]
fn a_server_asking_to_slow_down_gets_time_and_the_message_still_arrives_once() {
    let smtp = SmtpServer::start(&["--fail-first", "traag@example.nl=421-rate"]);
    let mut pb = Postbode::new(&smtp.url(), "");
    pb.add("traag@example.nl", "Traag", &[], &[]);
    pb.add("snel@example.nl", "Snel", &[], &[]);
    pb.serve_with_env(FAST);
    let started = Instant::now();
    pb.drop_issue("juni.md", &issue("Platformnieuws juni", &soon(2)));
    pb.wait_issue("juni", "sent", 40);
    assert!(
        pb.log()
            .contains("the SMTP server asks us to slow down: no new messages for 10 s"),
        "{}",
        pb.log()
    );
    // The retry waited for the slow-down, not just the 1 s backoff.
    assert!(started.elapsed() >= Duration::from_secs(10));
    assert_eq!(
        smtp.recipients_of("Platformnieuws juni"),
        ["snel@example.nl", "traag@example.nl"]
    );
}

#[test]
fn a_run_of_failures_pauses_sending_and_status_says_why_until_it_recovers() {
    let smtp = SmtpServer::start(&[
        "--fail-first",
        "a@example.nl=451",
        "--fail-first",
        "b@example.nl=451",
        "--fail-first",
        "c@example.nl=451",
    ]);
    let mut pb = Postbode::new(&smtp.url(), "");
    for who in ["a", "b", "c", "d"] {
        pb.add(&format!("{who}@example.nl"), who, &[], &[]);
    }
    let mut env = FAST.to_vec();
    env.extend([
        ("POSTBODE_SMTP__PAUSE_AFTER_FAILURES", "3"),
        ("POSTBODE_SMTP__PAUSE_SECS", "5"),
    ]);
    pb.serve_with_env(&env);
    pb.drop_issue("juni.md", &issue("Platformnieuws juni", &soon(2)));
    let mut paused = serde_json::Value::Null;
    wait_until("sending never paused", 20, &pb, || {
        paused = pb.status_json()["delivery"]["paused"].clone();
        !paused.is_null()
    });
    assert_eq!(paused["failures"], 3, "{paused}");
    let reply = paused["last_reply"].as_str().unwrap_or_default();
    assert!(reply.contains("451"), "{reply}");
    assert!(!reply.contains("@example.nl"), "no addresses: {reply}");
    let text = pb.ok(&["status"]);
    assert!(
        text.contains("verzenden gepauzeerd sinds")
            && text.contains("na 3 mislukte pogingen op rij"),
        "{text}"
    );
    assert!(
        pb.log()
            .contains("sending paused for 5 s after 3 failed attempts in a row")
    );
    // Nothing was sent during the pause, not even to d, who would have been accepted.
    assert!(smtp.attempts_for("d@example.nl").is_empty());

    pb.wait_issue("juni", "sent", 30);
    assert!(pb.status_json()["delivery"]["paused"].is_null());
    assert!(pb.log().contains("sending resumed"));
    assert_eq!(
        smtp.recipients_of("Platformnieuws juni"),
        [
            "a@example.nl",
            "b@example.nl",
            "c@example.nl",
            "d@example.nl"
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn messages_not_delivered_within_the_expiry_are_given_up() {
    // Nothing listens on this port: every attempt fails to connect.
    let down = format!("smtp://127.0.0.1:{}", common::free_port());
    let mut pb = Postbode::new(&down, "");
    pb.add("een@example.nl", "Een", &[], &[]);
    pb.add("twee@example.nl", "Twee", &[], &[]);
    pb.serve_with_env(FAST);
    pb.drop_issue("juni.md", &issue("Platformnieuws juni", &soon(2)));
    pb.wait_issue("juni", "sending", 20);
    assert_eq!(
        pb.issue_status("juni").expect("issue")["deliveries"]["failed"],
        serde_json::Value::Null
    );
    // Sending started 49 hours ago, as far as the ledger knows.
    pb.sql("UPDATE issues SET started_at = started_at - 49 * 3600")
        .await;
    let done = pb.wait_issue("juni", "sent", 60);
    assert_eq!(done["deliveries"]["failed"], 2, "{done}");
    assert!(
        pb.log().contains("given up (failed, expired)"),
        "{}",
        pb.log()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_messages_are_resent_only_when_the_operator_says_so() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    pb.add("een@example.nl", "Een", &[], &[]);
    pb.add("twee@example.nl", "Twee", &[], &[]);
    pb.serve_with_env(FAST);
    pb.drop_issue("juni.md", &issue("Platformnieuws juni", &soon(2)));
    pb.wait_issue("juni", "sent", 30);
    pb.stop();
    // As a crash inside the DATA exchange would leave it.
    pb.sql("UPDATE deliveries SET state = 'unknown' WHERE subscriber_id = (SELECT id FROM subscribers WHERE email_key = 'twee@example.nl')",
    )
    .await;
    let text = pb.ok(&["status"]);
    assert!(
        text.contains("postbode resend-unknown --issue juni"),
        "{text}"
    );

    let dry = pb.ok(&["resend-unknown", "--issue", "juni"]);
    assert!(
        dry.contains("juni: 1 unknown") && dry.contains("--yes"),
        "{dry}"
    );
    assert_eq!(
        pb.issue_status("juni").expect("issue")["deliveries"]["unknown"],
        1
    );

    let done = pb.ok(&["resend-unknown", "--issue", "juni", "--yes"]);
    assert!(done.contains("1 message(s) queued again"), "{done}");
    pb.serve_with_env(FAST);
    let sent = pb.wait_issue_until("juni", 30, "resent", |i| i["deliveries"]["sent"] == 2);
    assert_eq!(sent["status"], "sent");
    let mut to = smtp.recipients_of("Platformnieuws juni");
    to.sort();
    assert_eq!(
        to,
        ["een@example.nl", "twee@example.nl", "twee@example.nl"],
        "the operator chose a possible second copy for twee, and only for twee"
    );
}

/// PostgreSQL turned read-only under the running daemon (what a full disk or a
/// failover to a standby looks like): sending stops and says so, and once the
/// database takes writes again every subscriber has the issue exactly once.
#[tokio::test(flavor = "multi_thread")]
async fn a_database_that_cannot_write_holds_sending_and_nothing_is_lost() {
    let Some(url) = common::postgres_database().await else {
        return;
    };
    let name = url.rsplit('/').next().unwrap_or_default().to_string();
    let admin_url = std::env::var("POSTBODE_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let admin = sqlx::AnyPool::connect(&admin_url).await.expect("admin");
    let set_read_only = |on: bool| {
        let admin = admin.clone();
        let name = name.clone();
        async move {
            let change = if on {
                format!("ALTER DATABASE {name} SET default_transaction_read_only = on")
            } else {
                format!("ALTER DATABASE {name} RESET default_transaction_read_only")
            };
            admin
                .execute(sqlx::AssertSqlSafe(change))
                .await
                .expect("alter");
            // Connections take the setting when they are made.
            admin
                .execute(sqlx::AssertSqlSafe(format!(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
                )))
                .await
                .expect("terminate");
        }
    };

    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    pb.use_database(&url);
    let emails: Vec<String> = (0..40).map(member).collect();
    pb.import_members(emails.len());
    let mut env = FAST.to_vec();
    env.push(("POSTBODE_SMTP__RATE_PER_SECOND", "10"));
    pb.serve_with_env(&env);
    pb.drop_issue("juni.md", &issue("Platformnieuws juni", &soon(2)));
    wait_until("sending never started", 30, &pb, || {
        smtp.messages().len() >= 5
    });

    set_read_only(true).await;
    wait_until("the sender never said it is held", 30, &pb, || {
        pb.log().contains("sending is held")
    });
    // Held: at most the messages already in flight arrive.
    let held = smtp.messages().len();
    std::thread::sleep(Duration::from_secs(3));
    assert!(
        smtp.messages().len() <= held + 1,
        "{} messages went out while the database could not record them",
        smtp.messages().len() - held
    );
    assert!(
        held < emails.len(),
        "the fault came too late to test anything"
    );

    set_read_only(false).await;
    let done = pb.wait_issue("juni", "sent", 90);
    assert_eq!(done["deliveries"]["sent"], emails.len() as i64, "{done}");
    let got = smtp.recipients_of("Platformnieuws juni");
    assert_eq!(got, emails, "every subscriber exactly once");
    pb.stop();
    admin.close().await;
    common::postgres_drop(&url).await;
}
