//! One selected folder: every message not yet looked at is handled, a
//! handled one is moved away, one that is no report postbode can place
//! stays, is flagged and is logged once; then wait for news (IDLE when the
//! server offers it, else a pause).

use anyhow::{Context, Result, anyhow};
use futures_util::StreamExt;
use std::time::Duration;

use super::BounceMailbox;
use super::connect::{Imap, clean};
use crate::bounces::{Failure, MAX_REPORT_BYTES, handle};
use crate::domain::clock::epoch;
use crate::domain::redact::redact_addresses;

/// Set on a message that is no report postbode can place, so that it is
/// passed over, also after a restart, until a person deals with it.
pub const SKIPPED: &str = "$postbode-unparsed";

/// One pass over the folder, or one wait for news, that takes longer than
/// this is taken for a connection that hangs.
const STEP_LIMIT: Duration = Duration::from_secs(300);

pub struct Folder {
    pub can_idle: bool,
    can_move: bool,
    can_uid_expunge: bool,
    uid_validity: u32,
}

impl Folder {
    /// Selects `name` and makes sure `handled` exists.
    pub async fn open(imap: &mut Imap, name: &str, handled: &str) -> Result<Self> {
        let caps = imap.capabilities().await.context("CAPABILITY")?;
        let quoted = format!("\"{handled}\"");
        let listed = imap
            .list(None, Some(quoted.as_str()))
            .await
            .context("LIST")?
            .collect::<Vec<_>>()
            .await;
        if listed.iter().all(|n| n.is_err()) {
            imap.create(handled).await.map_err(|e| {
                anyhow!(
                    "cannot create the folder {handled:?}: {}",
                    clean(&e.to_string())
                )
            })?;
            tracing::info!(
                folder = handled,
                "bounce mailbox: created the folder for handled reports"
            );
        }
        let selected = imap
            .select(name)
            .await
            .map_err(|e| anyhow!("cannot open the folder {name:?}: {}", clean(&e.to_string())))?;
        Ok(Self {
            can_idle: caps.has_str("IDLE"),
            can_move: caps.has_str("MOVE"),
            can_uid_expunge: caps.has_str("UIDPLUS"),
            uid_validity: selected.uid_validity.unwrap_or(0),
        })
    }

    /// Handles every message in the folder that was not passed over before.
    pub async fn read(&self, imap: &mut Imap, mb: &mut BounceMailbox) -> Result<()> {
        tokio::time::timeout(STEP_LIMIT, self.read_all(imap, mb))
            .await
            .map_err(|_| {
                anyhow!(
                    "reading the folder took over {} seconds",
                    STEP_LIMIT.as_secs()
                )
            })?
    }

    async fn read_all(&self, imap: &mut Imap, mb: &mut BounceMailbox) -> Result<()> {
        while imap.unsolicited_responses.try_recv().is_ok() {}
        let found = imap
            .uid_search(format!("UNKEYWORD {SKIPPED}"))
            .await
            .context("SEARCH")?;
        let mut uids: Vec<u32> = found
            .into_iter()
            .filter(|uid| !mb.skipped.contains(&(self.uid_validity, *uid)))
            .collect();
        uids.sort_unstable();
        for uid in uids {
            let raw = match fetch(imap, uid).await? {
                Fetched::Gone => continue,
                Fetched::TooLarge(bytes) => {
                    tracing::warn!(
                        uid,
                        bytes,
                        "bounce mailbox: a message too large to be a report is left in the folder for a person to look at"
                    );
                    mb.skipped.insert((self.uid_validity, uid));
                    self.flag_skipped(imap, uid).await;
                    continue;
                }
                Fetched::Message(raw) => raw,
            };
            let now = epoch(mb.clock.now());
            match handle(&mb.db, &mb.signer, &raw, None, now).await {
                Ok(done) => {
                    if let Some(alert) = &done.alert {
                        tracing::warn!("ALERT: {alert}");
                    }
                    tracing::info!(uid, "bounce mailbox: {}", done.summary);
                    self.file_away(imap, uid, &mb.handled_folder).await?;
                }
                Err(e @ (Failure::Unreadable(_) | Failure::Unidentified(_))) => {
                    tracing::warn!(
                        uid,
                        "bounce mailbox: a message is left in the folder for a person to look at: {}; nothing changed",
                        redact_addresses(&e.to_string())
                    );
                    mb.skipped.insert((self.uid_validity, uid));
                    self.flag_skipped(imap, uid).await;
                }
                Err(Failure::Temporary(e)) => {
                    return Err(anyhow!(
                        "database error: {e:#}; the report stays in the folder and is read again"
                    ));
                }
            }
        }
        Ok(())
    }

