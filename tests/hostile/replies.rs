//! Every RFC 3463 refusal postbode meets, through both doors: the SMTP
//! server refusing the message while postbode sends it, and a delivery
//! status notification the MTA mails back later into `postbode bounce`.
//! The same code must leave the subscriber in the same state and record the
//! same kind of bounce either way.

use crate::common::{Postbode, SmtpServer, soon};
use crate::{issue, still_serving, subscribers};

const BOUNCE_DOMAIN: &str = "bounces.kus.example.nl";

/// (code, the subscriber's status afterwards, the bounce kind recorded).
const CODES: &[(&str, &str, &str)] = &[
    ("5.0.0", "bounced", "hard"),
    ("5.1.1", "bounced", "hard"),
    ("5.1.10", "bounced", "hard"),
    ("5.2.1", "bounced", "hard"),
    ("5.2.2", "active", "soft"),
    ("5.2.3", "active", "policy"),
    ("5.3.4", "active", "policy"),
    ("5.4.4", "bounced", "hard"),
    ("5.4.7", "active", "soft"),
    ("5.5.0", "bounced", "hard"),
    ("5.6.0", "active", "policy"),
    ("5.7.1", "active", "policy"),
    ("5.7.26", "active", "policy"),
];

fn local(code: &str) -> String {
    code.replace('.', "-")
}

/// A DSN as an MTA writes it for `rcpt`, delivered to the VERP address `to`.
fn dsn(to: &str, rcpt: &str, action: &str, status: &str) -> String {
    format!(
        "From: MAILER-DAEMON@mx.example.org\r\nTo: {to}\r\nSubject: Undelivered Mail Returned to Sender\r\n\
Date: Wed, 02 Dec 2026 10:00:00 +0100\r\nMessage-ID: <dsn-{rcpt}>\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n\
--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n\
--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\n\
Final-Recipient: rfc822; {rcpt}\r\nAction: {action}\r\nStatus: {status}\r\n\
Diagnostic-Code: smtp; 550 {status} refused\r\n\r\n--B--\r\n"
    )
}

