//! The life of an issue with the daemon running (and stopping): edits before
//! `send_at` reschedule, removal cancels, edits after sending are refused, a
//! restart never resends and catches up on what was missed; who receives it
//! (audience, pending, unsubscribed); and what SMTP 4xx, 5xx and a `file://`
//! outbox do to the delivery.

#[path = "../common/mod.rs"]
mod common;

use common::{Postbode, Received, SmtpServer, epoch_of, soon};
use std::time::Duration;

/// Retries after 1 s instead of a minute, set the way an operator would: by environment.
const FAST_RETRY: &[(&str, &str)] = &[("POSTBODE_SMTP__RETRY_BASE_SECS", "1")];

fn issue(subject: &str, send_at: &str, body: &str) -> String {
    format!("---\nsubject: {subject}\nsend_at: {send_at}\n---\n{body}")
}

/// Sleeps until `ms` milliseconds after the epoch second `t`.
fn sleep_past(t: i64, ms: i64) {
    let wait = t * 1000 + ms - chrono::Utc::now().timestamp_millis();
    if wait > 0 {
        std::thread::sleep(Duration::from_millis(wait as u64));
    }
}

/// An installation with these confirmed subscribers, serving with fast retries.
fn daemon(smtp_url: &str, subscribers: &[&str]) -> Postbode {
    let mut pb = Postbode::new(smtp_url, "");
    for s in subscribers {
        pb.add(s, "", &[], &[]);
    }
    pb.serve_with_env(FAST_RETRY);
    pb
}

const TWO: &[&str] = &["anouk@example.nl", "bram@example.nl"];

#[test]
fn editing_a_scheduled_issue_changes_what_arrives_and_when() {
    let smtp = SmtpServer::start(&[]);
    let pb = daemon(&smtp.url(), TWO);
    let first = soon(4);
    pb.drop_issue(
        "2027-02-platformnieuws.md",
        &issue("Concept", &first, "Oude tekst.\n"),
    );
    let s = pb.wait_issue("2027-02-platformnieuws", "scheduled", 10);
    // JSON times are RFC 3339, as the file's were written here.
    assert_eq!(s["send_at"], first.as_str());

    let second = soon(7);
    pb.drop_issue(
        "2027-02-platformnieuws.md",
        &issue("Platformnieuws februari", &second, "Nieuwe tekst.\n"),
    );
    pb.wait_issue_until("2027-02-platformnieuws", 10, "the new send_at", |i| {
        i["send_at"] == second.as_str() && i["status"] == "scheduled"
    });
    sleep_past(epoch_of(&first), 1500);
    assert!(
        smtp.messages().is_empty(),
        "sent at the old time after the edit"
    );

    let done = pb.wait_issue("2027-02-platformnieuws", "sent", 20);
    assert!(
        epoch_of(done["started_at"].as_str().expect("started_at")) >= epoch_of(&second),
        "{done}"
    );
    std::thread::sleep(Duration::from_secs(1));
    let got = smtp.messages();
    assert_eq!(got.len(), 2, "one issue, once per subscriber");
    for m in &got {
        assert_eq!(m.subject(), "Platformnieuws februari");
        assert!(m.text().contains("Nieuwe tekst."), "{}", m.text());
        assert!(!m.text().contains("Oude tekst."));
    }
}

#[test]
fn removing_the_file_before_send_at_cancels_the_issue() {
    let smtp = SmtpServer::start(&[]);
    let pb = daemon(&smtp.url(), TWO);
    let at = soon(8);
    pb.drop_issue("ingetrokken.md", &issue("Ingetrokken", &at, "Tekst.\n"));
    pb.wait_issue("ingetrokken", "scheduled", 10);
    std::fs::remove_file(pb.path("newsletters/ingetrokken.md")).expect("remove");
    pb.wait_issue("ingetrokken", "cancelled", 10);
    sleep_past(epoch_of(&at), 2000);
    assert!(smtp.messages().is_empty(), "a cancelled issue was sent");
    assert_eq!(
        pb.issue_status("ingetrokken").expect("in status")["status"],
        "cancelled"
    );
}

#[test]
fn an_edit_after_sending_is_refused_with_a_warning_and_nothing_is_resent() {
    let smtp = SmtpServer::start(&[]);
    let pb = daemon(&smtp.url(), TWO);
    pb.drop_issue(
        "verzonden.md",
        &issue("Verzonden nummer", &soon(4), "Zoals verzonden.\n"),
    );
    pb.wait_issue("verzonden", "sent", 20);
    assert_eq!(smtp.messages().len(), 2);

    let again = soon(2);
    pb.drop_issue(
        "verzonden.md",
        &issue("Gewijzigd na verzending", &again, "Nieuwe tekst.\n"),
    );
    let s = pb.wait_issue_until("verzonden", 10, "a warning", |i| {
        i["warning"].as_str().is_some_and(|w| !w.is_empty())
    });
    let warning = s["warning"].as_str().unwrap_or_default();
    assert!(
        warning.contains("newsletters/verzonden.md")
            && warning.contains("changed after sending")
            && warning.contains("ignored"),
        "{warning}"
    );
    assert_eq!(s["status"], "sent");
    assert_eq!(s["subject"], "Verzonden nummer", "the sent content is kept");

    sleep_past(epoch_of(&again), 2000);
    let got = smtp.messages();
    assert_eq!(got.len(), 2, "resent after an edit");
    assert!(got.iter().all(|m| m.subject() == "Verzonden nummer"));
}

