//! Every agenda item with its mails per kind and state, for `postbode status`.

use anyhow::Result;
use sqlx::Row;
use std::collections::BTreeMap;

use super::super::Db;
use crate::domain::delivery::{AgendaMailKind, DeliveryState};
use crate::domain::issue::AgendaItem;

/// An agenda item with its mail counts, for `postbode status`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ItemStatus {
    pub uid: String,
    pub title: String,
    pub status: String,
    #[serde(serialize_with = "crate::domain::clock::as_rfc3339::serialize")]
    pub starts_at: i64,
    pub sequence: i64,
    pub published: bool,
    /// kind → state → count
    pub mails: BTreeMap<AgendaMailKind, BTreeMap<DeliveryState, i64>>,
}

impl Db {
    /// Every agenda item, earliest first, with its mails per kind and state;
    /// digests are counted under the uid `digest`.
    pub async fn agenda_status(&self) -> Result<Vec<ItemStatus>> {
        let rows = sqlx::query(
            "SELECT id, uid, item, status, starts_at, sequence, published FROM agenda_items ORDER BY starts_at, uid",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        let mut index = std::collections::HashMap::new();
        for r in &rows {
            let item: AgendaItem = serde_json::from_str(&r.get::<String, _>(2))?;
            index.insert(r.get::<i64, _>(0), out.len());
            out.push(ItemStatus {
                uid: r.get(1),
                title: item.title,
                status: r.get(3),
                starts_at: r.get(4),
                sequence: r.get(5),
                published: r.get::<i64, _>(6) == 1,
                mails: Default::default(),
            });
        }
        let counts = sqlx::query(
            "SELECT item_id, kind, state, COUNT(*) FROM agenda_deliveries GROUP BY item_id, kind, state",
        )
        .fetch_all(&self.pool)
        .await?;
        for r in counts {
            let id: i64 = r.get(0);
            let (Ok(kind), Ok(state)) = (
                r.get::<String, _>(1).parse::<AgendaMailKind>(),
                r.get::<String, _>(2).parse::<DeliveryState>(),
            ) else {
                continue;
            };
            let slot = match index.get(&id) {
                Some(&i) => i,
                None => {
                    index.insert(id, out.len());
                    out.push(ItemStatus {
                        uid: "digest".into(),
                        title: "Agenda digest".into(),
                        status: "active".into(),
                        starts_at: 0,
                        sequence: 0,
                        published: true,
                        mails: Default::default(),
                    });
                    out.len() - 1
                }
            };
            out[slot]
                .mails
                .entry(kind)
                .or_default()
                .insert(state, r.get(3));
        }
        Ok(out)
    }
}
