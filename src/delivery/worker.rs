//! One worker: takes jobs from the dispatcher, builds each message, writes
//! `sending`, hands it to its own SMTP connection and records the reply. A
//! fault while building one message fails that message, not the worker.

use anyhow::Result;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

use super::content::{Job, NotBuilt, compose};
use super::engine::{Engine, InFlight, Stage};
use super::health::{Change, PAUSE_KEY};
use super::outcome::log_verdict;
use crate::domain::redact::redact_addresses;
use crate::domain::reply::{Verdict, of_attempt};
use crate::domain::subscriber::Recipient;
use crate::domain::verp::{VerpRef, sender};
use crate::mail::{Outgoing, Session};
use crate::storage::deliveries::Claimed;
use crate::storage::ledger_batch::Sending;

/// How long a delivery waits when its issue cannot be rendered (e.g. a layout went missing).
const RENDER_RETRY_SECS: i64 = 600;

impl Engine {
    pub(super) async fn worker(
        self: Arc<Self>,
        index: usize,
        rx: async_channel::Receiver<Job>,
        shutdown: CancellationToken,
    ) {
        self.liveness.worker_started();
        let mut session = Session::default();
        while let Ok(job) = rx.recv().await {
            if shutdown.is_cancelled() || self.health.hold_until() > self.now() {
                // Not started (stopping, or sending is paused): back to the queue.
                let _ = self
                    .db
                    .release(job.row.ledger, job.row.id, self.now())
                    .await;
                // The dispatcher may be asleep: it should take the row up
                // again once the hold is over.
                if rx.is_empty() {
                    self.wake.notify_one();
                }
                continue;
            }
            self.hold(index, &job.row, false);
            self.liveness.busy(index, self.now());
            self.deliver(job, &mut session, &shutdown, index).await;
            self.release_slot(index);
            self.liveness.idle(index);
            self.liveness.beat(self.now());
            if rx.is_empty() {
                self.wake.notify_one();
            }
        }
        self.connector.close(&mut session).await;
        self.liveness.worker_stopped(index);
    }

    fn probe(&self, stage: Stage, recipient: &Recipient) {
        if let Some(p) = &self.probe {
            p(stage, recipient);
        }
    }

    fn hold(&self, index: usize, row: &Claimed, handed_over: bool) {
        if let Some(slot) = self
            .in_flight
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_mut(index)
        {
            *slot = Some(InFlight {
                ledger: row.ledger,
                id: row.id,
                handed_over,
            });
        }
    }

    fn release_slot(&self, index: usize) {
        if let Some(slot) = self
            .in_flight
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_mut(index)
        {
            *slot = None;
        }
    }

