//! Files in the issue folder that are not read as issues, with the reason,
//! as the watcher last saw them.

use anyhow::Result;
use serde::Serialize;
use sqlx::Row;

use super::Db;

#[derive(Debug, Clone, Serialize)]
pub struct UnreadFile {
    pub file: String,
    pub reason: String,
    #[serde(serialize_with = "crate::domain::clock::as_rfc3339::serialize")]
    pub seen_at: i64,
}

impl Db {
    /// Records that `file` is not read, for `reason`; true when this is news
    /// (a file not listed before, or listed for another reason), so the
    /// editors are told once.
    pub async fn note_unread_file(&self, file: &str, reason: &str, now: i64) -> Result<bool> {
        let known = sqlx::query("SELECT reason FROM unread_files WHERE file = $1")
            .bind(file)
            .fetch_optional(&self.pool)
            .await?;
        if let Some(row) = known {
            let was: String = row.get(0);
            if was == reason {
                return Ok(false);
            }
            sqlx::query("UPDATE unread_files SET reason = $2, seen_at = $3 WHERE file = $1")
                .bind(file)
                .bind(reason)
                .bind(now)
                .execute(&self.pool)
                .await?;
            return Ok(true);
        }
        let inserted = sqlx::query(
            "INSERT INTO unread_files (file, reason, seen_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(file)
        .bind(reason)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(inserted.rows_affected() == 1)
    }

    /// Forgets the files no longer in the folder (renamed or removed).
    pub async fn keep_unread_files(&self, present: &[String]) -> Result<()> {
        for f in self.unread_files().await? {
            if !present.contains(&f.file) {
                sqlx::query("DELETE FROM unread_files WHERE file = $1")
                    .bind(&f.file)
                    .execute(&self.pool)
                    .await?;
            }
        }
        Ok(())
    }

    pub async fn unread_files(&self) -> Result<Vec<UnreadFile>> {
        let rows = sqlx::query("SELECT file, reason, seen_at FROM unread_files ORDER BY file")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|r| UnreadFile {
                file: r.get(0),
                reason: r.get(1),
                seen_at: r.get(2),
            })
            .collect())
    }
}
