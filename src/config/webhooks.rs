//! `[[webhooks]]`: where postbode POSTs what happened (SPEC: outgoing
//! webhooks), which events each one wants, and the secret that signs them.

use serde::{Deserialize, Deserializer};
use std::fmt;

use crate::domain::event::{EventKind, Routes};
use crate::domain::redact::redact_url_passwords;
use crate::domain::secret;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Webhook {
    pub url: WebhookUrl,
    pub events: Vec<EventKind>,
    pub secret: WebhookSecret,
    /// First retry delay after a failed delivery; doubles per attempt.
    #[serde(default = "default_retry_base")]
    pub retry_base_secs: u64,
    /// The longest delay between two attempts.
    #[serde(default = "default_retry_max")]
    pub retry_max_secs: u64,
    /// An event not delivered this long after it happened is given up.
    #[serde(default = "default_give_up_hours")]
    pub give_up_hours: u64,
    /// Seconds to wait for the receiver's answer.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
}

fn default_retry_base() -> u64 {
    30
}
fn default_retry_max() -> u64 {
    3600
}
fn default_give_up_hours() -> u64 {
    72
}
fn default_timeout() -> u64 {
    10
}

impl Webhook {
    /// The webhook's key in the database and in `/metrics`: its URL.
    pub fn key(&self) -> &str {
        self.url.as_str()
    }

    /// Checks what one value cannot; `i` is its place in `webhooks`.
    pub fn validate(&self, i: usize) -> Result<(), String> {
        if self.events.is_empty() {
            return Err(format!(
                "webhooks[{i}].events: name at least one of: {}",
                EventKind::names()
            ));
        }
        if self.retry_base_secs == 0 || self.retry_max_secs < self.retry_base_secs {
            return Err(format!(
                "webhooks[{i}].retry_base_secs: must be at least 1 and at most retry_max_secs"
            ));
        }
        if !(1..=24 * 30).contains(&self.give_up_hours) {
            return Err(format!(
                "webhooks[{i}].give_up_hours: must be between 1 and 720 (the default is 72)"
            ));
        }
        if !(1..=300).contains(&self.timeout_secs) {
            return Err(format!(
                "webhooks[{i}].timeout_secs: must be between 1 and 300 (the default is 10)"
            ));
        }
        Ok(())
    }
}

/// Which configured webhook wants which event.
pub fn routes(list: &[Webhook]) -> Routes {
    Routes::new(
        list.iter()
            .map(|w| (w.key().to_string(), w.events.clone()))
            .collect(),
    )
}

/// An http(s) URL with a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(url::Url);

impl WebhookUrl {
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub fn url(&self) -> &url::Url {
        &self.0
    }

    /// The host, for log lines (the path may carry a token).
    pub fn host(&self) -> &str {
        self.0.host_str().unwrap_or("")
    }
}

impl<'de> Deserialize<'de> for WebhookUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let bad = || {
            serde::de::Error::custom(format!(
                "{:?} is not a URL starting with http:// or https://",
                redact_url_passwords(&text)
            ))
        };
        let url = url::Url::parse(text.trim()).map_err(|_| bad())?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(bad());
        }
        Ok(Self(url))
    }
}

/// The key that signs every delivery: random, as `secrets.token_keys`.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(String);

impl WebhookSecret {
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(…)")
    }
}

impl<'de> Deserialize<'de> for WebhookSecret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        secret::check(&text).map_err(serde::de::Error::custom)?;
        Ok(Self(text.trim().to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(toml_text: &str) -> Result<Webhook, String> {
        toml::from_str(toml_text).map_err(|e| e.to_string())
    }

    const KEY: &str = "5f0c1b7a9e2d48c3a6b1f09e7d2c4a8b3e6f1d0c9b8a7f6e5d4c3b2a19087f6e";

    #[test]
    fn a_webhook_is_typed_when_read() {
        let w = parse(&format!(
            "url = \"https://crm.example.nl/hook\"\nevents = [\"subscribed\", \"issue_sent\"]\nsecret = \"{KEY}\""
        ))
        .expect("valid");
        assert_eq!(w.url.host(), "crm.example.nl");
        assert_eq!(w.events, vec![EventKind::Subscribed, EventKind::IssueSent]);
        assert_eq!((w.retry_base_secs, w.retry_max_secs), (30, 3600));
        assert_eq!((w.give_up_hours, w.timeout_secs), (72, 10));
        assert!(w.validate(0).is_ok());
        assert!(!format!("{w:?}").contains(KEY));
    }

    #[test]
    fn bad_values_are_refused_with_what_to_do() {
        let e = parse(&format!(
            "url = \"https://x.nl\"\nevents = [\"unsubscribe\"]\nsecret = \"{KEY}\""
        ))
        .expect_err("unknown event");
        assert!(e.contains("the events are: subscribed"), "{e}");
        let e = parse("url = \"https://x.nl\"\nevents = [\"bounced\"]\nsecret = \"hunter2\"")
            .expect_err("weak");
        assert!(e.contains("openssl rand"), "{e}");
        let e = parse(&format!(
            "url = \"ftp://x.nl\"\nevents = [\"bounced\"]\nsecret = \"{KEY}\""
        ))
        .expect_err("scheme");
        assert!(e.contains("http://"), "{e}");
    }
}
