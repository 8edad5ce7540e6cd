//! The subscribe form (`GET /`) and sign-up (`POST /subscribe`) over HTTP against
//! a running daemon and a real SMTP server: double opt-in, the consent record,
//! one answer for every address, throttling, rate limits, a honeypot, and
//! escaping of everything typed.

#[path = "../common/mod.rs"]
mod common;

mod welcome;

use common::{INTERESTS, Postbode, SmtpServer, WORKSHOPS};
use sqlx::Row;
use std::time::Duration;

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

fn form(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// POSTs a urlencoded body to /subscribe with a fresh form token, as the
/// browser sends the form: (status, body).
async fn subscribe(pb: &Postbode, pairs: &[(&str, &str)]) -> (u16, String) {
    let token = pb.form_token().await;
    let mut pairs = pairs.to_vec();
    pairs.push(("form_token", &token));
    subscribe_raw(pb, form(&pairs).into_bytes(), None).await
}

async fn subscribe_raw(pb: &Postbode, body: Vec<u8>, referer: Option<&str>) -> (u16, String) {
    let mut req = client()
        .post(format!("{}/subscribe", pb.base_url()))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body);
    if let Some(r) = referer {
        req = req.header("Referer", r);
    }
    let r = req.send().await.expect("POST /subscribe");
    let status = r.status().as_u16();
    (status, r.text().await.expect("body"))
}

