//! The bounce mailbox (`[bounces] imap_url`): the reports in one IMAP folder
//! are handled as `postbode bounce` handles one from Postfix (`handle`), and
//! then moved to `bounces.handled_folder`. Runs in the leading process only,
//! so that several processes on one database do not read the folder twice.
//!
//! Whatever the server does, this never stops the daemon: a failed
//! connection or login is logged and tried again later, less often each time.

pub mod connect;
pub mod folder;

use anyhow::Result;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

use crate::config::{Config, ImapUrl};
use crate::domain::clock::SharedClock;
use crate::domain::token::TokenSigner;
use crate::storage::Db;
use connect::OpenError;

/// The first wait after a failure; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(5);
const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// A connection that lasted this long was a good one: the next failure
/// starts the waits over.
const HEALTHY: Duration = Duration::from_secs(300);

pub struct BounceMailbox {
    url: ImapUrl,
    handled_folder: String,
    poll: Duration,
    tls: Arc<rustls::ClientConfig>,
    db: Db,
    signer: TokenSigner,
    clock: SharedClock,
    /// Messages (UIDVALIDITY, UID) that are no report postbode can place:
    /// logged once and left alone, also when the server cannot flag them.
    skipped: HashSet<(u32, u32)>,
}

impl BounceMailbox {
    /// `None` when no mailbox is configured; an error when `bounces.ca_file`
    /// cannot be read.
    pub fn from_config(
        config: &Config,
        db: Db,
        signer: TokenSigner,
        clock: SharedClock,
    ) -> Result<Option<Self>> {
        let b = &config.bounces;
        let Some(url) = b.imap_url.clone() else {
            return Ok(None);
        };
        let ca_file = (!b.ca_file.as_os_str().is_empty()).then(|| config.resolve(&b.ca_file));
        Ok(Some(Self {
            url,
            handled_folder: b.handled_folder.trim().to_string(),
            poll: Duration::from_secs(b.poll_secs),
            tls: connect::tls_config(ca_file.as_deref())?,
            db,
            signer,
            clock,
            skipped: HashSet::new(),
        }))
    }

    /// Reads the folder until `token` is cancelled, reconnecting after
    /// failures.
    pub async fn run(mut self, token: CancellationToken) {
        tracing::info!(mailbox = %self.url, handled_folder = %self.handled_folder, "reading bounces from the mailbox");
        let mut backoff = FIRST_BACKOFF;
        loop {
            let started = Instant::now();
            let outcome = tokio::select! {
                r = self.connection() => r,
                _ = token.cancelled() => return,
            };
            if started.elapsed() >= HEALTHY {
                backoff = FIRST_BACKOFF;
            }
            let wait = backoff.as_secs();
            match outcome {
                Ok(()) => {}
                Err(OpenError::Login(why)) => tracing::error!(
                    mailbox = %self.url,
                    "bounce mailbox: the server refused the login ({why}); check the user name and password in bounces.imap_url; trying again in {wait} seconds"
                ),
                Err(OpenError::Other(e)) => tracing::error!(
                    mailbox = %self.url,
                    "bounce mailbox: {}; trying again in {wait} seconds",
                    connect::clean(&format!("{e:#}"))
                ),
            }
            tokio::select! {
                _ = tokio::time::sleep(backoff) => {}
                _ = token.cancelled() => return,
            }
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// One connection: log in, then read the folder and wait for news, for
    /// as long as the server goes along.
    async fn connection(&mut self) -> Result<(), OpenError> {
        let mut imap = connect::open(&self.url, &self.tls).await?;
        let folder = folder::Folder::open(&mut imap, &self.url.folder, &self.handled_folder)
            .await
            .map_err(OpenError::Other)?;
        tracing::debug!(mailbox = %self.url, idle = folder.can_idle, "bounce mailbox: logged in");
        loop {
            folder.read(&mut imap, self).await?;
            imap = folder.wait(imap, self.poll).await?;
        }
    }
}
