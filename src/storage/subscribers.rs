//! Subscribers, their segments and their consent history.

use anyhow::Result;
use serde::Serialize;
use sqlx::{Any, Row, Transaction};
use std::collections::HashMap;

use super::{Db, placeholders};
use crate::domain::email::SubscriberEmail;
use crate::domain::subscriber::{Language, Recipient, Segments, Status};

/// A subscriber to be created, with the consent that goes with it.
#[derive(Debug, Clone)]
pub struct NewSubscriber {
    pub email: SubscriberEmail,
    pub name: String,
    pub segments: Segments,
    pub reminders: bool,
    pub language: Language,
    pub status: Status,
    pub consent: Consent,
}

#[derive(Debug, Clone, Default)]
pub struct Consent {
    /// subscribed | imported | confirmed | withdrawn
    pub event: String,
    pub text: String,
    pub source: String,
    pub ip: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SubscriberRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub status: String,
    pub language: String,
    pub reminders: bool,
    /// Chose the weekly agenda digest in the preference centre.
    pub digest: bool,
    pub workshops: Vec<String>,
    pub interests: Vec<String>,
    pub created_at: i64,
    pub confirmed_at: Option<i64>,
    pub unsubscribed_at: Option<i64>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Added {
    Created(i64),
    /// The address was already known; nothing changed.
    Exists(i64),
}

impl Db {
    /// Adds one subscriber (with segments and consent) in one transaction.
    pub async fn add_subscriber(&self, s: &NewSubscriber, now: i64) -> Result<Added> {
        let mut tx = self.begin_write().await?;
        let added = insert(&mut tx, s, now).await?;
        tx.commit().await?;
        Ok(added)
    }

    /// Adds many subscribers atomically: all of them or, on any error, none.
    pub async fn import_subscribers(
        &self,
        list: &[NewSubscriber],
        now: i64,
        mut progress: impl FnMut(usize),
    ) -> Result<Vec<Added>> {
        let mut tx = self.begin_write().await?;
        let mut out = Vec::with_capacity(list.len());
        for (i, s) in list.iter().enumerate() {
            out.push(insert(&mut tx, s, now).await?);
            progress(i + 1);
        }
        tx.commit().await?;
        Ok(out)
    }

    pub async fn list_subscribers(&self) -> Result<Vec<SubscriberRow>> {
        let rows = sqlx::query(
            "SELECT id, email, name, status, language, reminders, created_at, confirmed_at, unsubscribed_at, digest
             FROM subscribers ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut segs = self.segments_of(None).await?;
        Ok(rows
            .iter()
            .map(|r| row_to_subscriber(r, &mut segs))
            .collect())
    }

    pub async fn subscriber_by_id(&self, id: i64) -> Result<Option<SubscriberRow>> {
        let row = sqlx::query(
            "SELECT id, email, name, status, language, reminders, created_at, confirmed_at, unsubscribed_at, digest
             FROM subscribers WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let mut segs = self.segments_of(Some(&[id])).await?;
        Ok(Some(row_to_subscriber(&row, &mut segs)))
    }

    pub async fn subscriber_id_by_email(&self, email: &SubscriberEmail) -> Result<Option<i64>> {
        let row = sqlx::query("SELECT id FROM subscribers WHERE email_key = $1")
            .bind(email.as_str().to_lowercase())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.get::<i64, _>(0)))
    }

    /// Recipients for sending, in the order of `ids`' first appearance.
    pub async fn recipients(&self, ids: &[i64]) -> Result<HashMap<i64, Recipient>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "SELECT id, email, name, language FROM subscribers WHERE id IN ({})",
            placeholders(1, ids.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in ids {
            q = q.bind(*id);
        }
        let rows = q.fetch_all(&self.pool).await?;
        let mut segs = self.segments_of(Some(ids)).await?;
        Ok(rows
            .iter()
            .map(|r| {
                let id: i64 = r.get(0);
                let recipient = Recipient {
                    id,
                    email: r.get(1),
                    name: r.get(2),
                    language: r.get::<String, _>(3).parse().unwrap_or_default(),
                    segments: segs.remove(&id).unwrap_or_default(),
                };
                (id, recipient)
            })
            .collect())
    }

