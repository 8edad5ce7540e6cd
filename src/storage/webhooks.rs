//! The webhook sender's queue: pending deliveries in id order, and what
//! became of each attempt. States: `pending`, `delivered`, `failed`.

use anyhow::Result;
use sqlx::Row;

use super::Db;

/// One delivery to make, with its event.
#[derive(Debug, Clone)]
pub struct PendingHook {
    pub id: i64,
    pub webhook: String,
    pub uuid: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub kind: String,
    pub subscriber_id: Option<i64>,
    /// The event's data as JSON text.
    pub data: String,
    pub occurred_at: i64,
}

impl Db {
    /// Up to `limit` pending deliveries, oldest first: the order events
    /// happened in, which the sender keeps per webhook and subscriber.
    pub async fn pending_webhook_deliveries(&self, limit: i64) -> Result<Vec<PendingHook>> {
        let rows = sqlx::query(
            "SELECT d.id, d.webhook, d.uuid, d.attempts, d.next_attempt_at, e.kind, e.subscriber_id, e.payload, e.created_at
             FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
             WHERE d.state = 'pending' ORDER BY d.id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| PendingHook {
                id: r.get(0),
                webhook: r.get(1),
                uuid: r.get(2),
                attempts: r.get(3),
                next_attempt_at: r.get(4),
                kind: r.get(5),
                subscriber_id: r.get(6),
                data: r.get(7),
                occurred_at: r.get(8),
            })
            .collect())
    }

    pub async fn webhook_delivered(&self, id: i64, now: i64) -> Result<()> {
        self.webhook_outcome(id, "delivered", "", None, now).await
    }

    /// A failed attempt, tried again at `next`.
    pub async fn webhook_retry(&self, id: i64, error: &str, next: i64, now: i64) -> Result<()> {
        self.webhook_outcome(id, "pending", error, Some(next), now)
            .await
    }

    /// Given up: too old, or its webhook is no longer configured.
    pub async fn webhook_failed(&self, id: i64, error: &str, now: i64) -> Result<()> {
        self.webhook_outcome(id, "failed", error, None, now).await
    }

    async fn webhook_outcome(
        &self,
        id: i64,
        state: &str,
        error: &str,
        next: Option<i64>,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE webhook_deliveries SET state = $1, attempts = attempts + 1, last_error = $2,
                    next_attempt_at = COALESCE($3, next_attempt_at), updated_at = $4
             WHERE id = $5 AND state = 'pending'",
        )
        .bind(state)
        .bind(error)
        .bind(next)
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Deliveries per (webhook, state), for `/metrics`.
    pub async fn webhook_counts(&self) -> Result<Vec<(String, String, i64)>> {
        let rows = sqlx::query(
            "SELECT webhook, state, COUNT(*) FROM webhook_deliveries GROUP BY webhook, state ORDER BY webhook, state",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect())
    }

    /// Removes events made before `before` that no webhook still has to
    /// receive: their data (addresses) is kept no longer than needed.
    pub async fn forget_webhook_events(&self, before: i64) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        let done = "SELECT id FROM webhook_events e WHERE e.created_at < $1 AND NOT EXISTS (
                SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id AND d.state = 'pending')";
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM webhook_deliveries WHERE event_id IN ({done})"
        )))
        .bind(before)
        .execute(&mut *tx)
        .await?;
        let n = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM webhook_events WHERE id IN ({done})"
        )))
        .bind(before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(n)
    }
}
