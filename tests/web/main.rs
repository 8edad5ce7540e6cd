//! The unsubscribe and confirmation links over HTTP against a running daemon:
//! signed tokens, a GET that changes nothing, RFC 8058 one-click POSTs.

#[path = "../common/mod.rs"]
mod common;

use common::{Postbode, SmtpServer, TEST_KEY, soon};

async fn post(url: &str, content_type: &str, body: Vec<u8>) -> reqwest::Response {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .post(url)
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .expect("POST")
}

/// Serves, sends one issue to two subscribers and returns their messages.
fn one_issue(smtp: &SmtpServer, pb: &mut Postbode) -> Vec<common::Received> {
    pb.add("anouk@example.nl", "Anouk", &[], &[]);
    pb.add("jeroen@example.nl", "Jeroen", &[], &[]);
    pb.serve();
    pb.drop_issue(
        "2026-12-platformnieuws.md",
        &format!(
            "---\nsubject: Platformnieuws\nsend_at: {}\n---\nHallo.\n",
            soon(2)
        ),
    );
    smtp.wait_for(2, 30)
}

fn token_of(url: &str) -> String {
    url.rsplit('/').next().expect("token").to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn forged_truncated_and_wrong_purpose_tokens_change_nothing() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    let got = one_issue(&smtp, &mut pb);
    let url = got[0].unsubscribe_url();
    let token = token_of(&url);
    let base = format!("{}/unsubscribe/", pb.base_url());
    let mut flipped: Vec<char> = token.chars().collect();
    flipped[5] = if flipped[5] == 'A' { 'B' } else { 'A' };
    let flipped: String = flipped.into_iter().collect();
    let bad = [
        format!("{base}{}", &token[..token.len() - 3]),
        format!("{base}{flipped}"),
        format!("{base}not-a-token"),
        format!("{base}{}", "A".repeat(400)),
        // The same subscriber and issue, but a confirmation token's purpose:
        format!("{}/confirm/{token}", pb.base_url()),
    ];
    for u in &bad {
        let r = post(
            u,
            "application/x-www-form-urlencoded",
            b"List-Unsubscribe=One-Click".to_vec(),
        )
        .await;
        assert_eq!(r.status(), 404, "{u}");
        let page = r.text().await.expect("body");
        assert!(page.contains("Deze link werkt niet"), "{page}");
        assert!(!page.contains("@example.nl"), "no address on error pages");
    }
    for who in ["anouk@example.nl", "jeroen@example.nl"] {
        assert_eq!(
            pb.subscriber(who)["status"],
            "active",
            "{who} must still be subscribed"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_get_shows_a_button_and_changes_nothing_then_the_page_post_unsubscribes() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    let got = one_issue(&smtp, &mut pb);
    let m = got
        .iter()
        .find(|m| m.rcpt == "anouk@example.nl")
        .expect("anouk");
    let url = m.unsubscribe_url();
    for _ in 0..3 {
        let r = reqwest::get(&url).await.expect("GET");
        assert_eq!(r.status(), 200);
        let page = r.text().await.expect("page");
        assert!(page.contains("<form method=\"post\""), "{page}");
        assert!(page.contains("Afmelden"));
        assert!(page.contains("lang=\"nl\""));
    }
    assert_eq!(
        pb.subscriber("anouk@example.nl")["status"],
        "active",
        "link scanners must not unsubscribe"
    );
    // The page's own button posts an empty form.
    let r = post(&url, "application/x-www-form-urlencoded", Vec::new()).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.expect("page").contains("Je bent afgemeld"));
    assert_eq!(pb.subscriber("anouk@example.nl")["status"], "unsubscribed");
    assert_eq!(pb.subscriber("jeroen@example.nl")["status"], "active");
    let status = pb.status_json();
    assert_eq!(status["unsubscribes"][0]["source"], "page");
}

#[tokio::test(flavor = "multi_thread")]
async fn multipart_one_click_post_gets_200_without_redirect_or_cookie() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    let got = one_issue(&smtp, &mut pb);
    let m = got
        .iter()
        .find(|m| m.rcpt == "jeroen@example.nl")
        .expect("jeroen");
    let boundary = "postbode-test-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--{boundary}--\r\n"
    );
    let r = post(
        &m.unsubscribe_url(),
        &format!("multipart/form-data; boundary={boundary}"),
        body.into_bytes(),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("location").is_none());
    assert!(r.headers().get("set-cookie").is_none());
    assert_eq!(pb.subscriber("jeroen@example.nl")["status"], "unsubscribed");
    assert_eq!(pb.status_json()["unsubscribes"][0]["source"], "one-click");
    // A second click is harmless and still answers 200.
    let again = post(
        &m.unsubscribe_url(),
        "application/x-www-form-urlencoded",
        b"List-Unsubscribe=One-Click".to_vec(),
    )
    .await;
    assert_eq!(again.status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_bodies_are_refused_and_change_nothing() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    let got = one_issue(&smtp, &mut pb);
    let r = post(
        &got[0].unsubscribe_url(),
        "application/x-www-form-urlencoded",
        vec![b'a'; 100_000],
    )
    .await;
    assert_eq!(r.status(), 413);
    assert_eq!(pb.subscriber(&got[0].rcpt)["status"], "active");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pending_subscriber_confirms_with_a_post_and_then_receives_issues() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    pb.serve();
    pb.ok(&[
        "subscribers",
        "add",
        "nieuw@example.nl",
        "--name",
        "Nieuw",
        "--workshop",
        "ontwikkeltafels",
    ]);
    let mail = smtp.wait_for(1, 20).remove(0);
    assert_eq!(
        mail.header("Auto-Submitted").as_deref(),
        Some("auto-generated")
    );
    assert!(mail.subject().contains("Bevestig je aanmelding"));
    assert_eq!(pb.subscriber("nieuw@example.nl")["status"], "pending");
    let text = mail.text();
    let link = text
        .split_whitespace()
        .find(|w| w.starts_with(&format!("{}/confirm/", pb.base_url())))
        .expect("confirm link in the text part")
        .to_string();
    // The HTML button carries the same link (entity-encoded by the layout's escaping).
    let token = token_of(&link);
    assert!(
        mail.html().contains(&token),
        "button links to the same token"
    );
    let page = reqwest::get(&link).await.expect("GET");
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .expect("page")
            .contains("Bevestig mijn aanmelding")
    );
    assert_eq!(
        pb.subscriber("nieuw@example.nl")["status"],
        "pending",
        "a GET confirms nothing"
    );
    let r = post(&link, "application/x-www-form-urlencoded", Vec::new()).await;
    assert_eq!(r.status(), 200);
    assert_eq!(pb.subscriber("nieuw@example.nl")["status"], "active");
    // A confirmation token cannot unsubscribe.
    let r = post(
        &format!("{}/unsubscribe/{token}", pb.base_url()),
        "application/x-www-form-urlencoded",
        Vec::new(),
    )
    .await;
    assert_eq!(r.status(), 404);
    assert_eq!(pb.subscriber("nieuw@example.nl")["status"], "active");
    pb.drop_issue(
        "nieuws.md",
        &format!("---\nsubject: Welkom\nsend_at: {}\n---\nHallo.\n", soon(2)),
    );
    // The confirmation, the welcome (mjml/welcome.mjml is there) and the issue.
    let all = smtp.wait_for(3, 30);
    assert!(
        all.iter()
            .any(|m| m.subject() == "Welkom" && m.rcpt == "nieuw@example.nl")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn health_and_metrics_answer() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    pb.add("a@example.nl", "A", &[], &[]);
    pb.serve();
    let r = reqwest::get(format!("{}/healthz", pb.base_url()))
        .await
        .expect("GET");
    assert_eq!(r.status(), 200);
    // The counts are for the operator: the admin token, compared whole.
    let metrics = |token: Option<String>| {
        let url = format!("{}/metrics", pb.base_url());
        async move {
            let mut req = reqwest::Client::new().get(url);
            if let Some(t) = token {
                req = req.header("Authorization", format!("Bearer {t}"));
            }
            let r = req.send().await.expect("GET /metrics");
            (r.status().as_u16(), r.text().await.expect("text"))
        }
    };
    assert_eq!(metrics(None).await.0, 401);
    let almost = format!("{}0", &common::TEST_ADMIN_TOKEN[..63]);
    assert_eq!(metrics(Some(almost)).await.0, 401);
    assert_eq!(
        metrics(Some(common::TEST_ADMIN_TOKEN[..32].to_string()))
            .await
            .0,
        401
    );
    let (status, text) = metrics(Some(common::TEST_ADMIN_TOKEN.to_string())).await;
    assert_eq!(status, 200, "{text}");
    assert!(
        text.contains("postbode_subscribers{status=\"active\"} 1"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn without_an_admin_token_there_are_no_metrics() {
    let mut pb = Postbode::new("file://outbox", "");
    let cfg = std::fs::read_to_string(pb.path("postbode.toml")).expect("config");
    let cfg = cfg.replace(
        &format!("admin_token = \"{}\"", common::TEST_ADMIN_TOKEN),
        "admin_token = \"\"",
    );
    std::fs::write(pb.path("postbode.toml"), cfg).expect("config");
    pb.serve();
    let r = reqwest::Client::new()
        .get(format!("{}/metrics", pb.base_url()))
        .header("Authorization", "Bearer ")
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status(), 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_confirmation_link_confirms_nothing_and_offers_a_new_mail() {
    use postbode::domain::token::{Claims, Purpose, TokenSigner};
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    pb.serve();
    pb.ok(&["subscribers", "add", "traag@example.nl", "--name", "Traag"]);
    smtp.wait_for(1, 20);
    let id = pb.subscriber("traag@example.nl")["id"]
        .as_i64()
        .expect("id");
    let eight_days_ago = chrono::Utc::now().timestamp() - 8 * 24 * 3600;
    let expired = TokenSigner::new(&[TEST_KEY.to_string()]).sign(Claims {
        purpose: Purpose::Confirm,
        subscriber_id: id,
        context: 0,
        issued_at: eight_days_ago,
        generation: 0,
    });
    let url = format!("{}/confirm/{expired}", pb.base_url());
    let page = reqwest::get(&url)
        .await
        .expect("GET")
        .text()
        .await
        .expect("page");
    assert!(page.contains("Deze link is verlopen"), "{page}");
    assert!(page.contains("Stuur me een nieuwe bevestigingsmail"));
    let r = post(&url, "application/x-www-form-urlencoded", Vec::new()).await;
    assert_eq!(r.status(), 404, "an expired link confirms nothing");
    assert_eq!(pb.subscriber("traag@example.nl")["status"], "pending");

    let r = post(
        &format!("{url}/resend"),
        "application/x-www-form-urlencoded",
        Vec::new(),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.expect("page").contains("Kijk in je mailbox"));
    let fresh = smtp.wait_for(2, 20).remove(1);
    let link = fresh
        .text()
        .split_whitespace()
        .find(|w| w.contains("/confirm/"))
        .expect("new confirm link")
        .to_string();
    assert_ne!(token_of(&link), expired);
    // A second request within 10 minutes sends nothing more.
    post(
        &format!("{url}/resend"),
        "application/x-www-form-urlencoded",
        Vec::new(),
    )
    .await;
    std::thread::sleep(std::time::Duration::from_secs(2));
    assert_eq!(smtp.messages().len(), 2);
    assert_eq!(
        post(&link, "application/x-www-form-urlencoded", Vec::new())
            .await
            .status(),
        200
    );
    assert_eq!(pb.subscriber("traag@example.nl")["status"], "active");
}

#[tokio::test(flavor = "multi_thread")]
async fn links_in_mail_already_sent_keep_working_after_a_key_rotation() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    let got = one_issue(&smtp, &mut pb);
    pb.stop();
    let cfg = std::fs::read_to_string(pb.path("postbode.toml")).expect("config");
    let old = format!("token_keys = [\"{TEST_KEY}\"]");
    assert!(cfg.contains(&old));
    // Only the new key: old links are no longer valid.
    std::fs::write(
        pb.path("postbode.toml"),
        cfg.replace(
            &old,
            "token_keys = [\"c4f8e2a6b0d9173e5c2a8f4b6d0e9a1c7b3f5d2e8a4c6b0f9d1e7a3c5b2f8e4d\"]",
        ),
    )
    .expect("config");
    pb.serve();
    assert_eq!(
        reqwest::get(got[0].unsubscribe_url())
            .await
            .expect("GET")
            .status(),
        404
    );
    pb.stop();
    // The new key first, the old one still listed: old links work, new ones are signed with the new key.
    std::fs::write(
        pb.path("postbode.toml"),
        cfg.replace(
            &old,
            &format!("token_keys = [\"c4f8e2a6b0d9173e5c2a8f4b6d0e9a1c7b3f5d2e8a4c6b0f9d1e7a3c5b2f8e4d\", \"{TEST_KEY}\"]"),
        ),
    )
    .expect("config");
    pb.serve();
    let r = post(
        &got[0].unsubscribe_url(),
        "application/x-www-form-urlencoded",
        b"List-Unsubscribe=One-Click".to_vec(),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(pb.subscriber(&got[0].rcpt)["status"], "unsubscribed");
}
