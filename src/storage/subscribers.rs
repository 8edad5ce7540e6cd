//! Subscribers, their segments and their consent history. Rows come back as
//! domain types: a stored value the current rules would refuse has been
//! cleaned by the upgrade (`cleanup`), and is cleaned again here if not.

use anyhow::Result;
use sqlx::{Any, Row, Transaction};
use std::collections::HashMap;

use super::events::{data, issue_slug, record_event};
use super::subscriber_rows::{stored_email, stored_name, subscriber_row};
use super::{Db, placeholders};

pub(super) use super::subscriber_rows::{COLUMNS, generation};
use crate::domain::email::SubscriberEmail;
use crate::domain::event::{EventKind, Routes};
use crate::domain::segments::{SegmentKind, Segments};
use crate::domain::slug::Slug;
use crate::domain::subscriber::{
    ConsentEvent, Recipient, Status, Subscriber, SubscriberFields, UnsubscribeSource,
};

/// A subscriber to be created, with the consent that goes with it.
#[derive(Debug, Clone)]
pub struct NewSubscriber {
    pub fields: SubscriberFields,
    pub status: Status,
    pub consent: Consent,
}

#[derive(Debug, Clone)]
pub struct Consent {
    pub event: ConsentEvent,
    pub text: String,
    pub source: String,
    pub ip: String,
}

impl Consent {
    pub fn new(event: ConsentEvent, source: &str) -> Self {
        Self {
            event,
            text: String::new(),
            source: source.to_string(),
            ip: String::new(),
        }
    }
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
        let added = insert(&mut tx, &self.webhooks, s, now).await?;
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
            out.push(insert(&mut tx, &self.webhooks, s, now).await?);
            progress(i + 1);
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Every subscriber whose row can be read, in the order they came.
    pub async fn list_subscribers(&self) -> Result<Vec<Subscriber>> {
        let sql = format!("SELECT {COLUMNS} FROM subscribers ORDER BY id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        let mut segs = self.segments_of(None).await?;
        Ok(rows
            .iter()
            .filter_map(|r| subscriber_row(r, &mut segs))
            .collect())
    }

    pub async fn subscriber_by_id(&self, id: i64) -> Result<Option<Subscriber>> {
        let sql = format!("SELECT {COLUMNS} FROM subscribers WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let mut segs = self.segments_of(Some(&[id])).await?;
        Ok(subscriber_row(&row, &mut segs))
    }

    pub async fn subscriber_id_by_email(&self, email: &SubscriberEmail) -> Result<Option<i64>> {
        let row = sqlx::query("SELECT id FROM subscribers WHERE email_key = $1")
            .bind(email.key())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.get::<i64, _>(0)))
    }

