//! Agenda reminders with an injected clock: who is reminded of what and
//! when, across both DST switches, downtime, restarts, edits and
//! cancellations. Nothing sleeps: the clock is moved and the scheduler ticked.
//! Delivery itself is the sender's job (see `tests/agenda_smtp`); here a
//! queued row is "delivered" by marking it sent, as the sender would.

#[path = "../common/mod.rs"]
mod common;
mod identity;
mod whole_day;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use common::Postbode;
use postbode::domain::clock::{Clock, ManualClock};
use postbode::domain::issue::IssueStatus;
use postbode::newsletters::IssueName;
use postbode::newsletters::ingest::{Ingested, Intake};
use postbode::schedule::IssueScheduler;
use postbode::startup::Daemon;
use postbode::storage::Db;
use sqlx::Row;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("rfc3339")
        .with_timezone(&Utc)
}

/// One installation whose clock stands still until a test moves it.
struct World {
    pb: Postbode,
    clock: ManualClock,
    d: Daemon,
}

impl World {
    async fn new(now: &str) -> Self {
        Self::on(now, None).await
    }

    /// The same on another database (PostgreSQL).
    async fn on(now: &str, database: Option<&str>) -> Self {
        let pb = Postbode::new("file://outbox", "");
        if let Some(url) = database {
            pb.use_database(url);
        }
        // anna: Arbeid en Inclusie, reminders on; bert: the same, reminders off;
        // carla: theme Geweld in gezinnen; dirk: follows nothing; eva:
        // Transformatie Jeugd; frank: Arbeid en Inclusie but unsubscribed.
        for (email, flags) in [
            (
                "anna@example.nl",
                &["--workshop", "arbeid-en-inclusie", "--reminders"][..],
            ),
            ("bert@example.nl", &["--workshop", "arbeid-en-inclusie"][..]),
            (
                "carla@example.nl",
                &["--interest", "geweld-in-gezinnen", "--reminders"][..],
            ),
            ("dirk@example.nl", &["--reminders"][..]),
            (
                "eva@example.nl",
                &["--workshop", "transformatie-jeugd", "--reminders"][..],
            ),
            (
                "frank@example.nl",
                &["--workshop", "arbeid-en-inclusie", "--reminders"][..],
            ),
        ] {
            let mut args = vec![
                "subscribers",
                "add",
                email,
                "--confirmed",
                "--consent",
                "test",
            ];
            args.extend_from_slice(flags);
            pb.ok(&args);
        }
        pb.ok(&["subscribers", "unsubscribe", "frank@example.nl"]);
        let clock = ManualClock::new(utc(now));
        let d = build(&pb, &clock).await;
        Self { pb, clock, d }
    }

    /// A new process on the same database and folder: what a restart is.
    async fn restart(&mut self) {
        self.d = build(&self.pb, &self.clock).await;
    }

    fn set(&self, now: &str) {
        self.clock.set(utc(now));
    }

    fn file(&self, name: &str) -> PathBuf {
        self.pb.path(&format!("newsletters/{name}"))
    }

    async fn drop_issue(&self, name: &str, text: &str) -> Ingested {
        std::fs::write(self.file(name), text).expect("write issue");
        let intake = Intake {
            db: &self.d.db,
            pipeline: &self.d.issues,
            tz: self.d.config.timezone(),
            now: self.clock.now(),
        };
        let name = IssueName::of(&self.file(name)).expect("an issue name");
        intake.ingest(&name, text).await.expect("ingest")
    }

    /// One scheduler pass; returns how long it would sleep.
    async fn tick(&self) -> Duration {
        IssueScheduler::new(
            self.d.db.clone(),
            self.d.clock.clone(),
            self.d.config.timezone(),
            self.d.issues.clone(),
            self.d.wake_scheduler.clone(),
            self.d.wake_sender.clone(),
        )
        .tick()
        .await
        .expect("tick")
    }

    /// Every agenda mail in the ledger as `who kind:slot@item state`, sorted.
    async fn ledger(&self) -> Vec<String> {
        let rows = sqlx::query(
            "SELECT s.email, d.kind, d.slot, a.uid, d.state, d.sequence FROM agenda_deliveries d
             JOIN subscribers s ON s.id = d.subscriber_id JOIN agenda_items a ON a.id = d.item_id",
        )
        .fetch_all(&self.d.db.pool)
        .await
        .expect("ledger");
        let mut out: Vec<String> = rows
            .iter()
            .map(|r| {
                let email: String = r.get(0);
                let who = email.split('@').next().unwrap_or_default().to_string();
                format!(
                    "{who} {}:{}@{} {} seq{}",
                    r.get::<String, _>(1),
                    r.get::<String, _>(2),
                    r.get::<String, _>(3),
                    r.get::<String, _>(4),
                    r.get::<i64, _>(5)
                )
            })
            .collect();
        out.sort();
        out
    }

