//! Rows written before the current input rules: a name with a line break, a
//! language or status this version does not know, a segment slug that is not
//! a slug. Each is brought within the rules once, at the first start of a
//! version with new rules, and the log says how many, so an upgraded
//! installation starts instead of failing on its own data.

use anyhow::Result;
use sqlx::Row;

use super::Db;
use crate::domain::email::SubscriberEmail;
use crate::domain::name::SubscriberName;
use crate::domain::slug::Slug;
use crate::domain::subscriber::{Language, Status};

/// Raised when the rules change; rows are checked again once per value.
const RULES_VERSION: &str = "1";
const RULES_KEY: &str = "input_rules_version";

/// What the clean-up changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Cleaned {
    pub names: u64,
    pub languages: u64,
    pub statuses: u64,
    pub segments: u64,
    /// Subscribers whose address cannot be mailed: marked bounced.
    pub addresses: u64,
}

impl Db {
    /// Brings stored rows within the current rules, once per rules version.
    pub async fn clean_stored_rows(&self) -> Result<Cleaned> {
        if self.setting(RULES_KEY).await?.as_deref() == Some(RULES_VERSION) {
            return Ok(Cleaned::default());
        }
        let mut done = Cleaned::default();
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query("SELECT id, email, name, language, status FROM subscribers")
            .fetch_all(&mut *tx)
            .await?;
        for r in &rows {
            let id: i64 = r.get(0);
            let name: String = r.get(2);
            if SubscriberName::parse(&name).is_err() {
                sqlx::query("UPDATE subscribers SET name = $1 WHERE id = $2")
                    .bind(SubscriberName::cleaned(&name).as_str())
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                done.names += 1;
            }
            if r.get::<String, _>(3).parse::<Language>().is_err() {
                sqlx::query("UPDATE subscribers SET language = 'nl' WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                done.languages += 1;
            }
            let status = r.get::<String, _>(4).parse::<Status>();
            if status.is_err() {
                sqlx::query("UPDATE subscribers SET status = 'unsubscribed' WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                done.statuses += 1;
            }
            let subscribed = status.is_ok_and(Status::is_subscribed);
            if subscribed && SubscriberEmail::parse(&r.get::<String, _>(1)).is_err() {
                sqlx::query("UPDATE subscribers SET status = 'bounced' WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                done.addresses += 1;
            }
        }
        let segments = sqlx::query("SELECT DISTINCT slug FROM subscriber_segments")
            .fetch_all(&mut *tx)
            .await?;
        for r in &segments {
            let slug: String = r.get(0);
            if Slug::parse(&slug).is_err() {
                done.segments += sqlx::query("DELETE FROM subscriber_segments WHERE slug = $1")
                    .bind(&slug)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            }
        }
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(RULES_KEY)
        .bind(RULES_VERSION)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        if done != Cleaned::default() {
            tracing::warn!(
                names = done.names,
                languages = done.languages,
                statuses = done.statuses,
                segments = done.segments,
                unmailable_addresses = done.addresses,
                "stored subscriber data brought within the current input rules: control characters and line breaks removed from names, unknown languages set to nl, unknown statuses to unsubscribed, malformed segments removed, unmailable addresses marked bounced"
            );
        }
        Ok(done)
    }
}