#[test]
fn restarting_after_an_issue_was_sent_sends_nothing_again() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = daemon(&smtp.url(), TWO);
    pb.drop_issue(
        "eenmalig.md",
        &issue("Eenmalig", &soon(4), "Maar één keer.\n"),
    );
    pb.wait_issue("eenmalig", "sent", 20);
    pb.stop();
    pb.serve_with_env(FAST_RETRY);
    // A second issue after the restart: once it is out, the restarted daemon has
    // certainly read the folder and run its scheduler and sender.
    pb.drop_issue("daarna.md", &issue("Daarna", &soon(4), "Tekst.\n"));
    pb.wait_issue("daarna", "sent", 20);
    assert_eq!(
        smtp.recipients_of("Eenmalig"),
        TWO,
        "resent after a restart"
    );
    assert_eq!(smtp.recipients_of("Daarna"), TWO);
    let s = pb.issue_status("eenmalig").expect("in status");
    assert_eq!(s["status"], "sent");
    assert_eq!(s["deliveries"], serde_json::json!({"sent": 2}));
}

#[test]
fn an_issue_due_while_the_daemon_was_down_is_sent_once_at_start_up() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = daemon(
        &smtp.url(),
        &["anouk@example.nl", "bram@example.nl", "chris@example.nl"],
    );
    let at = soon(4);
    pb.drop_issue("gemist.md", &issue("Gemist", &at, "Tekst.\n"));
    pb.wait_issue("gemist", "scheduled", 10);
    pb.stop();
    sleep_past(epoch_of(&at), 1500);
    assert!(smtp.messages().is_empty(), "sent while stopped");

    pb.serve_with_env(FAST_RETRY);
    pb.wait_issue("gemist", "sent", 20);
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(
        smtp.recipients_of("Gemist"),
        ["anouk@example.nl", "bram@example.nl", "chris@example.nl"]
    );
    assert_eq!(smtp.messages().len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn only_active_followers_of_a_listed_workshop_or_interest_get_a_targeted_issue() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    pb.add("werk@example.nl", "", &["arbeid-en-inclusie"], &[]);
    pb.add("welzijn@example.nl", "", &[], &["welzijn"]);
    pb.add(
        "beide@example.nl",
        "",
        &["arbeid-en-inclusie"],
        &["welzijn"],
    );
    pb.add(
        "anders@example.nl",
        "",
        &["transformatie-jeugd"],
        &["armoede-en-schulden"],
    );
    pb.add("niemand@example.nl", "", &[], &[]);
    pb.add("weg@example.nl", "", &["arbeid-en-inclusie"], &["welzijn"]);
    // Never confirmed: gets the confirmation mail and nothing else.
    pb.ok(&[
        "subscribers",
        "add",
        "wacht@example.nl",
        "--workshop",
        "arbeid-en-inclusie",
        "--interest",
        "welzijn",
    ]);
    assert_eq!(pb.subscriber("wacht@example.nl")["status"], "pending");
    pb.serve_with_env(FAST_RETRY);

    pb.drop_issue("welkom.md", &issue("Welkom", &soon(4), "Voor iedereen.\n"));
    pb.drop_issue(
        "doelgroep.md",
        &format!(
            "---\nsubject: Alleen voor de doelgroep\nsend_at: {}\naudience: {{workshops: [arbeid-en-inclusie], interests: [welzijn]}}\n---\nTekst.\n",
            soon(10)
        ),
    );
    pb.wait_issue("welkom", "sent", 20);
    assert_eq!(
        smtp.recipients_of("Welkom"),
        [
            "anders@example.nl",
            "beide@example.nl",
            "niemand@example.nl",
            "weg@example.nl",
            "welzijn@example.nl",
            "werk@example.nl"
        ],
        "every active subscriber, not the pending one"
    );
    let weg = smtp
        .with_subject("Welkom")
        .into_iter()
        .find(|m| m.rcpt == "weg@example.nl")
        .expect("weg got Welkom");
    let resp = reqwest::Client::new()
        .post(weg.unsubscribe_url())
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("POST");
    assert_eq!(resp.status(), 200);
    assert_eq!(pb.subscriber("weg@example.nl")["status"], "unsubscribed");

    let done = pb.wait_issue("doelgroep", "sent", 20);
    assert_eq!(done["deliveries"], serde_json::json!({"sent": 3}), "{done}");
    assert_eq!(
        smtp.recipients_of("Alleen voor de doelgroep"),
        ["beide@example.nl", "welzijn@example.nl", "werk@example.nl"]
    );
    let to_pending: Vec<String> = smtp
        .messages()
        .iter()
        .filter(|m| m.rcpt == "wacht@example.nl")
        .map(|m| m.subject())
        .collect();
    assert!(
        to_pending.iter().all(|s| s.starts_with("Bevestig")),
        "a pending subscriber got {to_pending:?}"
    );
}

