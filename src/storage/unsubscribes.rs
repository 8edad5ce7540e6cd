//! Unsubscribe statistics: per issue, per source and per reason, so editors see
//! which issue lost readers and why.

use anyhow::Result;
use serde::Serialize;
use sqlx::Row;

use super::Db;

#[derive(Debug, Clone, Serialize)]
pub struct UnsubscribeCount {
    pub issue: Option<String>,
    pub source: String,
    /// The reason's category (`too-much`, `not-relevant`, `never-subscribed`,
    /// `other`); empty when none was given.
    pub reason: String,
    pub count: i64,
}

/// The category of a stored reason: `other: free text` counts as `other`.
pub fn reason_category(reason: &str) -> &str {
    reason.split(':').next().unwrap_or("").trim()
}

impl Db {
    pub async fn unsubscribe_counts(&self) -> Result<Vec<UnsubscribeCount>> {
        let rows = sqlx::query(
            "SELECT i.slug, u.source, u.reason, COUNT(*) FROM unsubscribes u LEFT JOIN issues i ON i.id = u.issue_id
             GROUP BY i.slug, u.source, u.reason ORDER BY i.slug, u.source, u.reason",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<UnsubscribeCount> = Vec::new();
        for r in &rows {
            let issue: Option<String> = r.get(0);
            let source: String = r.get(1);
            let reason: String = r.get(2);
            let count: i64 = r.get(3);
            let reason = reason_category(&reason).to_string();
            match out
                .iter_mut()
                .find(|c| c.issue == issue && c.source == source && c.reason == reason)
            {
                Some(c) => c.count += count,
                None => out.push(UnsubscribeCount {
                    issue,
                    source,
                    reason,
                    count,
                }),
            }
        }
        Ok(out)
    }
}
