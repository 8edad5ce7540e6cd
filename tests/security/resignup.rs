//! A sign-up for an address that is already known, posted by anyone: the
//! person's record keeps its status, name, choices and history until the
//! person confirms from the mail, and the nightly purge never takes it.

use crate::common::{Postbode, SmtpServer};
use crate::{consent_history, record, wait_for_log};

#[tokio::test(flavor = "multi_thread")]
async fn an_anonymous_sign_up_changes_no_record_and_the_purge_keeps_it() {
    let smtp = SmtpServer::start(&[]);
    // The purge every second, so the test need not wait for 03:00.
    let mut pb = Postbode::new(
        &smtp.url(),
        "\n[schedule]\npurge_unconfirmed = \"* * * * * *\"\n",
    );
    pb.add("anouk@example.nl", "Anouk", &["arbeid-en-inclusie"], &[]);
    pb.add("bram@example.nl", "Bram", &["ontwikkeltafels"], &[]);
    pb.ok(&["subscribers", "unsubscribe", "anouk@example.nl"]);
    let anouk = record(&pb, "anouk@example.nl");
    let bram = record(&pb, "bram@example.nl");
    let history = consent_history(&pb, "anouk@example.nl");
    assert_eq!(anouk["status"], "unsubscribed");
    pb.serve();

    for who in ["anouk@example.nl", "bram@example.nl"] {
        let (status, page) = pb
            .sign_up(
                &[
                    ("email", who),
                    ("name", "Overgenomen"),
                    ("workshops", "ontwikkeltafels"),
                    ("interests", "welzijn"),
                    ("language", "en"),
                ],
                &[],
            )
            .await;
        assert_eq!(status, 200, "{page}");
    }
    let mails = smtp.wait_for(2, 20);
    assert_eq!(
        record(&pb, "anouk@example.nl"),
        anouk,
        "nothing changed yet"
    );
    assert_eq!(record(&pb, "bram@example.nl"), bram, "nothing changed");
    assert_eq!(consent_history(&pb, "anouk@example.nl"), history);

    // A week later nobody has confirmed; the purge runs.
    pb.sql("UPDATE signup_requests SET created_at = created_at - 8 * 86400")
        .await;
    pb.sql("UPDATE subscribers SET created_at = created_at - 8 * 86400")
        .await;
    wait_for_log(&pb, "requests=1");
    assert_eq!(record(&pb, "anouk@example.nl"), anouk, "the record stays");
    assert_eq!(consent_history(&pb, "anouk@example.nl"), history);
    assert_eq!(record(&pb, "bram@example.nl"), bram);

    // The mailed link now confirms nothing.
    let to_anouk = mails
        .iter()
        .find(|m| m.rcpt == "anouk@example.nl")
        .expect("a mail to anouk");
    let link = to_anouk.link(&format!("{}/confirm/", pb.base_url()));
    let r = reqwest::Client::new()
        .post(&link)
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), 404);
    assert_eq!(record(&pb, "anouk@example.nl"), anouk);
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_person_with_the_mail_can_bring_an_unsubscribed_record_back() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    pb.add("anouk@example.nl", "Anouk", &["arbeid-en-inclusie"], &[]);
    pb.ok(&["subscribers", "unsubscribe", "anouk@example.nl"]);
    let before = record(&pb, "anouk@example.nl");
    pb.serve();
    // Two sign-ups for the same address: the later one replaces the earlier
    // one held apart, and the first mail's link is void.
    let (status, _) = pb
        .sign_up(&[("email", "anouk@example.nl"), ("name", "Eerste")], &[])
        .await;
    assert_eq!(status, 200);
    let first = smtp.wait_for(1, 20).remove(0);
    pb.sql("UPDATE subscribers SET confirmation_sent_at = NULL")
        .await;
    let (status, _) = pb
        .sign_up(
            &[
                ("email", "anouk@example.nl"),
                ("name", "Anouk de Vries"),
                ("interests", "welzijn"),
            ],
            &[],
        )
        .await;
    assert_eq!(status, 200);
    let second = smtp.wait_for(2, 20).remove(1);
    let prefix = format!("{}/confirm/", pb.base_url());
    let client = reqwest::Client::new();
    let old = client.post(first.link(&prefix)).send().await.expect("POST");
    assert_eq!(old.status(), 404);
    assert_eq!(record(&pb, "anouk@example.nl"), before);

    let r = client
        .post(second.link(&prefix))
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), 200);
    let now = record(&pb, "anouk@example.nl");
    assert_eq!(now["status"], "active");
    assert_eq!(now["name"], "Anouk de Vries");
    assert_eq!(now["workshops"], serde_json::json!([]));
    assert_eq!(now["interests"], serde_json::json!(["welzijn"]));
    let events: Vec<_> = consent_history(&pb, "anouk@example.nl")
        .iter()
        .map(|c| c["event"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        events.last().map(String::as_str),
        Some("confirmed"),
        "{events:?}"
    );
}