    /// What the sender does with every queued mail when the server accepts it.
    async fn deliver_all(&self) {
        sqlx::query("UPDATE agenda_deliveries SET state = 'sent' WHERE state = 'queued'")
            .execute(&self.d.db.pool)
            .await
            .expect("deliver");
    }

    async fn issue_status(&self, slug: &str) -> String {
        self.d
            .db
            .issue_by_slug(slug)
            .await
            .expect("issue")
            .expect("stored")
            .status
            .to_string()
    }
}

async fn build(pb: &Postbode, clock: &ManualClock) -> Daemon {
    let config = postbode::config::Config::load(&pb.path("postbode.toml")).expect("config");
    let db = Db::connect_and_migrate(&config.database_url())
        .await
        .expect("database");
    Daemon::build(config, Arc::new(clock.clone()), db)
        .await
        .expect("services")
}

/// The status an issue file was stored with, if it was.
fn stored(i: &Ingested) -> Option<IssueStatus> {
    match i {
        Ingested::Stored(status, _) => Some(*status),
        _ => None,
    }
}

fn secs(d: Duration) -> u64 {
    d.as_secs()
}

const MARCH: &str = "---
subject: Platformnieuws maart 2027
send_at: 2027-03-10 09:00
agenda:
  - id: kick-off-arbeid
    title: Kick-off werkplaats Arbeid en Inclusie
    start: 2027-03-29 09:00
    end: 2027-03-29 12:00
    location: Hogeschool Utrecht, Padualaan 101, Utrecht
    workshop: arbeid-en-inclusie
    reminders: [7d, 1d]
  - id: expertmeeting-geweld
    title: Expertmeeting geweld in gezinnen
    start: 2027-03-31 14:00
    location: Stadskantoor Utrecht
    interests: [geweld-in-gezinnen]
    reminders: [1d]
  - id: platformdag
    title: Platformdag kennisplatform
    start: 2027-04-02 10:00
    location: Tivoli Vredenburg
    reminders: [2h]
---
De agenda van het voorjaar.
";

#[tokio::test(flavor = "multi_thread")]
async fn reminders_reach_exactly_the_followers_at_local_time_across_the_spring_switch() {
    let w = World::new("2027-03-01T00:00:00Z").await;
    assert_eq!(
        stored(&w.drop_issue("maart-2027.md", MARCH).await),
        Some(IssueStatus::Scheduled)
    );
    // Nothing is reminded before the issue that announces it is sent.
    w.set("2027-03-10T07:59:00Z");
    assert_eq!(secs(w.tick().await), 60, "sleeps until send_at");
    assert!(w.ledger().await.is_empty());
    w.set("2027-03-10T08:00:00Z");
    w.tick().await;
    assert_eq!(w.issue_status("maart-2027").await, "sending");
    assert!(w.ledger().await.is_empty(), "no reminder is due yet");

    // 7d before Monday 29 March 09:00 CEST is Monday 22 March 09:00 CET (08:00Z).
    w.set("2027-03-22T07:59:59Z");
    assert_eq!(secs(w.tick().await), 1, "sleeps until the next reminder");
    assert!(w.ledger().await.is_empty());
    w.set("2027-03-22T08:00:00Z");
    w.tick().await;
    assert_eq!(
        w.ledger().await,
        ["anna reminder:7d@kick-off-arbeid queued seq0"]
    );
    w.deliver_all().await;

    // 1d before is Sunday 28 March 09:00 CEST, the day of the switch (07:00Z).
    w.set("2027-03-28T06:59:59Z");
    assert_eq!(secs(w.tick().await), 1);
    w.set("2027-03-28T07:00:00Z");
    w.tick().await;
    // Tuesday 30 March 14:00 CEST for the theme's meeting, then the untagged
    // platform day: everyone with reminders on, 2 hours before 10:00 CEST.
    w.set("2027-03-30T12:00:00Z");
    w.tick().await;
    w.set("2027-04-02T06:00:00Z");
    w.tick().await;
    w.deliver_all().await;
    assert_eq!(
        w.ledger().await,
        [
            "anna reminder:1d@kick-off-arbeid sent seq0",
            "anna reminder:2h@platformdag sent seq0",
            "anna reminder:7d@kick-off-arbeid sent seq0",
            "carla reminder:1d@expertmeeting-geweld sent seq0",
            "carla reminder:2h@platformdag sent seq0",
            "dirk reminder:2h@platformdag sent seq0",
            "eva reminder:2h@platformdag sent seq0",
        ]
    );
    // Everything done: the scheduler has nothing left and sleeps its longest.
    w.set("2027-04-03T00:00:00Z");
    assert_eq!(secs(w.tick().await), 3600);
}

