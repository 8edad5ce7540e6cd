//! A subscriber's link generation: every signed link carries the generation
//! it was made in, and raising it revokes every older link at once.

use anyhow::Result;
use sqlx::Row;

use super::Db;
use super::subscribers::generation;
use crate::domain::links::Holder;

impl Db {
    /// Raises the subscriber's link generation; the new holder signs the
    /// links that still work. None when the subscriber is unknown.
    pub async fn revoke_links(&self, id: i64) -> Result<Option<Holder>> {
        let mut tx = self.begin_write().await?;
        // Capped at the largest generation a token can carry (u32).
        sqlx::query(
            "UPDATE subscribers SET link_generation = link_generation + 1 WHERE id = $1 AND link_generation < 4294967295",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query("SELECT link_generation FROM subscribers WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(row.map(|r| Holder {
            id,
            generation: generation(r.get(0)),
        }))
    }
}
