//! Unsubscribe statistics: per issue and per source, so editors see which issue lost readers.

use anyhow::Result;
use serde::Serialize;
use sqlx::Row;

use super::Db;

#[derive(Debug, Clone, Serialize)]
pub struct UnsubscribeCount {
    pub issue: Option<String>,
    pub source: String,
    pub count: i64,
}

impl Db {
    pub async fn unsubscribe_counts(&self) -> Result<Vec<UnsubscribeCount>> {
        let rows = sqlx::query(
            "SELECT i.slug, u.source, COUNT(*) FROM unsubscribes u LEFT JOIN issues i ON i.id = u.issue_id
             GROUP BY i.slug, u.source ORDER BY i.slug, u.source",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| UnsubscribeCount {
                issue: r.get(0),
                source: r.get(1),
                count: r.get(2),
            })
            .collect())
    }
}
