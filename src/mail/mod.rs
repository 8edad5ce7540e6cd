//! Mail out: composing messages (headers, body, DKIM signature) and handing
//! them to an SMTP server or the outbox folder over connections postbode
//! opens itself.

pub mod compose;
pub mod dkim;
pub mod smtp;
pub mod transaction;
pub mod transport;
pub mod wire;

use anyhow::{Context, Result};
use std::time::Duration;

pub use compose::{Composer, Kind, Outgoing};
pub use transport::{Connector, Session};

use crate::config::Config;
use crate::domain::reply::Outcome;

/// Composing and sending, as one service: what every part that mails needs.
#[derive(Debug, Clone)]
pub struct Mailer {
    pub composer: Composer,
    pub connector: Connector,
}

impl Mailer {
    /// Reads the DKIM key and prepares the transport; a key that cannot be
    /// used or an outbox that cannot be made stops the program at start-up.
    pub fn new(config: &Config) -> Result<Self> {
        let connector = Connector::new(
            &config.smtp.url,
            Duration::from_secs(config.smtp.timeout_secs),
            &config.base_dir,
        )
        .context("smtp.url: cannot create the outbox folder")?;
        Ok(Self {
            composer: Composer::new(config)?,
            connector,
        })
    }

    /// Sends one message on a connection of its own: for mail that is not
    /// part of a ledger (confirmations, proofs, error reports).
    pub async fn send_now(&self, out: &Outgoing) -> Outcome {
        let mut session = Session::default();
        let outcome = self
            .connector
            .send(&mut session, &out.envelope, &out.bytes)
            .await;
        self.connector.close(&mut session).await;
        outcome
    }
}
