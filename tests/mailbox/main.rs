//! The bounce mailbox: `postbode serve` reads the reports that arrive in an
//! IMAP folder of a real Dovecot server (over TLS, trusting a private CA) as
//! `postbode bounce` reads them from Postfix, and moves what it handled to
//! another folder.

#[path = "../common/mod.rs"]
mod common;
mod imap;
#[path = "../common/reports.rs"]
mod reports;

use std::time::{Duration, Instant};

use common::{Postbode, SmtpServer, soon};
use imap::Dovecot;
use reports::report;

const HANDLED: &str = "postbode-handled";

/// Waits until `done` holds, for at most `secs`; `what` explains a failure.
fn wait_until(secs: u64, what: impl Fn() -> String, done: impl Fn() -> bool) {
    let end = Instant::now() + Duration::from_secs(secs);
    while !done() {
        assert!(Instant::now() < end, "{}", what());
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The log lines of the bounce mailbox.
fn mailbox_lines(pb: &Postbode) -> Vec<String> {
    pb.log()
        .lines()
        .filter(|l| l.contains("bounce mailbox"))
        .map(str::to_string)
        .collect()
}

#[test]
fn reports_in_the_mailbox_take_addresses_off_the_list_and_are_filed_away() {
    let dovecot = Dovecot::start();
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), &dovecot.bounces_section(60));
    let cfg = std::fs::read_to_string(pb.path("postbode.toml")).expect("config");
    let cfg = cfg.replace(
        "[smtp]\n",
        "[smtp]\nbounce_domain = \"bounces.kus.example.nl\"\n",
    );
    std::fs::write(pb.path("postbode.toml"), cfg).expect("config");
    for who in ["hard", "complaint", "stays"] {
        pb.add(&format!("{who}@example.nl"), who, &[], &[]);
    }
    pb.serve();
    pb.drop_issue(
        "een.md",
        &format!("---\nsubject: Een\nsend_at: {}\n---\nTekst.\n", soon(2)),
    );
    pb.wait_issue("een", "sent", 40);
    let sent = smtp.messages_with_senders();
    let to = |who: &str| {
        sent.iter()
            .find(|(_, m)| m.rcpt == format!("{who}@example.nl"))
            .map(|(verp, m)| (verp.clone(), m.header("Message-ID").expect("Message-ID")))
            .unwrap_or_else(|| panic!("nothing sent to {who}"))
    };

    // A hard bounce to the VERP address arrives while postbode waits on the
    // server (IDLE): it is handled without waiting for the next poll.
    let (verp, id) = to("hard");
    let hard = report("postfix-failed-5.1.1-v1-issue7-sub1.eml", Some(&verp), &id);
    dovecot.append("INBOX", hard.as_bytes());
    wait_until(
        20,
        || format!("hard bounce not handled:\n{}\n{}", pb.log(), dovecot.log()),
        || pb.subscriber("hard@example.nl")["status"] == "bounced",
    );

    // A complaint found by its Message-ID, read when postbode starts again.
    pb.stop();
    let (_, id) = to("complaint");
    let complaint = report("arf-complaint-abuse.eml", None, &id);
    dovecot.append("INBOX", complaint.as_bytes());
    pb.serve();
    wait_until(
        20,
        || format!("complaint not handled:\n{}", pb.log()),
        || pb.subscriber("complaint@example.nl")["status"] == "complained",
    );
    wait_until(
        10,
        || format!("not filed away: {}", dovecot.counts()),
        || {
            let c = dovecot.counts();
            c["INBOX"] == 0 && c[HANDLED] == 2
        },
    );
    assert_eq!(pb.subscriber("stays@example.nl")["status"], "active");

    let status = pb.status_json();
    assert_eq!(status["bounces"]["hard"], 1, "{status}");
    assert_eq!(status["bounces"]["complaint"], 1, "{status}");
    let lines = mailbox_lines(&pb);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("hard bounce 5.1.1 for subscriber")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.contains("complaint abuse")),
        "{lines:?}"
    );
    for l in &lines {
        assert!(!l.contains("@example.nl"), "no addresses in the log: {l}");
        assert!(!l.contains(imap::PASSWORD), "no password in the log: {l}");
    }
    pb.stop();
}

