//! Every answer carries the security headers; the pages' policy allows their
//! one stylesheet by its hash and nothing else; pages behind a token are not
//! cached.

use base64::Engine;
use sha2::{Digest, Sha256};

use crate::{Answer, SLUG, anouk_gets_the_issue, get, post};

/// The directives of a Content-Security-Policy, trimmed.
fn directives(a: &Answer) -> Vec<String> {
    let csp = a
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("{}: no Content-Security-Policy", a.what));
    csp.split(';').map(|d| d.trim().to_string()).collect()
}

fn assert_everywhere(a: &Answer) {
    assert_eq!(
        a.header("x-content-type-options"),
        Some("nosniff"),
        "{}",
        a.what
    );
    assert_eq!(
        a.header("referrer-policy"),
        Some("no-referrer"),
        "{}",
        a.what
    );
    let d = directives(a);
    assert!(
        d.contains(&"default-src 'none'".into()),
        "{}: {d:?}",
        a.what
    );
    assert!(
        d.contains(&"frame-ancestors 'none'".into()),
        "{}: {d:?}",
        a.what
    );
    assert!(d.contains(&"base-uri 'none'".into()), "{}: {d:?}", a.what);
    assert!(
        !d.iter().any(|x| x.starts_with("script-src")),
        "{}: no scripts anywhere: {d:?}",
        a.what
    );
}

/// A page of postbode's own frame: its policy allows exactly the `<style>`
/// it carries (by the SHA-256 of its text), forms posting to postbode, and
/// nothing else.
fn assert_page(a: &Answer, status: u16) {
    assert_eq!(a.status, status, "{}: {}", a.what, a.body);
    assert_everywhere(a);
    let css = a
        .body
        .split_once("<style>")
        .and_then(|(_, rest)| rest.split_once("</style>"))
        .map(|(css, _)| css)
        .unwrap_or_else(|| panic!("{}: no <style> in {}", a.what, a.body));
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(css));
    let mut d = directives(a);
    d.sort();
    assert_eq!(
        d,
        [
            "base-uri 'none'".to_string(),
            "default-src 'none'".into(),
            "form-action 'self'".into(),
            "frame-ancestors 'none'".into(),
            format!("style-src 'sha256-{hash}'"),
        ],
        "{}",
        a.what
    );
    assert_eq!(a.body.matches("<style").count(), 1, "{}", a.what);
}

fn assert_not_cached(a: &Answer) {
    assert_eq!(a.header("cache-control"), Some("no-store"), "{}", a.what);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_answer_carries_the_security_headers() {
    let (smtp, pb, mail) = anouk_gets_the_issue();
    let base = pb.base_url();

    // Signing up, and confirming from the mail.
    assert_page(&get(&format!("{base}/")).await, 200);
    assert_page(&get(&format!("{base}/?lang=en")).await, 200);
    let token = pb.form_token().await;
    let signed_up = post(
        &format!("{base}/subscribe"),
        &[
            ("email", "berend@example.nl"),
            ("name", "Berend"),
            ("form_token", &token),
        ],
    )
    .await;
    assert_page(&signed_up, 200);
    assert!(
        signed_up.body.contains("Kijk in je mailbox"),
        "{}",
        signed_up.body
    );
    let confirmation = smtp
        .wait_for(2, 20)
        .into_iter()
        .find(|m| m.rcpt == "berend@example.nl")
        .expect("the confirmation mail");
    let confirm = confirmation.link(&format!("{base}/confirm/"));
    for a in [get(&confirm).await, post(&confirm, &[]).await] {
        assert_page(&a, 200);
        assert_not_cached(&a);
    }
    assert_eq!(pb.subscriber("berend@example.nl")["status"], "active");

    // The preference centre and its sub-pages.
    let prefs = mail.link(&format!("{base}/preferences/"));
    let saved = post(
        &prefs,
        &[("name", "Anouk"), ("workshops", "ontwikkeltafels")],
    )
    .await;
    let asked = post(&format!("{prefs}/data-link"), &[]).await;
    for a in [get(&prefs).await, saved, asked] {
        assert_page(&a, 200);
        assert_not_cached(&a);
    }
    assert_eq!(
        pb.subscriber("anouk@example.nl")["workshops"],
        serde_json::json!(["ontwikkeltafels"]),
        "the form still saves"
    );
    // The data link, as mailed on request.
    let data_mail = smtp
        .wait_for(3, 20)
        .into_iter()
        .find(|m| m.rcpt == "anouk@example.nl" && m.text().contains("/data"))
        .expect("the data-link mail");
    let data_link = data_mail.link(&format!("{base}/preferences/"));
    let data_link = data_link.trim_end_matches("/data");
    let erase = get(&format!("{data_link}/erase")).await;
    assert_page(&erase, 200);
    assert_not_cached(&erase);
    let data = get(&format!("{data_link}/data")).await;
    assert_eq!(data.status, 200);
    assert!(data.body.contains("anouk@example.nl"));
    assert_everywhere(&data);
    assert_not_cached(&data);

    // Unsubscribing: the page, the answer with its question, the thanks.
    let unsubscribe = mail.unsubscribe_url();
    let page = get(&unsubscribe).await;
    let done = post(&unsubscribe, &[]).await;
    let thanks = post(&format!("{unsubscribe}/reason"), &[("reason", "too-much")]).await;
    for a in [page, done, thanks] {
        assert_page(&a, 200);
        assert_not_cached(&a);
    }
    assert_eq!(pb.subscriber("anouk@example.nl")["status"], "unsubscribed");

    // Links that do not work, pages that do not exist.
    for url in [
        format!("{base}/preferences/not-a-token"),
        format!("{base}/unsubscribe/not-a-token"),
        format!("{base}/confirm/not-a-token"),
    ] {
        let a = get(&url).await;
        assert_page(&a, 404);
        assert_not_cached(&a);
    }
    assert_page(&get(&format!("{base}/no-such-page")).await, 404);
    assert_page(&get(&format!("{base}/archive/no-such-issue")).await, 404);

    // The archive: its list is a page like the others, an issue has its own policy.
    assert_page(&get(&format!("{base}/archive")).await, 200);
    let issue = get(&format!("{base}/archive/{SLUG}")).await;
    assert_eq!(issue.status, 200);
    assert_everywhere(&issue);
    let mut d = directives(&issue);
    d.sort();
    assert_eq!(
        d,
        [
            "base-uri 'none'",
            "default-src 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
            "img-src https: http: data:",
            "style-src 'unsafe-inline'",
        ]
    );

    // Plain-text answers (the headers, whatever the status).
    let health = get(&format!("{base}/healthz")).await;
    assert_eq!(health.status, 200, "{}", health.body);
    assert_everywhere(&health);
    assert_everywhere(&get(&format!("{base}/metrics")).await);
    // What the router answers by itself.
    let wrong_method = get(&format!("{base}/subscribe")).await;
    assert_eq!(wrong_method.status, 405);
    assert_everywhere(&wrong_method);
}
