//! The sections of `postbode.toml` (SPEC §3), each value typed so that it is
//! checked when the file is read.

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;

use super::values::{BaseUrl, Color, CronSchedule, DatabaseUrl, SmtpUrl, mailbox, timezone};
use crate::domain::dns::DnsName;
use crate::domain::email::SubscriberEmail;
use crate::domain::language::Language;
use crate::domain::offset::Offset;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Platform {
    pub name: String,
    pub base_url: BaseUrl,
    #[serde(deserialize_with = "mailbox")]
    pub from: lettre::message::Mailbox,
    pub list_id: String,
    #[serde(default = "default_timezone", deserialize_with = "timezone")]
    pub timezone: chrono_tz::Tz,
    #[serde(default)]
    pub editors: Vec<SubscriberEmail>,
    #[serde(default)]
    pub accent_color: Color,
    /// The language of what postbode says to editors and operators (check,
    /// error mails, proofs, status): `nl` (default) or `en`.
    #[serde(default)]
    pub language: Language,
    /// A new or changed issue waits in `awaiting_approval` until an editor
    /// approves it (the link in its proof, or `postbode approve SLUG`).
    #[serde(default)]
    pub require_approval: bool,
}

fn default_timezone() -> chrono_tz::Tz {
    chrono_tz::Europe::Amsterdam
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Database {
    #[serde(default)]
    pub url: DatabaseUrl,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Smtp {
    pub url: SmtpUrl,
    #[serde(default = "default_connections")]
    pub connections: usize,
    #[serde(default)]
    pub rate_per_second: u32,
    /// Empty: the envelope sender is `platform.from`.
    #[serde(default, deserialize_with = "optional_domain")]
    pub bounce_domain: Option<DnsName>,
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

impl Default for Smtp {
    fn default() -> Self {
        Self {
            url: SmtpUrl::File("outbox".into()),
            connections: default_connections(),
            rate_per_second: 0,
            bounce_domain: None,
            timeout_secs: default_smtp_timeout(),
            retry_base_secs: default_retry_base(),
            pause_after_failures: default_pause_after(),
            pause_secs: default_pause_secs(),
            expire_hours: default_expire_hours(),
        }
    }
}

fn optional_domain<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<DnsName>, D::Error> {
    let text = String::deserialize(d)?;
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    DnsName::parse(text).map(Some).map_err(|e| {
        serde::de::Error::custom(format!(
            "{e}; give one such as bounces.example.nl, or leave it empty"
        ))
    })
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
fn default_pause_after() -> u32 {
    20
}
fn default_pause_secs() -> u64 {
    300
}
fn default_expire_hours() -> u64 {
    48
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dkim {
    /// `d=` of the signature.
    pub domain: DnsName,
    /// `s=`; the public key is published at `<selector>._domainkey.<domain>`.
    pub selector: DnsName,
    pub private_key_file: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Http {
    #[serde(default = "default_listen", deserialize_with = "listen")]
    pub listen: SocketAddr,
    /// Reverse proxies (CIDRs, or single addresses) whose `Forwarded` and
    /// `X-Forwarded-For` are believed; from anyone else they are ignored.
    #[serde(default, deserialize_with = "cidrs")]
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

impl Default for Http {
    fn default() -> Self {
        Self {
            listen: default_listen(),
            trusted_proxies: Vec::new(),
        }
    }
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}

/// `10.0.0.0/8` or a single address such as `127.0.0.1` (a /32 or /128).
fn cidrs<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<ipnet::IpNet>, D::Error> {
    Vec::<String>::deserialize(d)?
        .iter()
        .map(|s| {
            let s = s.trim();
            s.parse::<ipnet::IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    serde::de::Error::custom(format!(
                        "{:?} is not an address or a CIDR range such as 10.0.0.0/8",
                        s.chars().take(60).collect::<String>()
                    ))
                })
        })
        .collect()
}

fn listen<'de, D: serde::Deserializer<'de>>(d: D) -> Result<SocketAddr, D::Error> {
    let text = String::deserialize(d)?;
    text.parse().map_err(|_| {
        serde::de::Error::custom(format!(
            "{:?} is not host:port, e.g. 127.0.0.1:8080",
            text.chars().take(60).collect::<String>()
        ))
    })
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Secrets {
    /// HMAC keys, newest first; empty in the example, required to send.
    #[serde(default)]
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

fn default_newsletters() -> PathBuf {
    "newsletters".into()
}
fn default_templates() -> PathBuf {
    "mjml".into()
}

/// Bounds on what postbode reads, checked before reading.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Issue files larger than this are refused from their size alone.
    #[serde(default = "default_issue_file_bytes")]
    pub issue_file_bytes: u64,
    /// How long a mailed link to download or erase one's data stays valid.
    #[serde(default = "default_data_link_hours")]
    pub data_link_hours: u32,
    /// Confirmation mails sent from the sign-up form per hour, from every
    /// visitor together; beyond it the form still answers the same, but no
    /// mail leaves until the hour is over. 0: no cap.
    #[serde(default = "default_confirmation_mails_per_hour")]
    pub confirmation_mails_per_hour: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            issue_file_bytes: default_issue_file_bytes(),
            data_link_hours: default_data_link_hours(),
            confirmation_mails_per_hour: default_confirmation_mails_per_hour(),
        }
    }
}

fn default_data_link_hours() -> u32 {
    24
}

fn default_confirmation_mails_per_hour() -> u32 {
    200
}

fn default_issue_file_bytes() -> u64 {
    1024 * 1024
}

/// What postbode counts of how issues are read: nothing by default, and
/// never anything about one person.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tracking {
    /// Links in issues go through `/l/{issue}/{link}`, which counts the
    /// click per issue and link and redirects.
    #[serde(default)]
    pub clicks: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reminders {
    pub offsets: Vec<Offset>,
    /// The local time at which reminders of a whole-day meeting (a `start`
    /// without a time) go out, on the day the offset gives.
    #[serde(default = "default_all_day_at", deserialize_with = "time_of_day")]
    pub all_day_at: chrono::NaiveTime,
}

fn default_all_day_at() -> chrono::NaiveTime {
    chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default()
}

fn time_of_day<'de, D: serde::Deserializer<'de>>(d: D) -> Result<chrono::NaiveTime, D::Error> {
    let text = String::deserialize(d)?;
    chrono::NaiveTime::parse_from_str(text.trim(), "%H:%M").map_err(|_| {
        serde::de::Error::custom(format!(
            "{:?} is not a time of day: write it as \"09:00\"",
            text.chars().take(20).collect::<String>()
        ))
    })
}

impl Default for Reminders {
    fn default() -> Self {
        Self {
            offsets: ["7d", "1d"].iter().filter_map(|o| o.parse().ok()).collect(),
            all_day_at: default_all_day_at(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    #[serde(default = "default_digest")]
    pub agenda_digest: CronSchedule,
    #[serde(default = "default_purge")]
    pub purge_unconfirmed: CronSchedule,
}

impl Default for Schedule {
    fn default() -> Self {
        Self {
            agenda_digest: default_digest(),
            purge_unconfirmed: default_purge(),
        }
    }
}

fn default_digest() -> CronSchedule {
    cron("0 0 8 * * Mon")
}
fn default_purge() -> CronSchedule {
    cron("0 0 3 * * *")
}

/// A schedule written in this file; a test below makes sure they parse.
fn cron(text: &str) -> CronSchedule {
    text.parse()
        .unwrap_or_else(|e| panic!("built-in schedule {text:?}: {e}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_built_in_defaults_parse() {
        let s = super::Schedule::default();
        assert_eq!(s.agenda_digest.text, "0 0 8 * * Mon");
        assert_eq!(super::Reminders::default().offsets.len(), 2);
    }
}
