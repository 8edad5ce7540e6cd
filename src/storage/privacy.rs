//! A subscriber's rights over their data: change their choices, take a copy of
//! everything kept about them, and erase it. Erasure keeps only a salted hash of
//! the address on the suppression list, so the address is never mailed again by
//! accident.

use anyhow::Result;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::Db;
use super::events::{data, erase_events, record_event};
use super::subscribers::{Consent, record_consent, replace_segments};
use crate::domain::delivery::{AgendaMailKind, DeliveryState};
use crate::domain::event::EventKind;
use crate::domain::subscriber::{Choices, ConsentEvent, Subscriber};

const SALT_KEY: &str = "suppression_salt";

/// The choices a subscriber can change in the preference centre.
#[derive(Debug, Clone)]
pub struct Preferences {
    pub choices: Choices,
    /// The weekly agenda digest.
    pub digest: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConsentRecord {
    pub event: String,
    pub text: String,
    pub source: String,
    pub ip: String,
    #[serde(serialize_with = "crate::domain::clock::as_rfc3339::serialize")]
    pub at: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeliveryRecord {
    pub issue: String,
    pub subject: String,
    pub state: DeliveryState,
    #[serde(serialize_with = "crate::domain::clock::as_rfc3339::serialize")]
    pub at: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct AgendaMailRecord {
    /// The agenda item's id, or `digest`.
    pub item: String,
    pub kind: AgendaMailKind,
    pub state: DeliveryState,
    #[serde(serialize_with = "crate::domain::clock::as_rfc3339::serialize")]
    pub at: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct BounceRecord {
    /// issues | agenda
    pub ledger: String,
    pub kind: String,
    pub status: String,
    pub diagnostic: String,
    #[serde(serialize_with = "crate::domain::clock::as_rfc3339::serialize")]
    pub at: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnsubscribeRecord {
    pub issue: Option<String>,
    pub source: String,
    pub reason: String,
    #[serde(serialize_with = "crate::domain::clock::as_rfc3339::serialize")]
    pub at: i64,
}

/// Everything kept about one person.
#[derive(Debug, Clone, Serialize)]
pub struct PersonalData {
    pub subscriber: Subscriber,
    pub consents: Vec<ConsentRecord>,
    pub deliveries: Vec<DeliveryRecord>,
    /// Reminders, updates, cancellations and digests.
    pub agenda_mails: Vec<AgendaMailRecord>,
    pub unsubscribes: Vec<UnsubscribeRecord>,
    /// Bounces and complaints the mail system reported.
    pub bounces: Vec<BounceRecord>,
}

/// What an erasure removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Erased {
    pub consents: u64,
    pub deliveries: u64,
    pub segments: u64,
    /// Unsubscribe rows kept for the statistics, no longer linked to anyone.
    pub unsubscribes_unlinked: u64,
}

impl Db {
    /// Saves new choices made in the preference centre and records the
    /// change in the consent history. False when the subscriber does not exist.
    pub async fn update_preferences(
        &self,
        id: i64,
        p: &Preferences,
        ip: &str,
        now: i64,
    ) -> Result<bool> {
        self.update_choices(id, p, "preference centre", ip, now)
            .await
    }

    /// Saves new choices, recording the change with `source` (where it was
    /// made) in the consent history. False when the subscriber does not exist.
    pub async fn update_choices(
        &self,
        id: i64,
        p: &Preferences,
        source: &str,
        ip: &str,
        now: i64,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let changed = sqlx::query(
            "UPDATE subscribers SET name = $1, reminders = $2, digest = $3, language = $4, updated_at = $5 WHERE id = $6",
        )
        .bind(p.choices.name.as_str())
        .bind(i64::from(p.choices.reminders))
        .bind(i64::from(p.digest))
        .bind(p.choices.language.as_str())
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if changed {
            let c = &p.choices;
            replace_segments(&mut tx, id, &c.segments).await?;
            let join = |l: &[crate::domain::slug::Slug]| {
                l.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",")
            };
            let text = format!(
                "workshops: {}; interests: {}; reminders: {}; digest: {}; language: {}",
                join(c.segments.workshops()),
                join(c.segments.interests()),
                if c.reminders { "yes" } else { "no" },
                if p.digest { "yes" } else { "no" },
                c.language.as_str()
            );
            let change = Consent {
                event: ConsentEvent::Changed,
                text,
                source: source.into(),
                ip: ip.to_string(),
            };
            record_consent(&mut tx, id, &change, now).await?;
            let slugs = |l: &[crate::domain::slug::Slug]| {
                serde_json::Value::from(l.iter().map(|s| s.as_str()).collect::<Vec<_>>())
            };
            let d = data([
                ("source", source.into()),
                ("workshops", slugs(c.segments.workshops())),
                ("interests", slugs(c.segments.interests())),
                ("reminders", c.reminders.into()),
                ("digest", p.digest.into()),
                ("language", c.language.as_str().into()),
            ]);
            let kind = EventKind::PreferencesChanged;
            record_event(&mut tx, &self.webhooks, kind, Some(id), d, now).await?;
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// Stores the reason given after unsubscribing on the subscriber's latest
    /// unsubscribe. False when there is no unsubscribe to attach it to.
    pub async fn set_unsubscribe_reason(&self, subscriber_id: i64, reason: &str) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE unsubscribes SET reason = $1 WHERE id = (SELECT MAX(id) FROM unsubscribes WHERE subscriber_id = $2)",
        )
        .bind(reason)
        .bind(subscriber_id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n > 0)
    }

    /// Everything kept about one subscriber, or None when unknown.
    pub async fn personal_data(&self, id: i64) -> Result<Option<PersonalData>> {
        let Some(subscriber) = self.subscriber_by_id(id).await? else {
            return Ok(None);
        };
        let consents = sqlx::query(
            "SELECT event, text, source, ip, at FROM consents WHERE subscriber_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| ConsentRecord {
            event: r.get(0),
            text: r.get(1),
            source: r.get(2),
            ip: r.get(3),
            at: r.get(4),
        })
        .collect();
        let deliveries = sqlx::query(
            "SELECT i.slug, i.subject, d.state, d.updated_at FROM deliveries d JOIN issues i ON i.id = d.issue_id
             WHERE d.subscriber_id = $1 ORDER BY d.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .filter_map(|r| {
            Some(DeliveryRecord {
                issue: r.get(0),
                subject: r.get(1),
                state: r.get::<String, _>(2).parse().ok()?,
                at: r.get(3),
            })
        })
        .collect();
        let agenda_mails = sqlx::query(
            "SELECT COALESCE(a.uid, 'digest'), d.kind, d.state, d.updated_at FROM agenda_deliveries d
             LEFT JOIN agenda_items a ON a.id = d.item_id WHERE d.subscriber_id = $1 ORDER BY d.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .filter_map(|r| {
            Some(AgendaMailRecord {
                item: r.get(0),
                kind: r.get::<String, _>(1).parse().ok()?,
                state: r.get::<String, _>(2).parse().ok()?,
                at: r.get(3),
            })
        })
        .collect();
        let unsubscribes = sqlx::query(
            "SELECT i.slug, u.source, u.reason, u.at FROM unsubscribes u LEFT JOIN issues i ON i.id = u.issue_id
             WHERE u.subscriber_id = $1 ORDER BY u.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| UnsubscribeRecord {
            issue: r.get(0),
            source: r.get(1),
            reason: r.get(2),
            at: r.get(3),
        })
        .collect();
        let bounces = sqlx::query(
            "SELECT ledger, kind, status, diagnostic, at FROM bounces WHERE subscriber_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| BounceRecord {
            ledger: r.get(0),
            kind: r.get(1),
            status: r.get(2),
            diagnostic: r.get(3),
            at: r.get(4),
        })
        .collect();
        Ok(Some(PersonalData {
            subscriber,
            consents,
            deliveries,
            agenda_mails,
            unsubscribes,
            bounces,
        }))
    }

    /// Erases a subscriber with their segments, consent history and deliveries;
    /// their unsubscribe rows stay for the statistics without a link to them. The
    /// address goes on the suppression list as a salted hash. None when unknown.
    pub async fn erase_subscriber(&self, id: i64, now: i64) -> Result<Option<Erased>> {
        let salt = self.suppression_salt().await?;
        let mut tx = self.begin_write().await?;
        let Some(row) = sqlx::query("SELECT email FROM subscribers WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(None);
        };
        let email: String = row.get(0);
        let count = |table: &'static str, column: &'static str| {
            format!("SELECT COUNT(*) FROM {table} WHERE {column} = $1")
        };
        let mut erased = Erased::default();
        for (table, slot) in [
            ("consents", &mut erased.consents),
            ("deliveries", &mut erased.deliveries),
            ("subscriber_segments", &mut erased.segments),
            ("unsubscribes", &mut erased.unsubscribes_unlinked),
        ] {
            let n: i64 = sqlx::query(sqlx::AssertSqlSafe(count(table, "subscriber_id")))
                .bind(id)
                .fetch_one(&mut *tx)
                .await?
                .get(0);
            *slot = u64::try_from(n).unwrap_or(0);
        }
        erase_events(&mut tx, id).await?;
        // The schema cascades, but explicit deletes do not depend on the
        // database enforcing foreign keys.
        for sql in [
            "DELETE FROM consents WHERE subscriber_id = $1",
            "DELETE FROM deliveries WHERE subscriber_id = $1",
            "DELETE FROM agenda_deliveries WHERE subscriber_id = $1",
            "DELETE FROM bounces WHERE subscriber_id = $1",
            "DELETE FROM subscriber_segments WHERE subscriber_id = $1",
            "DELETE FROM signup_requests WHERE subscriber_id = $1",
            "UPDATE unsubscribes SET subscriber_id = NULL WHERE subscriber_id = $1",
            "DELETE FROM subscribers WHERE id = $1",
        ] {
            sqlx::query(sql).bind(id).execute(&mut *tx).await?;
        }
        sqlx::query(
            "INSERT INTO suppressions (email_hash, reason, at) VALUES ($1, 'erased', $2) ON CONFLICT DO NOTHING",
        )
        .bind(suppression_hash(&salt, &email))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(erased))
    }

    /// True when the address is on the suppression list (erased, or suppressed otherwise).
    pub async fn is_suppressed(
        &self,
        email: &crate::domain::email::SubscriberEmail,
    ) -> Result<bool> {
        let salt = self.suppression_salt().await?;
        let row = sqlx::query("SELECT 1 FROM suppressions WHERE email_hash = $1")
            .bind(suppression_hash(&salt, email.as_str()))
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    /// The salt of the suppression hashes, made on first use. Every process
    /// reads back the one value that won the insert.
    pub async fn suppression_salt(&self) -> Result<String> {
        let fresh = hex::encode(rand::random::<[u8; 32]>());
        sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(SALT_KEY)
            .bind(fresh)
            .execute(&self.pool)
            .await?;
        let row = sqlx::query("SELECT value FROM settings WHERE key = $1")
            .bind(SALT_KEY)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.get(0))
    }
}

/// hex(sha256(salt || lower(email))).
pub fn suppression_hash(salt: &str, email: &str) -> String {
    let mut h = Sha256::new();
    h.update(salt.as_bytes());
    h.update(email.trim().to_lowercase().as_bytes());
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_ignores_case_and_depends_on_the_salt() {
        let a = suppression_hash("s1", "Anouk@Example.nl");
        assert_eq!(a, suppression_hash("s1", "anouk@example.nl"));
        assert_ne!(a, suppression_hash("s2", "anouk@example.nl"));
        assert_eq!(a.len(), 64);
    }
}
