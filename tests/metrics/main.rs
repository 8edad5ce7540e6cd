//! `/metrics` scraped while an issue goes out to 600 readers, each scrape
//! parsed by the Prometheus project's own parser (PyPI prometheus-client,
//! tests/support/metrics_parse.py): during the send the ledger shows messages
//! both sent and still due; at the end the SMTP replies per class, the
//! latency histogram, the ledger, the bounce, the one-click unsubscribe, the
//! leader and health all say what happened.

#[path = "../common/mod.rs"]
mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Postbode, ROOT, SmtpServer, TEST_ADMIN_TOKEN, python, soon};

const READERS: usize = 600;
const REFUSED: &str = "lid0007@example.nl";

/// One sample: name, labels, value.
struct Sample {
    name: String,
    labels: serde_json::Value,
    value: f64,
}

/// The samples of one scrape, as the reference parser reads them.
fn parse(text: &str) -> Vec<Sample> {
    let mut child = Command::new(python())
        .arg(format!("{ROOT}/tests/support/metrics_parse.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python (see .ci/run for prometheus-client)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("parser");
    assert!(
        out.status.success(),
        "the parser refuses the scrape: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json line");
            Sample {
                name: v["name"].as_str().unwrap_or_default().to_string(),
                labels: v["labels"].clone(),
                value: v["value"].as_f64().unwrap_or(f64::NAN),
            }
        })
        .collect()
}

/// The value of `name` with every label of `labels`; 0 when absent.
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .filter(|s| s.name == name)
        .find(|s| labels.iter().all(|(k, v)| s.labels[*k] == *v))
        .map_or(0.0, |s| s.value)
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_during_and_after_a_send_parse_and_add_up() {
    let smtp = SmtpServer::start(&["--fail", &format!("{REFUSED}=550")]);
    let mut pb = Postbode::new(&smtp.url(), "");
    pb.import_members(READERS);
    // One connection: the send takes long enough to be seen half-way.
    pb.serve_with_env(&[("POSTBODE_SMTP__CONNECTIONS", "1")]);
    pb.drop_issue(
        "2030-07-nieuws.md",
        &format!("---\nsubject: Juli\nsend_at: {}\n---\nNieuws.\n", soon(2)),
    );
    let url = format!("{}/metrics", pb.base_url());
    let client = reqwest::Client::new();
    let get = |c: &reqwest::Client| {
        c.get(&url)
            .header("authorization", format!("Bearer {TEST_ADMIN_TOKEN}"))
            .send()
    };
    let mut seen_half_way = false;
    let end = Instant::now() + Duration::from_secs(120);
    loop {
        let r = get(&client).await.expect("GET /metrics");
        assert_eq!(r.status(), 200);
        assert!(
            r.headers()["content-type"]
                .to_str()
                .is_ok_and(|t| t.starts_with("application/openmetrics-text")),
        );
        let samples = parse(&r.text().await.expect("body"));
        let sent = value(
            &samples,
            "postbode_messages",
            &[("ledger", "issues"), ("state", "sent")],
        );
        let due = value(&samples, "postbode_queue_due", &[]);
        if sent > 0.0 && due > 0.0 {
            seen_half_way = true;
            assert!(value(&samples, "postbode_oldest_due_seconds", &[]) >= 0.0);
        }
        let done = value(
            &samples,
            "postbode_messages",
            &[("ledger", "issues"), ("state", "failed")],
        ) + sent;
        if done >= READERS as f64 {
            break;
        }
        assert!(Instant::now() < end, "the send did not end");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(seen_half_way, "one scrape saw messages sent and still due");

    // A reader unsubscribes with the mail client's button.
    let mail = smtp.wait_for(READERS - 1, 60).remove(0);
    let r = client
        .post(mail.unsubscribe_url())
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("one-click");
    assert_eq!(r.status(), 200);

    let r = get(&client).await.expect("GET /metrics");
    let samples = parse(&r.text().await.expect("body"));
    let n = READERS as f64;
    let replies = |class: &str| {
        value(
            &samples,
            "postbode_smtp_replies_total",
            &[("ledger", "issues"), ("class", class)],
        )
    };
    assert_eq!(replies("2xx"), n - 1.0);
    assert_eq!(replies("5xx"), 1.0);
    assert_eq!(value(&samples, "postbode_smtp_seconds_count", &[]), n);
    assert!(value(&samples, "postbode_smtp_seconds_sum", &[]) > 0.0);
    let buckets: Vec<f64> = samples
        .iter()
        .filter(|s| s.name == "postbode_smtp_seconds_bucket")
        .map(|s| s.value)
        .collect();
    assert!(buckets.windows(2).all(|w| w[0] <= w[1]), "{buckets:?}");
    assert_eq!(
        buckets.last().copied(),
        Some(n),
        "+Inf holds every transaction"
    );
    assert_eq!(
        value(
            &samples,
            "postbode_messages",
            &[("ledger", "issues"), ("state", "sent")]
        ),
        n - 1.0
    );
    assert_eq!(
        value(
            &samples,
            "postbode_deliveries",
            &[("issue", "2030-07-nieuws"), ("state", "failed")]
        ),
        1.0
    );
    assert_eq!(value(&samples, "postbode_queue_due", &[]), 0.0);
    assert_eq!(
        value(&samples, "postbode_bounces", &[("kind", "hard")]),
        1.0
    );
    assert_eq!(
        value(
            &samples,
            "postbode_unsubscribes",
            &[("source", "one-click")]
        ),
        1.0
    );
    assert_eq!(
        value(&samples, "postbode_subscribers", &[("status", "active")]),
        n - 2.0,
        "one bounced, one unsubscribed"
    );
    assert_eq!(value(&samples, "postbode_leader", &[]), 1.0);
    assert_eq!(value(&samples, "postbode_healthy", &[]), 1.0);
    assert_eq!(value(&samples, "postbode_build_errors_total", &[]), 0.0);
    pb.stop();
}
