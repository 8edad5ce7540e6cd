//! The `[schedule]` jobs against a running daemon.

#[path = "../common/mod.rs"]
mod common;

use common::{Postbode, SmtpServer};

fn emails(pb: &Postbode) -> Vec<String> {
    let list: serde_json::Value =
        serde_json::from_str(&pb.ok(&["subscribers", "list", "--json"])).expect("json");
    let mut out: Vec<String> = list
        .as_array()
        .expect("array")
        .iter()
        .map(|s| s["email"].as_str().unwrap_or_default().to_string())
        .collect();
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn purge_unconfirmed_removes_only_pending_sign_ups_older_than_a_week() {
    let smtp = SmtpServer::start(&[]);
    // Every second, so the test need not wait for 03:00.
    let mut pb = Postbode::new(
        &smtp.url(),
        "\n[schedule]\npurge_unconfirmed = \"* * * * * *\"\n",
    );
    pb.ok(&["subscribers", "add", "oud@example.nl"]);
    pb.ok(&["subscribers", "add", "nieuw@example.nl"]);
    pb.add("trouw@example.nl", "Trouw", &[], &[]);
    // Eight days ago: the old pending sign-up and the long-standing active subscriber.
    pb.sql("UPDATE subscribers SET created_at = created_at - 8 * 86400 WHERE email_key IN ('oud@example.nl', 'trouw@example.nl')").await;
    assert_eq!(
        emails(&pb),
        vec!["nieuw@example.nl", "oud@example.nl", "trouw@example.nl"]
    );
    pb.serve();
    let end = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while emails(&pb).len() == 3 {
        assert!(
            std::time::Instant::now() < end,
            "purge never ran:\n{}",
            pb.log()
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert_eq!(emails(&pb), vec!["nieuw@example.nl", "trouw@example.nl"]);
    assert!(
        pb.log()
            .contains("unconfirmed sign-ups older than 7 days removed")
    );
}

/// The weekly digest job, made to fire a few seconds from now: subscribers
/// who chose the digest get the published meetings of the next two weeks that
/// they follow; someone with nothing to read gets nothing.
#[tokio::test(flavor = "multi_thread")]
async fn the_agenda_digest_lists_the_upcoming_meetings_each_subscriber_follows() {
    use chrono::{Duration, Timelike, Utc};
    let smtp = SmtpServer::start(&[]);
    let fire = Utc::now() + Duration::seconds(9);
    let mut pb = Postbode::new(
        &smtp.url(),
        &format!(
            "\n[schedule]\nagenda_digest = \"{} * * * * *\"\n",
            fire.second()
        ),
    );
    pb.add("anna@example.nl", "Anna", &["arbeid-en-inclusie"], &[]);
    pb.add("bert@example.nl", "Bert", &["arbeid-en-inclusie"], &[]);
    pb.add("carla@example.nl", "Carla", &[], &["geweld-in-gezinnen"]);
    pb.add("dirk@example.nl", "Dirk", &["ontwikkeltafels"], &[]);
    pb.sql("UPDATE subscribers SET digest = 1 WHERE email_key <> 'bert@example.nl'")
        .await;

    let at = |days: i64| {
        (Utc::now() + Duration::days(days))
            .format("%Y-%m-%dT%H:%M:00Z")
            .to_string()
    };
    pb.drop_issue(
        "december-2026.md",
        &format!(
            "---
subject: Platformnieuws december
send_at: {}
agenda:
  - id: werkplaats-arbeid
    title: Werkplaats Arbeid en Inclusie
    start: {}
    location: Hogeschool Utrecht
    workshop: arbeid-en-inclusie
  - id: expertmeeting-geweld
    title: Expertmeeting geweld in gezinnen
    start: {}
    location: Stadskantoor
    interests: [geweld-in-gezinnen]
  - id: afgelast-arbeid
    title: Afgelaste werkplaats
    start: {}
    workshop: arbeid-en-inclusie
    status: cancelled
  - id: platformdag
    title: Platformdag over een maand
    start: {}
---
Intro.
",
            common::soon(2),
            at(3),
            at(5),
            at(4),
            at(30)
        ),
    );
    pb.serve();
    pb.wait_issue("december-2026", "sent", 20);
    let digests = |smtp: &SmtpServer| -> Vec<common::Received> {
        smtp.messages()
            .into_iter()
            .filter(|m| m.subject().starts_with("Agenda:"))
            .collect()
    };
    let end = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while digests(&smtp).len() < 2 {
        assert!(std::time::Instant::now() < end, "no digests:\n{}", pb.log());
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    // Time for a wrong third one to arrive.
    std::thread::sleep(std::time::Duration::from_secs(2));
    let mut got: Vec<(String, String)> = digests(&smtp)
        .iter()
        .map(|m| (m.rcpt.clone(), m.subject()))
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            (
                "anna@example.nl".to_string(),
                "Agenda: 1 bijeenkomst in de komende twee weken".to_string()
            ),
            (
                "carla@example.nl".to_string(),
                "Agenda: 1 bijeenkomst in de komende twee weken".to_string()
            ),
        ]
    );
    for m in digests(&smtp) {
        let text = m.text();
        let (mine, other) = if m.rcpt == "anna@example.nl" {
            ("Werkplaats Arbeid en Inclusie", "Expertmeeting")
        } else {
            ("Expertmeeting geweld in gezinnen", "Werkplaats Arbeid")
        };
        assert!(text.contains(mine), "{text}");
        for absent in [other, "Afgelaste werkplaats", "Platformdag"] {
            assert!(!text.contains(absent), "{absent} in:\n{text}");
        }
        assert!(m.header("List-Unsubscribe").is_some());
    }
    let status = pb.status_json();
    let digest = status["agenda"]
        .as_array()
        .expect("agenda")
        .iter()
        .find(|a| a["uid"] == "digest")
        .expect("digest counts")
        .clone();
    assert_eq!(digest["mails"]["digest"]["sent"], 2, "{digest}");
    assert_eq!(digest["mails"]["digest"]["skipped"], 1, "dirk: {digest}");
}
