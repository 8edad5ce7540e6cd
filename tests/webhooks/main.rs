//! Outgoing webhooks against a running daemon and a real receiver
//! (tests/support/webhook_receiver.py) that verifies every signature:
//! what a subscriber does arrives signed and in order, a receiver that is
//! down gets everything once it is back, a wrong secret or an altered body
//! is detected, bad settings are refused, and a hanging receiver never
//! slows a page down.

mod bounces;
#[path = "../common/mod.rs"]
mod common;
mod receiver;
#[path = "../common/reports.rs"]
mod reports;

use common::{Postbode, SmtpServer, TEST_ADMIN_TOKEN, soon};
use receiver::{Receiver, accepted, accepted_ids, records, wait_until};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

/// The secret the webhooks are configured with: 32 random bytes, as hex.
pub(crate) const SECRET: &str = "9c4e1f7a2b8d05e3c6a9f1b47d2e8c30a5f9e1d6b3c7a2f08e4d1b9c6a3f5e27";
/// Another one, which a receiver that was told the wrong secret holds.
const OTHER: &str = "1b7d3f9a5c2e8046d1f3b5a7c9e2d4f6081a3c5e7b9d2f4a6c8e0b1d3f5a7c92";

const ALL: &str = r#"["subscribed", "confirmed", "preferences_changed", "unsubscribed", "bounced", "complained", "issue_sent"]"#;

