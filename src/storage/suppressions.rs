//! Lifting a suppression on purpose (`postbode subscribers unsuppress`).
//! The suppression row goes and a lift row with the operator's reason takes
//! its place, in one transaction: an address never becomes mailable without
//! a record of who decided so and why. The address itself is not stored,
//! only the salted hash the suppression kept.

use anyhow::Result;
use sqlx::Row;

use super::Db;
use super::privacy::suppression_hash;
use crate::domain::email::SubscriberEmail;

impl Db {
    /// Lifts the suppression of `email`; returns why it had been suppressed
    /// (`erased`, `bounced`, `complained`, `operator`), or None when it was
    /// not suppressed.
    pub async fn lift_suppression(
        &self,
        email: &SubscriberEmail,
        reason: &str,
        now: i64,
    ) -> Result<Option<String>> {
        let salt = self.suppression_salt().await?;
        let hash = suppression_hash(&salt, email.as_str());
        let mut tx = self.begin_write().await?;
        let Some(row) =
            sqlx::query("DELETE FROM suppressions WHERE email_hash = $1 RETURNING reason")
                .bind(&hash)
                .fetch_optional(&mut *tx)
                .await?
        else {
            return Ok(None);
        };
        let was: String = row.get(0);
        sqlx::query(
            "INSERT INTO suppression_lifts (email_hash, suppressed_for, reason, at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&hash)
        .bind(&was)
        .bind(reason)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(was))
    }
}