fn bounce(pb: &Postbode, recipient: &str, report: &str) -> (Option<i32>, String, String) {
    let out = pb.bounce(&["--recipient", recipient], &[], report.as_bytes());
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// subscriber e-mail → (status, bounce kinds recorded, in order).
async fn outcome(pb: &Postbode) -> Vec<(String, String, String)> {
    let db = pb.sqlite().await;
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT s.email, s.status, COALESCE((SELECT GROUP_CONCAT(b.kind) FROM bounces b WHERE b.subscriber_id = s.id), '')
         FROM subscribers s ORDER BY s.email",
    )
    .fetch_all(&db)
    .await
    .expect("outcome");
    db.close().await;
    rows
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_code_means_the_same_while_sending_and_in_a_report() {
    // s-CODE is refused with CODE at RCPT while sending; r-CODE accepts the
    // mail and its DSN with CODE comes back afterwards.
    let fails: Vec<String> = CODES
        .iter()
        .map(|(c, _, _)| {
            format!(
                "--fail=s-{}@example.nl=550 {c} refused for a test",
                local(c)
            )
        })
        .collect();
    let args: Vec<&str> = fails.iter().map(String::as_str).collect();
    let smtp = SmtpServer::start(&args);
    let mut pb = Postbode::new(&smtp.url(), "");
    let cfg = std::fs::read_to_string(pb.path("postbode.toml")).expect("config");
    let cfg = cfg.replace(
        "[smtp]\n",
        &format!("[smtp]\nbounce_domain = \"{BOUNCE_DOMAIN}\"\n"),
    );
    std::fs::write(pb.path("postbode.toml"), cfg).expect("config");
    for (c, _, _) in CODES {
        pb.add(&format!("s-{}@example.nl", local(c)), "", &[], &[]);
        pb.add(&format!("r-{}@example.nl", local(c)), "", &[], &[]);
    }
    pb.serve();
    let subject = "Platformnieuws voor de weigeringen";
    pb.drop_issue("2027-06-codes.md", &issue(subject, &soon(3)));
    pb.wait_issue("2027-06-codes", "sent", 60);

    // The reports, to the VERP address each accepted message left with.
    for (verp, m) in smtp.messages_with_senders() {
        assert!(verp.ends_with(BOUNCE_DOMAIN), "VERP sender: {verp}");
        let code = m
            .rcpt
            .trim_start_matches("r-")
            .trim_end_matches("@example.nl")
            .replace('-', ".");
        let (exit, stdout, stderr) = bounce(&pb, &verp, &dsn(&verp, &m.rcpt, "failed", &code));
        assert_eq!(exit, Some(0), "{code}: {stdout}{stderr}");
        assert!(
            !stdout.contains("@example.nl"),
            "no address in the summary: {stdout}"
        );
    }
    let rows = outcome(&pb).await;
    for (code, status, kind) in CODES {
        let by = |prefix: &str| {
            let email = format!("{prefix}-{}@example.nl", local(code));
            rows.iter()
                .find(|r| r.0 == email)
                .cloned()
                .unwrap_or_else(|| panic!("{email} in {rows:?}"))
        };
        let (sending, report) = (by("s"), by("r"));
        assert_eq!(
            (sending.1.as_str(), sending.2.as_str()),
            (*status, *kind),
            "{code} while sending"
        );
        assert_eq!(
            (report.1.as_str(), report.2.as_str()),
            (*status, *kind),
            "{code} in a report"
        );
    }
    still_serving(&pb).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn temporary_codes_are_retried_while_sending_and_soft_or_information_in_a_report() {
    let smtp = SmtpServer::start(&[
        "--fail-first=t-4-2-2@example.nl=452 4.2.2 Mailbox full, try later",
        "--fail-first=t-4-7-1@example.nl=451 4.7.1 Greylisted, try later",
    ]);
    let mut pb = Postbode::new(&smtp.url(), "");
    for who in ["t-4-2-2", "t-4-7-1", "d-4-4-1", "f-4-4-7"] {
        pb.add(&format!("{who}@example.nl"), "", &[], &[]);
    }
    pb.serve_with_env(&[("POSTBODE_SMTP__RETRY_BASE_SECS", "1")]);
    let subject = "Platformnieuws voor later";
    pb.drop_issue("2027-07-later.md", &issue(subject, &soon(3)));
    pb.wait_issue("2027-07-later", "sent", 60);
    // Refused once with 4xx, then delivered: retried, nobody taken off the list.
    assert_eq!(smtp.attempts_for("t-4-2-2@example.nl").len(), 2);
    assert_eq!(smtp.attempts_for("t-4-7-1@example.nl").len(), 2);
    assert_eq!(smtp.recipients_of(subject).len(), 4);
    // The same kind of codes in reports: a delay is information, a failure soft.
    let m: std::collections::HashMap<String, String> = smtp
        .with_subject(subject)
        .into_iter()
        .map(|r| (r.rcpt.clone(), r.header("Message-ID").expect("Message-ID")))
        .collect();
    for (who, action, status, kind) in [
        ("d-4-4-1", "delayed", "4.4.1", "delayed"),
        ("f-4-4-7", "failed", "4.4.7", "soft"),
    ] {
        let rcpt = format!("{who}@example.nl");
        let report = dsn("postmaster@example.nl", &rcpt, action, status).replace(
            "--B--",
            &format!(
                "--B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {}\r\n\r\n--B--",
                m[&rcpt]
            ),
        );
        let (exit, stdout, stderr) = bounce(&pb, "postmaster@example.nl", &report);
        assert_eq!(exit, Some(0), "{stdout}{stderr}");
        let rows = outcome(&pb).await;
        let row = rows.iter().find(|r| r.0 == rcpt).expect("row");
        assert_eq!(
            (row.1.as_str(), row.2.as_str()),
            ("active", kind),
            "{status}"
        );
    }
    assert!(subscribers(&pb).iter().all(|s| s["status"] == "active"));
}
