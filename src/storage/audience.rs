//! How many active subscribers follow each set of workshops and interests,
//! per language: what a proof needs to say how many readers get which
//! sections, in which language. Read in
//! windows of subscriber ids, so a large list never sits in memory at once.

use anyhow::Result;
use sqlx::Row;
use std::collections::HashMap;

use super::Db;
use crate::domain::language::Language;
use crate::domain::segments::Segments;
use crate::domain::slug::Slug;

/// Subscriber ids read per query.
const WINDOW: i64 = 5000;

impl Db {
    /// Active subscribers counted per set of followed segments and language.
    pub async fn active_segment_sets(&self) -> Result<HashMap<(Segments, Language), i64>> {
        let max: Option<i64> = sqlx::query("SELECT MAX(id) FROM subscribers")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)
            .ok();
        let max = max.unwrap_or(0);
        let mut counts: HashMap<(Segments, Language), i64> = HashMap::new();
        let mut from = 0;
        while from < max {
            let rows = sqlx::query(
                "SELECT s.id, g.kind, g.slug, s.language FROM subscribers s
                 LEFT JOIN subscriber_segments g ON g.subscriber_id = s.id
                 WHERE s.status = 'active' AND s.id > $1 AND s.id <= $2 ORDER BY s.id",
            )
            .bind(from)
            .bind(from + WINDOW)
            .fetch_all(&self.pool)
            .await?;
            let mut current: Option<(i64, Vec<Slug>, Vec<Slug>, Language)> = None;
            for r in rows {
                let id: i64 = r.get(0);
                if current.as_ref().map(|c| c.0) != Some(id) {
                    if let Some((_, w, i, l)) = current.take() {
                        *counts.entry((Segments::new(w, i), l)).or_default() += 1;
                    }
                    // A language this version does not know reads Dutch, as
                    // delivery does.
                    let lang = Language::or_dutch(&r.get::<String, _>(3));
                    current = Some((id, Vec::new(), Vec::new(), lang));
                }
                let kind: Option<String> = r.try_get(1).ok().flatten();
                let slug: Option<String> = r.try_get(2).ok().flatten();
                let (Some(kind), Some(Ok(slug)), Some(c)) =
                    (kind, slug.as_deref().map(Slug::parse), current.as_mut())
                else {
                    continue;
                };
                if kind == "workshop" {
                    c.1.push(slug);
                } else {
                    c.2.push(slug);
                }
            }
            if let Some((_, w, i, l)) = current.take() {
                *counts.entry((Segments::new(w, i), l)).or_default() += 1;
            }
            from += WINDOW;
        }
        Ok(counts)
    }
}