    /// Recipients for sending. A subscriber whose stored address can no
    /// longer be read is left out (the sender records why).
    pub async fn recipients(&self, ids: &[i64]) -> Result<HashMap<i64, Recipient>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "SELECT id, email, name, language, link_generation FROM subscribers WHERE id IN ({})",
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
            .filter_map(|r| {
                let id: i64 = r.get(0);
                let email = stored_email(id, &r.get::<String, _>(1))?;
                let recipient = Recipient {
                    id,
                    email,
                    name: stored_name(&r.get::<String, _>(2)),
                    language: r.get::<String, _>(3).parse().unwrap_or_default(),
                    segments: segs.remove(&id).unwrap_or_default(),
                    link_generation: generation(r.get(4)),
                };
                Some((id, recipient))
            })
            .collect())
    }

    pub(super) async fn segments_of(&self, ids: Option<&[i64]>) -> Result<HashMap<i64, Segments>> {
        let rows = match ids {
            None => {
                sqlx::query("SELECT subscriber_id, kind, slug FROM subscriber_segments")
                    .fetch_all(&self.pool)
                    .await?
            }
            Some(ids) => {
                let sql = format!(
                    "SELECT subscriber_id, kind, slug FROM subscriber_segments WHERE subscriber_id IN ({})",
                    placeholders(1, ids.len())
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for id in ids {
                    q = q.bind(*id);
                }
                q.fetch_all(&self.pool).await?
            }
        };
        let mut lists: HashMap<i64, (Vec<Slug>, Vec<Slug>)> = HashMap::new();
        for r in rows {
            let Ok(slug) = Slug::parse(&r.get::<String, _>(2)) else {
                continue;
            };
            let e = lists.entry(r.get::<i64, _>(0)).or_default();
            if r.get::<String, _>(1) == SegmentKind::Workshop.as_str() {
                e.0.push(slug);
            } else {
                e.1.push(slug);
            }
        }
        Ok(lists
            .into_iter()
            .map(|(id, (w, i))| (id, Segments::new(w, i)))
            .collect())
    }

    /// Unsubscribes at once and records where it came from. Returns false when
    /// the subscriber was not subscribed (already unsubscribed, bounced, unknown).
    pub async fn unsubscribe(
        &self,
        id: i64,
        source: UnsubscribeSource,
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
                .bind(source.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?;
            let withdrawn = Consent::new(ConsentEvent::Withdrawn, source.as_str());
            record_consent(&mut tx, id, &withdrawn, now).await?;
            super::deliveries::skip_queued(&mut tx, id, "unsubscribed", now).await?;
            let issue = issue_slug(&mut tx, issue_id).await?;
            let d = data([("source", source.as_str().into()), ("issue", issue)]);
            let kind = EventKind::Unsubscribed;
            record_event(&mut tx, &self.webhooks, kind, Some(id), d, now).await?;
        }
        tx.commit().await?;
        Ok(changed)
    }

    pub async fn count_subscribers_by_status(&self) -> Result<Vec<(Status, i64)>> {
        let rows =
            sqlx::query("SELECT status, COUNT(*) FROM subscribers GROUP BY status ORDER BY status")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .iter()
            .filter_map(|r| Some((r.get::<String, _>(0).parse().ok()?, r.get(1))))
            .collect())
    }

    /// Double opt-in: a pending subscriber becomes active; the time and IP are
    /// kept as proof. False when there was nothing to confirm.
    pub async fn confirm_subscriber(&self, id: i64, ip: &str, now: i64) -> Result<bool> {
        let mut confirmed = Consent::new(ConsentEvent::Confirmed, "confirmation link");
        confirmed.ip = ip.to_string();
        self.confirm_with(id, &confirmed, now).await
    }

    /// A pending subscriber becomes active with `consent` as the proof (the
    /// link's time and IP, or the operator's statement of where the
    /// platform obtained consent). False when there was nothing to confirm.
    pub async fn confirm_with(&self, id: i64, consent: &Consent, now: i64) -> Result<bool> {
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
            record_consent(&mut tx, id, consent, now).await?;
            let d = data([("source", consent.source.as_str().into())]);
            let kind = EventKind::Confirmed;
            record_event(&mut tx, &self.webhooks, kind, Some(id), d, now).await?;
        }
        tx.commit().await?;
        Ok(changed)
    }
}

async fn insert(
    tx: &mut Transaction<'static, Any>,
    routes: &Routes,
    s: &NewSubscriber,
    now: i64,
) -> Result<Added> {
    let f = &s.fields;
    if let Some(row) = sqlx::query("SELECT id FROM subscribers WHERE email_key = $1")
        .bind(f.email.key())
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
    .bind(f.email.as_str())
    .bind(f.email.key())
    .bind(f.choices.name.as_str())
    .bind(s.status.as_str())
    .bind(f.choices.language.as_str())
    .bind(i64::from(f.choices.reminders))
    .bind(now)
    .bind(confirmed_at)
    .fetch_one(&mut **tx)
    .await?
    .get(0);
    replace_segments(tx, id, &f.choices.segments).await?;
    record_consent(tx, id, &s.consent, now).await?;
    let d = data([
        ("status", s.status.as_str().into()),
        ("source", s.consent.source.as_str().into()),
    ]);
    record_event(tx, routes, EventKind::Subscribed, Some(id), d, now).await?;
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
        (SegmentKind::Workshop, segments.workshops()),
        (SegmentKind::Interest, segments.interests()),
    ] {
        for slug in list {
            sqlx::query(
                "INSERT INTO subscriber_segments (subscriber_id, kind, slug) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(kind.as_str())
            .bind(slug.as_str())
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
        .bind(c.event.as_str())
        .bind(&c.text)
        .bind(&c.source)
        .bind(&c.ip)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
