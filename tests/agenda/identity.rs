//! A meeting written without `id:` keeps its identity when the editor moves
//! it to another day: those reminded get an update ("Gewijzigd", the same
//! calendar UID, SEQUENCE 1), not a cancellation and a second meeting.

use crate::World;

const ISSUE: &str = "---
subject: Platformnieuws juni 2027
send_at: 2027-06-01 09:00
agenda:
  - title: Themabijeenkomst Gezond en Sociaal
    start: 2027-06-21 13:30
    location: Hogeschool Utrecht
    workshop: arbeid-en-inclusie
    reminders: [7d, 1d]
---
Intro.
";

#[tokio::test(flavor = "multi_thread")]
async fn a_meeting_without_id_moved_to_another_day_is_updated_not_replaced() {
    let w = World::new("2027-05-01T00:00:00Z").await;
    w.drop_issue("juni-2027.md", ISSUE).await;
    w.set("2027-06-01T07:00:00Z");
    w.tick().await;
    w.set("2027-06-14T12:00:00Z");
    w.tick().await;
    w.deliver_all().await;
    let uid = "themabijeenkomst-gezond-en-sociaal-2027-06-21";
    assert_eq!(
        w.ledger().await,
        [format!("anna reminder:7d@{uid} sent seq0")]
    );

    let moved = ISSUE.replace("start: 2027-06-21 13:30", "start: 2027-06-24 13:30");
    w.drop_issue("juni-2027.md", &moved).await;
    let warning =
        w.d.db
            .issue_by_slug("juni-2027")
            .await
            .expect("issue")
            .expect("stored")
            .warning;
    assert!(
        warning.contains("1 meeting(s) changed, 0 cancelled, 1 update or cancellation mail(s)"),
        "{warning}"
    );
    assert_eq!(
        w.ledger().await,
        [
            format!("anna reminder:7d@{uid} sent seq0"),
            format!("anna update:update-1@{uid} queued seq1"),
        ]
    );
    // Reminded again 1 day before the new date, of the same meeting.
    w.deliver_all().await;
    w.set("2027-06-23T11:30:00Z");
    w.tick().await;
    let ledger = w.ledger().await;
    assert!(
        ledger.contains(&format!("anna reminder:1d@{uid} queued seq1")),
        "{ledger:#?}"
    );
    assert_eq!(ledger.len(), 3, "{ledger:#?}");
}

#[test]
fn check_says_when_a_meeting_is_known_by_its_title() {
    let pb = crate::common::Postbode::new("smtp://127.0.0.1:9", "");
    pb.write_issue("juni-2030.md", &ISSUE.replace("2027", "2030"));
    let (code, stderr) = pb.check("newsletters/juni-2030.md");
    assert_eq!(code, Some(0), "{stderr:?}");
    let line = stderr
        .iter()
        .find(|l| l.contains("heeft geen id"))
        .unwrap_or_else(|| panic!("{stderr:?}"));
    assert!(
        line.starts_with("newsletters/juni-2030.md:5:5: waarschuwing: agendapunt \"Themabijeenkomst Gezond en Sociaal\""),
        "{line}"
    );
    assert!(
        line.contains("zet `id: themabijeenkomst-gezond-en-sociaal-2030-06-21` erbij"),
        "{line}"
    );
}
