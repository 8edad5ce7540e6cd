//! The sign-up form as a target: posts made by another site's page, posts
//! that never came from the form, one mailbox bombed through sub-addresses,
//! a flood of confirmation mails from many visitors, and a stranger's text
//! put into our signed mail through the name field.

use crate::common::{Postbode, SmtpServer, TEST_KEY, form_token_in};
use crate::set_config;
use postbode::domain::token::{Claims, Purpose, TokenSigner};

fn started(extra: &str) -> (SmtpServer, Postbode) {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), extra);
    // Behind a proxy, so each request can come from its own visitor and
    // only the limit under test applies.
    let listen = format!(
        "listen = \"{}\"",
        pb.base_url().trim_start_matches("http://")
    );
    set_config(
        &pb,
        &listen,
        &format!("{listen}\ntrusted_proxies = [\"127.0.0.1/32\"]"),
    );
    pb.serve();
    (smtp, pb)
}

fn emails(pb: &Postbode) -> Vec<String> {
    let list: serde_json::Value =
        serde_json::from_str(&pb.ok(&["subscribers", "list", "--json"])).expect("json");
    list.as_array()
        .map(|a| {
            a.iter()
                .map(|s| s["email"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn settle() {
    std::thread::sleep(std::time::Duration::from_millis(800));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sign_up_posted_from_another_site_is_refused() {
    let (smtp, pb) = started("");
    for headers in [
        [
            ("Origin", "https://evil.example"),
            ("X-Forwarded-For", "203.0.113.1"),
        ],
        [
            ("Sec-Fetch-Site", "cross-site"),
            ("X-Forwarded-For", "203.0.113.2"),
        ],
        [("Origin", "null"), ("X-Forwarded-For", "203.0.113.3")],
    ] {
        let (status, page) = pb
            .sign_up(&[("email", "doelwit@example.nl")], &headers)
            .await;
        assert_eq!(status, 403, "{headers:?}: {page}");
        assert!(page.contains("andere website"), "{page}");
    }
    settle();
    assert!(emails(&pb).is_empty(), "nothing stored");
    assert!(smtp.messages().is_empty(), "no mail");
    // The platform's own page, as a browser says it.
    let own = pb.base_url();
    let (status, _) = pb
        .sign_up(
            &[("email", "doelwit@example.nl")],
            &[("Origin", &own), ("Sec-Fetch-Site", "same-origin")],
        )
        .await;
    assert_eq!(status, 200);
    smtp.wait_for(1, 20);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_post_without_a_recent_form_token_shows_the_form_again_and_stores_nothing() {
    let (smtp, pb) = started("");
    let sign = |key: &str, purpose: Purpose, age: i64| {
        TokenSigner::new(&[key.to_string()]).sign(Claims {
            purpose,
            subscriber_id: 0,
            context: 0,
            issued_at: chrono::Utc::now().timestamp() - age,
            generation: 0,
        })
    };
    let other_key = "9f".repeat(2) + &"3c7a".repeat(15);
    let stale = sign(TEST_KEY, Purpose::Form, 13 * 3600);
    let foreign = sign(&other_key, Purpose::Form, 0);
    let wrong_purpose = sign(TEST_KEY, Purpose::Preferences, 0);
    let mut last_page = String::new();
    for (i, token) in ["", "garbage", &stale, &foreign, &wrong_purpose]
        .into_iter()
        .enumerate()
    {
        let visitor = format!("203.0.113.{}", i + 1);
        let (status, page) = pb
            .post_form(
                "/subscribe",
                &[
                    ("email", "lezer@example.nl"),
                    ("name", "Lezer"),
                    ("form_token", token),
                ],
                &[("X-Forwarded-For", &visitor)],
            )
            .await;
        assert_eq!(status, 400, "token {i}: {page}");
        assert!(page.contains("Controleer het en druk nog eens"), "{page}");
        assert!(page.contains("value=\"lezer@example.nl\""), "kept: {page}");
        last_page = page;
    }
    settle();
    assert!(emails(&pb).is_empty());
    assert!(smtp.messages().is_empty());
    // The form shown again carries a fresh token: sending it works.
    let fresh = form_token_in(&last_page);
    let (status, _) = pb
        .post_form(
            "/subscribe",
            &[("email", "lezer@example.nl"), ("form_token", &fresh)],
            &[("X-Forwarded-For", "203.0.113.9")],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(emails(&pb), ["lezer@example.nl"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn sub_addresses_of_one_mailbox_get_at_most_three_mails_an_hour() {
    let (smtp, pb) = started("");
    let mut statuses = Vec::new();
    for (i, email) in [
        "doelwit+1@example.nl",
        "doelwit+2@example.nl",
        "Doelwit+3@example.nl",
        "doelwit+4@example.nl",
        "DOELWIT@example.nl",
    ]
    .into_iter()
    .enumerate()
    {
        let visitor = format!("203.0.113.{}", i + 1);
        let (status, _) = pb
            .sign_up(&[("email", email)], &[("X-Forwarded-For", &visitor)])
            .await;
        statuses.push(status);
    }
    assert_eq!(statuses, [200, 200, 200, 429, 429]);
    smtp.wait_for(3, 20);
    settle();
    let to_the_mailbox = smtp
        .messages()
        .iter()
        .filter(|m| m.rcpt.to_lowercase().starts_with("doelwit"))
        .count();
    assert_eq!(to_the_mailbox, 3);
    // Another mailbox is not affected.
    let (status, _) = pb
        .sign_up(
            &[("email", "ander+1@example.nl")],
            &[("X-Forwarded-For", "203.0.113.20")],
        )
        .await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_hourly_cap_on_confirmation_mails_holds_for_all_visitors_together() {
    let (smtp, pb) = started("\n[limits]\nconfirmation_mails_per_hour = 3\n");
    let mut statuses = Vec::new();
    for i in 1..=5 {
        let email = format!("lezer{i}@example.nl");
        let visitor = format!("203.0.113.{i}");
        let (status, page) = pb
            .sign_up(&[("email", &email)], &[("X-Forwarded-For", &visitor)])
            .await;
        if status == 429 {
            assert!(page.contains("Te veel aanmeldingen"), "{page}");
        }
        statuses.push(status);
        // The cap counts mails that left; let each one leave first.
        if status == 200 {
            smtp.wait_for(i, 20);
        }
    }
    assert_eq!(statuses, [200, 200, 200, 429, 429]);
    settle();
    assert_eq!(smtp.messages().len(), 3);
    assert_eq!(emails(&pb).len(), 3, "a refused sign-up is not stored");
    assert!(
        pb.log().contains("limits.confirmation_mails_per_hour"),
        "the operator is told which setting: {}",
        pb.log()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_name_typed_on_the_form_never_reaches_the_signed_mail() {
    let (smtp, pb) = started("");
    // As long as a name may be, so the form accepts it.
    let spam = "Gefeliciteerd! Claim uw prijs op https://spam.example/win voor 18.00 uur vandaag.";
    assert!(spam.chars().count() <= postbode::domain::name::SubscriberName::MAX_CHARS);
    let (status, _) = pb
        .sign_up(
            &[("email", "iemand@example.nl"), ("name", spam)],
            &[("X-Forwarded-For", "203.0.113.1")],
        )
        .await;
    assert_eq!(status, 200);
    let mail = smtp.wait_for(1, 20).remove(0);
    for part in [
        mail.html(),
        mail.text(),
        mail.header("To").unwrap_or_default(),
    ] {
        assert!(!part.contains("spam.example"), "{part}");
        assert!(!part.contains("Gefeliciteerd"), "{part}");
    }
    assert!(mail.text().contains("/confirm/"), "still a confirmation");
}
