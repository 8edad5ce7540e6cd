//! An address that does not exist: the subscriber is marked `bounced`, counted
//! as an unsubscribe from source `bounce`, and the address goes on the
//! suppression list, so it is never mailed again (SPEC §9).

use anyhow::Result;
use sqlx::Row;

use super::Db;
use super::privacy::suppression_hash;

impl Db {
    /// Returns false when the subscriber was not active or pending (already
    /// bounced, unsubscribed, gone).
    pub async fn hard_bounce(&self, subscriber_id: i64, code: &str, now: i64) -> Result<bool> {
        let salt = self.suppression_salt().await?;
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "UPDATE subscribers SET status = 'bounced', updated_at = $1
             WHERE id = $2 AND status IN ('active', 'pending') RETURNING email",
        )
        .bind(now)
        .bind(subscriber_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(false);
        };
        let email: String = row.get(0);
        sqlx::query(
            "INSERT INTO unsubscribes (subscriber_id, issue_id, source, reason, at) VALUES ($1, NULL, 'bounce', $2, $3)",
        )
        .bind(subscriber_id)
        .bind(code)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO suppressions (email_hash, reason, at) VALUES ($1, 'bounced', $2) ON CONFLICT DO NOTHING",
        )
        .bind(suppression_hash(&salt, &email))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        for table in ["deliveries", "agenda_deliveries"] {
            let sql = format!(
                "UPDATE {table} SET state = 'skipped', last_reply = 'address bounced', updated_at = $1
                 WHERE subscriber_id = $2 AND state = 'queued'"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(now)
                .bind(subscriber_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }
}
