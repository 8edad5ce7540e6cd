//! The sign-up form's storage: throttling of confirmation mails and
//! re-subscribing an address that had unsubscribed.

use anyhow::Result;

use super::Db;
use super::subscribers::NewSubscriber;
use super::subscribers::{record_consent, replace_segments};

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
        let mut tx = self.begin_write().await?;
        let changed = sqlx::query(
            "UPDATE subscribers SET status = 'pending', name = $1, language = $2, reminders = $3,
                    unsubscribed_at = NULL, updated_at = $4
             WHERE id = $5 AND status = 'unsubscribed'",
        )
        .bind(s.fields.choices.name.as_str())
        .bind(s.fields.choices.language.as_str())
        .bind(i64::from(s.fields.choices.reminders))
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if changed {
            replace_segments(&mut tx, id, &s.fields.choices.segments).await?;
            record_consent(&mut tx, id, &s.consent, now).await?;
        }
        tx.commit().await?;
        Ok(changed)
    }
}
