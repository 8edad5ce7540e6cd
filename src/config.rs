//! Settings: one TOML file, every key overridable as `POSTBODE_SECTION__KEY`,
//! validated at start-up so that a bad value is reported with its key.

use anyhow::{Context, Result, bail};
use chrono_tz::Tz;
use figment::Figment;
use figment::providers::{Env, Format, Toml};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::domain::offset::Offset;
use crate::domain::slug::Slug;

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
    pub secrets: Secrets,
    #[serde(default)]
    pub paths: Paths,
    #[serde(default)]
    pub reminders: Reminders,
    #[serde(default)]
    pub schedule: Schedule,
    #[serde(default)]
    pub workshops: Vec<Segment>,
    #[serde(default)]
    pub interests: Vec<Segment>,
    /// Directory that relative paths in this file are resolved against.
    #[serde(skip)]
    pub base_dir: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Platform {
    pub name: String,
    pub base_url: String,
    pub from: String,
    pub list_id: String,
    #[serde(default = "default_timezone")]
    pub timezone: String,
    #[serde(default)]
    pub editors: Vec<String>,
    #[serde(default = "default_accent")]
    pub accent_color: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Database {
    pub url: String,
}

impl Default for Database {
    fn default() -> Self {
        Self {
            url: "sqlite://data/postbode.db".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Smtp {
    pub url: String,
    #[serde(default = "default_connections")]
    pub connections: usize,
    #[serde(default)]
    pub rate_per_second: u32,
    #[serde(default)]
    pub bounce_domain: String,
    /// Seconds to wait for a connection or a reply before giving up on it.
    #[serde(default = "default_smtp_timeout")]
    pub timeout_secs: u64,
    /// First retry delay after a temporary failure; doubles per attempt, at most an hour.
    #[serde(default = "default_retry_base")]
    pub retry_base_secs: u64,
    /// After this many failed attempts in a row (temporary failures and
    /// connection errors) sending pauses: the server is down or refusing us.
    #[serde(default = "default_pause_after")]
    pub pause_after_failures: u32,
    /// How long such a pause lasts before postbode tries again.
    #[serde(default = "default_pause_secs")]
    pub pause_secs: u64,
    /// An issue's messages not delivered this long after sending started are
    /// given up (recorded as failed): news that late is no news.
    #[serde(default = "default_expire_hours")]
    pub expire_hours: u64,
}

fn default_pause_after() -> u32 {
    20
}

fn default_pause_secs() -> u64 {
    300
}

fn default_expire_hours() -> u64 {
    48
}

impl Default for Smtp {
    fn default() -> Self {
        Self {
            url: "file://outbox".into(),
            connections: default_connections(),
            rate_per_second: 0,
            bounce_domain: String::new(),
            timeout_secs: default_smtp_timeout(),
            retry_base_secs: default_retry_base(),
            pause_after_failures: default_pause_after(),
            pause_secs: default_pause_secs(),
            expire_hours: default_expire_hours(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dkim {
    pub domain: String,
    pub selector: String,
    pub private_key_file: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Http {
    pub listen: String,
}

impl Default for Http {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Secrets {
    pub token_keys: Vec<String>,
    #[serde(default)]
    pub admin_token: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Paths {
    #[serde(default = "default_newsletters")]
    pub newsletters: PathBuf,
    #[serde(default = "default_templates")]
    pub templates: PathBuf,
}

impl Default for Paths {
    fn default() -> Self {
        Self {
            newsletters: default_newsletters(),
            templates: default_templates(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reminders {
    pub offsets: Vec<String>,
}

impl Default for Reminders {
    fn default() -> Self {
        Self {
            offsets: vec!["7d".into(), "1d".into()],
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    #[serde(default = "default_digest")]
    pub agenda_digest: String,
    #[serde(default = "default_purge")]
    pub purge_unconfirmed: String,
}

impl Default for Schedule {
    fn default() -> Self {
        Self {
            agenda_digest: default_digest(),
            purge_unconfirmed: default_purge(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Segment {
    pub slug: String,
    pub name: String,
}

fn default_timezone() -> String {
    "Europe/Amsterdam".into()
}
fn default_accent() -> String {
    "#c8102e".into()
}
fn default_connections() -> usize {
    8
}
fn default_smtp_timeout() -> u64 {
    60
}
fn default_retry_base() -> u64 {
    60
}
fn default_newsletters() -> PathBuf {
    "newsletters".into()
}
fn default_templates() -> PathBuf {
    "mjml".into()
}
fn default_digest() -> String {
    "0 0 8 * * Mon".into()
}
fn default_purge() -> String {
    "0 0 3 * * *".into()
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

    /// Checks every value that serde cannot; each error names its key.
    pub fn validate(&self) -> Result<()> {
        let p = &self.platform;
        if p.name.trim().is_empty() {
            bail!("platform.name: must not be empty");
        }
        url_with_scheme(&p.base_url, &["http", "https"])
            .context("platform.base_url: give the public URL, e.g. https://nieuws.example.nl")?;
        p.from.parse::<lettre::message::Mailbox>().map_err(|e| {
            anyhow::anyhow!(
                "platform.from: {e}; write it as \"Name <address@example.nl>\" (got {:?})",
                p.from
            )
        })?;
        if p.list_id.trim().is_empty() || p.list_id.contains(['<', '>', ' ']) {
            bail!(
                "platform.list_id: give a domain-like identifier such as platformnieuws.example.nl"
            );
        }
        self.timezone()?;
        for (i, e) in p.editors.iter().enumerate() {
            e.parse::<lettre::Address>().map_err(|_| {
                anyhow::anyhow!("platform.editors[{i}]: {e:?} is not an e-mail address")
            })?;
        }
        if !is_hex_color(&p.accent_color) {
            bail!("platform.accent_color: use a colour like \"#c8102e\"");
        }
        let db = &self.database.url;
        if !(db.starts_with("sqlite:")
            || db.starts_with("postgres://")
            || db.starts_with("postgresql://"))
        {
            bail!(
                "database.url: use sqlite://path/to/file.db or postgres://user@host/db (got {db:?})"
            );
        }
        crate::delivery::transport::TransportKind::parse(&self.smtp.url)
            .map_err(|e| anyhow::anyhow!("smtp.url: {e}"))?;
        if self.smtp.connections == 0 || self.smtp.connections > 256 {
            bail!("smtp.connections: must be between 1 and 256");
        }
        let bounce_domain = self.smtp.bounce_domain.trim();
        if !bounce_domain.is_empty() && lettre::Address::new("bounces", bounce_domain).is_err() {
            bail!(
                "smtp.bounce_domain: {bounce_domain:?} is not a mail domain; give one such as bounces.example.nl, or leave it empty"
            );
        }
        self.listen_addr()?;
        if self.secrets.token_keys.is_empty() {
            bail!("secrets.token_keys: give at least one key (e.g. from `openssl rand -hex 32`)");
        }
        for (i, k) in self.secrets.token_keys.iter().enumerate() {
            if k.len() < 16 {
                bail!(
                    "secrets.token_keys[{i}]: too short; use at least 16 characters (e.g. `openssl rand -hex 32`)"
                );
            }
        }
        for (i, o) in self.reminders.offsets.iter().enumerate() {
            o.parse::<Offset>()
                .map_err(|e| anyhow::anyhow!("reminders.offsets[{i}]: {e}"))?;
        }
        for (key, expr) in [
            ("schedule.agenda_digest", &self.schedule.agenda_digest),
            (
                "schedule.purge_unconfirmed",
                &self.schedule.purge_unconfirmed,
            ),
        ] {
            expr.parse::<cron::Schedule>().map_err(|e| {
                anyhow::anyhow!(
                    "{key}: {e} in {expr:?}; six fields, seconds first, e.g. \"0 0 8 * * Mon\""
                )
            })?;
        }
        check_segments("workshops", &self.workshops)?;
        check_segments("interests", &self.interests)?;
        if let Some(d) = &self.dkim {
            if !crate::delivery::dkim::is_dns_name(&d.domain) {
                bail!(
                    "dkim.domain: {:?} is not a domain name; give the domain of d=, e.g. kus.example.nl",
                    d.domain
                );
            }
            if !crate::delivery::dkim::is_dns_name(&d.selector) {
                bail!(
                    "dkim.selector: {:?} is not a DNS label; give the s= selector, e.g. postbode",
                    d.selector
                );
            }
        }
        Ok(())
    }

    pub fn timezone(&self) -> Result<Tz> {
        self.platform.timezone.parse::<Tz>().map_err(|_| {
            anyhow::anyhow!(
                "platform.timezone: unknown time zone {:?}; use an IANA name like Europe/Amsterdam",
                self.platform.timezone
            )
        })
    }

    pub fn listen_addr(&self) -> Result<SocketAddr> {
        self.http.listen.parse().map_err(|_| {
            anyhow::anyhow!(
                "http.listen: {:?} is not host:port, e.g. 127.0.0.1:8080",
                self.http.listen
            )
        })
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

    /// The database URL with a relative SQLite path made relative to the config file.
    pub fn database_url(&self) -> String {
        let url = &self.database.url;
        if let Some(rest) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if rest.starts_with(":memory:") || rest.starts_with('/') {
                return url.clone();
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
        url.clone()
    }

    pub fn base_url(&self) -> &str {
        self.platform.base_url.trim_end_matches('/')
    }

    pub fn is_workshop(&self, slug: &str) -> bool {
        self.workshops.iter().any(|w| w.slug == slug)
    }

    pub fn is_interest(&self, slug: &str) -> bool {
        self.interests.iter().any(|w| w.slug == slug)
    }

    pub fn default_offsets(&self) -> Vec<Offset> {
        self.reminders
            .offsets
            .iter()
            .filter_map(|o| o.parse().ok())
            .collect()
    }

    /// The domain part of `platform.from`, used for Message-IDs.
    pub fn sender_domain(&self) -> String {
        self.platform
            .from
            .parse::<lettre::message::Mailbox>()
            .map(|m| m.email.domain().to_string())
            .unwrap_or_else(|_| "localhost".into())
    }
}

fn check_segments(key: &str, list: &[Segment]) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for (i, s) in list.iter().enumerate() {
        Slug::parse(&s.slug).map_err(|e| anyhow::anyhow!("{key}[{i}].slug: {e}"))?;
        if s.name.trim().is_empty() {
            bail!("{key}[{i}].name: must not be empty");
        }
        if !seen.insert(&s.slug) {
            bail!("{key}[{i}].slug: {:?} is listed twice", s.slug);
        }
    }
    Ok(())
}

fn url_with_scheme(s: &str, schemes: &[&str]) -> Result<()> {
    match s.split_once("://") {
        Some((scheme, rest)) if schemes.contains(&scheme) && !rest.is_empty() => Ok(()),
        _ => bail!(
            "{s:?} is not a URL starting with {}://",
            schemes.join(":// or ")
        ),
    }
}

fn is_hex_color(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].chars().all(|c| c.is_ascii_hexdigit())
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
