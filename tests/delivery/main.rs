//! End to end over real SMTP: an issue dropped into `newsletters/` reaches each
//! subscriber of its audience with their own sections, and one-click unsubscribe
//! stops the next one.

#[path = "../common/mod.rs"]
mod common;
mod grouped;
mod pipelining;

use common::{Postbode, SmtpServer, soon};

fn issue(subject: &str, send_at: &str) -> String {
    format!(
        "---\nsubject: {subject}\nsend_at: {send_at}\n---\nBeste {{{{ subscriber.name }}}},\n\nWelkom bij dit nummer.\n\n\
## Kick-off werkplaats Arbeid en Inclusie {{workshops=arbeid-en-inclusie}}\nAlleen voor de werkplaats.\n\n\
## Welzijn op recept {{interests=welzijn}}\nAlleen voor welzijn.\n\n\
## Samen Wijzer Servicepunt\nVoor iedereen.\n"
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn each_subscriber_gets_their_sections_and_one_click_unsubscribe_stops_the_next_issue() {
    scenario(None).await;
}

/// The same journey on PostgreSQL: the schema and SQL are shared.
#[tokio::test(flavor = "multi_thread")]
async fn the_same_journey_works_on_postgresql() {
    if let Some(url) = common::postgres_database().await {
        scenario(Some(url.clone())).await;
        common::postgres_drop(&url).await;
    }
}

async fn scenario(database: Option<String>) {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    if let Some(url) = database {
        pb.use_database(&url);
    }
    pb.add(
        "anouk@example.nl",
        "Anouk d'Hondt",
        &["arbeid-en-inclusie"],
        &[],
    );
    pb.add(
        "sukru@example.org",
        "Şükrü <b>Yılmaz</b>",
        &[],
        &["welzijn"],
    );
    pb.add("marieke@example.nl", "", &[], &[]);
    pb.serve();
    pb.drop_issue(
        "2026-12-platformnieuws.md",
        &issue("Platformnieuws december", &soon(3)),
    );

    let got = smtp.wait_for(3, 30);
    assert_eq!(got.len(), 3);
    let by = |who: &str| {
        got.iter()
            .find(|m| m.rcpt == who)
            .unwrap_or_else(|| panic!("nothing for {who}"))
    };

    for m in &got {
        assert_eq!(m.subject(), "Platformnieuws december");
        assert_eq!(
            m.header("List-Unsubscribe-Post").as_deref(),
            Some("List-Unsubscribe=One-Click")
        );
        assert!(
            m.header("List-Id")
                .is_some_and(|h| h.contains("<platformnieuws.kus.example.nl>"))
        );
        let mid = m.header("Message-ID").expect("Message-ID");
        assert!(mid.ends_with("@kus.example.nl>"), "{mid}");
        assert!(m.header("Date").is_some());
        let ct = m.header("Content-Type").expect("content type");
        assert!(ct.starts_with("multipart/alternative"), "{ct}");
        let raw = String::from_utf8_lossy(&m.raw);
        let text_at = raw.find("Content-Type: text/plain").expect("text part");
        let html_at = raw.find("Content-Type: text/html").expect("html part");
        assert!(text_at < html_at, "text/plain must come first");
        assert!(
            m.unsubscribe_url()
                .starts_with(&format!("{}/unsubscribe/", pb.base_url()))
        );
        assert!(
            m.html().contains("Voor iedereen."),
            "untagged section for everyone"
        );
        assert!(m.text().contains("Voor iedereen."));
        assert!(
            m.html().contains(&m.unsubscribe_url()),
            "visible unsubscribe link in the body"
        );
    }
    let anouk = by("anouk@example.nl");
    assert!(anouk.html().contains("Alleen voor de werkplaats."));
    assert!(!anouk.html().contains("Alleen voor welzijn."));
    assert!(anouk.text().contains("Beste Anouk d'Hondt,"));
    let sukru = by("sukru@example.org");
    assert!(sukru.html().contains("Alleen voor welzijn."));
    assert!(!sukru.html().contains("Alleen voor de werkplaats."));
    assert!(
        sukru.html().contains("Şükrü &lt;b&gt;Yılmaz&lt;/b&gt;"),
        "name is escaped in HTML"
    );
    assert!(!sukru.html().contains("<b>Yılmaz</b>"));
    let marieke = by("marieke@example.nl");
    assert!(!marieke.html().contains("Alleen voor"));
    assert!(
        marieke.text().contains("Beste lezer,"),
        "a missing name reads well"
    );

    // The mail client's one-click button (RFC 8058).
    let resp = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .post(anouk.unsubscribe_url())
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("POST");
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().get("location").is_none());
    assert!(resp.headers().get("set-cookie").is_none());
    assert_eq!(pb.subscriber("anouk@example.nl")["status"], "unsubscribed");
    let done = pb.wait_issue("2026-12-platformnieuws", "sent", 20);
    assert_eq!(done["deliveries"]["sent"], 3);

    pb.drop_issue(
        "2027-01-platformnieuws.md",
        &issue("\"Januari: nieuws voor {{ subscriber.name }}\"", &soon(3)),
    );
    pb.wait_issue("2027-01-platformnieuws", "sent", 30);
    let all = smtp.messages();
    let january: Vec<_> = all
        .iter()
        .filter(|m| m.subject().starts_with("Januari: nieuws voor "))
        .collect();
    // Merge tags work in the subject too, unescaped (it is a header, not HTML).
    let subjects: Vec<_> = january.iter().map(|m| m.subject()).collect();
    assert!(
        subjects.contains(&"Januari: nieuws voor Şükrü <b>Yılmaz</b>".to_string()),
        "{subjects:?}"
    );
    assert!(
        subjects.contains(&"Januari: nieuws voor lezer".to_string()),
        "{subjects:?}"
    );
    let mut to: Vec<_> = january.iter().map(|m| m.rcpt.as_str()).collect();
    to.sort();
    assert_eq!(
        to,
        vec!["marieke@example.nl", "sukru@example.org"],
        "no mail after unsubscribing"
    );
    let status = pb.status_json();
    let unsub = &status["unsubscribes"][0];
    assert_eq!(unsub["issue"], "2026-12-platformnieuws");
    assert_eq!(unsub["source"], "one-click");
    pb.stop();
}

/// Editors see every newly valid issue as a proof, and an invalid one as a list of errors.
#[tokio::test(flavor = "multi_thread")]
async fn editors_get_a_proof_of_a_valid_issue_and_the_errors_of_an_invalid_one() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    let cfg = std::fs::read_to_string(pb.path("postbode.toml")).expect("config");
    std::fs::write(
        pb.path("postbode.toml"),
        cfg.replace("editors = []", "editors = [\"redactie@kus.example.nl\"]"),
    )
    .expect("config");
    pb.add("lezer@example.nl", "Lezer", &[], &[]);
    pb.serve();
    pb.drop_issue(
        "concept.md",
        "---\nsubject: Concept december\n---\nIntro.\n\n## Alleen jeugd {workshops=transformatie-jeugd}\nJeugdnieuws.\n",
    );
    let proof = smtp.wait_for(1, 20).remove(0);
    assert_eq!(proof.rcpt, "redactie@kus.example.nl");
    assert_eq!(proof.subject(), "[PROEF] Concept december");
    assert!(
        proof.html().contains("Jeugdnieuws."),
        "a proof shows every section"
    );
    pb.drop_issue(
        "kapot.md",
        "---\nsubject: Kapot\naudience:\n  workshops: [onbekend]\n---\nTekst.\n",
    );
    let all = smtp.wait_for(2, 20);
    let report = all
        .iter()
        .find(|m| m.subject() == "[postbode] Fouten in kapot")
        .expect("error report");
    assert_eq!(report.rcpt, "redactie@kus.example.nl");
    assert!(
        report
            .text()
            .contains("kapot.md:4:15: onbekende werkplaats \"onbekend\""),
        "{}",
        report.text()
    );
    assert!(
        !all.iter().any(|m| m.rcpt == "lezer@example.nl"),
        "drafts and invalid issues reach no subscriber"
    );
}

