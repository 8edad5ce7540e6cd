//! Where mail goes: an SMTP server (`smtp://`, `smtps://`, `?tls=required`) or a
//! folder of `.eml` files (`file://outbox`, lettre's file transport).

use lettre::AsyncTransport;
use lettre::address::Envelope;
use std::time::Duration;

use super::smtp::connect;
use super::transaction::transact;
use super::wire::Outbox;
use crate::config::{SmtpTarget, SmtpUrl};
use crate::domain::reply::Outcome;

/// Opens connections and sends; shared by all workers.
#[derive(Debug, Clone)]
pub struct Connector {
    smtp: Option<SmtpTarget>,
    timeout: Duration,
    file: Option<lettre::AsyncFileTransport<lettre::Tokio1Executor>>,
}

/// One worker's connection, kept open between messages.
#[derive(Default)]
pub struct Session {
    conn: Option<lettre::transport::smtp::client::AsyncSmtpConnection>,
    /// Present while `conn` is plain and its server pipelines.
    outbox: Option<Outbox>,
}

impl Session {
    /// Whether the open connection pipelines its commands (see `wire`).
    pub fn pipelines(&self) -> bool {
        self.conn.is_some() && self.outbox.is_some()
    }
}

impl Connector {
    /// `base` resolves a relative outbox folder, which is created.
    pub fn new(url: &SmtpUrl, timeout: Duration, base: &std::path::Path) -> std::io::Result<Self> {
        let (smtp, file) = match url {
            SmtpUrl::File(dir) => {
                let dir = if dir.is_absolute() {
                    dir.clone()
                } else {
                    base.join(dir)
                };
                std::fs::create_dir_all(&dir)?;
                (None, Some(lettre::AsyncFileTransport::new(dir)))
            }
            SmtpUrl::Smtp(target) => (Some(target.clone()), None),
        };
        Ok(Self {
            smtp,
            timeout,
            file,
        })
    }

    /// Sends one message, reusing the session's connection when it is healthy.
    pub async fn send(&self, session: &mut Session, envelope: &Envelope, bytes: &[u8]) -> Outcome {
        if let Some(file) = &self.file {
            return match file.send_raw(envelope, bytes).await {
                Ok(id) => Outcome::Sent(format!("written to {id}.eml")),
                Err(e) => Outcome::Transient(format!("cannot write to the outbox folder: {e}")),
            };
        }
        let Some(target) = &self.smtp else {
            return Outcome::Permanent("no transport configured".into());
        };
        if session.conn.as_ref().is_none_or(|c| c.has_broken()) {
            match tokio::time::timeout(self.timeout, connect(target, self.timeout)).await {
                Ok(Ok((c, outbox))) => {
                    session.conn = Some(c);
                    session.outbox = outbox;
                }
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
        let outbox = session.outbox.as_ref();
        let outcome = transact(conn, outbox, envelope, bytes, self.timeout).await;
        if !matches!(outcome, Outcome::Sent(_)) {
            // After an error the SMTP dialogue may be out of step: start afresh.
            // What was queued and not written belongs to the failed attempt.
            if let Some(outbox) = session.outbox.take() {
                outbox.clear();
            }
            if let Some(mut c) = session.conn.take() {
                let _ = tokio::time::timeout(Duration::from_secs(2), c.abort()).await;
            }
        }
        outcome
    }

    pub async fn close(&self, session: &mut Session) {
        session.outbox = None;
        if let Some(mut c) = session.conn.take() {
            let _ = tokio::time::timeout(Duration::from_secs(2), c.quit()).await;
        }
    }
}
