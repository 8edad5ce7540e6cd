//! `postbode backup FILE`: a consistent copy of the SQLite database, also
//! while `serve` runs. PostgreSQL has its own tool for this (`pg_dump`).

use anyhow::Result;
use std::path::Path;
use std::process::ExitCode;

use crate::config::Config;
use crate::domain::texts::tr;
use crate::logging::{say, say_err};
use crate::storage::Db;

pub async fn backup(config: &Config, file: &Path) -> Result<ExitCode> {
    let lang = config.platform.language;
    let url = config.database_url();
    if !is_sqlite(&url) {
        say_err!("{}", tr!(lang, "backup.postgres"));
        return Ok(ExitCode::FAILURE);
    }
    // A dangling symbolic link counts as there too: writing through it
    // would put the copy somewhere the operator did not name.
    if file.symlink_metadata().is_ok() {
        say_err!("{}", tr!(lang, "backup.exists", file = file.display()));
        return Ok(ExitCode::FAILURE);
    }
    // Not migrated: a backup copies the database as it is, it changes nothing.
    let db = Db::connect(&url).await?;
    db.backup_into(file).await?;
    db.pool.close().await;
    say!("{}", tr!(lang, "backup.done", file = file.display()));
    Ok(ExitCode::SUCCESS)
}

/// Whether `url` names a SQLite database (the only kind copied here).
fn is_sqlite(url: &str) -> bool {
    url.starts_with("sqlite:")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::language::Language;

    #[test]
    fn only_sqlite_urls_are_copied() {
        assert!(is_sqlite("sqlite:///var/lib/postbode/postbode.db"));
        assert!(is_sqlite("sqlite://data/postbode.db?mode=rwc"));
        assert!(!is_sqlite("postgres://postbode@db/postbode"));
        assert!(!is_sqlite("postgresql://postbode@db/postbode"));
    }

    #[test]
    fn the_postgres_refusal_points_to_pg_dump_in_both_languages() {
        for lang in [Language::Nl, Language::En] {
            assert!(tr!(lang, "backup.postgres").contains("pg_dump"), "{lang}");
        }
    }
}
