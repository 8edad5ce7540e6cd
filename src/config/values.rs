//! Setting values that are more than a string or a number, each parsed from
//! its text once, when the configuration is read; a bad one is reported with
//! its key by figment.

use serde::{Deserialize, Deserializer};
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// Deserializes any `FromStr` value from its text, keeping its message.
pub fn parsed<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: fmt::Display,
{
    let text = String::deserialize(d)?;
    text.parse().map_err(serde::de::Error::custom)
}

/// The IANA time zone of naive times in issues.
pub fn timezone<'de, D: Deserializer<'de>>(d: D) -> Result<chrono_tz::Tz, D::Error> {
    let text = String::deserialize(d)?;
    text.parse().map_err(|_| {
        serde::de::Error::custom(format!(
            "unknown time zone {:?}; use an IANA name like Europe/Amsterdam",
            text.chars().take(60).collect::<String>()
        ))
    })
}

/// `platform.from`: `Name <address@example.nl>`.
pub fn mailbox<'de, D: Deserializer<'de>>(d: D) -> Result<lettre::message::Mailbox, D::Error> {
    let text = String::deserialize(d)?;
    text.parse().map_err(|e| {
        serde::de::Error::custom(format!(
            "{e}; write it as \"Name <address@example.nl>\" (got {text:?})"
        ))
    })
}

/// The public URL every link starts with: http(s), no trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl(String);

impl BaseUrl {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for BaseUrl {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().split_once("://") {
            Some(("http" | "https", rest)) if !rest.is_empty() && !rest.contains(' ') => {
                Ok(Self(s.trim().trim_end_matches('/').to_string()))
            }
            _ => Err(format!(
                "{s:?} is not a URL starting with http:// or https://; give the public URL, e.g. https://nieuws.example.nl"
            )),
        }
    }
}

impl<'de> Deserialize<'de> for BaseUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        parsed(d)
    }
}

/// `#rrggbb`, safe to put into CSS and MJML attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Color(String);

impl Color {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Color {
    fn default() -> Self {
        Self("#c8102e".into())
    }
}

impl FromStr for Color {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s.len() == 7 && s.starts_with('#') && s[1..].chars().all(|c| c.is_ascii_hexdigit()) {
            Ok(Self(s.to_string()))
        } else {
            Err("use a colour like \"#c8102e\"".into())
        }
    }
}

impl<'de> Deserialize<'de> for Color {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        parsed(d)
    }
}

/// `sqlite://path/to/file.db` or `postgres://user@host/db`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for DatabaseUrl {
    fn default() -> Self {
        Self("sqlite://data/postbode.db".into())
    }
}

impl FromStr for DatabaseUrl {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s.starts_with("sqlite:")
            || s.starts_with("postgres://")
            || s.starts_with("postgresql://")
        {
            Ok(Self(s.to_string()))
        } else {
            Err("use sqlite://path/to/file.db or postgres://user@host/db".into())
        }
    }
}

impl<'de> Deserialize<'de> for DatabaseUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        parsed(d)
    }
}

/// A `[schedule]` cron expression, with its text for messages.
#[derive(Debug, Clone)]
pub struct CronSchedule {
    pub text: String,
    pub schedule: cron::Schedule,
}

impl FromStr for CronSchedule {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        s.parse::<cron::Schedule>()
            .map(|schedule| Self {
                text: s.to_string(),
                schedule,
            })
            .map_err(|e| format!("{e} in {s:?}; six fields, seconds first, e.g. \"0 0 8 * * Mon\""))
    }
}

impl<'de> Deserialize<'de> for CronSchedule {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        parsed(d)
    }
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls {
    None,
    Starttls,
    Implicit,
}

/// An SMTP server to send through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpTarget {
    pub host: String,
    pub port: u16,
    pub tls: Tls,
    pub credentials: Option<(String, String)>,
}

/// Where mail goes: an SMTP server (`smtp://`, `smtps://`, `?tls=required`)
/// or a folder of `.eml` files (`file://outbox`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmtpUrl {
    Smtp(SmtpTarget),
    File(PathBuf),
}

impl FromStr for SmtpUrl {
    type Err = String;

