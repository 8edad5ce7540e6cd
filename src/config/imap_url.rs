//! `[bounces]`: the mailbox that bounces and complaints arrive in, read over
//! IMAP (`imaps://user:password@host/Folder`); empty is off.

use serde::{Deserialize, Deserializer};
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use super::values::url_part;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Bounces {
    /// Empty: no mailbox is read; bounces come in through `postbode bounce`.
    #[serde(deserialize_with = "optional_imap_url")]
    pub imap_url: Option<ImapUrl>,
    /// Where a handled report is moved to; created when missing.
    pub handled_folder: String,
    /// A PEM file with a CA certificate to trust besides the public ones
    /// (a server with a certificate from a private CA); empty: public CAs only.
    pub ca_file: PathBuf,
    /// How often the folder is read again, also when the server announces
    /// new mail itself (IMAP IDLE): a missed announcement costs this long.
    pub poll_secs: u64,
}

impl Default for Bounces {
    fn default() -> Self {
        Self {
            imap_url: None,
            handled_folder: "postbode-handled".into(),
            ca_file: PathBuf::new(),
            poll_secs: 60,
        }
    }
}

impl Bounces {
    /// What one key's type cannot check.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=3600).contains(&self.poll_secs) {
            return Err("bounces.poll_secs: must be between 1 and 3600 (the default is 60)".into());
        }
        let handled = self.handled_folder.trim();
        if handled.is_empty() || handled.chars().any(unfit) {
            return Err("bounces.handled_folder: give a folder name, e.g. postbode-handled".into());
        }
        if let Some(url) = &self.imap_url {
            if url.folder.eq_ignore_ascii_case(handled) {
                return Err(
                    "bounces.handled_folder: must differ from the folder in bounces.imap_url"
                        .into(),
                );
            }
        }
        Ok(())
    }
}

fn optional_imap_url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ImapUrl>, D::Error> {
    let text = String::deserialize(d)?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(serde::de::Error::custom)
}

/// A parsed `imaps://user:password@host:port/Folder`. `Debug` and `Display`
/// leave the password out: it can be logged as it is.
#[derive(Clone, PartialEq, Eq)]
pub struct ImapUrl {
    pub host: String,
    pub port: u16,
    /// TLS from the first byte (`imaps://`); plain text (`imap://`) only to
    /// this machine.
    pub tls: bool,
    pub user: String,
    password: String,
    /// The folder that is read; `INBOX` unless the URL names one.
    pub folder: String,
}

impl ImapUrl {
    pub fn password(&self) -> &str {
        &self.password
    }
}

impl fmt::Display for ImapUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.tls { "imaps" } else { "imap" };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        write!(
            f,
            "{scheme}://{}@{host}:{}/{}",
            self.user, self.port, self.folder
        )
    }
}

impl fmt::Debug for ImapUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ImapUrl({self})")
    }
}

impl FromStr for ImapUrl {
    type Err = String;

    /// Messages never repeat the URL: it holds a password.
    fn from_str(text: &str) -> Result<Self, String> {
        const EXAMPLE: &str = "e.g. imaps://bounces:password@mail.example.nl/INBOX";
        let url =
            url::Url::parse(text.trim()).map_err(|e| format!("not a URL ({e}); {EXAMPLE}"))?;
        let host = match url.host() {
            Some(url::Host::Domain(d)) if !d.is_empty() => d.to_ascii_lowercase(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            _ => return Err(format!("the IMAP URL has no host; {EXAMPLE}")),
        };
        let loopback = host == "localhost"
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        let tls = match url.scheme() {
            "imaps" => true,
            "imap" if loopback => false,
            "imap" => {
                return Err(format!(
                    "imap:// sends the password unencrypted and is only accepted to this machine (127.0.0.1 or localhost); use imaps://, {EXAMPLE}"
                ));
            }
            other => {
                return Err(format!(
                    "scheme {}:// is not supported: use imaps://, {EXAMPLE}",
                    other.chars().take(20).collect::<String>()
                ));
            }
        };
        if url.query().is_some() || url.fragment().is_some() {
            return Err(format!(
                "the IMAP URL takes no ?options or #fragment; {EXAMPLE}"
            ));
        }
        let user = url_part(url.username(), "user name")?;
        let password = url_part(url.password().unwrap_or(""), "password")?;
        if user.is_empty() || password.is_empty() {
            return Err(format!(
                "the IMAP URL needs a user name and a password; {EXAMPLE}"
            ));
        }
        let folder = url_part(url.path().trim_start_matches('/'), "folder")?;
        let folder = match folder.trim() {
            "" => "INBOX".to_string(),
            f if f.chars().any(unfit) => {
                return Err("the folder in the IMAP URL has a character IMAP cannot take".into());
            }
            f => f.to_string(),
        };
        Ok(Self {
            port: url.port().unwrap_or(if tls { 993 } else { 143 }),
            host,
            tls,
            user,
            password,
            folder,
        })
    }
}

/// A character that a folder name sent to the server cannot hold.
fn unfit(c: char) -> bool {
    c.is_control() || matches!(c, '"' | '\\' | '*' | '%')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_user_password_host_port_and_folder() {
        let u: ImapUrl = "imaps://bounces%40kus.nl:ge+heim%2F%25@Mail.Example.nl/Bounces%20in"
            .parse()
            .expect("valid");
        assert_eq!(u.user, "bounces@kus.nl");
        assert_eq!(u.password(), "ge+heim/%");
        assert_eq!(
            (u.host.as_str(), u.port, u.tls),
            ("mail.example.nl", 993, true)
        );
        assert_eq!(u.folder, "Bounces in");
        let u: ImapUrl = "imaps://u:p@127.0.0.1:1993".parse().expect("valid");
        assert_eq!((u.port, u.folder.as_str()), (1993, "INBOX"));
        let u: ImapUrl = "imap://u:p@localhost/".parse().expect("loopback");
        assert_eq!((u.port, u.tls), (143, false));
    }

    #[test]
    fn refuses_plain_text_elsewhere_and_other_schemes() {
        for (bad, says) in [
            (
                "imap://u:hunter2@mail.example.nl",
                "only accepted to this machine",
            ),
            ("pop3://u:hunter2@mail.example.nl", "not supported"),
            (
                "imaps://u@mail.example.nl",
                "needs a user name and a password",
            ),
            ("imaps://u:hunter2@mail.example.nl/INBOX?x=1", "no ?options"),
            ("imaps://u:hunter2@", "host"),
            ("hunter2@mail.example.nl", "not a URL"),
        ] {
            let e = bad.parse::<ImapUrl>().expect_err(bad);
            assert!(e.contains(says), "{bad}: {e}");
            assert!(!e.contains("hunter2"), "{e}");
        }
    }

    #[test]
    fn the_password_is_never_shown() {
        let u: ImapUrl = "imaps://u:hunter2@h/INBOX".parse().expect("valid");
        assert_eq!(u.to_string(), "imaps://u@h:993/INBOX");
        assert!(!format!("{u:?}").contains("hunter2"));
        let b = Bounces {
            imap_url: Some(u),
            ..Bounces::default()
        };
        assert!(!format!("{b:?}").contains("hunter2"));
    }

    #[test]
    fn the_handled_folder_differs_from_the_one_read() {
        let b = Bounces {
            imap_url: "imaps://u:p@h/Done".parse().ok(),
            handled_folder: "done".into(),
            ..Bounces::default()
        };
        assert!(b.validate().is_err());
        assert!(Bounces::default().validate().is_ok());
    }
}
