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
use crate::mailer::{Kind, Outgoing};
use crate::reminders::digest::{DIGEST_DAYS, compose_digest};
use crate::reminders::mail::{ReminderKind, compose_reminder};
use crate::reminders::reason::reason;
use crate::render::IssueRenderer;
use crate::storage::agenda::StoredItem;
use crate::storage::deliveries::{Claimed, Ledger};

const BATCH: i64 = 200;
/// How long a delivery waits when its issue cannot be rendered (e.g. a layout went missing).
const RENDER_RETRY_SECS: i64 = 600;

struct Job {
    row: Claimed,
    recipient: Option<Recipient>,
    content: Content,
}

/// What a ledger row is about, loaded once per batch.
enum Content {
    Issue(Result<Arc<IssueRenderer>, String>),
    Agenda(Result<Arc<StoredItem>, String>),
    /// The items starting in the digest's period, for every digest of the batch.
    Digest(Result<Arc<Vec<StoredItem>>, String>),
}

/// Why a message could not be built.
enum NotBuilt {
    /// Try again later (a layout went missing, the database hiccuped).
    Retry(String),
    /// Never: record as failed.
    Fail(String),
    /// Nothing to say (a digest without meetings): recorded as skipped.
    Skip(String),
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

    /// Claims one batch of each ledger and queues it for the workers; returns how many.
    async fn fill(&self, tx: &async_channel::Sender<Job>, now: i64) -> Result<usize> {
        let expired = self.ctx.db.expire_agenda_mails(now).await?;
        if expired > 0 {
            tracing::warn!(
                count = expired,
                "agenda mails not delivered before the meeting started expired"
            );
        }
        let mut n = 0;
        for ledger in Ledger::ALL {
            let rows = self.ctx.db.claim_deliveries(ledger, BATCH, now).await?;
            if rows.is_empty() {
                continue;
            }
            let ids: Vec<i64> = rows.iter().map(|r| r.subscriber_id).collect();
            let mut recipients = self.ctx.db.recipients(&ids).await?;
            let mut items: HashMap<i64, Result<Arc<StoredItem>, String>> = HashMap::new();
            let mut upcoming: Option<Result<Arc<Vec<StoredItem>>, String>> = None;
            n += rows.len();
            for row in rows {
                let content = match ledger {
                    Ledger::Issues => Content::Issue(self.renderer_for(row.topic_id).await),
                    Ledger::Agenda if row.kind == "digest" => {
                        if upcoming.is_none() {
                            let until = now + DIGEST_DAYS * 86_400;
                            upcoming = Some(
                                self.ctx
                                    .db
                                    .upcoming_items(now, until)
                                    .await
                                    .map(Arc::new)
                                    .map_err(|e| format!("{e:#}")),
                            );
                        }
                        Content::Digest(upcoming.clone().unwrap_or_else(|| Err(String::new())))
                    }
                    Ledger::Agenda => Content::Agenda(match items.get(&row.topic_id) {
                        Some(loaded) => loaded.clone(),
                        None => {
                            let loaded = self.load_item(row.topic_id).await;
                            items.insert(row.topic_id, loaded.clone());
                            loaded
                        }
                    }),
                };
                let recipient = recipients.remove(&row.subscriber_id);
                if tx
                    .send(Job {
                        row,
                        recipient,
                        content,
                    })
                    .await
                    .is_err()
                {
                    return Ok(n);
                }
            }
        }
        Ok(n)
    }

