//! Issues as stored: the text that is sent, its lifecycle and its audience.

use anyhow::Result;
use serde::Serialize;
use sqlx::Row;

use super::{Db, segment_filter};
use crate::domain::issue::AgendaItem;
use crate::domain::issue::{Hold, IssueStatus};
use crate::domain::segments::Segments;

#[derive(Debug, Clone, Serialize)]
pub struct IssueRow {
    pub id: i64,
    pub slug: String,
    pub file: String,
    #[serde(skip)]
    pub source: String,
    pub content_hash: String,
    pub subject: String,
    pub status: IssueStatus,
    pub send_at: Option<i64>,
    pub errors: String,
    pub warning: String,
    pub started_at: Option<i64>,
    pub sent_at: Option<i64>,
    /// The operator's stop, if any: see [`Hold`].
    pub hold: Hold,
    /// Who it is for and which agenda items it announces, as taken in; None
    /// for a row taken in by an older version (the upgrade fills it).
    #[serde(skip)]
    pub plan: Option<SendPlan>,
}

/// What starting to send an issue needs, stored when its file is taken in.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SendPlan {
    /// Empty = every active subscriber.
    pub audience: Segments,
    /// Its agenda: published, with reminders, once sending starts.
    pub agenda: Vec<AgendaItem>,
}

/// What ingesting a file decided.
#[derive(Debug, Clone)]
pub struct IssueWrite<'a> {
    pub slug: &'a str,
    pub file: &'a str,
    pub source: &'a str,
    pub content_hash: &'a str,
    pub subject: &'a str,
    pub status: IssueStatus,
    pub send_at: Option<i64>,
    pub errors: &'a str,
    /// None for an invalid issue.
    pub plan: Option<&'a SendPlan>,
}

const COLUMNS: &str = "id, slug, file, source, content_hash, subject, status, send_at, errors, warning, started_at, sent_at, audience, agenda, hold";

fn from_row(r: &sqlx::any::AnyRow) -> IssueRow {
    let audience = r
        .get::<Option<String>, _>(12)
        .and_then(|j| serde_json::from_str(&j).ok());
    let agenda = r
        .get::<Option<String>, _>(13)
        .and_then(|j| serde_json::from_str(&j).ok());
    IssueRow {
        id: r.get(0),
        slug: r.get(1),
        file: r.get(2),
        source: r.get(3),
        content_hash: r.get(4),
        subject: r.get(5),
        // A status this version does not know cannot be sent: invalid.
        status: r
            .get::<String, _>(6)
            .parse()
            .unwrap_or(IssueStatus::Invalid),
        send_at: r.get(7),
        errors: r.get(8),
        warning: r.get(9),
        started_at: r.get(10),
        sent_at: r.get(11),
        hold: Hold::parse(&r.get::<String, _>(14)),
        plan: match (audience, agenda) {
            (Some(audience), Some(agenda)) => Some(SendPlan { audience, agenda }),
            _ => None,
        },
    }
}

fn plan_json(plan: Option<&SendPlan>) -> Result<(Option<String>, Option<String>)> {
    Ok(match plan {
        Some(p) => (
            Some(serde_json::to_string(&p.audience)?),
            Some(serde_json::to_string(&p.agenda)?),
        ),
        None => (None, None),
    })
}

