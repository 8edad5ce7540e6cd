//! The sign-up form's storage: throttling of confirmation mails, sign-ups of
//! known addresses held apart until confirmed, and the purge of what was
//! never confirmed.

use anyhow::Result;
use sqlx::Row;

use super::Db;
use super::events::{data, record_event};
use super::subscribers::{Consent, NewSubscriber, record_consent, replace_segments};
use crate::domain::event::EventKind;
use crate::domain::segments::Segments;
use crate::domain::subscriber::ConsentEvent;

/// What a purge removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Purged {
    /// Subscribers who signed up and never confirmed.
    pub subscribers: u64,
    /// Held sign-ups of known addresses never confirmed.
    pub requests: u64,
}

impl Db {
    /// Claims the right to send one mail from the web pages (confirmation,
    /// preferences or data link) to a subscriber: true at most once per
    /// `window_secs`, also when several requests race, because the check and
    /// the update are one statement.
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

    /// How many subscribers were sent a mail from the web pages (a
    /// confirmation, preferences or data link) since `since`: the measure of
    /// the hourly cap, shared by every process on the database.
    pub async fn web_mails_since(&self, since: i64) -> Result<u64> {
        let n: i64 =
            sqlx::query("SELECT COUNT(*) FROM subscribers WHERE confirmation_sent_at > $1")
                .bind(since)
                .fetch_one(&self.pool)
                .await?
                .get(0);
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Holds a sign-up of the known subscriber `id` apart from the record,
    /// replacing an earlier held one; returns the request's id, which the
    /// confirmation link carries.
    pub async fn hold_signup(&self, id: i64, s: &NewSubscriber, now: i64) -> Result<i64> {
        let c = &s.fields.choices;
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM signup_requests WHERE subscriber_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let request: i64 = sqlx::query(
            "INSERT INTO signup_requests (subscriber_id, name, language, reminders, segments, consent_text, source, ip, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(id)
        .bind(c.name.as_str())
        .bind(c.language.as_str())
        .bind(i64::from(c.reminders))
        .bind(serde_json::to_string(&c.segments)?)
        .bind(&s.consent.text)
        .bind(&s.consent.source)
        .bind(&s.consent.ip)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?
        .get(0);
        tx.commit().await?;
        Ok(request)
    }

    /// True while the held sign-up `request` of `subscriber` waits to be
    /// confirmed (not yet confirmed, replaced or purged).
    pub async fn signup_waits(&self, request: i64, subscriber: i64) -> Result<bool> {
        let row = sqlx::query("SELECT 1 FROM signup_requests WHERE id = $1 AND subscriber_id = $2")
            .bind(request)
            .bind(subscriber)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    /// The person confirmed a held sign-up: its choices replace the record's,
    /// the subscriber is active again, and the history gains the sign-up (as
    /// made) and its confirmation. The request is used up. False when it is
    /// gone or belongs to someone else, or the address is suppressed meanwhile.
    pub async fn confirm_signup_request(
        &self,
        request: i64,
        subscriber: i64,
        ip: &str,
        now: i64,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let Some(r) = sqlx::query(
            "SELECT name, language, reminders, segments, consent_text, source, ip, created_at
             FROM signup_requests WHERE id = $1 AND subscriber_id = $2",
        )
        .bind(request)
        .bind(subscriber)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(false);
        };
        let changed = sqlx::query(
            "UPDATE subscribers SET status = 'active', name = $1, language = $2, reminders = $3,
                    confirmed_at = $4, unsubscribed_at = NULL, updated_at = $4
             WHERE id = $5 AND status IN ('unsubscribed', 'pending', 'active')",
        )
        .bind(r.get::<String, _>(0))
        .bind(r.get::<String, _>(1))
        .bind(r.get::<i64, _>(2))
        .bind(now)
        .bind(subscriber)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if changed {
            let segments: Segments = serde_json::from_str(&r.get::<String, _>(3))?;
            replace_segments(&mut tx, subscriber, &segments).await?;
            let asked = Consent {
                event: ConsentEvent::Subscribed,
                text: r.get(4),
                source: r.get(5),
                ip: r.get(6),
            };
            record_consent(&mut tx, subscriber, &asked, r.get(7)).await?;
            let mut confirmed = Consent::new(ConsentEvent::Confirmed, "confirmation link");
            confirmed.ip = ip.to_string();
            record_consent(&mut tx, subscriber, &confirmed, now).await?;
            let d = data([("source", confirmed.source.as_str().into())]);
            let kind = EventKind::Confirmed;
            record_event(&mut tx, &self.webhooks, kind, Some(subscriber), d, now).await?;
        }
        sqlx::query("DELETE FROM signup_requests WHERE id = $1")
            .bind(request)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(changed)
    }

    /// Removes what was never confirmed and made before `before`: pending
    /// subscribers who never confirmed (their consent rows go with them) and
    /// held sign-ups. A record that was ever confirmed is never removed here.
    pub async fn purge_unconfirmed(&self, before: i64) -> Result<Purged> {
        let subscribers = sqlx::query(
            "DELETE FROM subscribers WHERE status = 'pending' AND confirmed_at IS NULL AND created_at < $1",
        )
        .bind(before)
        .execute(&self.pool)
        .await?
        .rows_affected();
        let requests = sqlx::query("DELETE FROM signup_requests WHERE created_at < $1")
            .bind(before)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(Purged {
            subscribers,
            requests,
        })
    }
}
