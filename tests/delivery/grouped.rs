//! The sender writes the ledger in groups: rows marked `sending` and outcomes
//! recorded, many in one statement. Each row must still obey the rules it
//! obeys alone, on SQLite and on PostgreSQL: a subscriber who unsubscribed
//! after the claim is not mailed, a paused issue's rows go back to the queue,
//! and an outcome never lands on a row the operator cancelled meanwhile.

use std::collections::HashMap;
use std::sync::Arc;

use crate::common::{self, Postbode, soon};
use crate::issue;
use postbode::domain::clock::{Clock, SystemClock};
use postbode::domain::delivery::{DeliveryState, Ledger};
use postbode::domain::subscriber::UnsubscribeSource;
use postbode::newsletters::IssueName;
use postbode::newsletters::ingest::Intake;
use postbode::schedule::IssueScheduler;
use postbode::startup::Daemon;
use postbode::storage::Db;
use postbode::storage::ledger_batch::{Finished, Group, Sending};

const READERS: usize = 300;

#[tokio::test(flavor = "multi_thread")]
async fn grouped_writes_keep_each_rows_rules_on_sqlite() {
    grouped(None).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn grouped_writes_keep_each_rows_rules_on_postgresql() {
    if let Some(url) = common::postgres_database().await {
        grouped(Some(url.clone())).await;
        common::postgres_drop(&url).await;
    }
}

/// An issue whose ledger rows for [`READERS`] readers are all claimed, as
/// the sender claims them, with the daemon's services over `database`
/// (SQLite when None). The folder goes when the first value is dropped.
async fn claimed_issue(
    database: Option<String>,
) -> (
    Postbode,
    Daemon,
    Vec<postbode::storage::deliveries::Claimed>,
) {
    let pb = Postbode::new("smtp://127.0.0.1:9", "");
    if let Some(url) = &database {
        pb.use_database(url);
    }
    let mut csv = String::from("email,name,workshops,interests,language,reminders\n");
    for i in 0..READERS {
        csv.push_str(&format!("lezer{i}@example.nl,Lezer {i},,,nl,no\n"));
    }
    std::fs::write(pb.path("lezers.csv"), csv).expect("csv");
    pb.ok(&[
        "subscribers",
        "import",
        "lezers.csv",
        "--confirmed",
        "--consent",
        "test",
    ]);
    let config = postbode::config::Config::load(&pb.path("postbode.toml")).expect("config");
    let db = Db::connect_and_migrate(&config.database_url())
        .await
        .expect("database");
    let daemon = Daemon::build(config, Arc::new(SystemClock), db)
        .await
        .expect("services");

    let path = pb.path("newsletters/2027-10-groep.md");
    let text = issue("Platformnieuws in groepen", &soon(1));
    std::fs::write(&path, &text).expect("issue");
    Intake {
        db: &daemon.db,
        pipeline: &daemon.issues,
        tz: daemon.config.timezone(),
        now: SystemClock.now(),
    }
    .ingest(&IssueName::of(&path).expect("name"), &text)
    .await
    .expect("taken in");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    IssueScheduler::new(
        daemon.db.clone(),
        daemon.clock.clone(),
        daemon.config.timezone(),
        daemon.issues.clone(),
        daemon.wake_scheduler.clone(),
        daemon.wake_sender.clone(),
    )
    .tick()
    .await
    .expect("started");

    let now = SystemClock.now().timestamp();
    let claimed = daemon
        .db
        .claim_deliveries(Ledger::Issues, READERS as i64, now, 1)
        .await
        .expect("claim");
    assert_eq!(claimed.len(), READERS, "every reader's row is claimed");
    (pb, daemon, claimed)
}

async fn grouped(database: Option<String>) {
    let (_pb, daemon, claimed) = claimed_issue(database).await;
    let db = &daemon.db;
    let now = SystemClock.now().timestamp();
    let issue_id = claimed[0].topic_id;

    // Between the claim and the send, reader 7 unsubscribes.
    let gone = claimed[7].subscriber_id;
    assert!(
        db.unsubscribe(gone, UnsubscribeSource::Page, Some(issue_id), now)
            .await
            .expect("unsubscribe")
    );
    let mark = |c: &postbode::storage::deliveries::Claimed| Sending {
        id: c.id,
        message_id: format!("<{}@example.nl>", c.id),
        at: now,
    };
    let outcome = |i: usize, id: i64| {
        let (state, retry_at) = match i % 3 {
            0 => (DeliveryState::Sent, None),
            1 => (DeliveryState::Queued, Some(now + 600)),
            _ => (DeliveryState::Unknown, None),
        };
        Finished {
            id,
            state,
            reply: format!("250 2.0.0 Ok: queued as {id} ünïcode 'quote' \"dq\""),
            retry_at,
            at: now,
        }
    };
    // Rows 50 and on are marked first, in a group of their own.
    let later: Vec<Sending> = claimed[50..].iter().map(mark).collect();
    let mut marked = db
        .mark_sending_many(Ledger::Issues, &later)
        .await
        .expect("marked in groups");
    assert_eq!(marked.len(), READERS - 50);
    // Then one group as the writer makes them: the outcomes of those and
    // the first 50 (reader 7 among them) to be sent, in one statement.
    let mut line = db.ledger_line().await.expect("a connection of its own");
    let group = Group {
        finished: marked
            .iter()
            .enumerate()
            .map(|(i, id)| (Ledger::Issues, outcome(i, *id)))
            .collect(),
        sending: claimed[..50]
            .iter()
            .map(|c| (Ledger::Issues, mark(c)))
            .collect(),
    };
    let first: Vec<i64> = line
        .write(&group)
        .await
        .expect("one group of both kinds")
        .into_iter()
        .map(|(ledger, id)| {
            assert_eq!(ledger, Ledger::Issues);
            id
        })
        .collect();
    assert_eq!(first.len(), 49, "all of the first 50 but the one who left");
    assert!(
        !first.contains(&claimed[7].id),
        "no mail after unsubscribing"
    );
    // The writer hands a row its group did not mark to the one-row path,
    // which finds out why: the reader left, so the row is skipped.
    let c7 = &claimed[7];
    let sent_anyway = db
        .mark_sending(Ledger::Issues, c7.id, &mark(c7).message_id, now)
        .await
        .expect("one row");
    assert!(!sent_anyway, "no mail after unsubscribing");
    let outcomes: Vec<Finished> = first
        .iter()
        .enumerate()
        .map(|(i, id)| outcome(marked.len() + i, *id))
        .collect();
    marked.extend(first);
    db.finish_many(Ledger::Issues, &outcomes)
        .await
        .expect("recorded in groups");
    drop(line);

    let mut rows = HashMap::new();
    let mut after = 0;
    loop {
        let page = db.ledger_page(issue_id, after, 100).await.expect("ledger");
        let Some(last) = page.last() else { break };
        after = last.id;
        for r in page {
            rows.insert(r.id, r);
        }
    }
    assert_eq!(rows.len(), READERS);
    assert_eq!(
        (
            rows[&claimed[7].id].state.as_str(),
            rows[&claimed[7].id].attempts
        ),
        ("skipped", 0),
        "the unsubscribed reader's row was never marked sending"
    );
    for (i, id) in marked.iter().enumerate() {
        let row = &rows[id];
        let want = ["sent", "queued", "unknown"][i % 3];
        assert_eq!(row.state, want, "row {id}");
        assert_eq!(row.attempts, 1, "one attempt recorded for row {id}");
        assert_eq!(
            row.last_reply,
            format!("250 2.0.0 Ok: queued as {id} ünïcode 'quote' \"dq\""),
            "each row keeps its own reply"
        );
    }
    // A queued row's retry time is its own; the others keep theirs.
    assert_eq!(
        db.next_delivery_due().await.expect("due"),
        Some(now + 600),
        "the retried rows are due when their outcome said"
    );

    // A row cancelled by the operator after the send stays cancelled.
    let again = db
        .claim_deliveries(Ledger::Issues, READERS as i64, now + 600, 1)
        .await
        .expect("claim the retries");
    assert!(!again.is_empty());
    db.cancel_sending("2027-10-groep", now)
        .await
        .expect("cancel");
    let late: Vec<Finished> = again
        .iter()
        .map(|c| Finished {
            id: c.id,
            state: DeliveryState::Sent,
            reply: "250 late".into(),
            retry_at: None,
            at: now,
        })
        .collect();
    db.finish_many(Ledger::Issues, &late).await.expect("late");
    for c in &again {
        let page = db.ledger_page(issue_id, c.id - 1, 1).await.expect("row");
        assert_ne!(page[0].state, "sent", "a cancelled row stays cancelled");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_group_that_fails_part_way_loses_no_message_on_sqlite() {
    part_way(None).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_group_that_fails_part_way_loses_no_message_on_postgresql() {
    if let Some(url) = common::postgres_database().await {
        part_way(Some(url.clone())).await;
        common::postgres_drop(&url).await;
    }
}

/// A group's statements stand alone: when the agenda ledger's statement
/// fails after the issue ledger's was written, the workers are told the
/// marks failed, and must get back rows that were marked `sending` all the
/// same, or those readers would never get the issue (a `sending` row ends
/// `unknown` at the next start and is never tried again).
async fn part_way(database: Option<String>) {
    use sqlx::Executor;
    let (_pb, daemon, claimed) = claimed_issue(database).await;
    let db = &daemon.db;
    let now = SystemClock.now().timestamp();
    let issue_id = claimed[0].topic_id;
    let mark = |c: &postbode::storage::deliveries::Claimed| Sending {
        id: c.id,
        message_id: format!("<{}-part@example.nl>", c.id),
        at: now,
    };
    let marks: Vec<Sending> = claimed[..10].iter().map(mark).collect();
    let agenda = Ledger::Agenda.table();
    let away = format!("ALTER TABLE {agenda} RENAME TO ledger_away");
    db.pool
        .execute(sqlx::AssertSqlSafe(away))
        .await
        .expect("agenda ledger out of the way");
    let mut line = db.ledger_line().await.expect("a connection of its own");
    let group = Group {
        finished: vec![(
            Ledger::Agenda,
            Finished {
                id: 1,
                state: DeliveryState::Sent,
                reply: "250 ok".into(),
                retry_at: None,
                at: now,
            },
        )],
        sending: marks.iter().map(|m| (Ledger::Issues, m.clone())).collect(),
    };
    line.write(&group)
        .await
        .expect_err("the agenda ledger's statement fails");
    drop(line);
    let back = format!("ALTER TABLE ledger_away RENAME TO {agenda}");
    db.pool
        .execute(sqlx::AssertSqlSafe(back))
        .await
        .expect("agenda ledger back");

    let state = |id: i64| async move {
        let page = db.ledger_page(issue_id, id - 1, 1).await.expect("row");
        (page[0].state.clone(), page[0].attempts)
    };
    for m in &marks {
        assert_eq!(
            state(m.id).await,
            ("sending".to_string(), 1),
            "the issue ledger's statement was written before the failure"
        );
    }
    // Someone else's mark (another Message-ID) is not taken back.
    let other = Sending {
        message_id: "<someone-else@example.nl>".into(),
        ..marks[0].clone()
    };
    db.release_unsent(Ledger::Issues, &other, now)
        .await
        .expect("release");
    assert_eq!(state(marks[0].id).await, ("sending".to_string(), 1));
    // What each worker does when its mark comes back as an error.
    for m in &marks {
        db.release_unsent(Ledger::Issues, m, now)
            .await
            .expect("release");
        assert_eq!(
            state(m.id).await,
            ("queued".to_string(), 0),
            "back in the queue, no attempt counted"
        );
    }
    // A row the failed group never marked goes back too.
    let untouched = mark(&claimed[10]);
    db.release_unsent(Ledger::Issues, &untouched, now)
        .await
        .expect("release");
    assert_eq!(state(untouched.id).await, ("queued".to_string(), 0));
    // And the next claim takes them up again, to be sent once.
    let again = db
        .claim_deliveries(Ledger::Issues, READERS as i64, now, 1)
        .await
        .expect("claim again");
    let again: Vec<i64> = again.iter().map(|c| c.id).collect();
    for id in marks.iter().map(|m| m.id).chain([untouched.id]) {
        assert!(again.contains(&id), "row {id} is claimed again");
    }
}