impl Db {
    pub async fn issue_by_slug(&self, slug: &str) -> Result<Option<IssueRow>> {
        let sql = format!("SELECT {COLUMNS} FROM issues WHERE slug = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(from_row))
    }

    pub async fn issue_by_id(&self, id: i64) -> Result<Option<IssueRow>> {
        let sql = format!("SELECT {COLUMNS} FROM issues WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(from_row))
    }

    pub async fn list_issues(&self) -> Result<Vec<IssueRow>> {
        let sql =
            format!("SELECT {COLUMNS} FROM issues ORDER BY COALESCE(send_at, created_at), id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(from_row).collect())
    }

    /// Creates or replaces an issue that has not started sending. The `WHERE`
    /// guard makes the write a no-op if sending began in the meantime.
    pub async fn write_issue(&self, w: &IssueWrite<'_>, now: i64) -> Result<bool> {
        let (audience, agenda) = plan_json(w.plan)?;
        let done = sqlx::query(
            "INSERT INTO issues (slug, file, source, content_hash, subject, status, send_at, errors, warning, created_at, updated_at, audience, agenda)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '', $9, $9, $10, $11)
             ON CONFLICT (slug) DO UPDATE SET file = excluded.file, source = excluded.source,
                 content_hash = excluded.content_hash, subject = excluded.subject, status = excluded.status,
                 send_at = excluded.send_at, errors = excluded.errors, warning = '', updated_at = excluded.updated_at,
                 audience = excluded.audience, agenda = excluded.agenda, archive_html = NULL,
                 approved_hash = CASE WHEN issues.content_hash = excluded.content_hash
                                      THEN issues.approved_hash ELSE '' END
             WHERE issues.status NOT IN ('sending', 'sent') AND issues.hold <> 'cancelled'",
        )
        .bind(w.slug)
        .bind(w.file)
        .bind(w.source)
        .bind(w.content_hash)
        .bind(w.subject)
        .bind(w.status.as_str())
        .bind(w.send_at)
        .bind(w.errors)
        .bind(now)
        .bind(audience)
        .bind(agenda)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Stores what an older version did not: the plan of an issue taken in
    /// before it was kept in columns.
    pub async fn set_issue_plan(&self, id: i64, plan: &SendPlan) -> Result<()> {
        let (audience, agenda) = plan_json(Some(plan))?;
        sqlx::query("UPDATE issues SET audience = $1, agenda = $2 WHERE id = $3")
            .bind(audience)
            .bind(agenda)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The web version of a sent issue, compiled once.
    pub async fn archive_html(&self, id: i64) -> Result<Option<String>> {
        let row = sqlx::query("SELECT archive_html FROM issues WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.and_then(|r| r.get::<Option<String>, _>(0)))
    }

    pub async fn set_archive_html(&self, id: i64, html: &str) -> Result<()> {
        sqlx::query("UPDATE issues SET archive_html = $1 WHERE id = $2")
            .bind(html)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Remembers the text last seen of a sent issue, so an unchanged file is
    /// not taken again; the sent source stays as it was.
    pub async fn set_issue_hash(&self, id: i64, hash: &str) -> Result<()> {
        sqlx::query("UPDATE issues SET content_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn set_issue_warning(&self, id: i64, warning: &str) -> Result<()> {
        sqlx::query("UPDATE issues SET warning = $1 WHERE id = $2")
            .bind(warning)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The file was removed: an issue that has not started sending is
    /// cancelled, and with it its agenda items that were never published.
    pub async fn cancel_issue(&self, slug: &str, now: i64) -> Result<bool> {
        let row = sqlx::query(
            "UPDATE issues SET status = 'cancelled', updated_at = $1
             WHERE slug = $2 AND status IN ('draft', 'awaiting_approval', 'scheduled', 'invalid')
             RETURNING id",
        )
        .bind(now)
        .bind(slug)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(false);
        };
        self.sync_agenda(row.get(0), &Segments::default(), &[], false, now)
            .await?;
        Ok(true)
    }

    /// Scheduled issues whose time has come.
    pub async fn due_issues(&self, now: i64) -> Result<Vec<IssueRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM issues WHERE status = 'scheduled' AND hold = '' AND send_at <= $1 ORDER BY send_at"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(now)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(from_row).collect())
    }

    /// When the scheduler should look next. A paused issue whose time has
    /// come is looked at every 2 s, and one that waits for approval past
    /// its time every 5 s: `postbode resume` and `approve` run in another
    /// process, which cannot wake this one.
    pub async fn next_send_at(&self, now: i64) -> Result<Option<i64>> {
        let row = sqlx::query(
            "SELECT MIN(CASE WHEN send_at > $1 THEN send_at
                             WHEN status = 'awaiting_approval' THEN $1 + 5
                             WHEN hold = '' THEN send_at ELSE $1 + 2 END)
             FROM issues WHERE status IN ('scheduled', 'awaiting_approval')",
        )
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.get(0))
    }

    /// Moves an issue from `scheduled` to `sending` and queues one ledger row per
    /// recipient of `plan`, in one transaction. Recipients are selected by the
    /// database (`INSERT … SELECT`), so memory does not grow with the list.
    /// Returns None when another process (or an edit) got there first.
    pub async fn start_sending(
        &self,
        issue_id: i64,
        plan: &SendPlan,
        now: i64,
    ) -> Result<Option<u64>> {
        let audience = &plan.audience;
        let mut tx = self.begin_write().await?;
        let claimed = sqlx::query(
            "UPDATE issues SET status = 'sending', started_at = $1, updated_at = $1 WHERE id = $2 AND status = 'scheduled'",
        )
        .bind(now)
        .bind(issue_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if claimed == 0 {
            return Ok(None);
        }
        let filter = segment_filter(audience, 3);
        let sql = format!(
            "INSERT INTO deliveries (issue_id, subscriber_id, state, next_attempt_at, updated_at)
             SELECT $1, s.id, 'queued', $2, $2 FROM subscribers s WHERE s.status = 'active'{filter}
             ON CONFLICT (issue_id, subscriber_id) DO NOTHING"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(issue_id)
            .bind(now);
        for slug in audience.all() {
            q = q.bind(slug.as_str());
        }
        let queued = q.execute(&mut *tx).await?.rows_affected();
        // The issue's agenda is now public: its reminders may go out.
        for item in &plan.agenda {
            sqlx::query("UPDATE agenda_items SET published = 1 WHERE uid = $1")
                .bind(item.id.as_str())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(Some(queued))
    }

    /// Issues in `sending` with nothing left to do become `sent`.
    pub async fn finish_sent_issues(&self, now: i64) -> Result<Vec<String>> {
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query(
            "UPDATE issues SET status = 'sent', sent_at = $1, updated_at = $1
             WHERE status = 'sending' AND NOT EXISTS (
                 SELECT 1 FROM deliveries d WHERE d.issue_id = issues.id AND d.state IN ('queued', 'claimed', 'sending'))
             RETURNING slug",
        )
        .bind(now)
        .fetch_all(&mut *tx)
        .await?;
        let slugs: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
        for slug in &slugs {
            let d = super::events::data([("issue", slug.as_str().into())]);
            let kind = crate::domain::event::EventKind::IssueSent;
            super::events::record_event(&mut tx, &self.webhooks, kind, None, d, now).await?;
        }
        tx.commit().await?;
        Ok(slugs)
    }
}

impl Db {
    /// A scheduled issue that can no longer be sent as stored (e.g. the
    /// configuration lost one of its slugs) becomes invalid with the reason.
    pub async fn mark_issue_invalid(&self, id: i64, errors: &str, now: i64) -> Result<()> {
        sqlx::query(
            "UPDATE issues SET status = 'invalid', errors = $1, updated_at = $2 WHERE id = $3 AND status = 'scheduled'",
        )
        .bind(errors)
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Up to `limit` sent issues after the newest `skip`, newest first: a
    /// page of the web archive, or the feed.
    pub async fn sent_issues(&self, limit: i64, skip: i64) -> Result<Vec<IssueRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM issues WHERE status IN ('sending', 'sent')
             ORDER BY started_at DESC, id DESC LIMIT $1 OFFSET $2"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(limit)
            .bind(skip)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(from_row).collect())
    }

    pub async fn count_sent_issues(&self) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) FROM issues WHERE status IN ('sending', 'sent')")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.get(0))
    }
}