    /// Messages never repeat the URL: it may hold a password.
    fn from_str(url: &str) -> Result<Self, String> {
        if let Some(dir) = url.strip_prefix("file://") {
            if dir.is_empty() {
                return Err("file:// needs a folder, e.g. file://outbox".into());
            }
            return Ok(SmtpUrl::File(PathBuf::from(dir)));
        }
        let parsed = url::Url::parse(url)
            .map_err(|e| format!("not a URL ({e}); e.g. smtp://127.0.0.1:2525"))?;
        let implicit = match parsed.scheme() {
            "smtp" => false,
            "smtps" => true,
            other => {
                return Err(format!(
                    "scheme {other}:// is not supported: use smtp://, smtps:// or file://"
                ));
            }
        };
        let host = parsed
            .host_str()
            .ok_or("the SMTP URL has no host")?
            .to_string();
        let port = parsed.port().unwrap_or(if implicit { 465 } else { 25 });
        let mut tls = if implicit { Tls::Implicit } else { Tls::None };
        for (k, v) in parsed.query_pairs() {
            match (k.as_ref(), v.as_ref()) {
                ("tls", "required") if !implicit => tls = Tls::Starttls,
                ("tls", "none") if !implicit => tls = Tls::None,
                (k, _) => {
                    return Err(format!(
                        "unknown SMTP URL option {:?}: only ?tls=required is supported",
                        k.chars().take(30).collect::<String>()
                    ));
                }
            }
        }
        let credentials = if parsed.username().is_empty() {
            None
        } else {
            Some((
                url_part(parsed.username(), "user name")?,
                url_part(parsed.password().unwrap_or(""), "password")?,
            ))
        };
        Ok(SmtpUrl::Smtp(SmtpTarget {
            host,
            port,
            tls,
            credentials,
        }))
    }
}

impl<'de> Deserialize<'de> for SmtpUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        parsed(d)
    }
}

/// Percent-decoding of a URL's user, password or path, as URLs have it:
/// `%2B` is a `+`, and a `+` stays a `+` (it is a space only in a form).
/// Shared by `smtp.url` and `bounces.imap_url`.
pub(super) fn url_part(text: &str, what: &str) -> Result<String, String> {
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| format!("the {what} in the URL is not UTF-8 after percent-decoding"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_supported_smtp_urls() {
        assert!(matches!(
            "file://outbox".parse::<SmtpUrl>(),
            Ok(SmtpUrl::File(_))
        ));
        let Ok(SmtpUrl::Smtp(t)) =
            "smtp://u%40x:p%2Fw@127.0.0.1:2525?tls=required".parse::<SmtpUrl>()
        else {
            panic!("smtp expected")
        };
        assert_eq!(
            (t.host.as_str(), t.port, t.tls),
            ("127.0.0.1", 2525, Tls::Starttls)
        );
        assert_eq!(t.credentials, Some(("u@x".to_string(), "p/w".to_string())));
        // A `+` in a password is a `+`, not the space a form would make of it.
        let Ok(SmtpUrl::Smtp(t)) = "smtp://u:a+b%2Bc@mail.example.nl".parse::<SmtpUrl>() else {
            panic!("smtp expected")
        };
        assert_eq!(t.credentials, Some(("u".to_string(), "a+b+c".to_string())));
        assert!("http://x".parse::<SmtpUrl>().is_err());
        assert!("smtp://x?foo=bar".parse::<SmtpUrl>().is_err());
    }

    #[test]
    fn errors_never_repeat_a_password() {
        for bad in [
            "smtp://user:hunter2@mail.example.nl?tls=maybe",
            "smtpx://user:hunter2@mail.example.nl",
            "smtp://user:hunter2@",
        ] {
            let e = bad.parse::<SmtpUrl>().expect_err("bad");
            assert!(!e.contains("hunter2"), "{e}");
        }
    }

    #[test]
    fn base_urls_lose_their_trailing_slash() {
        assert_eq!(
            "https://nieuws.example.nl/"
                .parse::<BaseUrl>()
                .expect("valid")
                .as_str(),
            "https://nieuws.example.nl"
        );
        assert!("ftp://x".parse::<BaseUrl>().is_err());
        assert!("#c8102e".parse::<Color>().is_ok());
        assert!("red".parse::<Color>().is_err());
    }
}