/// SPEC §9: no mail leaves after the unsubscribe was answered, even mail already queued.
#[tokio::test(flavor = "multi_thread")]
async fn unsubscribing_while_an_issue_is_being_sent_stops_the_queued_copy() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    for who in ["a", "b", "c", "d"] {
        pb.add(&format!("{who}@example.nl"), who, &[], &[]);
    }
    // One connection at one message a second: the queue drains slowly enough to act on.
    pb.serve_with_env(&[
        ("POSTBODE_SMTP__RATE_PER_SECOND", "1"),
        ("POSTBODE_SMTP__CONNECTIONS", "1"),
    ]);
    let simple = |subject: &str| {
        format!(
            "---\nsubject: {subject}\nsend_at: {}\n---\nTekst.\n",
            soon(2)
        )
    };
    pb.drop_issue("eerste.md", &simple("Eerste"));
    let first = smtp.wait_for(4, 30);
    let last_url = first
        .iter()
        .find(|m| m.rcpt == "d@example.nl")
        .expect("d")
        .unsubscribe_url();
    pb.drop_issue("tweede.md", &simple("Tweede"));
    let end = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while smtp.with_subject("Tweede").is_empty() {
        assert!(
            std::time::Instant::now() < end,
            "the second issue never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let status = reqwest::Client::new()
        .post(&last_url)
        .body("List-Unsubscribe=One-Click")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send()
        .await
        .expect("POST")
        .status();
    assert_eq!(status, 200);
    let sent = pb.wait_issue("tweede", "sent", 30);
    assert_eq!(
        smtp.recipients_of("Tweede"),
        vec!["a@example.nl", "b@example.nl", "c@example.nl"]
    );
    assert_eq!(
        sent["deliveries"]["skipped"], 1,
        "the queued copy is recorded as skipped: {sent}"
    );
}
