//! A consistent copy of a SQLite database while other processes write to it.

use anyhow::{Context, Result, bail};
use std::path::Path;

use super::{Backend, Db};

impl Db {
    /// Writes a copy of the whole database to `to`, a new file. `VACUUM INTO`
    /// reads in one transaction, so the copy is one moment of the database
    /// (the write-ahead log included), whatever `serve` writes meanwhile;
    /// copying the `.db` file instead would miss what is still in `-wal`.
    /// SQLite itself refuses an existing `to`, so a copy is never overwritten.
    pub async fn backup_into(&self, to: &Path) -> Result<()> {
        if self.backend != Backend::Sqlite {
            bail!("only a SQLite database can be copied this way");
        }
        let path = to
            .to_str()
            .context("the backup file's name is not valid UTF-8")?;
        sqlx::query("VACUUM INTO $1")
            .bind(path)
            .execute(&self.pool)
            .await
            .with_context(|| format!("cannot write the copy to {}", to.display()))?;
        Ok(())
    }
}
