//! The sign-up form's storage: throttling of confirmation mails and
//! re-subscribing an address that had unsubscribed.

use anyhow::Result;

use super::Db;
use super::subscribers::NewSubscriber;

impl Db {
    /// Claims the right to send one confirmation (or preferences) mail to a
    /// subscriber: true at most once per `window_secs`, also when several
    /// requests race, because the check and the update are one statement.
    pub async fn claim_confirmation_mail(
        &self,
        id: i64,
        now: i64,
        window_secs: i64,
    ) -> Result<bool> {
        let claimed = sqlx::query(
            "UPDATE subscribers SET confirmation_sent_at = $1
             WHERE id = $2 AND (confirmation_sent_at IS NULL OR confirmation_sent_at <= $3)",
        )
        .bind(now)
        .bind(id)
        .bind(now - window_secs)
        .execute(&self.pool)
        .await?
        .rows_affected()
            > 0;
        Ok(claimed)
    }

    /// An address that had unsubscribed signs up again: it becomes pending with
    /// the new choices and consent, and stays so until the new confirmation.
    /// False when the subscriber was not unsubscribed.
    pub async fn resubscribe(&self, id: i64, s: &NewSubscriber, now: i64) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let changed = sqlx::query(
            "UPDATE subscribers SET status = 'pending', name = $1, language = $2, reminders = $3,
                    unsubscribed_at = NULL, updated_at = $4
             WHERE id = $5 AND status = 'unsubscribed'",
        )
        .bind(s.name.trim())
        .bind(s.language.as_str())
        .bind(i64::from(s.reminders))
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if changed {
            sqlx::query("DELETE FROM subscriber_segments WHERE subscriber_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            for (kind, list) in [
                ("workshop", &s.segments.workshops),
                ("interest", &s.segments.interests),
            ] {
                for slug in list {
                    sqlx::query(
                        "INSERT INTO subscriber_segments (subscriber_id, kind, slug) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                    )
                    .bind(id)
                    .bind(kind)
                    .bind(slug)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            sqlx::query("INSERT INTO consents (subscriber_id, event, text, source, ip, at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(id)
                .bind(&s.consent.event)
                .bind(&s.consent.text)
                .bind(&s.consent.source)
                .bind(&s.consent.ip)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(changed)
    }
}
