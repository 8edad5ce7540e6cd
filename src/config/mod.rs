//! Settings: one TOML file, every key overridable as `POSTBODE_SECTION__KEY`.
//! Every value is parsed into its type when the file is read (`sections`,
//! `values`); what involves several keys is checked here; a bad value is
//! reported with its key.

pub mod imap_url;
pub mod sections;
pub mod values;
pub mod webhooks;

use anyhow::{Context, Result, bail};
use figment::Figment;
use figment::providers::{Env, Format, Toml};
use serde::Deserialize;
use std::path::{Path, PathBuf};

use crate::domain::clock::SharedClock;
use crate::domain::links::Links;
use crate::domain::offset::Offset;
use crate::domain::secret;
use crate::domain::segments::{Catalogue, Segment};
use crate::domain::token::TokenSigner;
pub use imap_url::{Bounces, ImapUrl};
pub use sections::{
    Database, Dkim, Http, Limits, Paths, Platform, Reminders, Schedule, Secrets, Smtp, Tracking,
};
pub use values::{SmtpTarget, SmtpUrl, Tls};
pub use webhooks::Webhook;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub platform: Platform,
    #[serde(default)]
    pub database: Database,
    #[serde(default)]
    pub smtp: Smtp,
    pub dkim: Option<Dkim>,
    #[serde(default)]
    pub http: Http,
    #[serde(default)]
    pub secrets: Secrets,
    #[serde(default)]
    pub paths: Paths,
    #[serde(default)]
    pub limits: Limits,
    #[serde(default)]
    pub tracking: Tracking,
    #[serde(default)]
    pub reminders: Reminders,
    #[serde(default)]
    pub schedule: Schedule,
    #[serde(default)]
    pub bounces: Bounces,
    #[serde(default)]
    pub workshops: Vec<Segment>,
    #[serde(default)]
    pub interests: Vec<Segment>,
    /// Where events are POSTed (`[[webhooks]]`, see `webhooks`).
    #[serde(default)]
    pub webhooks: Vec<Webhook>,
    /// Directory that relative paths in this file are resolved against.
    #[serde(skip)]
    pub base_dir: PathBuf,
}

impl Config {
    /// Reads the file and the `POSTBODE_…` environment, then validates.
    pub fn load(path: &Path) -> Result<Self> {
        if !path.exists() {
            bail!(
                "config file {} not found: copy the example postbode.toml or pass --config",
                path.display()
            );
        }
        let figment = Figment::new().merge(Toml::file_exact(path)).merge(
            // POSTBODE_LOG and POSTBODE_CONFIG steer the program, not the settings.
            // Every setting is POSTBODE_SECTION__KEY: other POSTBODE_ variables
            // (POSTBODE_TEST_MJML, or POSTBODE_PORT that Kubernetes and Docker
            // links set for a service named postbode) are not ours to reject.
            Env::prefixed("POSTBODE_")
                .ignore(&["LOG", "CONFIG"])
                .filter(|key| key.as_str().contains("__"))
                .split("__"),
        );
        let mut config: Config = figment
            .extract()
            .map_err(|e| anyhow::anyhow!(describe_figment_error(&e)))
            .with_context(|| format!("invalid configuration in {}", path.display()))?;
        config.base_dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        config
            .validate()
            .with_context(|| format!("invalid configuration in {}", path.display()))?;
        Ok(config)
    }

    /// Checks what one value's type cannot: limits, and rules across keys.
    pub fn validate(&self) -> Result<()> {
        let p = &self.platform;
        if p.name.trim().is_empty() || crate::domain::text::check(&p.name, 200).is_err() {
            bail!("platform.name: give the platform's name on one line");
        }
        if p.list_id.trim().is_empty() || p.list_id.contains(['<', '>', ' ']) {
            bail!(
                "platform.list_id: give a domain-like identifier such as platformnieuws.example.nl"
            );
        }
        if self.smtp.connections == 0 || self.smtp.connections > 256 {
            bail!("smtp.connections: must be between 1 and 256");
        }
        if self.limits.issue_file_bytes < 1024 {
            bail!("limits.issue_file_bytes: must be at least 1024 (the default is 1048576, 1 MB)");
        }
        if !(1..=24 * 7).contains(&self.limits.data_link_hours) {
            bail!("limits.data_link_hours: must be between 1 and 168 (the default is 24)");
        }
        self.bounces.validate().map_err(anyhow::Error::msg)?;
        check_segments("workshops", &self.workshops)?;
        check_segments("interests", &self.interests)?;
        let mut urls = std::collections::HashSet::new();
        for (i, w) in self.webhooks.iter().enumerate() {
            w.validate(i).map_err(anyhow::Error::msg)?;
            if !urls.insert(w.key()) {
                bail!("webhooks[{i}].url: listed twice; give one webhook all its events");
            }
        }
        Ok(())
    }

