//! The `[schedule]` jobs against a running daemon.

#[path = "../common/mod.rs"]
mod common;

use common::{Postbode, SmtpServer};
use sqlx::Executor;

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
    sqlx::any::install_default_drivers();
    let db = sqlx::AnyPool::connect(&format!(
        "sqlite://{}",
        pb.path("data/postbode.db").display()
    ))
    .await
    .expect("database");
    db.execute("UPDATE subscribers SET created_at = created_at - 8 * 86400 WHERE email_key IN ('oud@example.nl', 'trouw@example.nl')")
        .await
        .expect("backdate");
    db.close().await;
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
