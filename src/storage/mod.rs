//! The database: one sqlx `Any` pool for SQLite and PostgreSQL, the same SQL
//! text for both, migrations applied at start-up.

pub mod agenda;
pub mod alerts;
pub mod approval;
pub mod audience;
pub mod backup;
pub mod bounces;
pub mod cleanup;
pub mod clicks;
pub mod deliveries;
pub mod events;
pub mod holds;
pub mod issues;
pub mod ledger_batch;
pub mod ledger_rows;
pub mod links;
pub mod metrics;
pub mod privacy;
pub mod settings;
pub mod signup;
pub mod subscriber_pages;
mod subscriber_rows;
pub mod subscribers;
pub mod suppressions;
pub mod unread;
pub mod unsubscribes;
pub mod webhooks;

use crate::domain::event::Routes;
use crate::domain::redact::redact_url_passwords;
use anyhow::{Context, Result};
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    /// Which webhook wants which event: a change records its event for them
    /// (`events::record_event`). None configured: nothing is recorded.
    pub webhooks: Arc<Routes>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Db({:?})", self.backend)
    }
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

impl Db {
    /// Connects (creating the SQLite file and its folder on first start).
    pub async fn connect(url: &str) -> Result<Self> {
        install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        if backend == Backend::Sqlite {
            if let Some(path) = url
                .strip_prefix("sqlite://")
                .map(|p| p.split('?').next().unwrap_or(p))
            {
                if let Some(dir) = std::path::Path::new(path).parent() {
                    if !dir.as_os_str().is_empty() {
                        std::fs::create_dir_all(dir).with_context(|| {
                            format!("cannot create the database folder {}", dir.display())
                        })?;
                    }
                }
            }
        }
        let mut opts = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 16 })
            .acquire_timeout(Duration::from_secs(30));
        if backend == Backend::Sqlite {
            opts = opts.after_connect(|conn, _| {
                Box::pin(async move {
                    // WAL lets the web pages read while the sender writes; NORMAL is
                    // durable across process crashes, which is what the ledger needs.
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    // 512 KiB of page cache per connection instead of SQLite's
                    // 2 MiB: four connections would otherwise hold 8 MiB more
                    // once the ledger is large, for no speed the sender needs
                    // (it walks the ledger in id order; the OS caches the file).
                    conn.execute("PRAGMA cache_size = -512").await?;
                    Ok(())
                })
            });
        }
        let pool = opts
            .connect(url)
            .await
            .with_context(|| format!("cannot open the database ({})", redact_url_passwords(url)))?;
        Ok(Self {
            pool,
            backend,
            webhooks: Arc::default(),
        })
    }

    /// This database recording events for `routes` (see `config::webhooks`).
    pub fn with_webhooks(mut self, routes: Routes) -> Self {
        self.webhooks = Arc::new(routes);
        self
    }

    pub async fn migrate(&self) -> Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&self.pool)
            .await
            .context("applying database migrations failed")?;
        self.clean_stored_rows()
            .await
            .context("bringing stored rows within the current input rules failed")?;
        Ok(())
    }

    /// A transaction that reads and then writes. On SQLite it takes the write
    /// lock at `BEGIN` (waiting up to `busy_timeout`): a transaction that
    /// starts with a read and later writes while another connection holds the
    /// lock gets "database is locked" at once, without waiting, because SQLite
    /// does not invoke the busy handler to upgrade an open read transaction.
    pub async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    pub async fn connect_and_migrate(url: &str) -> Result<Self> {
        let db = Self::connect(url).await?;
        db.migrate().await?;
        Ok(db)
    }
}

/// `$1, $2, …` starting after `first - 1` bound parameters.
pub fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `AND EXISTS (…)` restricting subscribers `s` to those following any of
/// `segments`, with placeholders from `$first`: bind the workshops, then the
/// interests. Empty segments: no restriction.
pub fn segment_filter(segments: &crate::domain::segments::Segments, first: usize) -> String {
    if segments.is_empty() {
        return String::new();
    }
    let w = segments.workshops().len();
    let i = segments.interests().len();
    let mut parts = Vec::new();
    if w > 0 {
        parts.push(format!(
            "(g.kind = 'workshop' AND g.slug IN ({}))",
            placeholders(first, w)
        ));
    }
    if i > 0 {
        parts.push(format!(
            "(g.kind = 'interest' AND g.slug IN ({}))",
            placeholders(first + w, i)
        ));
    }
    format!(
        " AND EXISTS (SELECT 1 FROM subscriber_segments g WHERE g.subscriber_id = s.id AND ({}))",
        parts.join(" OR ")
    )
}
