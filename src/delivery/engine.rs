//! The sender: one dispatcher claims due ledger rows in batches and hands them to
//! `smtp.connections` workers, each with its own connection. The channel between
//! them is bounded, so memory does not depend on the size of the list.

use anyhow::Result;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

use super::outcome::{Outcome, backoff_secs, redact_addresses};
use super::transport::Session;
use crate::context::Ctx;
use crate::domain::subscriber::Recipient;
use crate::mailer::Kind;
use crate::render::IssueRenderer;
use crate::storage::deliveries::Claimed;

const BATCH: i64 = 200;
/// How long a delivery waits when its issue cannot be rendered (e.g. a layout went missing).
const RENDER_RETRY_SECS: i64 = 600;

struct Job {
    row: Claimed,
    recipient: Option<Recipient>,
    renderer: Result<Arc<IssueRenderer>, String>,
}

pub struct Engine {
    ctx: Arc<Ctx>,
    renderers: Mutex<HashMap<i64, Arc<IssueRenderer>>>,
    limiter: Option<DefaultDirectRateLimiter>,
}

impl Engine {
    pub fn new(ctx: Arc<Ctx>) -> Arc<Self> {
        let limiter = NonZeroU32::new(ctx.config.smtp.rate_per_second)
            .map(|r| RateLimiter::direct(Quota::per_second(r)));
        Arc::new(Self {
            ctx,
            renderers: Mutex::new(HashMap::new()),
            limiter,
        })
    }

