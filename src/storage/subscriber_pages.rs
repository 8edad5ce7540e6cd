//! Lists for the admin API, a page at a time: subscribers by status,
//! segment and text, keyset-paged on the id so a list of any size is read
//! in pages without skipping or repeating anyone while it changes; the
//! audience and ledger counts of one issue; the suppression list.

use anyhow::Result;
use sqlx::Row;
use std::collections::BTreeMap;

use super::subscriber_rows::{COLUMNS, subscriber_row};
use super::{Db, segment_filter};
use crate::domain::segments::Segments;
use crate::domain::slug::Slug;
use crate::domain::subscriber::{Status, Subscriber};

/// Which subscribers to list; every given filter must hold.
#[derive(Debug, Clone, Default)]
pub struct SubscriberFilter {
    pub status: Option<Status>,
    pub workshop: Option<Slug>,
    pub interest: Option<Slug>,
    /// Part of the address or the name, in any case.
    pub text: Option<String>,
}

/// One page of a keyset-paged list: the rows and, when more follow, the
/// id to continue after.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_after: Option<i64>,
}

/// One entry of the suppression list: the address only as its salted hash.
#[derive(Debug, Clone)]
pub struct Suppression {
    pub email_hash: String,
    pub reason: String,
    pub at: i64,
}

/// `text` as a LIKE pattern matching it anywhere, its own `%`, `_` and `\`
/// taken literally.
fn contains_pattern(text: &str) -> String {
    let mut p = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

impl Db {
    /// Up to `limit` subscribers matching `filter` with an id above `after`,
    /// in id order.
    pub async fn subscriber_page(
        &self,
        filter: &SubscriberFilter,
        after: i64,
        limit: i64,
    ) -> Result<Page<Subscriber>> {
        let mut binds: Vec<String> = Vec::new();
        let mut sql = format!("SELECT {COLUMNS} FROM subscribers s WHERE s.id > $1");
        if let Some(status) = filter.status {
            binds.push(status.as_str().to_string());
            sql.push_str(&format!(" AND s.status = ${}", binds.len() + 1));
        }
        for segments in [
            filter
                .workshop
                .clone()
                .map(|w| Segments::new(vec![w], Vec::new())),
            filter
                .interest
                .clone()
                .map(|i| Segments::new(Vec::new(), vec![i])),
        ]
        .into_iter()
        .flatten()
        {
            sql.push_str(&segment_filter(&segments, binds.len() + 2));
            binds.extend(segments.all().map(|s| s.as_str().to_string()));
        }
        if let Some(text) = filter.text.as_deref() {
            binds.push(contains_pattern(text));
            let n = binds.len() + 1;
            sql.push_str(&format!(
                " AND (LOWER(s.email) LIKE ${n} ESCAPE '\\' OR LOWER(s.name) LIKE ${n} ESCAPE '\\')"
            ));
        }
        sql.push_str(&format!(" ORDER BY s.id LIMIT ${}", binds.len() + 2));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(after);
        for b in binds {
            q = q.bind(b);
        }
        // One more than asked: whether another page follows.
        let rows = q.bind(limit + 1).fetch_all(&self.pool).await?;
        let more = rows.len() as i64 > limit;
        let rows = &rows[..rows.len().min(usize::try_from(limit).unwrap_or(0))];
        let ids: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
        let next_after = ids.last().copied().filter(|_| more);
        let mut segs = if ids.is_empty() {
            Default::default()
        } else {
            self.segments_of(Some(&ids)).await?
        };
        let items = rows
            .iter()
            .filter_map(|r| subscriber_row(r, &mut segs))
            .collect();
        Ok(Page { items, next_after })
    }

    /// Active subscribers following any of `audience` (all active ones when
    /// it is empty): whom an issue not yet started would be sent to now.
    pub async fn audience_size(&self, audience: &Segments) -> Result<i64> {
        let sql = format!(
            "SELECT COUNT(*) FROM subscribers s WHERE s.status = 'active'{}",
            segment_filter(audience, 1)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for slug in audience.all() {
            q = q.bind(slug.as_str());
        }
        Ok(q.fetch_one(&self.pool).await?.get(0))
    }

    /// One issue's ledger rows by state, as stored.
    pub async fn issue_delivery_counts(&self, issue_id: i64) -> Result<BTreeMap<String, i64>> {
        let rows = sqlx::query(
            "SELECT state, COUNT(*) FROM deliveries WHERE issue_id = $1 GROUP BY state",
        )
        .bind(issue_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    /// The suppression list, oldest first.
    pub async fn suppressions(&self) -> Result<Vec<Suppression>> {
        let rows =
            sqlx::query("SELECT email_hash, reason, at FROM suppressions ORDER BY at, email_hash")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .iter()
            .map(|r| Suppression {
                email_hash: r.get(0),
                reason: r.get(1),
                at: r.get(2),
            })
            .collect())
    }
}
