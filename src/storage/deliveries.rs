//! The delivery ledger. A row moves queued → claimed → sending → sent | failed,
//! or back to queued for a retry. `sending` is written before the message is
//! handed to the SMTP server, so a crash leaves an honest trace: such rows become
//! `unknown` at the next start and are never resent automatically.

use anyhow::Result;
use serde::Serialize;
use sqlx::Row;

use super::Db;
use super::holds::held_check;
pub use crate::domain::delivery::Ledger;
use crate::domain::delivery::{DeliveryState, MailKind};

#[derive(Debug, Clone)]
pub struct Claimed {
    pub ledger: Ledger,
    pub id: i64,
    /// The issue (issue ledger) or the agenda item (agenda ledger; 0 for a digest).
    pub topic_id: i64,
    pub subscriber_id: i64,
    pub attempts: i64,
    pub kind: MailKind,
    /// The agenda mail's slot (offset, update-N, cancel-N, digest-<date>).
    pub slot: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct StateCount {
    pub issue: String,
    pub state: DeliveryState,
    pub count: i64,
}

/// After a crash or restart: rows claimed but not yet sent go back to the queue;
/// rows that were being sent are `unknown` (the server may or may not have them).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Recovered {
    pub requeued: u64,
    pub unknown: u64,
}

