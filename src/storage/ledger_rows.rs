//! One issue's ledger row by row, for `postbode deliveries`: who it went to,
//! how far each message got and what the server last said.

use anyhow::Result;
use sqlx::Row;

use super::Db;

/// One recipient's message of an issue, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerRow {
    pub id: i64,
    /// None when the subscriber row is gone (erased): the ledger row outlived it.
    pub email: Option<String>,
    /// As stored: a state written by a newer version is still listed.
    pub state: String,
    pub attempts: i64,
    /// The last SMTP reply (or the reason it was not sent), unredacted.
    pub last_reply: String,
    pub updated_at: i64,
}

impl Db {
    /// Up to `limit` rows of the issue's ledger with an id above `after`, in
    /// id order: the caller pages through a ledger of any size with the last
    /// id it saw, without holding it all.
    pub async fn ledger_page(
        &self,
        issue_id: i64,
        after: i64,
        limit: i64,
    ) -> Result<Vec<LedgerRow>> {
        let rows = sqlx::query(
            "SELECT d.id, s.email, d.state, d.attempts, d.last_reply, d.updated_at
             FROM deliveries d LEFT JOIN subscribers s ON s.id = d.subscriber_id
             WHERE d.issue_id = $1 AND d.id > $2 ORDER BY d.id LIMIT $3",
        )
        .bind(issue_id)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| LedgerRow {
                id: r.get(0),
                email: r.get(1),
                state: r.get(2),
                attempts: r.get(3),
                last_reply: r.get(4),
                updated_at: r.get(5),
            })
            .collect())
    }
}
