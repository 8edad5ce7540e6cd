//! The keys that sign every link: `serve` refuses to start with the example's
//! key, a short one or a placeholder, and says how to make a good one; links
//! and bounce addresses forged with the old example key open nothing.

use crate::common::{Postbode, TEST_ADMIN_TOKEN, TEST_KEY};
use crate::{serve_refused, set_config};
use postbode::domain::delivery::Ledger;
use postbode::domain::token::{Claims, Purpose, TokenSigner};
use postbode::domain::verp::{VerpRef, sender};

/// The key the example configuration carried until this version.
const OLD_EXAMPLE_KEY: &str = "change-me-0123456789abcdef0123456789abcdef012345";

fn key_line() -> String {
    format!("token_keys = [\"{TEST_KEY}\"]")
}

#[test]
fn serve_refuses_the_example_configuration_and_says_how_to_make_a_key() {
    let pb = Postbode::new("file://outbox", "");
    // The repository's own example, as an operator copies it.
    std::fs::copy(
        std::path::Path::new(crate::common::ROOT).join("postbode.toml"),
        pb.path("postbode.toml"),
    )
    .expect("example config");
    let (code, stderr) = serve_refused(&pb, &[]);
    assert_ne!(code, Some(0), "{stderr}");
    assert!(stderr.contains("secrets.token_keys"), "{stderr}");
    assert!(stderr.contains("openssl rand -hex 32"), "{stderr}");
    // An editor's check needs no key.
    let out = pb.cli(&["check", "--help"]);
    assert!(out.status.success());
}

#[test]
fn serve_refuses_weak_keys_each_with_its_reason() {
    for (key, says) in [
        (OLD_EXAMPLE_KEY, "placeholder"),
        ("0123456789abcdef0123456789abcdef", "only 16 bytes"),
        ("<openssl rand -hex 32>", "placeholder"),
        (&"ab".repeat(32) as &str, "repeat"),
        ("correct horse battery staple", "hex or base64"),
    ] {
        let pb = Postbode::new("file://outbox", "");
        set_config(&pb, &key_line(), &format!("token_keys = [\"{key}\"]"));
        let (code, stderr) = serve_refused(&pb, &[]);
        assert_ne!(code, Some(0), "{key}: {stderr}");
        assert!(stderr.contains("secrets.token_keys[0]"), "{key}: {stderr}");
        assert!(stderr.contains(says), "{key}: {stderr}");
        assert!(stderr.contains("openssl rand -hex 32"), "{key}: {stderr}");
    }
    // The same through the environment, as a container passes it.
    let pb = Postbode::new("file://outbox", "");
    let (_, stderr) = serve_refused(
        &pb,
        &[(
            "POSTBODE_SECRETS__TOKEN_KEYS",
            &format!("[\"{OLD_EXAMPLE_KEY}\"]"),
        )],
    );
    assert!(stderr.contains("placeholder"), "{stderr}");
}

#[test]
fn serve_refuses_a_weak_admin_token_and_runs_without_one() {
    let pb = Postbode::new("file://outbox", "");
    set_config(
        &pb,
        &format!("admin_token = \"{TEST_ADMIN_TOKEN}\""),
        "admin_token = \"change-me-admin-token\"",
    );
    let (code, stderr) = serve_refused(&pb, &[]);
    assert_ne!(code, Some(0));
    assert!(stderr.contains("secrets.admin_token"), "{stderr}");
    assert!(stderr.contains("leave it empty"), "{stderr}");
}

/// A token as someone holding `key` would make it.
fn forged(key: &str, purpose: Purpose, subscriber_id: i64) -> String {
    TokenSigner::new(&[key.to_string()]).sign(Claims {
        purpose,
        subscriber_id,
        context: 0,
        issued_at: chrono::Utc::now().timestamp(),
        generation: 0,
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn links_forged_with_the_old_example_key_open_nothing() {
    let smtp = crate::common::SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    pb.add("anouk@example.nl", "Anouk", &[], &[]);
    pb.add("bram@example.nl", "Bram", &[], &[]);
    pb.serve();
    let client = reqwest::Client::new();
    for id in 1..=2 {
        for (method, path) in [
            (
                "GET",
                format!(
                    "/preferences/{}",
                    forged(OLD_EXAMPLE_KEY, Purpose::Preferences, id)
                ),
            ),
            (
                "GET",
                format!(
                    "/preferences/{}/data",
                    forged(OLD_EXAMPLE_KEY, Purpose::Preferences, id)
                ),
            ),
            (
                "POST",
                format!(
                    "/preferences/{}/erase",
                    forged(OLD_EXAMPLE_KEY, Purpose::Preferences, id)
                ),
            ),
            (
                "POST",
                format!(
                    "/unsubscribe/{}",
                    forged(OLD_EXAMPLE_KEY, Purpose::Unsubscribe, id)
                ),
            ),
        ] {
            let url = format!("{}{path}", pb.base_url());
            let r = match method {
                "GET" => client.get(url),
                _ => client.post(url).body("List-Unsubscribe=One-Click"),
            }
            .send()
            .await
            .expect("request");
            let status = r.status().as_u16();
            let body = r.text().await.expect("body");
            assert_eq!(status, 404, "{method} {path}: {body}");
            assert!(!body.contains("@example.nl"), "{body}");
        }
    }
    for who in ["anouk@example.nl", "bram@example.nl"] {
        assert_eq!(pb.subscriber(who)["status"], "active", "{who}");
    }
    // A bounce address forged with it suppresses nobody.
    let verp = sender(
        &TokenSigner::new(&[OLD_EXAMPLE_KEY.to_string()]),
        "bounces.kus.example.nl",
        VerpRef {
            ledger: Ledger::Issues,
            row_id: 1,
            subscriber_id: 1,
        },
    )
    .expect("address")
    .to_string();
    let report = format!(
        "From: MAILER-DAEMON@mx.example.org\r\nTo: {verp}\r\nSubject: Undelivered\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n--B\r\n\
Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\n\
Final-Recipient: rfc822; anouk@example.nl\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--B--\r\n"
    );
    let out = pb.bounce(&["--recipient", &verp], &[], report.as_bytes());
    assert_eq!(
        out.status.code(),
        Some(67),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(pb.subscriber("anouk@example.nl")["status"], "active");
    // The real key still works: the installation is not simply locked.
    let real = forged(TEST_KEY, Purpose::Preferences, 1);
    let r = reqwest::get(format!("{}/preferences/{real}", pb.base_url()))
        .await
        .expect("GET");
    assert_eq!(r.status(), 200);
}