#[test]
fn a_message_that_is_no_report_stays_in_the_folder_and_is_logged_once() {
    let dovecot = Dovecot::start();
    dovecot.append(
        "INBOX",
        b"From: iemand@example.nl\r\nSubject: hoi\r\n\r\nHallo\r\n",
    );
    // Read every second: a message passed over must not be logged each time.
    let mut pb = Postbode::new("file://outbox", &dovecot.bounces_section(1));
    pb.serve();
    let left = |pb: &Postbode| {
        mailbox_lines(pb)
            .into_iter()
            .filter(|l| l.contains("left in the folder"))
            .collect::<Vec<_>>()
    };
    wait_until(
        20,
        || format!("not logged:\n{}", pb.log()),
        || !left(&pb).is_empty(),
    );
    std::thread::sleep(Duration::from_secs(4));
    let lines = left(&pb);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains("not a bounce or complaint report"),
        "{}",
        lines[0]
    );
    assert!(!lines[0].contains("@example.nl"), "{}", lines[0]);
    let counts = dovecot.counts();
    assert_eq!(counts["INBOX"], 1, "{counts}");
    assert_eq!(counts[HANDLED], 0, "{counts}");

    // Also after a restart it is passed over: it was flagged on the server.
    pb.stop();
    pb.serve();
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(left(&pb).len(), 1, "{}", pb.log());
    assert_eq!(dovecot.counts()["INBOX"], 1);
    pb.stop();
}

/// A message larger than any report (17 MB: a mail loop, an attachment
/// sent to the bounce address) is judged by its size alone: not downloaded,
/// left for a person, logged once.
#[test]
fn a_message_too_large_to_be_a_report_is_left_unread_and_logged_once() {
    let dovecot = Dovecot::start();
    let mut big = b"From: iemand@example.nl\r\nSubject: bijlage\r\n\r\n".to_vec();
    for _ in 0..(17 * 1024 * 1024 / 78) {
        big.extend_from_slice(&[b'x'; 76]);
        big.extend_from_slice(b"\r\n");
    }
    dovecot.append("INBOX", &big);
    let mut pb = Postbode::new("file://outbox", &dovecot.bounces_section(1));
    pb.serve();
    let too_large = |pb: &Postbode| {
        mailbox_lines(pb)
            .into_iter()
            .filter(|l| l.contains("too large to be a report"))
            .collect::<Vec<_>>()
    };
    wait_until(
        30,
        || format!("not logged:\n{}", pb.log()),
        || !too_large(&pb).is_empty(),
    );
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(too_large(&pb).len(), 1, "{}", pb.log());
    assert!(!pb.log().contains("@example.nl"), "{}", pb.log());
    let counts = dovecot.counts();
    assert_eq!(counts["INBOX"], 1, "{counts}");
    assert_eq!(counts[HANDLED], 0, "{counts}");
    pb.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_password_is_logged_and_the_daemon_keeps_running() {
    let dovecot = Dovecot::start();
    let mut pb = Postbode::new("file://outbox", &dovecot.bounces_section(60));
    // The operator's override of one key, as for any other setting.
    let wrong = "fout+wachtwoord";
    let url = dovecot.url(wrong);
    pb.serve_with_env(&[("POSTBODE_BOUNCES__IMAP_URL", &url)]);
    wait_until(
        20,
        || format!("no login error:\n{}", pb.log()),
        || {
            mailbox_lines(&pb)
                .iter()
                .any(|l| l.contains("the server refused the login"))
        },
    );
    // It tries again after a while, and meanwhile everything else works.
    wait_until(
        20,
        || format!("no second attempt:\n{}", pb.log()),
        || {
            mailbox_lines(&pb)
                .iter()
                .filter(|l| l.contains("refused the login"))
                .count()
                >= 2
        },
    );
    let health = reqwest::get(format!("{}/healthz", pb.base_url()))
        .await
        .expect("healthz");
    assert_eq!(health.status(), 200);
    let log = pb.log();
    assert!(
        log.contains("check the user name and password in bounces.imap_url"),
        "{log}"
    );
    // In the server's own words.
    assert!(
        log.contains("refused the login ([AUTHENTICATIONFAILED]"),
        "{log}"
    );
    assert!(log.contains("imaps://bounces@127.0.0.1"), "{log}");
    assert!(
        !log.contains(wrong),
        "the password never reaches the log: {log}"
    );
    assert!(!log.contains("fout%2B"), "{log}");
    pb.stop();
}
