//! Agenda items as last taken from the issues, their reminder slots and the
//! queueing of agenda mails (SPEC §5).
//!
//! An item is known by its `uid` (the `id` in the front matter), so the same
//! meeting repeated in a later issue stays one item with one calendar UID and
//! gets its reminders once. A slot is one (item, offset); it fires once, and the
//! ledger's unique key (item, subscriber, slot) keeps every mail to one copy,
//! whatever happens to the file or the process.

mod slots;
mod status;
mod sync;

use anyhow::Result;
use sqlx::Row;

use super::Db;
use crate::domain::issue::AgendaItem;
use crate::domain::segments::Segments;
pub use status::ItemStatus;
pub use sync::{AgendaChanges, ItemPlan};

/// An item as stored, ready to be mailed about.
#[derive(Debug, Clone)]
pub struct StoredItem {
    pub id: i64,
    pub issue_id: i64,
    pub item: AgendaItem,
    /// The defining issue's audience: who an untagged item is for.
    pub audience: Segments,
    pub sequence: i64,
    pub cancelled: bool,
}

impl StoredItem {
    /// The segments whose followers the item is for; empty = everyone.
    pub fn target(&self) -> Segments {
        let tagged = self.item.tagged();
        if tagged.is_empty() {
            self.audience.clone()
        } else {
            tagged
        }
    }
}

impl Db {
    pub async fn agenda_item(&self, id: i64) -> Result<Option<StoredItem>> {
        let row = sqlx::query(
            "SELECT id, issue_id, item, audience, sequence, status FROM agenda_items WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(stored_item).transpose()
    }

    /// Active, published items starting in `[from, to)`, earliest first.
    pub async fn upcoming_items(&self, from: i64, to: i64) -> Result<Vec<StoredItem>> {
        let rows = sqlx::query(
            "SELECT id, issue_id, item, audience, sequence, status FROM agenda_items
             WHERE status = 'active' AND published = 1 AND starts_at >= $1 AND starts_at < $2
             ORDER BY starts_at, uid",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(stored_item).collect()
    }
}

fn stored_item(r: &sqlx::any::AnyRow) -> Result<StoredItem> {
    let item: AgendaItem = serde_json::from_str(&r.get::<String, _>(2))?;
    let audience: Segments = serde_json::from_str(&r.get::<String, _>(3))?;
    Ok(StoredItem {
        id: r.get(0),
        issue_id: r.get(1),
        item,
        audience,
        sequence: r.get(4),
        cancelled: r.get::<String, _>(5) == "cancelled",
    })
}