fn webhook(url: &str, secret: &str, extra: &str) -> String {
    format!(
        "\n[[webhooks]]\nurl = \"{url}\"\nevents = {ALL}\nsecret = \"{secret}\"\n\
retry_base_secs = 1\nretry_max_secs = 2\ntimeout_secs = 2\n{extra}"
    )
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The events of `email` among `got`, in arrival order.
pub(crate) fn events_of(got: &[Value], email: &str) -> Vec<String> {
    got.iter()
        .filter(|r| r["payload"]["data"]["email"] == email)
        .map(|r| r["event"].as_str().expect("event").to_string())
        .collect()
}

/// Signs up through the form and confirms from the mail.
async fn sign_up_and_confirm(pb: &Postbode, smtp: &SmtpServer, email: &str) {
    let before = smtp.count();
    let (status, page) = pb
        .sign_up(&[("email", email), ("language", "nl")], &[])
        .await;
    assert_eq!(status, 200, "{page}");
    let mail = smtp.wait_for(before + 1, 20).remove(before);
    let link = mail.link(&format!("{}/confirm/", pb.base_url()));
    let r = client().post(&link).send().await.expect("POST confirm");
    assert_eq!(r.status(), 200);
}

/// `/metrics` as the holder of the admin token reads it.
async fn metrics(pb: &Postbode) -> String {
    client()
        .get(format!("{}/metrics", pb.base_url()))
        .bearer_auth(TEST_ADMIN_TOKEN)
        .send()
        .await
        .expect("GET /metrics")
        .text()
        .await
        .expect("metrics")
}

/// The value of the metric line starting with `prefix`.
fn metric(text: &str, prefix: &str) -> Option<i64> {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_subscribers_steps_arrive_signed_and_in_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("got.jsonl");
    let rx = Receiver::start(SECRET, &out, 0);
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), &webhook(&rx.url(), SECRET, ""));
    pb.serve();

    sign_up_and_confirm(&pb, &smtp, "anouk@example.nl").await;
    pb.drop_issue(
        "2026-12-platformnieuws.md",
        &format!(
            "---\nsubject: December\nsend_at: {}\n---\nHallo.\n",
            soon(2)
        ),
    );
    let end = Instant::now() + Duration::from_secs(30);
    let issue = loop {
        if let Some(m) = smtp.with_subject("December").pop() {
            break m;
        }
        assert!(Instant::now() < end, "the issue never arrived");
        std::thread::sleep(Duration::from_millis(100));
    };
    let prefix = format!("{}/preferences/", pb.base_url());
    let path = issue.link(&prefix)[pb.base_url().len()..].to_string();
    let fields = [
        ("name", "Anouk"),
        ("workshops", "ontwikkeltafels"),
        ("interests", "welzijn"),
        ("language", "nl"),
    ];
    let (status, page) = pb.post_form(&path, &fields, &[]).await;
    assert_eq!(status, 200, "{page}");
    let (status, page) = pb.post_form(&format!("{path}/unsubscribe"), &[], &[]).await;
    assert_eq!(status, 200, "{page}");

    let got = wait_until(&out, 30, "five events", |r| r.len() >= 5);
    assert!(
        got.iter().all(|r| r["valid"] == true),
        "every signature holds: {got:#?}"
    );
    assert_eq!(
        events_of(&got, "anouk@example.nl"),
        [
            "subscribed",
            "confirmed",
            "preferences_changed",
            "unsubscribed"
        ]
    );
    let by_event: HashMap<&str, &Value> = got
        .iter()
        .map(|r| (r["event"].as_str().expect("event"), &r["payload"]))
        .collect();
    for r in &got {
        let p = &r["payload"];
        assert_eq!(r["content_type"], "application/json");
        assert_eq!(p["id"], r["delivery"], "the delivery id is in the body");
        assert_eq!(p["event"], r["event"]);
        let at = p["occurred_at"].as_str().expect("occurred_at");
        let at = chrono::DateTime::parse_from_rfc3339(at).expect("RFC 3339");
        assert!((chrono::Utc::now().timestamp() - at.timestamp()).abs() < 120);
    }
    let subscribed = by_event["subscribed"];
    assert!(subscribed["data"]["subscriber_id"].as_i64().is_some());
    assert_eq!(subscribed["data"]["status"], "pending");
    let changed = &by_event["preferences_changed"]["data"];
    assert_eq!(changed["workshops"], serde_json::json!(["ontwikkeltafels"]));
    assert_eq!(changed["interests"], serde_json::json!(["welzijn"]));
    assert_eq!(by_event["unsubscribed"]["data"]["source"], "preferences");
    let sent = &by_event["issue_sent"]["data"];
    assert_eq!(sent["issue"], "2026-12-platformnieuws");
    assert!(sent.get("email").is_none(), "an issue event names nobody");
    let ids: HashSet<&str> = got.iter().filter_map(|r| r["delivery"].as_str()).collect();
    assert_eq!(ids.len(), got.len(), "each delivery once");

    let m = metrics(&pb).await;
    let queue = format!("postbode_webhook_queue{{webhook=\"{}\"}}", rx.url());
    assert_eq!(metric(&m, &queue), Some(0), "{m}");
    let delivered = format!(
        "postbode_webhook_deliveries{{webhook=\"{}\",state=\"delivered\"}}",
        rx.url()
    );
    assert_eq!(metric(&m, &delivered), Some(5), "{m}");

    // Erasing the person forgets their events too.
    pb.ok(&["subscribers", "erase", "anouk@example.nl"]);
    let db = pb.sqlite().await;
    let left: i64 = sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM webhook_events WHERE payload LIKE '%anouk%'",
    )
    .fetch_one(&db)
    .await
    .expect("count");
    assert_eq!(left, 0);
    pb.stop();
    rx.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_receiver_that_was_down_gets_every_event_once_and_in_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("got.jsonl");
    let port = common::free_port();
    let url = format!("http://127.0.0.1:{port}/hooks/postbode");
    let mut pb = Postbode::new("file://outbox", &webhook(&url, SECRET, ""));
    pb.serve();

    // Nobody listens: the events wait in the queue.
    let people = [
        "anouk@example.nl",
        "jeroen@example.nl",
        "marieke@example.nl",
    ];
    for p in people {
        pb.add(p, "Lid", &[], &[]);
    }
    pb.ok(&["subscribers", "unsubscribe", "jeroen@example.nl"]);
    pb.ok(&["subscribers", "unsubscribe", "anouk@example.nl"]);
    std::thread::sleep(Duration::from_secs(3));
    let m = metrics(&pb).await;
    let queue = format!("postbode_webhook_queue{{webhook=\"{url}\"}}");
    assert_eq!(metric(&m, &queue), Some(5), "{m}");

    // Back, but failing: still nothing is taken as delivered.
    let rx = Receiver::answering(SECRET, &out, port, 503);
    wait_until(&out, 20, "a refused attempt", |r| {
        r.iter().any(|r| r["answered"] == 503)
    });
    pb.ok(&["subscribers", "unsubscribe", "marieke@example.nl"]);
    std::thread::sleep(Duration::from_secs(2));
    // Stopped altogether for a while, then up and answering.
    rx.stop();
    std::thread::sleep(Duration::from_secs(3));
    let rx = Receiver::start(SECRET, &out, port);

    wait_until(&out, 60, "six accepted deliveries", |_| {
        accepted(&out).len() >= 6
    });
    std::thread::sleep(Duration::from_secs(3));
    let got = accepted(&out);
    assert_eq!(got.len(), 6, "nothing twice: {got:#?}");
    let ids: HashSet<&str> = got.iter().filter_map(|r| r["delivery"].as_str()).collect();
    assert_eq!(ids.len(), 6, "each delivery id once");
    for p in people {
        assert_eq!(events_of(&got, p), ["subscribed", "unsubscribed"], "{p}");
    }
    assert!(
        records(&out).iter().any(|r| r["answered"] == 503),
        "the refused attempts were real"
    );
    let log = pb.log();
    assert!(log.contains("webhooks: not delivered"), "{log}");
    assert!(!log.contains("anouk@example.nl"), "no addresses in the log");
    let m = metrics(&pb).await;
    assert_eq!(metric(&m, &queue), Some(0), "{m}");
    pb.stop();
    rx.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_secret_or_an_altered_body_is_detected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good_out = dir.path().join("good.jsonl");
    let bad_out = dir.path().join("bad.jsonl");
    let good = Receiver::start(SECRET, &good_out, 0);
    // This receiver was given another secret than postbode signs with.
    let bad = Receiver::start(OTHER, &bad_out, 0);
    let extra = format!(
        "{}{}",
        webhook(&good.url(), SECRET, ""),
        webhook(&bad.url(), SECRET, "")
    );
    let mut pb = Postbode::new("file://outbox", &extra);
    pb.serve();
    pb.add("anouk@example.nl", "Anouk", &[], &[]);

    let got = wait_until(&good_out, 20, "the delivery", |r| !r.is_empty());
    assert_eq!(got[0]["valid"], true, "{got:#?}");
    let refused = wait_until(&bad_out, 20, "the attempt", |r| !r.is_empty());
    assert_eq!(refused[0]["valid"], false);
    assert_eq!(refused[0]["why"], "signature mismatch");
    assert_eq!(refused[0]["answered"], 401);

    // Replayed as sent, the signature holds; with one byte of the body
    // changed (another address), it does not: it covers the body.
    let raw = got[0]["raw"].as_str().expect("raw body").to_string();
    let signature = got[0]["signature"].as_str().expect("signature").to_string();
    let altered = raw.replace("anouk@example.nl", "anouk@example.nm");
    assert_ne!(raw, altered);
    for body in [raw, altered] {
        let r = client()
            .post(good.url())
            .header("Content-Type", "application/json")
            .header("Postbode-Signature", &signature)
            .header("Postbode-Delivery", "replay")
            .body(body)
            .send()
            .await
            .expect("replay");
        let _ = r.status();
    }
    let all = records(&good_out);
    let replays: Vec<&Value> = all.iter().filter(|r| r["delivery"] == "replay").collect();
    assert_eq!(replays.len(), 2);
    assert_eq!(replays[0]["valid"], true);
    assert_eq!(replays[1]["valid"], false);
    assert_eq!(replays[1]["why"], "signature mismatch");
    pb.stop();
    good.stop();
    bad.stop();
}

