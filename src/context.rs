//! The services every part of the daemon and the commands share.

use anyhow::{Context as _, Result};
use chrono_tz::Tz;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

use crate::clock::{SharedClock, epoch};
use crate::config::Config;
use crate::delivery::{Connector, TransportKind};
use crate::domain::subscriber::{Language, Recipient};
use crate::domain::token::{Claims, Purpose, TokenSigner};
use crate::mailer::Composer;
use crate::newsletters::ParseContext;
use crate::render::MergeValues;
use crate::render::variant::PlatformInfo;
use crate::storage::Db;

pub struct Ctx {
    pub config: Arc<Config>,
    pub db: Db,
    pub clock: SharedClock,
    pub signer: TokenSigner,
    pub composer: Composer,
    pub connector: Connector,
    pub parse: ParseContext,
    pub platform: PlatformInfo,
    pub tz: Tz,
    /// Wakes the sender: new work was queued.
    pub wake_sender: Notify,
    /// Wakes the scheduler: an issue was (re)scheduled.
    pub wake_scheduler: Notify,
    /// This process among several on one database: the owner of the ledger
    /// rows it claims (see `cluster`).
    pub process_id: i64,
}

impl Ctx {
    pub async fn build(config: Config, clock: SharedClock) -> Result<Arc<Self>> {
        let db = Db::connect_and_migrate(&config.database_url()).await?;
        Self::with_db(config, clock, db)
    }

    pub fn with_db(config: Config, clock: SharedClock, db: Db) -> Result<Arc<Self>> {
        let kind =
            TransportKind::parse(&config.smtp.url).map_err(|e| anyhow::anyhow!("smtp.url: {e}"))?;
        let connector = Connector::new(
            kind,
            Duration::from_secs(config.smtp.timeout_secs),
            &config.base_dir,
        )
        .context("smtp.url: cannot create the outbox folder")?;
        Ok(Arc::new(Self {
            signer: TokenSigner::new(&config.secrets.token_keys),
            composer: Composer::new(&config)?,
            parse: ParseContext::from_config(&config)?,
            platform: PlatformInfo::from_config(&config),
            tz: config.timezone()?,
            config: Arc::new(config),
            db,
            clock,
            connector,
            wake_sender: Notify::new(),
            wake_scheduler: Notify::new(),
            process_id: rand::random_range(1..i64::MAX),
        }))
    }

    pub fn now(&self) -> i64 {
        epoch(self.clock.now())
    }

    pub fn token(&self, purpose: Purpose, subscriber_id: i64, context: i64) -> String {
        self.signer.sign(Claims {
            purpose,
            subscriber_id,
            context,
            issued_at: self.now(),
        })
    }

    pub fn unsubscribe_url(&self, subscriber_id: i64, issue_id: i64) -> String {
        format!(
            "{}/unsubscribe/{}",
            self.config.base_url(),
            self.token(Purpose::Unsubscribe, subscriber_id, issue_id)
        )
    }

    pub fn preferences_url(&self, subscriber_id: i64) -> String {
        format!(
            "{}/preferences/{}",
            self.config.base_url(),
            self.token(Purpose::Preferences, subscriber_id, 0)
        )
    }

    pub fn archive_url(&self, slug: &str) -> String {
        format!("{}/archive/{slug}", self.config.base_url())
    }

    /// The merge values for one recipient of one issue.
    pub fn merge_values(&self, r: &Recipient, issue_id: i64, slug: &str) -> MergeValues {
        MergeValues {
            name: display_name(&r.name, r.language),
            preferences_url: self.preferences_url(r.id),
            unsubscribe_url: self.unsubscribe_url(r.id, issue_id),
            archive_url: self.archive_url(slug),
        }
    }
}

/// "Beste {{ subscriber.name }}" must read well when no name was given.
pub fn display_name(name: &str, lang: Language) -> String {
    let n = name.trim();
    if !n.is_empty() {
        return n.to_string();
    }
    match lang {
        Language::Nl => "lezer".into(),
        Language::En => "reader".into(),
    }
}

impl Ctx {
    /// Parses an issue's text and prepares its renderer (layouts read afresh,
    /// so an edited layout is used by the next issue).
    pub fn renderer(
        &self,
        file: &str,
        source: &str,
    ) -> Result<crate::render::IssueRenderer, Vec<crate::newsletters::Diagnostic>> {
        let path = std::path::Path::new(file);
        let issue = crate::newsletters::parse_issue(file, path, source, &self.parse)?;
        let layouts = Arc::new(crate::render::layout::Layouts::new(
            &self.config.templates_dir(),
        ));
        Ok(crate::render::IssueRenderer::new(
            Arc::new(issue),
            self.platform.clone(),
            self.tz,
            layouts,
        ))
    }
}