/// Drops the subscriber's mail that is still queued in both ledgers (it is
/// recorded `skipped` with `why`): part of unsubscribing or suppressing. The
/// sender also re-checks the status right before each message.
pub(super) async fn skip_queued(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    subscriber_id: i64,
    why: &str,
    now: i64,
) -> Result<()> {
    for ledger in Ledger::ALL {
        let sql = format!(
            "UPDATE {} SET state = 'skipped', last_reply = $1, updated_at = $2
             WHERE subscriber_id = $3 AND state = 'queued'",
            ledger.table()
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(why)
            .bind(now)
            .bind(subscriber_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

impl Db {
    /// Claims up to `limit` due rows of `ledger` for this process.
    pub async fn claim_deliveries(
        &self,
        ledger: Ledger,
        limit: i64,
        now: i64,
        process: i64,
    ) -> Result<Vec<Claimed>> {
        // A paused or cancelled issue's rows stay where they are: the hold is
        // read in the claim itself, so it holds for every process.
        let (returning, held) = match ledger {
            Ledger::Issues => (
                "id, issue_id, subscriber_id, attempts, 'issue', ''",
                " AND issue_id NOT IN (SELECT id FROM issues WHERE hold <> '')",
            ),
            Ledger::Agenda => ("id, item_id, subscriber_id, attempts, kind, slot", ""),
        };
        let table = ledger.table();
        let sql = format!(
            "UPDATE {table} SET state = 'claimed', claimed_at = $1, updated_at = $1, claimed_by = $3
             WHERE id IN (SELECT id FROM {table} WHERE state = 'queued' AND next_attempt_at <= $1{held} ORDER BY id LIMIT $2)
               AND state = 'queued'
             RETURNING {returning}"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(now)
            .bind(limit)
            .bind(process)
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let kind = match ledger {
                Ledger::Issues => Ok(MailKind::Issue),
                Ledger::Agenda => r.get::<String, _>(4).parse().map(MailKind::Agenda),
            };
            let id: i64 = r.get(0);
            match kind {
                Ok(kind) => out.push(Claimed {
                    ledger,
                    id,
                    topic_id: r.get(1),
                    subscriber_id: r.get(2),
                    attempts: r.get(3),
                    kind,
                    slot: r.get(5),
                }),
                // Written by a newer version, or by hand: nothing to make of it.
                Err(why) => self.mark_failed(ledger, id, &why, now).await?,
            }
        }
        out.sort_by_key(|c| c.id);
        Ok(out)
    }

    /// The last step before the message goes out: marks the row `sending` only
    /// if the subscriber is still active and its issue not held. False = do
    /// not send (unsubscribed since, or the issue was paused: then the row is
    /// queued again; or cancelled: then it already is `cancelled`).
    pub async fn mark_sending(
        &self,
        ledger: Ledger,
        id: i64,
        message_id: &str,
        now: i64,
    ) -> Result<bool> {
        let table = ledger.table();
        let sql = format!(
            "UPDATE {table} SET state = 'sending', attempts = attempts + 1, message_id = $1, updated_at = $2
             WHERE id = $3 AND state = 'claimed'
               AND EXISTS (SELECT 1 FROM subscribers s WHERE s.id = {table}.subscriber_id AND s.status = 'active'){}",
            held_check(ledger)
        );
        let done = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(message_id)
            .bind(now)
            .bind(id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            if self.release_if_paused(ledger, id, now).await? {
                return Ok(false);
            }
            let sql = format!(
                "UPDATE {table} SET state = 'skipped', last_reply = 'not active', updated_at = $1 WHERE id = $2 AND state = 'claimed'"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(now)
                .bind(id)
                .execute(&self.pool)
                .await?;
            return Ok(false);
        }
        Ok(true)
    }

    pub async fn mark_sent(&self, ledger: Ledger, id: i64, reply: &str, now: i64) -> Result<()> {
        self.finish(ledger, id, DeliveryState::Sent, reply, None, now)
            .await
    }

    /// Not sent, and never will be, for a reason that is not a failure.
    pub async fn mark_skipped(&self, ledger: Ledger, id: i64, why: &str, now: i64) -> Result<()> {
        self.finish(ledger, id, DeliveryState::Skipped, why, None, now)
            .await
    }

    pub async fn mark_failed(&self, ledger: Ledger, id: i64, reply: &str, now: i64) -> Result<()> {
        self.finish(ledger, id, DeliveryState::Failed, reply, None, now)
            .await
    }

    /// The message was handed over but no answer came: never resent automatically.
    pub async fn mark_unknown(&self, ledger: Ledger, id: i64, reply: &str, now: i64) -> Result<()> {
        self.finish(ledger, id, DeliveryState::Unknown, reply, None, now)
            .await
    }

    /// A temporary failure: back in the queue, due again at `retry_at`.
    pub async fn mark_retry(
        &self,
        ledger: Ledger,
        id: i64,
        reply: &str,
        retry_at: i64,
        now: i64,
    ) -> Result<()> {
        self.finish(
            ledger,
            id,
            DeliveryState::Queued,
            reply,
            Some(retry_at),
            now,
        )
        .await
    }

    /// A claimed row that this process will not send after all (shutdown).
    pub async fn release(&self, ledger: Ledger, id: i64, now: i64) -> Result<()> {
        let sql = format!(
            "UPDATE {} SET state = 'queued', updated_at = $1 WHERE id = $2 AND state = 'claimed'",
            ledger.table()
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(now)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn finish(
        &self,
        ledger: Ledger,
        id: i64,
        state: DeliveryState,
        reply: &str,
        retry_at: Option<i64>,
        now: i64,
    ) -> Result<()> {
        // Only a row in hand: one cancelled meanwhile stays `cancelled`.
        let reply: String = reply.chars().take(500).collect();
        let sql = format!(
            "UPDATE {} SET state = $1, last_reply = $2, next_attempt_at = COALESCE($3, next_attempt_at), updated_at = $4
             WHERE id = $5 AND state IN ('claimed', 'sending')",
            ledger.table()
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(state.as_str())
            .bind(reply)
            .bind(retry_at)
            .bind(now)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Puts back the rows held by `owner` (None: by anyone, when this is the
    /// only process, as with SQLite): `claimed` rows go back to the queue,
    /// `sending` rows become `unknown`, never resent on their own.
    pub async fn recover_deliveries(&self, owner: Option<i64>, now: i64) -> Result<Recovered> {
        let mut out = Recovered::default();
        let (filter, owner) = match owner {
            Some(o) => (" AND claimed_by = $2", o),
            None => (" AND $2 = $2", 0),
        };
        for ledger in Ledger::ALL {
            let table = ledger.table();
            let sql = format!(
                "UPDATE {table} SET state = 'queued', updated_at = $1 WHERE state = 'claimed'{filter}"
            );
            out.requeued += sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(now)
                .bind(owner)
                .execute(&self.pool)
                .await?
                .rows_affected();
            let sql = format!(
                "UPDATE {table} SET state = 'unknown', last_reply = 'interrupted while being sent', updated_at = $1
                 WHERE state = 'sending'{filter}"
            );
            out.unknown += sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(now)
                .bind(owner)
                .execute(&self.pool)
                .await?
                .rows_affected();
        }
        Ok(out)
    }

    /// The processes that hold `claimed` or `sending` rows, other than `me`.
    pub async fn row_holders(&self, me: i64) -> Result<Vec<i64>> {
        let rows = sqlx::query(
            "SELECT claimed_by FROM deliveries WHERE state IN ('claimed', 'sending') AND claimed_by <> $1
             UNION SELECT claimed_by FROM agenda_deliveries WHERE state IN ('claimed', 'sending') AND claimed_by <> $1",
        )
        .bind(me)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// Issue messages still queued `max_age` seconds after their issue started
    /// sending are given up: news that late is no news.
    pub async fn expire_issue_deliveries(&self, now: i64, max_age: i64) -> Result<u64> {
        Ok(sqlx::query(
            "UPDATE deliveries SET state = 'failed', last_reply = 'expired: not delivered in time', updated_at = $1
             WHERE state = 'queued' AND issue_id IN (SELECT id FROM issues WHERE started_at <= $2 AND hold = '')",
        )
        .bind(now)
        .bind(now - max_age)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    /// Rows recorded `unknown`, per issue slug (and `agenda mails` when no
    /// issue is given).
    pub async fn unknown_counts(&self, issue_id: Option<i64>) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT i.slug, COUNT(*) FROM deliveries d JOIN issues i ON i.id = d.issue_id
             WHERE d.state = 'unknown' AND ($1 = 0 OR d.issue_id = $1) GROUP BY i.slug ORDER BY i.slug",
        )
        .bind(issue_id.unwrap_or(0))
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<(String, i64)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
        if issue_id.is_none() {
            let n: i64 =
                sqlx::query("SELECT COUNT(*) FROM agenda_deliveries WHERE state = 'unknown'")
                    .fetch_one(&self.pool)
                    .await?
                    .get(0);
            if n > 0 {
                out.push(("agenda mails".into(), n));
            }
        }
        Ok(out)
    }

    /// The operator's decision: `unknown` rows are queued again, and their
    /// issues, if finished, go back to `sending` until they are done.
    pub async fn requeue_unknown(&self, issue_id: Option<i64>, now: i64) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        let id = issue_id.unwrap_or(0);
        sqlx::query(
            "UPDATE issues SET status = 'sending', updated_at = $1 WHERE status = 'sent'
               AND ($2 = 0 OR id = $2)
               AND id IN (SELECT issue_id FROM deliveries WHERE state = 'unknown')",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let mut queued = sqlx::query(
            "UPDATE deliveries SET state = 'queued', next_attempt_at = $1, last_reply = 'queued again by the operator', updated_at = $1
             WHERE state = 'unknown' AND ($2 = 0 OR issue_id = $2)",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if issue_id.is_none() {
            queued += sqlx::query(
                "UPDATE agenda_deliveries SET state = 'queued', next_attempt_at = $1, last_reply = 'queued again by the operator', updated_at = $1
                 WHERE state = 'unknown'",
            )
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        Ok(queued)
    }

    /// When the next queued row of either ledger becomes due, if any.
    pub async fn next_delivery_due(&self) -> Result<Option<i64>> {
        let row = sqlx::query(
            "SELECT MIN(t) FROM (SELECT MIN(next_attempt_at) AS t FROM deliveries WHERE state = 'queued'
               AND issue_id NOT IN (SELECT id FROM issues WHERE hold <> '')
             UNION ALL SELECT MIN(next_attempt_at) AS t FROM agenda_deliveries WHERE state = 'queued') due",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(row.get(0))
    }

    pub async fn delivery_counts(&self) -> Result<Vec<StateCount>> {
        let rows = sqlx::query(
            "SELECT i.slug, d.state, COUNT(*) FROM deliveries d JOIN issues i ON i.id = d.issue_id
             GROUP BY i.slug, d.state ORDER BY i.slug, d.state",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                Some(StateCount {
                    issue: r.get(0),
                    state: r.get::<String, _>(1).parse().ok()?,
                    count: r.get(2),
                })
            })
            .collect())
    }
}