    pub fn resolve(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base_dir.join(p)
        }
    }

    pub fn newsletters_dir(&self) -> PathBuf {
        self.resolve(&self.paths.newsletters)
    }

    pub fn templates_dir(&self) -> PathBuf {
        self.resolve(&self.paths.templates)
    }

    /// The database URL with a relative SQLite path made relative to the
    /// config file, and SQLite told to create the file when it is missing
    /// (`mode=rwc`) unless the URL says otherwise.
    pub fn database_url(&self) -> String {
        let url = self.database.url.as_str();
        if let Some(rest) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if rest.starts_with(":memory:") {
                return url.to_string();
            }
            let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
            let abs = self.resolve(Path::new(path));
            let query = if query.is_empty() {
                "mode=rwc".to_string()
            } else {
                query.to_string()
            };
            return format!("sqlite://{}?{}", abs.display(), query);
        }
        url.to_string()
    }

    pub fn base_url(&self) -> &str {
        self.platform.base_url.as_str()
    }

    pub fn timezone(&self) -> chrono_tz::Tz {
        self.platform.timezone
    }

    /// The signer of every link and VERP address: refused unless every key
    /// in `secrets.token_keys` is a random secret (see `domain::secret`).
    /// Only what signs or verifies needs it: `check` and `render` do not.
    pub fn signer(&self) -> Result<TokenSigner> {
        let keys = &self.secrets.token_keys;
        if keys.is_empty() {
            bail!(
                "secrets.token_keys: no key; add one to postbode.toml (token_keys = [\"…\"]) or set POSTBODE_SECRETS__TOKEN_KEYS='[\"…\"]'; {}",
                secret::HOW
            );
        }
        for (i, k) in keys.iter().enumerate() {
            secret::check(k).map_err(|e| anyhow::anyhow!("secrets.token_keys[{i}]: {e}"))?;
        }
        Ok(TokenSigner::new(keys))
    }

    /// Links under `platform.base_url`, signed with `secrets.token_keys`.
    pub fn links(&self, clock: SharedClock) -> Result<Links> {
        Ok(Links::new(self.base_url(), self.signer()?, clock))
    }

    /// The admin token, when the admin API is on (`secrets.admin_token` set);
    /// a weak one is refused like a weak key.
    pub fn admin_token(&self) -> Result<Option<&str>> {
        let t = self.secrets.admin_token.trim();
        if t.is_empty() {
            return Ok(None);
        }
        secret::check(t).map_err(|e| {
            anyhow::anyhow!("secrets.admin_token: {e}; or leave it empty to turn the admin API off")
        })?;
        Ok(Some(t))
    }

    /// The workshops and interests subscribers can choose.
    pub fn catalogue(&self) -> Catalogue {
        Catalogue {
            workshops: self.workshops.clone(),
            interests: self.interests.clone(),
        }
    }

    /// Which webhook wants which event, for recording events.
    pub fn webhook_routes(&self) -> crate::domain::event::Routes {
        webhooks::routes(&self.webhooks)
    }

    pub fn default_offsets(&self) -> Vec<Offset> {
        self.reminders.offsets.clone()
    }

    /// The domain part of `platform.from`, used for Message-IDs.
    pub fn sender_domain(&self) -> String {
        self.platform.from.email.domain().to_string()
    }
}

fn check_segments(key: &str, list: &[Segment]) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for (i, s) in list.iter().enumerate() {
        if s.name.trim().is_empty() || crate::domain::text::check(&s.name, 200).is_err() {
            bail!("{key}[{i}].name: give a name on one line");
        }
        if !seen.insert(&s.slug) {
            bail!("{key}[{i}].slug: {:?} is listed twice", s.slug.as_str());
        }
    }
    Ok(())
}

/// figment's error names the key path; make it a single line a person can act on.
fn describe_figment_error(e: &figment::Error) -> String {
    let mut out = Vec::new();
    for err in e.clone() {
        let key = err.path.join(".");
        let msg = err.kind.to_string();
        if key.is_empty() {
            out.push(msg);
        } else {
            out.push(format!("{key}: {msg}"));
        }
    }
    out.join("; ")
}
