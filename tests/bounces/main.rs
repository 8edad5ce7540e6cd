//! Bounces end to end: with `smtp.bounce_domain` every issue leaves with a
//! VERP envelope sender; the Postfix reports in tests/fixtures/bounces, with
//! the real VERP address and Message-ID put in, are piped into
//! `postbode bounce` as Postfix's pipe transport would; the next issue shows
//! who is still on the list.

#[path = "../common/mod.rs"]
mod common;
#[path = "../common/reports.rs"]
mod reports;

use common::{Postbode, SmtpServer, soon};
use reports::report;

const BOUNCE_DOMAIN: &str = "bounces.kus.example.nl";
const FAILED_5_1_1: &str = "postfix-failed-5.1.1-v1-issue7-sub1.eml";
const FAILED_REMOTE: &str = "postfix-failed-5.1.1-v1-issue7-sub3.eml";
const MAILBOX_FULL: &str = "postfix-failed-5.2.2-v1-issue7-sub4.eml";
const DELAYED: &str = "postfix-delayed-4.2.1-v1-reminder42-sub5.eml";
const COMPLAINT: &str = "arf-complaint-abuse.eml";

#[tokio::test(flavor = "multi_thread")]
async fn bounces_and_complaints_take_addresses_off_the_list() {
    scenario(None).await;
}

/// The same on PostgreSQL: the schema and SQL are shared.
#[tokio::test(flavor = "multi_thread")]
async fn bounces_work_the_same_on_postgresql() {
    if let Some(url) = common::postgres_database().await {
        scenario(Some(url.clone())).await;
        common::postgres_drop(&url).await;
    }
}

/// What one subscriber got: the envelope sender and the Message-ID.
struct Sent {
    verp: String,
    message_id: String,
}

/// Pipes a report that must be handled; returns the summary line.
fn handled(pb: &Postbode, args: &[&str], input: &str) -> String {
    let out = pb.bounce(args, &[], input.as_bytes());
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert_eq!(stdout.lines().count(), 1, "one summary line: {stdout}");
    assert!(!stdout.contains("@example.nl"), "no addresses: {stdout}");
    stdout
}

/// Pipes a report that must be refused with `code`; returns stderr.
fn refused(pb: &Postbode, input: &str, code: i32, env: &[(&str, &str)]) -> String {
    let out = pb.bounce(&[], env, input.as_bytes());
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "{stderr}");
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(stderr.contains("nothing changed"), "{stderr}");
    stderr
}

fn issue(subject: &str) -> String {
    format!(
        "---\nsubject: {subject}\nsend_at: {}\n---\nTekst.\n",
        soon(2)
    )
}

fn statuses(pb: &Postbode) -> Vec<(String, String)> {
    let list: serde_json::Value =
        serde_json::from_str(&pb.ok(&["subscribers", "list", "--json"])).expect("json");
    list.as_array()
        .expect("array")
        .iter()
        .map(|s| {
            (
                s["email"].as_str().unwrap_or("").to_string(),
                s["status"].to_string(),
            )
        })
        .collect()
}

