//! Where mail goes: an SMTP server (`smtp://`, `smtps://`, `?tls=required`) or a
//! folder of `.eml` files (`file://outbox`, lettre's file transport).

use lettre::AsyncTransport;
use lettre::address::Envelope;
use std::path::PathBuf;
use std::time::Duration;

use super::outcome::Outcome;
use super::smtp::{SmtpTarget, Tls};
use super::transaction::transact;

#[derive(Debug, Clone)]
pub enum TransportKind {
    Smtp(SmtpTarget),
    File(PathBuf),
}

impl TransportKind {
    pub fn parse(url: &str) -> Result<Self, String> {
        if let Some(dir) = url.strip_prefix("file://") {
            if dir.is_empty() {
                return Err("file:// needs a folder, e.g. file://outbox".into());
            }
            return Ok(TransportKind::File(PathBuf::from(dir)));
        }
        let parsed = url::Url::parse(url)
            .map_err(|e| format!("{url:?} is not a URL ({e}); e.g. smtp://127.0.0.1:2525"))?;
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
                (k, v) => {
                    return Err(format!(
                        "unknown SMTP URL option {k}={v}: only ?tls=required is supported"
                    ));
                }
            }
        }
        let decode = |s: &str| percent_decode(s);
        let credentials = (!parsed.username().is_empty()).then(|| {
            (
                decode(parsed.username()),
                decode(parsed.password().unwrap_or("")),
            )
        });
        Ok(TransportKind::Smtp(SmtpTarget {
            host,
            port,
            tls,
            credentials,
        }))
    }
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Opens connections and sends; shared by all workers.
#[derive(Debug, Clone)]
pub struct Connector {
    kind: TransportKind,
    timeout: Duration,
    file: Option<lettre::AsyncFileTransport<lettre::Tokio1Executor>>,
}

/// One worker's connection, kept open between messages.
#[derive(Default)]
pub struct Session {
    conn: Option<lettre::transport::smtp::client::AsyncSmtpConnection>,
}

impl Connector {
    /// `base` resolves a relative outbox folder.
    pub fn new(
        kind: TransportKind,
        timeout: Duration,
        base: &std::path::Path,
    ) -> std::io::Result<Self> {
        let (kind, file) = match kind {
            TransportKind::File(dir) => {
                let dir = if dir.is_absolute() {
                    dir
                } else {
                    base.join(dir)
                };
                std::fs::create_dir_all(&dir)?;
                (
                    TransportKind::File(dir.clone()),
                    Some(lettre::AsyncFileTransport::new(dir)),
                )
            }
            other => (other, None),
        };
        Ok(Self {
            kind,
            timeout,
            file,
        })
    }

    pub fn kind(&self) -> &TransportKind {
        &self.kind
    }

    /// Sends one message, reusing the session's connection when it is healthy.
    pub async fn send(&self, session: &mut Session, envelope: &Envelope, bytes: &[u8]) -> Outcome {
        if let Some(file) = &self.file {
            return match file.send_raw(envelope, bytes).await {
                Ok(id) => Outcome::Sent(format!("written to {id}.eml")),
                Err(e) => Outcome::Transient(format!("cannot write to the outbox folder: {e}")),
            };
        }
        let TransportKind::Smtp(target) = &self.kind else {
            return Outcome::Permanent("no transport configured".into());
        };
        if session.conn.as_ref().is_none_or(|c| c.has_broken()) {
            match tokio::time::timeout(self.timeout, target.connect(self.timeout)).await {
                Ok(Ok(c)) => session.conn = Some(c),
                Ok(Err(e)) => {
                    return Outcome::Transient(format!("cannot connect to the SMTP server: {e}"));
                }
                Err(_) => {
                    return Outcome::Transient("connecting to the SMTP server timed out".into());
                }
            }
        }
        let Some(conn) = session.conn.as_mut() else {
            return Outcome::Transient("no SMTP connection".into());
        };
        let outcome = transact(conn, envelope, bytes, self.timeout).await;
        if !matches!(outcome, Outcome::Sent(_)) {
            // After an error the SMTP dialogue may be out of step: start afresh.
            if let Some(mut c) = session.conn.take() {
                let _ = tokio::time::timeout(Duration::from_secs(2), c.abort()).await;
            }
        }
        outcome
    }

    pub async fn close(&self, session: &mut Session) {
        if let Some(mut c) = session.conn.take() {
            let _ = tokio::time::timeout(Duration::from_secs(2), c.quit()).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_supported_urls() {
        assert!(matches!(
            TransportKind::parse("file://outbox"),
            Ok(TransportKind::File(_))
        ));
        let TransportKind::Smtp(t) =
            TransportKind::parse("smtp://u%40x:p%2Fw@127.0.0.1:2525?tls=required").expect("ok")
        else {
            panic!("smtp expected")
        };
        assert_eq!(
            (t.host.as_str(), t.port, t.tls),
            ("127.0.0.1", 2525, Tls::Starttls)
        );
        assert_eq!(t.credentials, Some(("u@x".to_string(), "p/w".to_string())));
        assert!(TransportKind::parse("http://x").is_err());
        assert!(TransportKind::parse("smtp://x?foo=bar").is_err());
    }
}