    async fn segments_of(&self, ids: Option<&[i64]>) -> Result<HashMap<i64, Segments>> {
        let rows = match ids {
            None => {
                sqlx::query(
                    "SELECT subscriber_id, kind, slug FROM subscriber_segments ORDER BY slug",
                )
                .fetch_all(&self.pool)
                .await?
            }
            Some(ids) => {
                let sql = format!(
                    "SELECT subscriber_id, kind, slug FROM subscriber_segments WHERE subscriber_id IN ({}) ORDER BY slug",
                    placeholders(1, ids.len())
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for id in ids {
                    q = q.bind(*id);
                }
                q.fetch_all(&self.pool).await?
            }
        };
        let mut out: HashMap<i64, Segments> = HashMap::new();
        for r in rows {
            let e = out.entry(r.get::<i64, _>(0)).or_default();
            let slug: String = r.get(2);
            if r.get::<String, _>(1) == "workshop" {
                e.workshops.push(slug);
            } else {
                e.interests.push(slug);
            }
        }
        Ok(out)
    }

    /// Unsubscribes at once and records where it came from. Returns false when
    /// the subscriber was not subscribed (already unsubscribed, bounced, unknown).
    pub async fn unsubscribe(
        &self,
        id: i64,
        source: &str,
        issue_id: Option<i64>,
        now: i64,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let changed = sqlx::query(
            "UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = $1, updated_at = $1
             WHERE id = $2 AND status IN ('active', 'pending')",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if changed {
            sqlx::query("INSERT INTO unsubscribes (subscriber_id, issue_id, source, at) VALUES ($1, $2, $3, $4)")
                .bind(id)
                .bind(issue_id)
                .bind(source)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            let withdrawn = Consent {
                event: "withdrawn".into(),
                source: source.into(),
                ..Consent::default()
            };
            record_consent(&mut tx, id, &withdrawn, now).await?;
            super::deliveries::skip_queued(&mut tx, id, "unsubscribed", now).await?;
        }
        tx.commit().await?;
        Ok(changed)
    }

    pub async fn count_subscribers_by_status(&self) -> Result<Vec<(String, i64)>> {
        let rows =
            sqlx::query("SELECT status, COUNT(*) FROM subscribers GROUP BY status ORDER BY status")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }
}

async fn insert(tx: &mut Transaction<'static, Any>, s: &NewSubscriber, now: i64) -> Result<Added> {
    let key = s.email.as_str().to_lowercase();
    if let Some(row) = sqlx::query("SELECT id FROM subscribers WHERE email_key = $1")
        .bind(&key)
        .fetch_optional(&mut **tx)
        .await?
    {
        return Ok(Added::Exists(row.get(0)));
    }
    let confirmed_at = (s.status == Status::Active).then_some(now);
    let id: i64 = sqlx::query(
        "INSERT INTO subscribers (email, email_key, name, status, language, reminders, created_at, updated_at, confirmed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8) RETURNING id",
    )
    .bind(s.email.as_str())
    .bind(&key)
    .bind(s.name.trim())
    .bind(s.status.as_str())
    .bind(s.language.as_str())
    .bind(i64::from(s.reminders))
    .bind(now)
    .bind(confirmed_at)
    .fetch_one(&mut **tx)
    .await?
    .get(0);
    replace_segments(tx, id, &s.segments).await?;
    record_consent(tx, id, &s.consent, now).await?;
    Ok(Added::Created(id))
}

/// Sets what a subscriber follows to `segments` (in the caller's transaction).
pub(super) async fn replace_segments(
    tx: &mut Transaction<'static, Any>,
    id: i64,
    segments: &Segments,
) -> Result<()> {
    sqlx::query("DELETE FROM subscriber_segments WHERE subscriber_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    for (kind, list) in [
        ("workshop", &segments.workshops),
        ("interest", &segments.interests),
    ] {
        for slug in list {
            sqlx::query(
                "INSERT INTO subscriber_segments (subscriber_id, kind, slug) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(kind)
            .bind(slug)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

/// One line of a subscriber's consent history.
pub(super) async fn record_consent(
    tx: &mut Transaction<'static, Any>,
    id: i64,
    c: &Consent,
    now: i64,
) -> Result<()> {
    sqlx::query("INSERT INTO consents (subscriber_id, event, text, source, ip, at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(id)
        .bind(&c.event)
        .bind(&c.text)
        .bind(&c.source)
        .bind(&c.ip)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn row_to_subscriber(r: &sqlx::any::AnyRow, segs: &mut HashMap<i64, Segments>) -> SubscriberRow {
    let id: i64 = r.get(0);
    let seg = segs.remove(&id).unwrap_or_default();
    SubscriberRow {
        id,
        email: r.get(1),
        name: r.get(2),
        status: r.get(3),
        language: r.get(4),
        reminders: r.get::<i64, _>(5) != 0,
        digest: r.get::<i64, _>(9) != 0,
        workshops: seg.workshops,
        interests: seg.interests,
        created_at: r.get(6),
        confirmed_at: r.get(7),
        unsubscribed_at: r.get(8),
    }
}

impl Db {
    /// Double opt-in: a pending subscriber becomes active; the time and IP are
    /// kept as proof. False when there was nothing to confirm.
    pub async fn confirm_subscriber(&self, id: i64, ip: &str, now: i64) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let changed = sqlx::query(
            "UPDATE subscribers SET status = 'active', confirmed_at = $1, updated_at = $1 WHERE id = $2 AND status = 'pending'",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if changed {
            let confirmed = Consent {
                event: "confirmed".into(),
                source: "confirmation link".into(),
                ip: ip.into(),
                ..Consent::default()
            };
            record_consent(&mut tx, id, &confirmed, now).await?;
        }
        tx.commit().await?;
        Ok(changed)
    }
}