    async fn load_item(&self, id: i64) -> Result<Arc<StoredItem>, String> {
        match self.ctx.db.agenda_item(id).await {
            Ok(Some(i)) => Ok(Arc::new(i)),
            Ok(None) => Err(format!("agenda item {id} is gone")),
            Err(e) => Err(format!("{e:#}")),
        }
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
                let _ = self
                    .ctx
                    .db
                    .release(job.row.ledger, job.row.id, self.ctx.now())
                    .await;
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
        let (ledger, id) = (job.row.ledger, job.row.id);
        let Some(recipient) = job.recipient else {
            log_db(
                db.mark_failed(ledger, id, "subscriber no longer exists", ctx.now())
                    .await,
            );
            return;
        };
        let built = match &job.content {
            Content::Issue(r) => self.compose_issue(r, &job.row, &recipient),
            Content::Agenda(i) => self.compose_agenda(i, &job.row, &recipient),
            Content::Digest(items) => self.compose_digest(items, &recipient),
        };
        let out = match built {
            Ok(out) => out,
            Err(NotBuilt::Retry(e)) => {
                tracing::error!(
                    delivery = id,
                    "cannot build the message, retrying later: {e}"
                );
                log_db(
                    db.mark_retry(ledger, id, &e, ctx.now() + RENDER_RETRY_SECS, ctx.now())
                        .await,
                );
                return;
            }
            Err(NotBuilt::Skip(why)) => {
                log_db(db.mark_skipped(ledger, id, &why, ctx.now()).await);
                return;
            }
            Err(NotBuilt::Fail(e)) => {
                tracing::error!(delivery = id, "cannot build the message: {e}");
                log_db(
                    db.mark_failed(
                        ledger,
                        id,
                        &format!("cannot build the message: {e}"),
                        ctx.now(),
                    )
                    .await,
                );
                return;
            }
        };
        if let Some(l) = &self.limiter {
            l.until_ready().await;
        }
        match db
            .mark_sending(ledger, id, &out.message_id, ctx.now())
            .await
        {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => {
                tracing::error!(delivery = id, "cannot record the send, not sending: {e:#}");
                let _ = db.release(ledger, id, ctx.now()).await;
                tokio::time::sleep(Duration::from_secs(1)).await;
                return;
            }
        }
        let outcome = ctx.connector.send(session, &out.envelope, &out.bytes).await;
        let now = ctx.now();
        let result = match &outcome {
            Outcome::Sent(reply) => db.mark_sent(ledger, id, reply, now).await,
            Outcome::Transient(reply) => {
                let at = now + backoff_secs(ctx.config.smtp.retry_base_secs, job.row.attempts);
                tracing::warn!(
                    delivery = id,
                    "temporary failure, retrying: {}",
                    redact_addresses(reply)
                );
                db.mark_retry(ledger, id, reply, at, now).await
            }
            Outcome::Permanent(reply) => {
                tracing::warn!(
                    delivery = id,
                    "rejected by the server: {}",
                    redact_addresses(reply)
                );
                db.mark_failed(ledger, id, reply, now).await
            }
            Outcome::Unknown(reply) => {
                tracing::warn!(
                    delivery = id,
                    "the server may or may not have the message; recorded as unknown, not resent: {}",
                    redact_addresses(reply)
                );
                db.mark_unknown(ledger, id, reply, now).await
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

impl Engine {
    /// One personalised issue: the variant for the recipient's sections.
    fn compose_issue(
        &self,
        renderer: &Result<Arc<IssueRenderer>, String>,
        row: &Claimed,
        recipient: &Recipient,
    ) -> Result<Outgoing, NotBuilt> {
        let ctx = &self.ctx;
        let renderer = renderer.as_ref().map_err(|e| {
            NotBuilt::Retry(format!("issue {} cannot be rendered: {e}", row.topic_id))
        })?;
        let issue = &renderer.issue;
        let variant = renderer
            .variant(&issue.variant_key(&recipient.segments))
            .map_err(|d| NotBuilt::Retry(format!("cannot compile issue {}: {d}", issue.slug)))?;
        let values = ctx.merge_values(recipient, row.topic_id, &issue.slug);
        let unsubscribe_url = values.unsubscribe_url.clone();
        let (html, text) = variant.personalise(&values);
        let subject = variant.subject(&values);
        let kind = Kind::Bulk {
            unsubscribe_url,
            auto_submitted: false,
        };
        ctx.composer
            .compose(
                &recipient.email,
                &recipient.name,
                &subject,
                text,
                html,
                &kind,
            )
            .map_err(|e| NotBuilt::Fail(format!("{e:#}")))
    }

    /// A reminder, update or cancellation with the item as it now stands.
    fn compose_agenda(
        &self,
        item: &Result<Arc<StoredItem>, String>,
        row: &Claimed,
        recipient: &Recipient,
    ) -> Result<Outgoing, NotBuilt> {
        let stored = item.as_ref().map_err(|e| NotBuilt::Retry(e.clone()))?;
        let kind = ReminderKind::from_ledger(&row.kind)
            .ok_or_else(|| NotBuilt::Fail(format!("unknown agenda mail kind {:?}", row.kind)))?;
        let reason = reason(&self.ctx.config, recipient, stored, kind);
        compose_reminder(
            &self.ctx,
            recipient,
            &stored.item,
            kind,
            u32::try_from(stored.sequence).unwrap_or(0),
            &reason,
            stored.issue_id,
        )
        .map_err(|e| NotBuilt::Retry(format!("{e:#}")))
    }
}

impl Engine {
    /// The digest: the upcoming meetings this recipient follows, earliest first.
    fn compose_digest(
        &self,
        upcoming: &Result<Arc<Vec<StoredItem>>, String>,
        recipient: &Recipient,
    ) -> Result<Outgoing, NotBuilt> {
        let upcoming = upcoming.as_ref().map_err(|e| NotBuilt::Retry(e.clone()))?;
        let mine: Vec<_> = upcoming
            .iter()
            .filter(|i| {
                let target = i.target();
                target.is_empty() || target.follows_any(&recipient.segments)
            })
            .map(|i| i.item.clone())
            .collect();
        if mine.is_empty() {
            return Err(NotBuilt::Skip("no upcoming meetings to tell about".into()));
        }
        compose_digest(&self.ctx, recipient, &mine, 0)
            .map_err(|e| NotBuilt::Retry(format!("{e:#}")))
    }
}

fn log_db(r: Result<()>) {
    if let Err(e) = r {
        tracing::error!("cannot update the delivery ledger: {e:#}");
    }
}
