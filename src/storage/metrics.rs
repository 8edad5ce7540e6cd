//! What `/metrics` reads from the database at each scrape: messages per
//! ledger and state, how many are due now and how long the oldest of them
//! has waited. One small grouped query per table, on the `(state,
//! next_attempt_at)` indexes.

use anyhow::Result;
use sqlx::Row;

use super::Db;

/// The sender's queue at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueNow {
    /// Messages per (`issues`|`agenda`, state).
    pub by_state: Vec<(&'static str, String, i64)>,
    /// Queued messages whose time has come.
    pub due: i64,
    /// Seconds the longest-waiting due message has waited; 0 when none.
    pub oldest_due_secs: i64,
}

impl Db {
    pub async fn queue_now(&self, now: i64) -> Result<QueueNow> {
        let mut q = QueueNow::default();
        for (ledger, table) in [("issues", "deliveries"), ("agenda", "agenda_deliveries")] {
            let sql = format!("SELECT state, COUNT(*) FROM {table} GROUP BY state ORDER BY state");
            for r in sqlx::query(sqlx::AssertSqlSafe(sql))
                .fetch_all(&self.pool)
                .await?
            {
                q.by_state.push((ledger, r.get(0), r.get(1)));
            }
            let sql = format!(
                "SELECT COUNT(*), MIN(next_attempt_at) FROM {table}
                 WHERE state = 'queued' AND next_attempt_at <= $1"
            );
            let r = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(now)
                .fetch_one(&self.pool)
                .await?;
            q.due += r.get::<i64, _>(0);
            if let Some(since) = r.get::<Option<i64>, _>(1) {
                q.oldest_due_secs = q.oldest_due_secs.max(now - since);
            }
        }
        Ok(q)
    }
}