/// `serve` with this config: it must refuse, (exit code, stderr).
fn serve_refused(pb: &Postbode) -> (Option<i32>, String) {
    let mut child = std::process::Command::new(common::BIN)
        .arg("serve")
        .current_dir(pb.dir.path())
        .env("POSTBODE_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn serve");
    let end = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let out = child.wait_with_output().expect("output");
            let err = String::from_utf8_lossy(&out.stderr).into_owned();
            return (status.code(), err);
        }
        if Instant::now() > end {
            let _ = child.kill();
            panic!("serve started although it should have refused");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn an_unknown_event_or_a_weak_secret_is_refused_naming_the_key() {
    let url = "https://crm.example.nl/hooks";
    for (extra, key, says) in [
        (
            format!(
                "\n[[webhooks]]\nurl = \"{url}\"\nevents = [\"unsubscribe\"]\nsecret = \"{SECRET}\"\n"
            ),
            "webhooks.0.events",
            "the events are: subscribed, confirmed, preferences_changed, unsubscribed",
        ),
        (
            format!(
                "\n[[webhooks]]\nurl = \"{url}\"\nevents = [\"subscribed\"]\nsecret = \"change-me\"\n"
            ),
            "webhooks.0.secret",
            "openssl rand -hex 32",
        ),
        (
            format!(
                "\n[[webhooks]]\nurl = \"{url}\"\nevents = [\"subscribed\"]\nsecret = \"{SECRET}\"\nretries = 3\n"
            ),
            "webhooks.0",
            "retries",
        ),
        (
            format!(
                "\n[[webhooks]]\nurl = \"ftp://crm.example.nl\"\nevents = [\"subscribed\"]\nsecret = \"{SECRET}\"\n"
            ),
            "webhooks.0.url",
            "http://",
        ),
    ] {
        let pb = Postbode::new("file://outbox", &extra);
        let (code, stderr) = serve_refused(&pb);
        assert_ne!(code, Some(0), "{stderr}");
        assert!(stderr.contains(key), "{key}: {stderr}");
        assert!(stderr.contains(says), "{says}: {stderr}");
        // Every command reads the same settings.
        let out = pb.cli(&["status"]);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains(key));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_answer_at_once_while_the_receiver_hangs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("got.jsonl");
    let mut rx = Receiver::start(SECRET, &out, 0);
    rx.tell("hang 6");
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), &webhook(&rx.url(), SECRET, ""));
    pb.serve();
    pb.add("anouk@example.nl", "Anouk", &[], &[]);
    let arrivals = out.with_extension("jsonl.arrivals");
    let end = Instant::now() + Duration::from_secs(20);
    while std::fs::read_to_string(&arrivals)
        .unwrap_or_default()
        .is_empty()
    {
        assert!(
            Instant::now() < end,
            "the sender never reached the receiver"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    // The sender waits for the receiver; sign-ups do not.
    for i in 0..4 {
        let email = format!("lezer{i}@example.nl");
        let started = Instant::now();
        let (status, page) = pb
            .sign_up(&[("email", &email), ("language", "nl")], &[])
            .await;
        assert_eq!(status, 200, "{page}");
        let took = started.elapsed();
        assert!(took < Duration::from_millis(1500), "sign-up took {took:?}");
    }
    // The receiver answers again: everything arrives, the hung attempt
    // retried after its timeout.
    rx.tell("hang 0");
    wait_until(&out, 60, "five deliveries", |_| {
        accepted_ids(&out).len() >= 5
    });
    let log = pb.log();
    assert!(log.contains("webhooks: not delivered"), "{log}");
    pb.stop();
    rx.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_on_postgresql() {
    let Some(db) = common::postgres_database().await else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("got.jsonl");
    let rx = Receiver::start(SECRET, &out, 0);
    let mut pb = Postbode::new("file://outbox", &webhook(&rx.url(), SECRET, ""));
    pb.use_database(&db);
    pb.serve();
    pb.add("anouk@example.nl", "Anouk", &[], &[]);
    pb.ok(&["subscribers", "unsubscribe", "anouk@example.nl"]);
    wait_until(&out, 30, "two deliveries", |_| {
        accepted_ids(&out).len() >= 2
    });
    assert_eq!(
        events_of(&accepted(&out), "anouk@example.nl"),
        ["subscribed", "unsubscribed"]
    );
    pb.ok(&["subscribers", "erase", "anouk@example.nl"]);
    pb.stop();
    rx.stop();
    common::postgres_drop(&db).await;
}
