//! The operator's emergency stop (`postbode pause|resume|cancel SLUG`). The
//! stop is a column of the issue that every claim reads, so it holds for all
//! processes on the database at once; messages already being handed to the
//! SMTP server finish and are recorded. A resumed issue goes on from its
//! ledger: the rows (and so the recipients) are the ones queued when it
//! started, and a row that was sent is never queued again.

use anyhow::Result;
use sqlx::Row;

use super::Db;
use super::issues::IssueRow;
use crate::domain::delivery::Ledger;
use crate::domain::issue::{Hold, IssueStatus};
use crate::domain::segments::Segments;

/// What a stop command found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HoldOutcome {
    /// No issue has that slug.
    NoSuchIssue,
    /// Not possible in the issue's state (its status as shown).
    NotNow(&'static str),
    /// It already was so: nothing changed.
    Already(Progress),
    Done(Progress),
}

/// How far an issue's sending got, from its ledger.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    /// The status as shown (`paused` while held).
    pub status: &'static str,
    /// Whether sending had started (rows were queued).
    pub started: bool,
    pub sent: i64,
    /// Being handed to the SMTP server now: these finish.
    pub in_flight: i64,
    /// Queued or claimed: what a resume sends.
    pub left: i64,
    pub cancelled: i64,
}

/// The statuses in which an issue may still start or go on sending.
const LIVE: &str = "('draft', 'awaiting_approval', 'scheduled', 'sending')";

fn live(status: IssueStatus) -> bool {
    matches!(
        status,
        IssueStatus::Draft
            | IssueStatus::AwaitingApproval
            | IssueStatus::Scheduled
            | IssueStatus::Sending
    )
}

/// The part of `mark_sending` that refuses a row of a held issue, checked in
/// the same statement that would let the message go.
pub(super) fn held_check(ledger: Ledger) -> &'static str {
    match ledger {
        Ledger::Issues => {
            " AND NOT EXISTS (SELECT 1 FROM issues i WHERE i.id = deliveries.issue_id AND i.hold <> '')"
        }
        Ledger::Agenda => "",
    }
}

impl Db {
    /// A claimed row whose issue was paused since the claim goes back to the
    /// queue; true when that happened.
    pub(super) async fn release_if_paused(
        &self,
        ledger: Ledger,
        id: i64,
        now: i64,
    ) -> Result<bool> {
        if ledger != Ledger::Issues {
            return Ok(false);
        }
        let done = sqlx::query(
            "UPDATE deliveries SET state = 'queued', updated_at = $1
             WHERE id = $2 AND state = 'claimed'
               AND issue_id IN (SELECT id FROM issues WHERE hold = 'paused')",
        )
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Whether an issue that was sending is paused: then the sender looks
    /// for a resume every few seconds (it comes from another process).
    pub async fn sending_paused(&self) -> Result<bool> {
        let n: i64 =
            sqlx::query("SELECT COUNT(*) FROM issues WHERE hold = 'paused' AND status = 'sending'")
                .fetch_one(&self.pool)
                .await?
                .get(0);
        Ok(n > 0)
    }

    pub async fn progress(&self, row: &IssueRow) -> Result<Progress> {
        let rows = sqlx::query(
            "SELECT state, COUNT(*) FROM deliveries WHERE issue_id = $1 GROUP BY state",
        )
        .bind(row.id)
        .fetch_all(&self.pool)
        .await?;
        let mut p = Progress {
            status: row.hold.shown(row.status),
            started: row.started_at.is_some(),
            ..Progress::default()
        };
        for r in &rows {
            let n: i64 = r.get(1);
            match r.get::<String, _>(0).as_str() {
                "sent" => p.sent += n,
                "sending" => p.in_flight += n,
                "queued" | "claimed" => p.left += n,
                "cancelled" => p.cancelled += n,
                _ => {}
            }
        }
        Ok(p)
    }

    /// Reads the issue again after a change, for what the command reports.
    async fn outcome(&self, id: i64, done: bool) -> Result<HoldOutcome> {
        let Some(row) = self.issue_by_id(id).await? else {
            return Ok(HoldOutcome::NoSuchIssue);
        };
        let p = self.progress(&row).await?;
        Ok(if done {
            HoldOutcome::Done(p)
        } else {
            HoldOutcome::Already(p)
        })
    }

    /// No new message of the issue is claimed from now on; a scheduled issue
    /// does not start.
    pub async fn pause_issue(&self, slug: &str, now: i64) -> Result<HoldOutcome> {
        let sql = format!(
            "UPDATE issues SET hold = 'paused', held_at = $1, updated_at = $1
             WHERE id = $2 AND hold = '' AND status IN {LIVE}"
        );
        self.change_hold(slug, now, Hold::Paused, sql).await
    }

    /// Claiming goes on where it stopped. The time paused does not count
    /// towards the expiry of the issue's messages.
    pub async fn resume_issue(&self, slug: &str, now: i64) -> Result<HoldOutcome> {
        let sql = format!(
            "UPDATE issues SET hold = '', started_at = started_at + ($1 - COALESCE(held_at, $1)),
                 held_at = NULL, updated_at = $1
             WHERE id = $2 AND hold = 'paused' AND status IN {LIVE}"
        );
        self.change_hold(slug, now, Hold::None, sql).await
    }

    /// Runs `sql` (binding `now`, the issue id) to bring the live issue
    /// `slug` to hold `to`; nothing changes when it is there already, and
    /// an issue the statement does not match cannot take that hold now.
    async fn change_hold(
        &self,
        slug: &str,
        now: i64,
        to: Hold,
        sql: String,
    ) -> Result<HoldOutcome> {
        let Some(row) = self.issue_by_slug(slug).await? else {
            return Ok(HoldOutcome::NoSuchIssue);
        };
        if row.hold == to && live(row.status) {
            return self.outcome(row.id, false).await;
        }
        let done = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(now)
            .bind(row.id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(HoldOutcome::NotNow(row.hold.shown(row.status)));
        }
        self.outcome(row.id, true).await
    }

    /// For good: the rows not yet handed to the server become `cancelled`,
    /// in the same transaction that sets the hold, so no process can claim
    /// one in between (a worker that holds a claimed row finds it
    /// `cancelled` when it would mark it `sending`, and drops it).
    pub async fn cancel_sending(&self, slug: &str, now: i64) -> Result<HoldOutcome> {
        let Some(row) = self.issue_by_slug(slug).await? else {
            return Ok(HoldOutcome::NoSuchIssue);
        };
        if row.hold == Hold::Cancelled {
            return self.outcome(row.id, false).await;
        }
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE issues SET hold = 'cancelled', status = 'cancelled', held_at = $1, updated_at = $1
             WHERE id = $2 AND hold <> 'cancelled' AND status <> 'sent'",
        )
        .bind(now)
        .bind(row.id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(HoldOutcome::NotNow(row.hold.shown(row.status)));
        }
        sqlx::query(
            "UPDATE deliveries SET state = 'cancelled', last_reply = 'cancelled by the operator', updated_at = $1
             WHERE issue_id = $2 AND state IN ('queued', 'claimed')",
        )
        .bind(now)
        .bind(row.id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        if row.started_at.is_none() {
            // As when its file is removed: agenda items it alone announced
            // were never published and go with it.
            self.sync_agenda(row.id, &Segments::default(), &[], false, now)
                .await?;
        }
        self.outcome(row.id, true).await
    }
}
