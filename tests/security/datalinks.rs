//! The link to a person's data. The preferences link is in every mail and so
//! in every forwarded one: it only asks for a data link, which goes to the
//! person's own address and works for `limits.data_link_hours`. Revoking
//! from the preference page stops every older link at once.

use crate::common::{Postbode, SmtpServer, TEST_KEY, anouk_gets_an_issue};
use postbode::domain::token::{Claims, Purpose, TokenSigner};

async fn status_of(method: reqwest::Method, url: &str) -> u16 {
    reqwest::Client::new()
        .request(method, url)
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("request")
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forwarded_newsletter_opens_no_data_and_the_data_link_goes_to_the_person() {
    let (smtp, pb, mail) = anouk_gets_an_issue("");
    let prefs = mail.link(&format!("{}/preferences/", pb.base_url()));
    // Whoever the newsletter was forwarded to tries the data pages.
    for (method, rest) in [
        (reqwest::Method::GET, "/data"),
        (reqwest::Method::GET, "/erase"),
        (reqwest::Method::POST, "/erase"),
    ] {
        let status = status_of(method.clone(), &format!("{prefs}{rest}")).await;
        assert_eq!(status, 404, "{method} {rest}");
    }
    assert_eq!(pb.subscriber("anouk@example.nl")["status"], "active");

    // Asking for the data link sends it to Anouk's own address only, once
    // per ten minutes however often the button is pressed.
    let path = prefs.trim_start_matches(&pb.base_url()).to_string();
    for _ in 0..3 {
        let (status, page) = pb.post_form(&format!("{path}/data-link"), &[], &[]).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("Kijk in je mailbox"), "{page}");
    }
    let got = smtp.wait_for(2, 20);
    std::thread::sleep(std::time::Duration::from_secs(1));
    assert_eq!(smtp.messages().len(), 2, "one data-link mail");
    let data_mail = &got[1];
    assert_eq!(data_mail.rcpt, "anouk@example.nl");
    assert!(data_mail.text().contains("24 uur"), "{}", data_mail.text());
    let data = data_mail.link(&format!("{}/preferences/", pb.base_url()));
    let r = reqwest::get(&data).await.expect("GET");
    assert_eq!(r.status(), 200);
    let json: serde_json::Value = r.json().await.expect("json");
    assert_eq!(json["subscriber"]["email"], "anouk@example.nl");
    // The data link is no preferences link.
    let base = data.trim_end_matches("/data");
    assert_eq!(status_of(reqwest::Method::GET, base).await, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_data_link_works_for_the_configured_hours_only() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "\n[limits]\ndata_link_hours = 1\n");
    pb.add("anouk@example.nl", "Anouk", &[], &[]);
    pb.serve();
    // Links as the daemon mailed them 30 and 90 minutes ago.
    let mailed = |minutes_ago: i64| {
        TokenSigner::new(&[TEST_KEY.into()]).sign(Claims {
            purpose: Purpose::Data,
            subscriber_id: 1,
            context: 0,
            issued_at: chrono::Utc::now().timestamp() - minutes_ago * 60,
            generation: 0,
        })
    };
    let url = |t: &str, rest: &str| format!("{}/preferences/{t}{rest}", pb.base_url());
    let fresh = mailed(30);
    let stale = mailed(90);
    assert_eq!(
        status_of(reqwest::Method::GET, &url(&fresh, "/data")).await,
        200
    );
    for rest in ["/data", "/erase"] {
        assert_eq!(
            status_of(reqwest::Method::GET, &url(&stale, rest)).await,
            404,
            "{rest}"
        );
    }
    assert_eq!(
        status_of(reqwest::Method::POST, &url(&stale, "/erase")).await,
        404
    );
    assert_eq!(pb.subscriber("anouk@example.nl")["status"], "active");
    // Erasure works once: the second press finds nobody.
    assert_eq!(
        status_of(reqwest::Method::POST, &url(&fresh, "/erase")).await,
        200
    );
    assert_eq!(
        status_of(reqwest::Method::POST, &url(&fresh, "/erase")).await,
        404
    );
    assert_eq!(
        status_of(reqwest::Method::GET, &url(&fresh, "/data")).await,
        404
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn revoking_stops_every_older_link_and_mails_a_new_one() {
    let (smtp, pb, mail) = anouk_gets_an_issue("");
    let prefs = mail.link(&format!("{}/preferences/", pb.base_url()));
    let unsubscribe = mail.unsubscribe_url();
    let path = prefs.trim_start_matches(&pb.base_url()).to_string();
    let (status, _) = pb.post_form(&format!("{path}/data-link"), &[], &[]).await;
    assert_eq!(status, 200);
    let data_mail = smtp.wait_for(2, 20).remove(1);
    let data = data_mail.link(&format!("{}/preferences/", pb.base_url()));

    let (status, page) = pb.post_form(&format!("{path}/revoke"), &[], &[]).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Je oude links werken niet meer"), "{page}");
    let new_mail = smtp.wait_for(3, 20).remove(2);
    assert_eq!(new_mail.rcpt, "anouk@example.nl");
    let new_prefs = new_mail.link(&format!("{}/preferences/", pb.base_url()));
    assert_ne!(new_prefs, prefs);

    // Every older link is dead: preferences, one-click unsubscribe, data.
    assert_eq!(status_of(reqwest::Method::GET, &prefs).await, 404);
    assert_eq!(status_of(reqwest::Method::POST, &unsubscribe).await, 404);
    assert_eq!(status_of(reqwest::Method::GET, &data).await, 404);
    let (status, _) = pb.post_form(&format!("{path}/revoke"), &[], &[]).await;
    assert_eq!(status, 404, "the old link cannot revoke again");
    assert_eq!(pb.subscriber("anouk@example.nl")["status"], "active");
    // The new one works.
    assert_eq!(status_of(reqwest::Method::GET, &new_prefs).await, 200);
}
