//! What the operator must look at, kept for `postbode status`.

use anyhow::Result;
use serde::Serialize;
use sqlx::Row;

use super::Db;

/// How many alerts are kept; older ones are dropped as new ones come.
const KEPT: i64 = 200;

#[derive(Debug, Clone, Serialize)]
pub struct Alert {
    #[serde(serialize_with = "crate::domain::clock::as_rfc3339::serialize")]
    pub at: i64,
    pub message: String,
}

impl Db {
    /// Records an alert (addresses must already be masked).
    pub async fn add_alert(&self, message: &str, now: i64) -> Result<()> {
        let message: String = message.chars().take(1000).collect();
        sqlx::query("INSERT INTO alerts (at, message) VALUES ($1, $2)")
            .bind(now)
            .bind(message)
            .execute(&self.pool)
            .await?;
        sqlx::query("DELETE FROM alerts WHERE id <= (SELECT MAX(id) FROM alerts) - $1")
            .bind(KEPT)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The newest alerts, newest first.
    pub async fn alerts(&self, limit: i64) -> Result<Vec<Alert>> {
        let rows = sqlx::query("SELECT at, message FROM alerts ORDER BY id DESC LIMIT $1")
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|r| Alert {
                at: r.get(0),
                message: r.get(1),
            })
            .collect())
    }
}
