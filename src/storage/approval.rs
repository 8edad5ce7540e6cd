//! An editor's approval of an issue (`platform.require_approval`). The
//! approval names the version of the text it was given for: the statement
//! that approves checks, in its `WHERE`, that the stored text is still that
//! version, and a new text clears the approval in the statement that stores
//! it ([`super::issues`]), so an approval older than the latest change never
//! counts, whichever of the two comes first.

use anyhow::Result;
use sqlx::Row;

use super::Db;
use super::issues::IssueRow;
use crate::domain::issue::IssueStatus;

/// How an approval was given, kept with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApprovedVia {
    /// The signed link in a proof.
    Link,
    /// `postbode approve SLUG`.
    Command,
}

impl ApprovedVia {
    fn as_str(self) -> &'static str {
        match self {
            ApprovedVia::Link => "link",
            ApprovedVia::Command => "command",
        }
    }
}

/// What an approval found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Approval {
    NoSuchIssue,
    /// The text changed since the proof that was approved: the newest
    /// proof has to be approved instead.
    Outdated,
    /// Nothing waits for approval: the issue's status as shown.
    NotWaiting(&'static str),
    /// Approved now; it goes out at `send_at` (or at once when that passed).
    Approved {
        send_at: Option<i64>,
    },
}

impl Db {
    /// Approves issue `row` as its text was when `is_version` says yes to
    /// the stored hash.
    pub async fn approve_issue(
        &self,
        row: &IssueRow,
        is_version: impl Fn(&str) -> bool,
        via: ApprovedVia,
        now: i64,
    ) -> Result<Approval> {
        if !is_version(&row.content_hash) {
            return Ok(Approval::Outdated);
        }
        if row.status != IssueStatus::AwaitingApproval {
            return Ok(Approval::NotWaiting(row.hold.shown(row.status)));
        }
        let done = sqlx::query(
            "UPDATE issues SET status = 'scheduled', approved_hash = content_hash,
                 approved_at = $1, approved_via = $2, updated_at = $1
             WHERE id = $3 AND content_hash = $4 AND status = 'awaiting_approval'",
        )
        .bind(now)
        .bind(via.as_str())
        .bind(row.id)
        .bind(&row.content_hash)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() > 0 {
            return Ok(Approval::Approved {
                send_at: row.send_at,
            });
        }
        // Changed between our read and our write: say what it is now.
        Ok(match self.issue_by_id(row.id).await? {
            None => Approval::NoSuchIssue,
            Some(now_row) if now_row.content_hash != row.content_hash => Approval::Outdated,
            Some(now_row) => Approval::NotWaiting(now_row.hold.shown(now_row.status)),
        })
    }

    /// When approval is no longer required, what waited for it is scheduled.
    /// Returns the slugs released.
    pub async fn release_awaiting_approval(&self, now: i64) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "UPDATE issues SET status = 'scheduled', updated_at = $1
             WHERE status = 'awaiting_approval' RETURNING slug",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }
}