#[test]
fn a_temporary_smtp_failure_is_retried_until_the_one_copy_arrives() {
    let smtp = SmtpServer::start(&["--fail-first", "grijs@example.nl=451"]);
    let pb = daemon(
        &smtp.url(),
        &["anouk@example.nl", "grijs@example.nl", "bram@example.nl"],
    );
    pb.drop_issue("grijs.md", &issue("Greylisting", &soon(4), "Tekst.\n"));
    let done = pb.wait_issue("grijs", "sent", 30);
    assert_eq!(done["deliveries"], serde_json::json!({"sent": 3}), "{done}");
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        smtp.recipients_of("Greylisting"),
        ["anouk@example.nl", "bram@example.nl", "grijs@example.nl"],
        "exactly one copy each"
    );
    assert_eq!(
        smtp.attempts_for("grijs@example.nl"),
        ["grijs@example.nl 451", "grijs@example.nl 250"]
    );
}

#[test]
fn a_permanent_smtp_failure_is_recorded_as_failed_and_never_retried() {
    let smtp = SmtpServer::start(&["--fail", "onbekend@example.nl=550"]);
    let pb = daemon(
        &smtp.url(),
        &["anouk@example.nl", "onbekend@example.nl", "bram@example.nl"],
    );
    pb.drop_issue("afgewezen.md", &issue("Afgewezen", &soon(4), "Tekst.\n"));
    let done = pb.wait_issue("afgewezen", "sent", 30);
    assert_eq!(
        done["deliveries"],
        serde_json::json!({"sent": 2, "failed": 1}),
        "{done}"
    );
    // Several retry periods (1 s, 2 s, …) go by: a retry would show in the log.
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(
        smtp.attempts_for("onbekend@example.nl"),
        ["onbekend@example.nl 550"]
    );
    assert_eq!(
        smtp.recipients_of("Afgewezen"),
        ["anouk@example.nl", "bram@example.nl"]
    );
    assert_eq!(
        pb.issue_status("afgewezen").expect("in status")["deliveries"],
        serde_json::json!({"sent": 2, "failed": 1})
    );
}

#[test]
fn a_file_outbox_gets_one_readable_eml_per_recipient() {
    // The config points at a closed port; the environment redirects to the outbox.
    let mut pb = Postbode::new("smtp://127.0.0.1:9", "");
    for s in TWO {
        pb.add(s, "", &[], &[]);
    }
    pb.serve_with_env(&[("POSTBODE_SMTP__URL", "file://outbox")]);
    pb.drop_issue(
        "uitvoer.md",
        &issue(
            "Naar de outbox",
            &soon(4),
            "Beste {{ subscriber.name }},\n\nVoor iedereen.\n",
        ),
    );
    let done = pb.wait_issue("uitvoer", "sent", 20);
    assert_eq!(done["deliveries"], serde_json::json!({"sent": 2}), "{done}");

    let mut files: Vec<_> = std::fs::read_dir(pb.path("outbox"))
        .expect("outbox folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 2, "{files:?}");
    let mut to = Vec::new();
    for f in files {
        let m = Received {
            rcpt: String::new(),
            raw: std::fs::read(&f).expect("read eml"),
        };
        let parsed = m.parsed();
        let addr = parsed
            .to()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .expect("To address")
            .to_string();
        to.push(addr);
        assert_eq!(m.subject(), "Naar de outbox");
        let from = parsed
            .from()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .expect("From address")
            .to_string();
        assert_eq!(from, "nieuws@kus.example.nl");
        assert!(
            m.header("Message-ID")
                .is_some_and(|h| h.ends_with("@kus.example.nl>"))
        );
        assert!(m.header("Date").is_some());
        assert_eq!(
            m.header("List-Unsubscribe-Post").as_deref(),
            Some("List-Unsubscribe=One-Click")
        );
        assert!(
            m.unsubscribe_url()
                .starts_with(&format!("{}/unsubscribe/", pb.base_url()))
        );
        assert!(
            m.header("Content-Type")
                .is_some_and(|c| c.starts_with("multipart/alternative"))
        );
        assert!(m.text().contains("Beste lezer,"), "{}", m.text());
        assert!(m.html().contains("Voor iedereen."));
    }
    to.sort();
    assert_eq!(to, TWO);
}