async fn scenario(database: Option<String>) {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    let mut cfg = std::fs::read_to_string(pb.path("postbode.toml")).expect("config");
    cfg = cfg.replace(
        "[smtp]\n",
        &format!("[smtp]\nbounce_domain = \"{BOUNCE_DOMAIN}\"\n"),
    );
    std::fs::write(pb.path("postbode.toml"), cfg).expect("config");
    if let Some(url) = database {
        pb.use_database(&url);
    }
    let people = ["hard", "soft3", "soft1", "delayed", "policy", "complaint"];
    for who in people {
        pb.add(&format!("{who}@example.nl"), who, &[], &[]);
    }
    pb.serve();
    // One after the other: each subscriber gets three different messages.
    for (slug, subject) in [("een", "Een"), ("twee", "Twee"), ("drie", "Drie")] {
        pb.drop_issue(&format!("{slug}.md"), &issue(subject));
        pb.wait_issue(slug, "sent", 40);
    }

    // Every message left with its own signed VERP envelope sender.
    let got = smtp.messages_with_senders();
    assert_eq!(got.len(), 18);
    let mut verps: Vec<&str> = got.iter().map(|(from, _)| from.as_str()).collect();
    for from in &verps {
        let (local, domain) = from.split_once('@').expect("an address");
        assert_eq!(domain, BOUNCE_DOMAIN);
        let token = local.strip_prefix("bounces+").expect("bounces+TOKEN");
        assert!(local.len() <= 64, "{from}");
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
            "{from}"
        );
    }
    verps.sort();
    verps.dedup();
    assert_eq!(verps.len(), 18, "one VERP address per message");
    let sent = |who: &str, subject: &str| -> Sent {
        let (verp, m) = got
            .iter()
            .find(|(_, m)| m.rcpt == format!("{who}@example.nl") && m.subject() == subject)
            .unwrap_or_else(|| panic!("{subject} for {who}"));
        Sent {
            verp: verp.clone(),
            message_id: m.header("Message-ID").expect("Message-ID"),
        }
    };

    // Nothing that cannot be read or placed changes anything.
    let before = statuses(&pb);
    let e = refused(&pb, "\u{1}\u{2} not a mail at all", 65, &[]);
    assert!(e.contains("not a mail message"), "{e}");
    let e = refused(&pb, "From: a@b.example\nSubject: hoi\n\nHallo\n", 65, &[]);
    assert!(e.contains("not a bounce or complaint report"), "{e}");
    let hard = sent("hard", "Een");
    let full = report(FAILED_5_1_1, Some(&hard.verp), &hard.message_id);
    let cut = full
        .find("Content-Description: Delivery report")
        .expect("part");
    let e = refused(&pb, &full[..cut], 65, &[]);
    assert!(e.contains("truncated"), "{e}");
    let no_recipients = full.replace("Action: failed\n", "");
    let e = refused(&pb, &no_recipients, 65, &[]);
    assert!(e.contains("names no recipient"), "{e}");
    let unknown = report(FAILED_5_1_1, None, "<not-ours@kus.example.nl>");
    let e = refused(&pb, &unknown, 67, &[]);
    assert!(e.contains("no identifiable subscriber"), "{e}");
    // A VERP address whose token was altered is not believed.
    let mut forged = hard.verp.clone().into_bytes();
    forged[10] = if forged[10] == b'a' { b'b' } else { b'a' };
    let forged = String::from_utf8(forged).expect("ascii");
    let e = refused(&pb, &report(FAILED_5_1_1, Some(&forged), "<x@y>"), 67, &[]);
    assert!(e.contains("no valid signature"), "{e}");
    // The database is down: Postfix must keep the report and try again.
    // (A database below a file cannot be opened, however long one waits.)
    let down = [(
        "POSTBODE_DATABASE__URL",
        "sqlite://postbode.toml/postbode.db",
    )];
    let e = refused(&pb, &full, 75, &down);
    assert!(e.contains("try again later"), "{e}");
    assert_eq!(statuses(&pb), before, "nothing changed");
    assert!(
        pb.status_json()["bounces"]
            .as_object()
            .is_some_and(|b| b.is_empty())
    );

    // Hard: only the VERP address as Postfix's ${recipient} gives it names the
    // message (the report itself quotes neither it nor a known Message-ID).
    let elsewhere = report(FAILED_5_1_1, None, "<elsewhere@kus.example.nl>");
    let out = handled(&pb, &["--recipient", &hard.verp], &elsewhere);
    assert!(out.starts_with("hard bounce 5.1.1 for subscriber"), "{out}");
    assert!(out.contains("found by VERP address"), "{out}");
    assert_eq!(pb.subscriber("hard@example.nl")["status"], "bounced");

    // Soft: the VERP address in the report's own headers; three different
    // messages within 30 days suppress, a report repeated is one message.
    let soft = |subject: &str| {
        let s = sent("soft3", subject);
        report(MAILBOX_FULL, Some(&s.verp), &s.message_id)
    };
    let out = handled(&pb, &[], &soft("Een"));
    assert!(out.contains("1 of 3 soft-bounced messages"), "{out}");
    handled(&pb, &[], &soft("Een"));
    let out = handled(&pb, &[], &soft("Twee"));
    assert!(out.contains("2 of 3"), "{out}");
    assert_eq!(pb.subscriber("soft3@example.nl")["status"], "active");
    let out = handled(&pb, &[], &soft("Drie"));
    assert!(out.contains("now bounced, address suppressed"), "{out}");
    assert_eq!(pb.subscriber("soft3@example.nl")["status"], "bounced");
    let s = sent("soft1", "Twee");
    handled(
        &pb,
        &[],
        &report(MAILBOX_FULL, Some(&s.verp), &s.message_id),
    );
    assert_eq!(pb.subscriber("soft1@example.nl")["status"], "active");

    // Delayed: information only.
    let s = sent("delayed", "Een");
    let out = handled(&pb, &[], &report(DELAYED, Some(&s.verp), &s.message_id));
    assert!(out.starts_with("delay 4.2.1"), "{out}");
    assert!(out.contains("nothing changed"), "{out}");
    assert_eq!(pb.subscriber("delayed@example.nl")["status"], "active");

    // Policy (5.7.1): an alert for the operator, the subscriber stays.
    let s = sent("policy", "Een");
    let policy = report(FAILED_REMOTE, Some(&s.verp), &s.message_id)
        .replace("Status: 5.1.1", "Status: 5.7.1")
        .replace("550 5.1.1", "550 5.7.1");
    let out = pb.bounce(&[], &[], policy.as_bytes());
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("policy rejection 5.7.1"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("ALERT"), "{stderr}");
    assert_eq!(pb.subscriber("policy@example.nl")["status"], "active");

    // Complaint: the report's sample VERP address is not ours, so the quoted
    // Message-ID finds the message.
    let s = sent("complaint", "Twee");
    let out = handled(&pb, &[], &report(COMPLAINT, None, &s.message_id));
    assert!(out.starts_with("complaint abuse"), "{out}");
    assert!(out.contains("found by Message-ID"), "{out}");
    assert_eq!(
        pb.subscriber("complaint@example.nl")["status"],
        "complained"
    );

    let status = pb.status_json();
    let per_source = &status["unsubscribe_totals"]["per_source"];
    assert_eq!(per_source["bounce"], 2, "{status}");
    assert_eq!(per_source["complaint"], 1, "{status}");
    let bounces = &status["bounces"];
    assert_eq!(bounces["hard"], 1, "{bounces}");
    assert_eq!(bounces["soft"], 5, "{bounces}");
    assert_eq!(bounces["delayed"], 1, "{bounces}");
    assert_eq!(bounces["policy"], 1, "{bounces}");
    assert_eq!(bounces["complaint"], 1, "{bounces}");

    // The next issue reaches only those still on the list.
    pb.drop_issue("vier.md", &issue("Vier"));
    pb.wait_issue("vier", "sent", 40);
    assert_eq!(
        smtp.recipients_of("Vier"),
        vec![
            "delayed@example.nl",
            "policy@example.nl",
            "soft1@example.nl"
        ]
    );
    // Suppressed addresses cannot simply be added again.
    let again = pb.cli(&[
        "subscribers",
        "add",
        "hard@example.nl",
        "--confirmed",
        "--consent",
        "x",
    ]);
    let said = String::from_utf8_lossy(&again.stdout).into_owned()
        + &String::from_utf8_lossy(&again.stderr);
    assert!(said.contains("suppress"), "{said}");
    pb.stop();
}
