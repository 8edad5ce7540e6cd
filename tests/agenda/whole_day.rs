//! A meeting written with dates only (as the platform's agenda lists them)
//! is a whole-day meeting: its reminders go out at `reminders.all_day_at`
//! (09:00 by default) local time, and the issue shows the day without a time.

use crate::World;

const ISSUE: &str = "---
subject: Platformnieuws juni 2027
send_at: 2027-06-01 09:00
agenda:
  - id: platformdag-2027
    title: Platformdag
    start: 2027-06-22
    location: Tivoli Vredenburg
    workshop: arbeid-en-inclusie
    reminders: [1d]
---
Intro.
";

#[tokio::test(flavor = "multi_thread")]
async fn a_whole_day_meeting_is_reminded_at_nine_the_day_before() {
    let w = World::new("2027-05-01T00:00:00Z").await;
    w.drop_issue("juni-2027.md", ISSUE).await;
    w.set("2027-06-01T07:00:00Z");
    w.tick().await;
    // 08:59:59 in Amsterdam (summer time) on 21 June: not yet.
    w.set("2027-06-21T06:59:59Z");
    w.tick().await;
    assert!(w.ledger().await.is_empty(), "{:?}", w.ledger().await);
    w.set("2027-06-21T07:00:00Z");
    w.tick().await;
    assert_eq!(
        w.ledger().await,
        ["anna reminder:1d@platformdag-2027 queued seq0"]
    );
}

#[test]
fn the_issue_shows_the_day_without_a_time() {
    let pb = crate::common::Postbode::new("smtp://127.0.0.1:9", "");
    pb.write_issue("juni-2030.md", &ISSUE.replace("2027", "2030"));
    let out = pb.path("out");
    pb.ok(&[
        "render",
        "newsletters/juni-2030.md",
        "--out",
        &out.display().to_string(),
    ]);
    let text = std::fs::read_to_string(out.join("index.txt")).expect("text");
    assert!(
        text.contains("- zaterdag 22 juni 2030: Platformdag, Tivoli Vredenburg"),
        "{text}"
    );
}