    /// Moves a handled report to `to` (MOVE, else COPY, \Deleted and EXPUNGE).
    async fn file_away(&self, imap: &mut Imap, uid: u32, to: &str) -> Result<()> {
        let set = uid.to_string();
        let failed = |e: async_imap::error::Error| {
            anyhow!(
                "cannot move a handled report to {to:?}: {}",
                clean(&e.to_string())
            )
        };
        if self.can_move {
            return imap.uid_mv(&set, to).await.map_err(failed);
        }
        imap.uid_copy(&set, to).await.map_err(failed)?;
        drain(
            imap.uid_store(&set, "+FLAGS.SILENT (\\Deleted)")
                .await
                .map_err(failed)?,
        )
        .await;
        if self.can_uid_expunge {
            drain(imap.uid_expunge(&set).await.map_err(failed)?).await;
        } else {
            drain(imap.expunge().await.map_err(failed)?).await;
        }
        Ok(())
    }

    /// Best effort: a server without keywords still has the UID remembered.
    async fn flag_skipped(&self, imap: &mut Imap, uid: u32) {
        let query = format!("+FLAGS.SILENT ({SKIPPED})");
        match imap.uid_store(uid.to_string(), query).await {
            Ok(answers) => drain(answers).await,
            Err(e) => tracing::debug!(
                "bounce mailbox: cannot flag a message: {}",
                clean(&e.to_string())
            ),
        }
    }

    /// Waits for news: IDLE (the server says when mail arrives) for at most
    /// `poll`, else `poll` itself; the folder is read again either way.
    pub async fn wait(&self, imap: Imap, poll: Duration) -> Result<Imap> {
        if !self.can_idle {
            tokio::time::sleep(poll).await;
            return Ok(imap);
        }
        let mut idle = imap.idle();
        idle.init().await.context("IDLE")?;
        {
            let (news, _stop) = idle.wait_with_timeout(poll);
            tokio::select! {
                r = news => { r.context("IDLE")?; }
                _ = tokio::time::sleep(poll) => {}
            }
        }
        tokio::time::timeout(STEP_LIMIT, idle.done())
            .await
            .map_err(|_| anyhow!("no answer to DONE within {} seconds", STEP_LIMIT.as_secs()))?
            .context("DONE")
    }
}

enum Fetched {
    /// Expunged by someone else meanwhile.
    Gone,
    /// Larger than a report can be: not read at all.
    TooLarge(u32),
    Message(Vec<u8>),
}

/// The whole message, without marking it as seen.
async fn fetch(imap: &mut Imap, uid: u32) -> Result<Fetched> {
    let set = uid.to_string();
    let sizes: Vec<_> = imap
        .uid_fetch(&set, "RFC822.SIZE")
        .await
        .context("FETCH")?
        .collect()
        .await;
    let size = sizes
        .iter()
        .filter_map(|f| f.as_ref().ok())
        .find(|f| f.uid == Some(uid))
        .and_then(|f| f.size);
    match size {
        None => return Ok(Fetched::Gone),
        Some(n) if u64::from(n) > MAX_REPORT_BYTES => return Ok(Fetched::TooLarge(n)),
        Some(_) => {}
    }
    let mut answers = imap.uid_fetch(&set, "BODY.PEEK[]").await.context("FETCH")?;
    let mut body = None;
    while let Some(answer) = answers.next().await {
        let answer = answer.context("FETCH")?;
        if answer.uid == Some(uid) {
            body = answer.body().map(<[u8]>::to_vec);
        }
    }
    Ok(body.map_or(Fetched::Gone, Fetched::Message))
}

/// Reads a command's answers to the end, so the next command can be sent.
async fn drain<S: futures_util::Stream>(answers: S) {
    let mut answers = std::pin::pin!(answers);
    while answers.next().await.is_some() {}
}
