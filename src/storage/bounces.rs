//! Bounces and complaints as stored: the ledger row a report is about, the
//! `bounces` history, and taking an address off the list (status, suppression,
//! unsubscribe record) in the caller's transaction.

use anyhow::Result;
use sqlx::{Any, Row, Transaction};
use std::collections::BTreeMap;

use super::Db;
use super::deliveries::{Ledger, skip_queued};
use super::privacy::suppression_hash;
use super::subscribers::{Consent, record_consent};
use crate::domain::reply::BounceKind;
use crate::domain::subscriber::{ConsentEvent, Status, UnsubscribeSource};

/// The ledger row of a message that was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SentMessage {
    pub ledger: Ledger,
    pub row_id: i64,
    pub subscriber_id: i64,
    /// The issue, for an issue delivery.
    pub issue_id: Option<i64>,
}

/// One bounce event to record.
#[derive(Debug, Clone)]
pub struct BounceRecord<'a> {
    pub message: SentMessage,
    pub kind: BounceKind,
    pub status: &'a str,
    pub diagnostic: &'a str,
}

/// Taking a subscriber off the list.
#[derive(Debug, Clone)]
pub struct Suppress<'a> {
    pub message: SentMessage,
    /// The new status (bounced or complained), also the suppression's reason.
    pub status: Status,
    pub source: UnsubscribeSource,
    /// From [`Db::suppression_salt`], read before the transaction began.
    pub salt: &'a str,
}

impl Db {
    /// The row `row_id` of `ledger`, if it still exists.
    pub async fn sent_message(&self, ledger: Ledger, row_id: i64) -> Result<Option<SentMessage>> {
        let issue = match ledger {
            Ledger::Issues => "issue_id",
            Ledger::Agenda => "CAST(NULL AS BIGINT)",
        };
        let sql = format!(
            "SELECT subscriber_id, {issue} FROM {} WHERE id = $1",
            ledger.table()
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(row_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| SentMessage {
            ledger,
            row_id,
            subscriber_id: r.get(0),
            issue_id: r.get(1),
        }))
    }

    /// The ledger row whose message had `message_id` (with or without `<>`).
    pub async fn sent_message_by_id(&self, message_id: &str) -> Result<Option<SentMessage>> {
        let bare = message_id
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>');
        if bare.is_empty() {
            return Ok(None);
        }
        for ledger in Ledger::ALL {
            let sql = format!(
                "SELECT id FROM {} WHERE message_id = $1 ORDER BY id LIMIT 1",
                ledger.table()
            );
            let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(format!("<{bare}>"))
                .fetch_optional(&self.pool)
                .await?;
            if let Some(r) = row {
                return self.sent_message(ledger, r.get(0)).await;
            }
        }
        Ok(None)
    }

    /// How many bounces of each kind were recorded.
    pub async fn bounce_counts(&self) -> Result<BTreeMap<String, i64>> {
        let rows = sqlx::query("SELECT kind, COUNT(*) FROM bounces GROUP BY kind ORDER BY kind")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }
}

pub async fn insert_bounce(
    tx: &mut Transaction<'static, Any>,
    b: &BounceRecord<'_>,
    now: i64,
) -> Result<()> {
    let diagnostic: String = b.diagnostic.chars().take(500).collect();
    sqlx::query(
        "INSERT INTO bounces (subscriber_id, ledger, row_id, kind, status, diagnostic, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(b.message.subscriber_id)
    .bind(b.message.ledger.name())
    .bind(b.message.row_id)
    .bind(b.kind.as_str())
    .bind(b.status)
    .bind(diagnostic)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// How many different messages to `subscriber_id` bounced softly since `since`.
pub async fn soft_bounced_messages(
    tx: &mut Transaction<'static, Any>,
    subscriber_id: i64,
    since: i64,
) -> Result<i64> {
    let row = sqlx::query(
        "SELECT COUNT(*) FROM (SELECT DISTINCT ledger, row_id FROM bounces
         WHERE subscriber_id = $1 AND kind = 'soft' AND at >= $2) m",
    )
    .bind(subscriber_id)
    .bind(since)
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.get(0))
}

/// Puts the address on the suppression list and, when the subscriber was
/// still subscribed (active or pending), sets the new status, records the
/// unsubscribe and drops their queued mail. Returns the status before.
pub async fn suppress(
    tx: &mut Transaction<'static, Any>,
    s: &Suppress<'_>,
    now: i64,
) -> Result<Option<Status>> {
    let id = s.message.subscriber_id;
    let Some(row) = sqlx::query("SELECT email, status FROM subscribers WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
    else {
        return Ok(None);
    };
    let email: String = row.get(0);
    let before: Status = row
        .get::<String, _>(1)
        .parse()
        .unwrap_or(Status::Unsubscribed);
    sqlx::query(
        "INSERT INTO suppressions (email_hash, reason, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(suppression_hash(s.salt, &email))
    .bind(s.status.as_str())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    if !before.is_subscribed() {
        return Ok(Some(before));
    }
    sqlx::query(
        "UPDATE subscribers SET status = $1, unsubscribed_at = $2, updated_at = $2 WHERE id = $3",
    )
    .bind(s.status.as_str())
    .bind(now)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO unsubscribes (subscriber_id, issue_id, source, at) VALUES ($1, $2, $3, $4)",
    )
    .bind(id)
    .bind(s.message.issue_id)
    .bind(s.source.as_str())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    if s.source == UnsubscribeSource::Complaint {
        // Marking mail as spam is the strongest way to withdraw consent.
        let withdrawn = Consent::new(ConsentEvent::Withdrawn, s.source.as_str());
        record_consent(tx, id, &withdrawn, now).await?;
    }
    skip_queued(tx, id, s.status.as_str(), now).await?;
    Ok(Some(before))
}