const OCTOBER: &str = "---
subject: Platformnieuws oktober 2026
send_at: 2026-10-05 09:00
agenda:
  - id: werkplaatsdag
    title: Werkplaatsdag Arbeid en Inclusie
    start: 2026-10-26 09:00
    workshop: arbeid-en-inclusie
    reminders: [7d, 1d, 2h]
  - id: avondsessie
    title: Avondsessie Arbeid en Inclusie
    start: 2026-10-25 21:00
    workshop: arbeid-en-inclusie
    reminders: [1d]
---
Intro.
";

#[tokio::test(flavor = "multi_thread")]
async fn the_autumn_switch_downtime_and_restarts_give_one_reminder_each() {
    let mut w = World::new("2026-10-01T00:00:00Z").await;
    w.drop_issue("oktober-2026.md", OCTOBER).await;
    w.set("2026-10-05T07:00:00Z");
    w.tick().await;
    // 7d before Monday 26 October 09:00 CET is Monday 19 October 09:00 CEST (07:00Z).
    w.set("2026-10-19T06:59:59Z");
    assert_eq!(secs(w.tick().await), 1);
    w.set("2026-10-19T07:00:00Z");
    w.tick().await;
    w.deliver_all().await;
    assert_eq!(
        w.ledger().await,
        ["anna reminder:7d@werkplaatsdag sent seq0"]
    );

    // 1d before the evening session is Saturday 24 October 21:00 CEST (19:00Z).
    w.set("2026-10-24T19:00:00Z");
    w.tick().await;
    w.deliver_all().await;

    // Down from Saturday night until Monday 06:30Z. The 1d reminder (Sunday
    // 09:00 CET = 08:00Z, after the switch) and the 2h one (06:00Z) were
    // missed; the meeting has not started, so one reminder goes out: the
    // latest, not a pile.
    w.set("2026-10-26T06:30:00Z");
    w.restart().await;
    w.tick().await;
    w.deliver_all().await;
    let after_downtime = vec![
        "anna reminder:1d@avondsessie sent seq0",
        "anna reminder:2h@werkplaatsdag sent seq0",
        "anna reminder:7d@werkplaatsdag sent seq0",
    ];
    assert_eq!(w.ledger().await, after_downtime);

    // Restarts and re-reading the same file change nothing.
    for _ in 0..2 {
        w.restart().await;
        assert!(matches!(
            w.drop_issue("oktober-2026.md", OCTOBER).await,
            Ingested::Unchanged
        ));
        w.tick().await;
    }
    // The file touched after sending (intro reworded): still nothing new.
    let reworded = OCTOBER.replace("Intro.", "Inleiding.");
    assert!(matches!(
        w.drop_issue("oktober-2026.md", &reworded).await,
        Ingested::Refused
    ));
    w.tick().await;
    assert_eq!(w.ledger().await, after_downtime);

    // Never after the start: down past 09:00 CET, nothing is sent.
    w.set("2026-10-26T08:00:01Z");
    w.restart().await;
    w.tick().await;
    assert_eq!(w.ledger().await, after_downtime);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reminder_missed_during_downtime_is_not_sent_after_the_meeting_started() {
    let mut w = World::new("2026-10-01T00:00:00Z").await;
    w.drop_issue("oktober-2026.md", OCTOBER).await;
    w.set("2026-10-05T07:00:00Z");
    w.tick().await;
    // Down from before the 7d reminder until after the evening session began.
    w.set("2026-10-25T20:00:01Z");
    w.restart().await;
    w.tick().await;
    assert_eq!(
        w.ledger().await,
        ["anna reminder:1d@werkplaatsdag queued seq0"],
        "only the meeting still ahead is reminded, once"
    );
}

const JUNE: &str = "---
subject: Platformnieuws juni 2027
send_at: 2027-06-01 09:00
agenda:
  - id: verplaatst
    title: Bijeenkomst die verplaatst wordt
    start: 2027-06-21 13:30
    location: Hogeschool Utrecht
    workshop: arbeid-en-inclusie
    reminders: [7d, 1d]
  - id: hernoemd
    title: Bijeenkomst met een nieuwe titel
    start: 2027-06-22 13:30
    location: Hogeschool Utrecht
    workshop: arbeid-en-inclusie
    reminders: [7d, 1d]
  - id: afgelast
    title: Bijeenkomst die niet doorgaat
    start: 2027-06-23 13:30
    location: Hogeschool Utrecht
    workshop: arbeid-en-inclusie
    reminders: [7d, 1d]
  - id: geschrapt
    title: Bijeenkomst die uit de agenda verdwijnt
    start: 2027-06-24 13:30
    location: Hogeschool Utrecht
    workshop: arbeid-en-inclusie
    reminders: [7d, 1d]
---
Intro.
";

#[tokio::test(flavor = "multi_thread")]
async fn edits_and_cancellations_after_sending_reach_those_reminded() {
    edits_and_cancellations(None).await;
}

/// The agenda's SQL is shared: the same edits on PostgreSQL.
#[tokio::test(flavor = "multi_thread")]
async fn edits_and_cancellations_work_the_same_on_postgresql() {
    if let Some(url) = common::postgres_database().await {
        edits_and_cancellations(Some(&url)).await;
        common::postgres_drop(&url).await;
    }
}

async fn edits_and_cancellations(database: Option<&str>) {
    let w = World::on("2027-05-01T00:00:00Z", database).await;
    w.drop_issue("juni-2027.md", JUNE).await;
    w.set("2027-06-01T07:00:00Z");
    w.tick().await;
    assert_eq!(w.issue_status("juni-2027").await, "sending");
    // Every 7d reminder has gone out by 17 June.
    w.set("2027-06-17T12:00:00Z");
    w.tick().await;
    w.deliver_all().await;
    let reminded = vec![
        "anna reminder:7d@afgelast sent seq0",
        "anna reminder:7d@geschrapt sent seq0",
        "anna reminder:7d@hernoemd sent seq0",
        "anna reminder:7d@verplaatst sent seq0",
    ];
    assert_eq!(w.ledger().await, reminded);

    // The editor moves one meeting, renames one, cancels one and deletes one.
    let edited = JUNE
        .replace(
            "start: 2027-06-21 13:30\n    location: Hogeschool Utrecht",
            "start: 2027-06-21 15:00\n    location: Stadhuis Utrecht",
        )
        .replace(
            "Bijeenkomst met een nieuwe titel",
            "Bijeenkomst met een andere titel",
        )
        .replace(
            "    start: 2027-06-23 13:30",
            "    status: cancelled\n    start: 2027-06-23 13:30",
        );
    let cut = edited.find("  - id: geschrapt").expect("item");
    let end = edited.find("---\nIntro").expect("end");
    let edited = format!("{}{}", &edited[..cut], &edited[end..]);
    assert!(
        matches!(
            w.drop_issue("juni-2027.md", &edited).await,
            Ingested::Refused
        ),
        "the sent content is kept"
    );
    let warning =
        w.d.db
            .issue_by_slug("juni-2027")
            .await
            .expect("issue")
            .expect("stored")
            .warning;
    assert!(
        warning.contains(
            "except the agenda: 1 meeting(s) changed, 2 cancelled, 3 update or cancellation mail(s)"
        ),
        "{warning}"
    );
    let mut expected = reminded.clone();
    expected.extend([
        "anna cancel:cancel-1@afgelast queued seq1",
        "anna cancel:cancel-1@geschrapt queued seq1",
        "anna update:update-1@verplaatst queued seq1",
    ]);
    expected.sort();
    assert_eq!(w.ledger().await, expected);
    w.deliver_all().await;
    let expected: Vec<String> = expected
        .iter()
        .map(|l| l.replace("queued", "sent"))
        .collect();

    // The moved meeting is reminded at its new time, 1d before 15:00 CEST
    // (13:00Z), not at the old one (11:30Z).
    w.set("2027-06-20T12:59:59Z");
    w.tick().await;
    assert_eq!(w.ledger().await, expected);
    w.set("2027-06-20T13:00:00Z");
    w.tick().await;
    // The renamed one keeps its time; the cancelled and deleted ones get no
    // more reminders.
    for now in [
        "2027-06-21T11:30:00Z",
        "2027-06-22T11:30:00Z",
        "2027-06-23T11:30:00Z",
    ] {
        w.set(now);
        w.tick().await;
    }
    w.deliver_all().await;
    let ledger = w.ledger().await;
    assert!(
        ledger.contains(&"anna reminder:1d@hernoemd sent seq0".to_string()),
        "{ledger:#?}"
    );
    assert!(
        ledger.contains(&"anna reminder:1d@verplaatst sent seq1".to_string()),
        "{ledger:#?}"
    );
    assert!(
        !ledger
            .iter()
            .any(|l| l.contains("1d@afgelast") || l.contains("1d@geschrapt")),
        "{ledger:#?}"
    );
    assert_eq!(ledger.len(), expected.len() + 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancellation_drops_reminders_that_are_queued_but_not_sent() {
    let w = World::new("2027-05-01T00:00:00Z").await;
    w.drop_issue("juni-2027.md", JUNE).await;
    w.set("2027-06-01T07:00:00Z");
    w.tick().await;
    w.set("2027-06-16T11:30:00Z");
    w.tick().await;
    // The 7d reminder of `afgelast` is queued; then the meeting is cancelled
    // before the sender got to it. Nobody was told, so nobody gets a cancellation.
    let cancelled = JUNE.replace(
        "    start: 2027-06-23 13:30",
        "    status: cancelled\n    start: 2027-06-23 13:30",
    );
    w.drop_issue("juni-2027.md", &cancelled).await;
    let ledger = w.ledger().await;
    assert!(
        ledger.contains(&"anna reminder:7d@afgelast skipped seq0".to_string()),
        "{ledger:#?}"
    );
    assert!(!ledger.iter().any(|l| l.contains("cancel")), "{ledger:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_draft_repeating_a_meeting_does_not_touch_it_and_a_removed_draft_cancels_nothing() {
    let w = World::new("2027-05-01T00:00:00Z").await;
    w.drop_issue("juni-2027.md", JUNE).await;
    w.set("2027-06-01T07:00:00Z");
    w.tick().await;
    w.set("2027-06-17T12:00:00Z");
    w.tick().await;
    w.deliver_all().await;
    let before = w.ledger().await;
    // Next month's draft repeats the agenda with a different time, then is deleted.
    let draft = JUNE
        .replace(
            "subject: Platformnieuws juni 2027\nsend_at: 2027-06-01 09:00\n",
            "subject: Platformnieuws juli 2027\n",
        )
        .replace("start: 2027-06-21 13:30", "start: 2027-06-21 16:00");
    assert_eq!(
        stored(&w.drop_issue("juli-2027.md", &draft).await),
        Some(IssueStatus::Draft)
    );
    assert!(
        w.d.db
            .cancel_issue("juli-2027", w.clock.now().timestamp())
            .await
            .expect("cancel")
    );
    w.tick().await;
    assert_eq!(w.ledger().await, before, "no update, no cancellation");
}

#[tokio::test(flavor = "multi_thread")]
async fn taking_an_agenda_waits_for_another_writer_instead_of_failing() {
    use sqlx::Executor;
    let w = World::new("2027-05-01T00:00:00Z").await;
    w.drop_issue("juni-2027.md", JUNE).await;
    let row =
        w.d.db
            .issue_by_slug("juni-2027")
            .await
            .expect("issue")
            .expect("stored");
    let plan = row.plan.clone().expect("planned when taken in");
    // Another connection (the sender marking a delivery) holds the write
    // lock for a moment, as it does right after an issue starts sending.
    let mut other = w.d.db.pool.acquire().await.expect("connection");
    other.execute("BEGIN IMMEDIATE").await.expect("write lock");
    let release = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        other.execute("COMMIT").await.expect("commit");
    });
    // What the scheduler does when the issue starts sending: it waits for
    // the lock (busy_timeout) rather than failing with "database is locked".
    let taken = postbode::reminders::agenda::take_agenda(
        &w.d.db,
        w.d.config.timezone(),
        w.clock.now().timestamp(),
        row.id,
        &row.slug,
        &plan,
        true,
    )
    .await;
    release.await.expect("released");
    taken.expect("the agenda is taken once the other writer is done");
    let published: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM agenda_items WHERE published = 1")
            .fetch_one(&w.d.db.pool)
            .await
            .expect("count");
    assert_eq!(published, 4);
}