    async fn deliver(
        &self,
        job: Job,
        session: &mut Session,
        shutdown: &CancellationToken,
        index: usize,
    ) {
        let db = &self.db;
        let (ledger, id) = (job.row.ledger, job.row.id);
        let Some(recipient) = job.recipient.clone() else {
            log_db(
                db.mark_failed(
                    ledger,
                    id,
                    "subscriber no longer exists, or its address cannot be read",
                    self.now(),
                )
                .await,
            );
            return;
        };
        // Personalising, MIME encoding and DKIM signing are CPU work (about
        // 2 ms with a signature): the runtime moves its other tasks off this
        // thread meanwhile, so web pages and timers stay responsive. A panic
        // in there is a fault in postbode or a library, about this message:
        // the message fails, the worker goes on.
        let built = tokio::task::block_in_place(|| {
            std::panic::catch_unwind(AssertUnwindSafe(|| {
                self.probe(Stage::Compose, &recipient);
                compose(&self.mails, &job, &recipient)
            }))
        });
        let out = match built {
            Ok(Ok(out)) => out,
            Ok(Err(NotBuilt::Retry(e))) => {
                self.metrics.build_error();
                tracing::error!(
                    delivery = id,
                    "cannot build the message, retrying later: {e}"
                );
                log_db(
                    db.mark_retry(ledger, id, &e, self.now() + RENDER_RETRY_SECS, self.now())
                        .await,
                );
                return;
            }
            Ok(Err(NotBuilt::Skip(why))) => {
                log_db(db.mark_skipped(ledger, id, &why, self.now()).await);
                return;
            }
            Ok(Err(NotBuilt::Fail(e))) => {
                self.metrics.build_error();
                tracing::error!(delivery = id, "cannot build the message: {e}");
                let reply = format!("cannot build the message: {e}");
                log_db(db.mark_failed(ledger, id, &reply, self.now()).await);
                return;
            }
            Err(panic) => {
                self.metrics.build_error();
                let why = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "no message".into());
                let reply =
                    format!("postbode could not build this message (internal error: {why})");
                log_db(db.mark_failed(ledger, id, &reply, self.now()).await);
                self.alert(&format!(
                    "delivery {id} to subscriber {} failed: {}; the other messages go on",
                    recipient.id,
                    redact_addresses(&reply)
                ))
                .await;
                return;
            }
        };
        let out = self.with_verp(&job.row, out);
        if let Some(l) = &self.limiter {
            l.until_ready().await;
        }
        let marking = Sending {
            id,
            message_id: out.message_id.clone(),
            at: self.now(),
        };
        match self.ledger.sending(ledger, &marking).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => {
                tracing::error!(delivery = id, "cannot record the send, not sending: {e:#}");
                // Back to the queue, however long the database takes: a row
                // left `claimed`, or `sending` by a mark written after all,
                // would wait for the next start and end `unknown`.
                let _ = until_written(
                    shutdown,
                    id,
                    "the delivery ledger cannot be written",
                    || db.release_unsent(ledger, &marking, self.now()),
                )
                .await;
                return;
            }
        }
        self.hold(index, &job.row, true);
        self.probe(Stage::Send, &recipient);
        let started = std::time::Instant::now();
        let outcome = self
            .connector
            .send(session, &out.envelope, &out.bytes)
            .await;
        self.metrics
            .transaction(ledger, &outcome, started.elapsed().as_secs_f64());
        let now = self.now();
        let verdict = of_attempt(&outcome);
        self.take_health(verdict, outcome.reply(), now).await;
        log_verdict(id, verdict, outcome.reply());
        // The message is out (or refused): its result must be written down.
        // While the database cannot take it, this worker waits and sends
        // nothing; the result is kept, not lost.
        let written = until_written(
            shutdown,
            id,
            "the result cannot be written (is the database read-only or its disk full?)",
            || self.record(&job.row, &recipient, &outcome, verdict, now),
        )
        .await;
        if let Err(e) = written {
            // Stopping: the row stays `sending`, `unknown` at the next start, never resent.
            tracing::error!(
                delivery = id,
                "cannot record the result before stopping ({}): {e:#}",
                redact_addresses(outcome.reply())
            );
        }
    }

    /// With `smtp.bounce_domain` set, the envelope sender becomes the VERP
    /// address of the message's ledger row (see `domain::verp`).
    fn with_verp(&self, row: &Claimed, mut out: Outgoing) -> Outgoing {
        let Some(domain) = &self.settings.bounce_domain else {
            return out;
        };
        let r = VerpRef {
            ledger: row.ledger,
            row_id: row.id,
            subscriber_id: row.subscriber_id,
        };
        let envelope = sender(self.mails.links.signer(), domain.as_str(), r).and_then(|from| {
            lettre::address::Envelope::new(Some(from), out.envelope.to().to_vec()).ok()
        });
        match envelope {
            Some(e) => out.envelope = e,
            // The domain was checked at start-up; never stop a send over it.
            None => tracing::error!("smtp.bounce_domain does not make a valid address"),
        }
        out
    }

    /// Logs and announces pauses and slow-downs.
    async fn take_health(&self, verdict: Verdict, reply: &str, now: i64) {
        match self.health.note(verdict, reply, now) {
            Change::None => {}
            Change::Throttled { secs } => tracing::warn!(
                "the SMTP server asks us to slow down: no new messages for {secs} s ({})",
                redact_addresses(reply)
            ),
            Change::Paused(p) => {
                tracing::error!(
                    failures = p.failures,
                    "sending paused for {} s after {} failed attempts in a row; last reply: {}",
                    p.until - p.since,
                    p.failures,
                    p.last_reply
                );
                let json = serde_json::to_string(&p).unwrap_or_default();
                if let Err(e) = self.db.set_setting(PAUSE_KEY, &json).await {
                    tracing::warn!("cannot record the pause for `postbode status`: {e:#}");
                }
            }
            Change::Recovered => {
                tracing::info!("sending resumed: the SMTP server accepts messages again");
                let _ = self.db.set_setting(PAUSE_KEY, "").await;
            }
        }
    }
}

/// Repeats a ledger write until the database takes it, 1 s, 2 s … 30 s
/// apart, saying each time that sending is held: the worker sends nothing
/// meanwhile and the outcome it holds is not lost. Gives up only when the
/// process stops, with the last error.
async fn until_written<F, Fut>(
    shutdown: &CancellationToken,
    delivery: i64,
    what: &str,
    mut write: F,
) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    let mut wait = 1;
    loop {
        let Err(e) = write().await else {
            return Ok(());
        };
        if shutdown.is_cancelled() {
            return Err(e);
        }
        tracing::error!(
            delivery,
            "sending is held: {what}; retrying in {wait} s: {e:#}"
        );
        tokio::time::sleep(Duration::from_secs(wait)).await;
        wait = (wait * 2).min(30);
    }
}

fn log_db(r: Result<()>) {
    if let Err(e) = r {
        tracing::error!("cannot update the delivery ledger: {e:#}");
    }
}