fn subscribers(pb: &Postbode) -> Vec<serde_json::Value> {
    serde_json::from_str::<serde_json::Value>(&pb.ok(&["subscribers", "list", "--json"]))
        .expect("json")
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn started() -> (SmtpServer, Postbode) {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    pb.serve();
    (smtp, pb)
}

/// The messages that arrived for `address`.
fn mails_for(smtp: &SmtpServer, address: &str) -> Vec<common::Received> {
    smtp.messages()
        .into_iter()
        .filter(|m| m.rcpt == address)
        .collect()
}

/// The consent history's events, oldest first.
async fn consent_events(db: &sqlx::AnyPool) -> Vec<String> {
    sqlx::query("SELECT event FROM consents ORDER BY id")
        .fetch_all(db)
        .await
        .expect("consents")
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_form_lists_every_workshop_and_interest_unticked_in_dutch_or_english() {
    let (_smtp, pb) = started();
    let r = reqwest::get(format!("{}/", pb.base_url()))
        .await
        .expect("GET /");
    assert_eq!(r.status(), 200);
    let page = r.text().await.expect("page");
    assert!(page.contains("<html lang=\"nl\""), "{page}");
    assert!(page.contains("name=\"viewport\""));
    assert!(page.contains("kennisplatform Utrecht Sociaal"));
    assert!(page.contains("Aanmelden"));
    assert!(!page.contains("<script"), "no JavaScript");
    // Only the language is preselected (Dutch); no checkbox is ticked.
    assert_eq!(page.matches("checked").count(), 1, "{page}");
    assert!(page.contains("value=\"nl\" checked"), "{page}");
    for (group, list) in [("workshops", WORKSHOPS), ("interests", INTERESTS)] {
        for (slug, name) in list {
            let value = format!("name=\"{group}\" value=\"{slug}\"");
            let at = page
                .find(&value)
                .unwrap_or_else(|| panic!("{value} in {page}"));
            // The checkbox's label follows it and names the same id.
            let tag_start = page[..at].rfind("<input").expect("input tag");
            let id = page[tag_start..]
                .split("id=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .expect("id");
            let label = format!("<label for=\"{id}\">{name}</label>");
            assert!(page.contains(&label), "{label} in {page}");
        }
    }
    for field in [
        "name=\"email\"",
        "name=\"name\"",
        "name=\"reminders\"",
        "name=\"language\" value=\"nl\"",
        "name=\"language\" value=\"en\"",
        "<legend>",
        "label for=\"email\"",
        "label for=\"name\"",
        "label for=\"reminders\"",
        "label for=\"website\"",
        "2026-11",
    ] {
        assert!(page.contains(field), "{field} in {page}");
    }
    let en = reqwest::get(format!("{}/?lang=en", pb.base_url()))
        .await
        .expect("GET /?lang=en")
        .text()
        .await
        .expect("page");
    assert!(en.contains("<html lang=\"en\""), "{en}");
    assert!(en.contains("Subscribe"));
    assert!(en.contains("E-mail address"));
    // English is preselected as the language, nothing else is ticked.
    assert_eq!(en.matches("checked").count(), 1, "{en}");
    assert!(en.contains("value=\"en\" checked"), "{en}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_address_becomes_pending_with_a_consent_record_and_confirms_from_the_mail() {
    let (smtp, pb) = started();
    let referer = format!("{}/?lang=nl", pb.base_url());
    let token = pb.form_token().await;
    let (status, page) = subscribe_raw(
        &pb,
        form(&[
            ("email", "Nieuw@Example.nl"),
            ("name", "Nieuwe Lezer"),
            ("workshops", "ontwikkeltafels"),
            ("workshops", "onderzoeksnetwerk"),
            ("interests", "preventie"),
            ("reminders", "on"),
            ("language", "nl"),
            ("website", ""),
            ("form_token", &token),
        ])
        .into_bytes(),
        Some(&referer),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Kijk in je mailbox"), "{page}");
    let sub = pb.subscriber("Nieuw@example.nl");
    assert_eq!(sub["status"], "pending");
    assert_eq!(sub["name"], "Nieuwe Lezer");
    assert_eq!(sub["reminders"], true);
    assert_eq!(
        sub["workshops"],
        serde_json::json!(["onderzoeksnetwerk", "ontwikkeltafels"])
    );
    assert_eq!(sub["interests"], serde_json::json!(["preventie"]));

    // The consent record: text version, source, IP and time.
    let db = pb.sqlite().await;
    let rows = sqlx::query("SELECT event, text, source, ip, at FROM consents ORDER BY id")
        .fetch_all(&db)
        .await
        .expect("consents");
    assert_eq!(rows.len(), 1);
    let now = chrono::Utc::now().timestamp();
    assert_eq!(rows[0].get::<String, _>(0), "subscribed");
    let text: String = rows[0].get(1);
    assert!(text.contains("[2026-11]"), "{text}");
    assert!(text.contains("ontwikkeltafels"), "{text}");
    assert_eq!(rows[0].get::<String, _>(2), referer);
    assert_eq!(rows[0].get::<String, _>(3), "127.0.0.1");
    assert!((now - rows[0].get::<i64, _>(4)).abs() < 60);

    let mail = smtp.wait_for(1, 20).remove(0);
    assert_eq!(mail.rcpt, "nieuw@example.nl");
    assert_eq!(
        mail.header("Auto-Submitted").as_deref(),
        Some("auto-generated")
    );
    assert!(mail.subject().contains("Bevestig je aanmelding"));
    let link = mail.link(&format!("{}/confirm/", pb.base_url()));
    let r = client().post(&link).send().await.expect("POST confirm");
    assert_eq!(r.status(), 200);
    assert_eq!(pb.subscriber("Nieuw@example.nl")["status"], "active");
    let events = consent_events(&db).await;
    assert_eq!(events, ["subscribed", "confirmed"]);

    // Without a Referer the source is the form's own address.
    let (status, _) = subscribe(&pb, &[("email", "tweede@example.nl")]).await;
    assert_eq!(status, 200);
    let source: String = sqlx::query(
        "SELECT c.source FROM consents c JOIN subscribers s ON s.id = c.subscriber_id WHERE s.email = 'tweede@example.nl'",
    )
    .fetch_one(&db)
    .await
    .expect("consent")
    .get(0);
    assert_eq!(source, format!("{}/", pb.base_url()));
}

#[tokio::test(flavor = "multi_thread")]
async fn new_pending_and_active_addresses_get_the_same_answer_and_only_one_mail_per_ten_minutes() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    pb.add("actief@example.nl", "Actief", &[], &[]);
    pb.serve();
    // A pending address: signed up once, confirmation mail received.
    let (status, _) = subscribe(&pb, &[("email", "wacht@example.nl")]).await;
    assert_eq!(status, 200);
    smtp.wait_for(1, 20);

    let mut answers = Vec::new();
    for email in ["nieuw@example.nl", "wacht@example.nl", "actief@example.nl"] {
        answers.push(
            subscribe(
                &pb,
                &[("email", email), ("name", "Iemand"), ("language", "nl")],
            )
            .await,
        );
    }
    assert_eq!(answers[0].0, 200);
    assert_eq!(answers[0], answers[1], "new and pending answer alike");
    assert_eq!(answers[0], answers[2], "new and active answer alike");

    smtp.wait_for(3, 20);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(smtp.messages().len(), 3, "no more mails than expected");
    let new = mails_for(&smtp, "nieuw@example.nl");
    assert_eq!(new.len(), 1);
    assert!(new[0].subject().contains("Bevestig je aanmelding"));
    // The pending address signed up twice within 10 minutes: one mail only.
    assert_eq!(mails_for(&smtp, "wacht@example.nl").len(), 1);
    // The active address gets a link to its preferences, not a second confirmation.
    let active = mails_for(&smtp, "actief@example.nl");
    assert_eq!(active.len(), 1);
    assert_eq!(
        active[0].header("Auto-Submitted").as_deref(),
        Some("auto-generated")
    );
    assert!(
        active[0].subject().contains("al aangemeld"),
        "{}",
        active[0].subject()
    );
    assert!(active[0].html().contains("/preferences/"));
    assert!(active[0].text().contains("/preferences/"));
    assert!(!active[0].text().contains("/confirm/"));
    assert_eq!(pb.subscriber("actief@example.nl")["status"], "active");
    assert_eq!(pb.subscriber("wacht@example.nl")["status"], "pending");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_filled_honeypot_gets_the_same_answer_and_nothing_happens() {
    let (smtp, pb) = started();
    let real = subscribe(&pb, &[("email", "mens@example.nl"), ("website", "")]).await;
    let bot = subscribe(
        &pb,
        &[
            ("email", "robot@example.nl"),
            ("website", "http://spam.example"),
        ],
    )
    .await;
    assert_eq!(real.0, 200);
    assert_eq!(real, bot);
    smtp.wait_for(1, 20);
    std::thread::sleep(Duration::from_secs(2));
    assert!(mails_for(&smtp, "robot@example.nl").is_empty());
    let subs = subscribers(&pb);
    assert_eq!(subs.len(), 1, "{subs:?}");
    assert_eq!(subs[0]["email"], "mens@example.nl");
}

#[tokio::test(flavor = "multi_thread")]
async fn too_many_sign_ups_from_one_ip_get_429() {
    let (_smtp, pb) = started();
    for i in 0..5 {
        let email = format!("lezer{i}@example.nl");
        let (status, page) = subscribe(&pb, &[("email", &email)]).await;
        assert_eq!(status, 200, "sign-up {i}: {page}");
    }
    let r = client()
        .post(format!("{}/subscribe", pb.base_url()))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form(&[("email", "lezer5@example.nl")]))
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), 429);
    assert!(r.headers().get("retry-after").is_some());
    let page = r.text().await.expect("page");
    assert!(page.contains("Te veel aanmeldingen"), "{page}");
    assert!(page.contains("<html lang=\"nl\""));
    assert_eq!(subscribers(&pb).len(), 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_and_malformed_forms_get_a_clear_4xx_and_store_nothing() {
    let (smtp, pb) = started();
    let mut big = form(&[("email", "groot@example.nl"), ("name", "")]);
    big.push_str(&"a".repeat(100_000));
    let (status, _) = subscribe_raw(&pb, big.into_bytes(), None).await;
    assert_eq!(status, 413);

    let (status, page) = subscribe(&pb, &[("email", "geen-adres"), ("name", "Piet")]).await;
    assert_eq!(status, 400);
    assert!(page.contains("geen geldig e-mailadres"), "{page}");
    assert!(page.contains("value=\"Piet\""), "values are kept: {page}");
    assert!(page.contains("value=\"geen-adres\""), "{page}");

    let (status, page) = subscribe(
        &pb,
        &[
            ("email", "goed@example.nl"),
            ("workshops", "ontwikkeltafels"),
            ("workshops", "bestaat-niet"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        page.contains("bestaat-niet"),
        "names the wrong value: {page}"
    );
    assert!(page.contains("Onbekende werkplaats"), "{page}");
    assert!(
        page.contains("value=\"ontwikkeltafels\" checked"),
        "the valid choice stays ticked: {page}"
    );

    let (status, page) = subscribe(&pb, &[("email", "goed@example.nl"), ("language", "fr")]).await;
    assert_eq!(status, 400);
    assert!(page.contains("Onbekende taal"), "{page}");
    assert!(page.contains("fr"));

    let (status, page) = subscribe(&pb, &[("name", "Zonder adres")]).await;
    assert_eq!(status, 400);
    assert!(page.contains("Vul je e-mailadres in"), "{page}");

    std::thread::sleep(Duration::from_secs(1));
    assert!(subscribers(&pb).is_empty());
    assert!(smtp.messages().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn typed_html_is_escaped_in_the_page_and_the_typed_name_is_not_in_the_mail() {
    let (smtp, pb) = started();
    let evil = "<script>alert('x')</script> & \"Jan\"";
    let (status, page) = subscribe(
        &pb,
        &[("email", "<script>@x"), ("name", evil), ("language", "en")],
    )
    .await;
    assert_eq!(status, 400);
    assert!(page.contains("<html lang=\"en\""));
    assert!(!page.contains("<script>"), "{page}");
    assert!(page.contains("&lt;script&gt;"), "{page}");

    let (status, page) = subscribe(&pb, &[("email", "jan@example.nl"), ("name", evil)]).await;
    assert_eq!(status, 200);
    assert!(!page.contains("<script>"));
    // Whoever fills in the form chooses the name: the signed mail to an
    // address nobody confirmed yet carries none of it, not even escaped.
    let mail = smtp.wait_for(1, 20).remove(0);
    let html = mail.html();
    for part in [
        html.as_str(),
        &mail.text(),
        &mail.header("To").unwrap_or_default(),
    ] {
        assert!(!part.contains("<script"), "{part}");
        assert!(!part.contains("&lt;script"), "{part}");
        assert!(!part.contains("Jan"), "{part}");
    }
    assert!(
        html.contains("Bevestig"),
        "still the confirmation mail: {html}"
    );
    assert_eq!(pb.subscriber("jan@example.nl")["name"], evil);
}

#[tokio::test(flavor = "multi_thread")]
async fn one_address_is_limited_to_three_sign_ups_an_hour() {
    let (smtp, pb) = started();
    for i in 0..3 {
        let (status, page) = subscribe(&pb, &[("email", "vaak@example.nl")]).await;
        assert_eq!(status, 200, "sign-up {i}: {page}");
    }
    let (status, page) = subscribe(&pb, &[("email", "VAAK@example.nl")]).await;
    assert_eq!(status, 429, "{page}");
    // Another address from the same IP is still welcome.
    let (status, _) = subscribe(&pb, &[("email", "ander@example.nl")]).await;
    assert_eq!(status, 200);
    smtp.wait_for(2, 20);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(mails_for(&smtp, "vaak@example.nl").len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unsubscribed_address_that_signs_up_again_keeps_its_record_until_it_confirms() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    pb.add("terug@example.nl", "Terug", &["ontwikkeltafels"], &[]);
    let db = pb.sqlite().await;
    sqlx::query("UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = 1")
        .execute(&db)
        .await
        .expect("unsubscribe");
    pb.serve();
    let (status, _) = subscribe(
        &pb,
        &[
            ("email", "terug@example.nl"),
            ("name", "Weer terug"),
            ("interests", "welzijn"),
            ("language", "en"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    // Until the person confirms, the form post changed nothing of the record.
    let sub = pb.subscriber("terug@example.nl");
    assert_eq!(sub["status"], "unsubscribed");
    assert_eq!(sub["name"], "Terug");
    assert_eq!(sub["language"], "nl");
    assert_eq!(sub["workshops"], serde_json::json!(["ontwikkeltafels"]));
    assert_eq!(sub["interests"], serde_json::json!([]));
    assert_eq!(consent_events(&db).await, ["imported"]);

    let mail = smtp.wait_for(1, 20).remove(0);
    assert!(
        mail.subject().contains("Confirm your subscription"),
        "in the form's language"
    );
    let link = mail.link(&format!("{}/confirm/", pb.base_url()));
    let r = client().post(&link).send().await.expect("POST confirm");
    assert_eq!(r.status(), 200);
    let sub = pb.subscriber("terug@example.nl");
    assert_eq!(sub["status"], "active");
    assert_eq!(sub["name"], "Weer terug");
    assert_eq!(sub["language"], "en");
    assert_eq!(sub["workshops"], serde_json::json!([]));
    assert_eq!(sub["interests"], serde_json::json!(["welzijn"]));
    assert_eq!(
        consent_events(&db).await,
        ["imported", "subscribed", "confirmed"]
    );
    // The held sign-up is used up: the same link confirms nothing again.
    let again = client().post(&link).send().await.expect("POST again");
    assert_eq!(again.status(), 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_erased_address_is_never_mailed_again_by_a_sign_up() {
    let (smtp, pb) = started();
    pb.add("weg@example.nl", "Weg", &[], &[]);
    pb.ok(&["subscribers", "erase", "weg@example.nl"]);
    let other = subscribe(&pb, &[("email", "ander@example.nl")]).await;
    let erased = subscribe(&pb, &[("email", "Weg@Example.nl")]).await;
    assert_eq!(
        other, erased,
        "the same answer: nothing reveals the suppression list"
    );
    smtp.wait_for(1, 20);
    std::thread::sleep(Duration::from_secs(2));
    assert!(mails_for(&smtp, "weg@example.nl").is_empty());
    let subs = subscribers(&pb);
    assert!(
        subs.iter()
            .all(|s| s["email"] != "weg@example.nl" && s["email"] != "Weg@example.nl"),
        "{subs:?}"
    );
}