    /// Runs until `shutdown`; messages being sent then are finished and recorded.
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) {
        let workers = self.ctx.config.smtp.connections.max(1);
        let (tx, rx) = async_channel::bounded::<Job>(workers * 4);
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..workers {
            set.spawn(self.clone().worker(rx.clone(), shutdown.clone()));
        }
        drop(rx);
        self.dispatch(&tx, &shutdown).await;
        tx.close();
        while set.join_next().await.is_some() {}
    }

    async fn dispatch(&self, tx: &async_channel::Sender<Job>, shutdown: &CancellationToken) {
        let db = &self.ctx.db;
        loop {
            if shutdown.is_cancelled() {
                return;
            }
            let now = self.ctx.now();
            let wait = match self.fill(tx, now).await {
                Ok(0) => {
                    match db.finish_sent_issues(now).await {
                        Ok(done) => {
                            for slug in done {
                                tracing::info!(issue = %slug, "issue sent to every recipient");
                                self.forget_finished();
                            }
                        }
                        Err(e) => tracing::error!("cannot update issue states: {e:#}"),
                    }
                    let next = db.next_delivery_due().await.ok().flatten();
                    Duration::from_secs(next.map_or(60, |t| (t - now).clamp(1, 60)) as u64)
                }
                Ok(_) => continue,
                Err(e) => {
                    tracing::error!(
                        "the sender cannot read the delivery ledger, retrying in 5 s: {e:#}"
                    );
                    Duration::from_secs(5)
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.ctx.wake_sender.notified() => {}
                _ = shutdown.cancelled() => return,
            }
        }
    }

    /// Claims one batch and queues it for the workers; returns how many.
    async fn fill(&self, tx: &async_channel::Sender<Job>, now: i64) -> Result<usize> {
        let rows = self.ctx.db.claim_deliveries(BATCH, now).await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let ids: Vec<i64> = rows.iter().map(|r| r.subscriber_id).collect();
        let mut recipients = self.ctx.db.recipients(&ids).await?;
        let n = rows.len();
        for row in rows {
            let renderer = self.renderer_for(row.issue_id).await;
            let recipient = recipients.remove(&row.subscriber_id);
            if tx
                .send(Job {
                    row,
                    recipient,
                    renderer,
                })
                .await
                .is_err()
            {
                break;
            }
        }
        Ok(n)
    }

    async fn renderer_for(&self, issue_id: i64) -> Result<Arc<IssueRenderer>, String> {
        if let Some(r) = self
            .renderers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&issue_id)
        {
            return Ok(r.clone());
        }
        let row = self
            .ctx
            .db
            .issue_by_id(issue_id)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("issue {issue_id} is gone"))?;
        let r = self.ctx.renderer(&row.file, &row.source).map_err(|errs| {
            errs.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        })?;
        let r = Arc::new(r);
        self.renderers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(issue_id, r.clone());
        Ok(r)
    }

    fn forget_finished(&self) {
        self.renderers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    async fn worker(
        self: Arc<Self>,
        rx: async_channel::Receiver<Job>,
        shutdown: CancellationToken,
    ) {
        let mut session = Session::default();
        while let Ok(job) = rx.recv().await {
            if shutdown.is_cancelled() {
                // Not started: back to the queue for the next run.
                let _ = self.ctx.db.release(job.row.id, self.ctx.now()).await;
                continue;
            }
            self.deliver(job, &mut session).await;
            if rx.is_empty() {
                self.ctx.wake_sender.notify_one();
            }
        }
        self.ctx.connector.close(&mut session).await;
    }

    async fn deliver(&self, job: Job, session: &mut Session) {
        let ctx = &self.ctx;
        let db = &ctx.db;
        let id = job.row.id;
        let Some(recipient) = job.recipient else {
            log_db(
                db.mark_failed(id, "subscriber no longer exists", ctx.now())
                    .await,
            );
            return;
        };
        let renderer = match job.renderer {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(
                    delivery = id,
                    "issue {} cannot be rendered, retrying later: {e}",
                    job.row.issue_id
                );
                log_db(
                    db.mark_retry(id, &e, ctx.now() + RENDER_RETRY_SECS, ctx.now())
                        .await,
                );
                return;
            }
        };
        let issue = &renderer.issue;
        let variant = match renderer.variant(&issue.variant_key(&recipient.segments)) {
            Ok(v) => v,
            Err(d) => {
                tracing::error!(delivery = id, "cannot compile issue {}: {d}", issue.slug);
                log_db(
                    db.mark_retry(id, &d.to_string(), ctx.now() + RENDER_RETRY_SECS, ctx.now())
                        .await,
                );
                return;
            }
        };
        let values = ctx.merge_values(&recipient, job.row.issue_id, &issue.slug);
        let unsubscribe_url = values.unsubscribe_url.clone();
        let (html, text) = variant.personalise(&values);
        let subject = variant.subject(&values);
        let kind = Kind::Bulk {
            unsubscribe_url,
            auto_submitted: false,
        };
        let out = match ctx.composer.compose(
            &recipient.email,
            &recipient.name,
            &subject,
            text,
            html,
            &kind,
        ) {
            Ok(o) => o,
            Err(e) => {
                log_db(
                    db.mark_failed(id, &format!("cannot build the message: {e:#}"), ctx.now())
                        .await,
                );
                return;
            }
        };
        if let Some(l) = &self.limiter {
            l.until_ready().await;
        }
        match db.mark_sending(id, &out.message_id, ctx.now()).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => {
                tracing::error!(delivery = id, "cannot record the send, not sending: {e:#}");
                let _ = db.release(id, ctx.now()).await;
                tokio::time::sleep(Duration::from_secs(1)).await;
                return;
            }
        }
        let outcome = ctx.connector.send(session, &out.envelope, &out.bytes).await;
        let now = ctx.now();
        let result = match &outcome {
            Outcome::Sent(reply) => db.mark_sent(id, reply, now).await,
            Outcome::Transient(reply) => {
                let at = now + backoff_secs(ctx.config.smtp.retry_base_secs, job.row.attempts);
                tracing::warn!(
                    delivery = id,
                    "temporary failure, retrying: {}",
                    redact_addresses(reply)
                );
                db.mark_retry(id, reply, at, now).await
            }
            Outcome::Permanent(reply) => {
                tracing::warn!(
                    delivery = id,
                    "rejected by the server: {}",
                    redact_addresses(reply)
                );
                db.mark_failed(id, reply, now).await
            }
        };
        if let Err(e) = result {
            // The message went out (or not) but we could not record it: the row
            // stays `sending` and becomes `unknown` at the next start, never resent.
            tracing::error!(
                delivery = id,
                "cannot record the result ({}): {e:#}",
                redact_addresses(&format!("{outcome:?}"))
            );
        }
    }
}

fn log_db(r: Result<()>) {
    if let Err(e) = r {
        tracing::error!("cannot update the delivery ledger: {e:#}");
    }
}
