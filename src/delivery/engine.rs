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

use super::health::{Change, Health, PAUSE_KEY};
use super::outcome::{Outcome, backoff_secs, redact_addresses};
use super::status_code::{Enhanced, Verdict, verdict};
use super::transport::Session;
use crate::bounces::apply::record as record_bounce;
use crate::bounces::policy::Kind as BounceKind;
use crate::context::Ctx;
use crate::domain::subscriber::Recipient;
use crate::mailer::{Kind, Outgoing};
use crate::reminders::digest::{DIGEST_DAYS, DigestBody, compose_digest_from};
use crate::reminders::mail::{ReminderBody, ReminderKind, compose_from};
use crate::reminders::reason::reason;
use crate::render::IssueRenderer;
use crate::storage::Backend;
use crate::storage::agenda::StoredItem;
use crate::storage::bounces::SentMessage;
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
    Agenda(Result<Arc<AgendaContent>, String>),
    /// The items starting in the digest's period, for every digest of the batch.
    Digest(Result<Arc<DigestContent>, String>),
}

/// An agenda item as loaded for one batch, with its mail bodies compiled
/// once per kind and reason sentence rather than once per recipient.
struct AgendaContent {
    stored: StoredItem,
    bodies: Mutex<HashMap<(ReminderKind, String), Arc<ReminderBody>>>,
}

impl AgendaContent {
    fn body(&self, ctx: &Ctx, kind: ReminderKind, reason: String) -> Result<Arc<ReminderBody>> {
        let mut bodies = self.bodies.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(b) = bodies.get(&(kind, reason.clone())) {
            return Ok(b.clone());
        }
        let body = Arc::new(ReminderBody::new(ctx, &self.stored.item, kind, &reason)?);
        bodies.insert((kind, reason), body.clone());
        Ok(body)
    }
}

/// The meetings of the digest period as loaded for one batch, with one
/// compiled digest per distinct selection of them (subscribers who follow the
/// same meetings share it, as issue variants are shared).
struct DigestContent {
    items: Vec<StoredItem>,
    bodies: Mutex<HashMap<Vec<i64>, Arc<DigestBody>>>,
}

impl DigestContent {
    fn body(&self, ctx: &Ctx, mine: &[&StoredItem]) -> Result<Arc<DigestBody>> {
        let key: Vec<i64> = mine.iter().map(|i| i.id).collect();
        let mut bodies = self.bodies.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(b) = bodies.get(&key) {
            return Ok(b.clone());
        }
        let items: Vec<_> = mine.iter().map(|i| i.item.clone()).collect();
        let body = Arc::new(DigestBody::new(ctx, &items)?);
        bodies.insert(key, body.clone());
        Ok(body)
    }
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
    health: Health,
    renderers: Mutex<HashMap<i64, Arc<IssueRenderer>>>,
    limiter: Option<DefaultDirectRateLimiter>,
}

impl Engine {
    pub fn new(ctx: Arc<Ctx>) -> Arc<Self> {
        let limiter = NonZeroU32::new(ctx.config.smtp.rate_per_second)
            .map(|r| RateLimiter::direct(Quota::per_second(r)));
        let health = Health::new(
            ctx.config.smtp.pause_after_failures,
            ctx.config.smtp.pause_secs,
        );
        Arc::new(Self {
            health,
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
            let hold = self.health.hold_until();
            if hold > now {
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs((hold - now) as u64)) => {}
                    _ = shutdown.cancelled() => return,
                }
                continue;
            }
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
                    // Other processes on the same PostgreSQL queue work this
                    // one hears nothing about: look again every 2 s.
                    let idle = match db.backend {
                        Backend::Sqlite => 60,
                        Backend::Postgres => 2,
                    };
                    Duration::from_secs(next.map_or(idle, |t| (t - now).clamp(1, idle)) as u64)
                }
                Ok(_) => continue,
                Err(e) => {
                    tracing::error!(
                        "sending is held: the delivery ledger cannot be used (is the database down, read-only or its disk full?); nothing is lost, retrying in 5 s: {e:#}"
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
        let max_age = i64::try_from(self.ctx.config.smtp.expire_hours).unwrap_or(48) * 3600;
        let expired = self.ctx.db.expire_issue_deliveries(now, max_age).await?;
        if expired > 0 {
            tracing::warn!(
                count = expired,
                hours = self.ctx.config.smtp.expire_hours,
                "issue messages not delivered in time are given up (failed, expired)"
            );
        }
        let expired = self.ctx.db.expire_agenda_mails(now).await?;
        if expired > 0 {
            tracing::warn!(
                count = expired,
                "agenda mails not delivered before the meeting started expired"
            );
        }
        let mut n = 0;
        for ledger in Ledger::ALL {
            let rows = self
                .ctx
                .db
                .claim_deliveries(ledger, BATCH, now, self.ctx.process_id)
                .await?;
            if rows.is_empty() {
                continue;
            }
            let ids: Vec<i64> = rows.iter().map(|r| r.subscriber_id).collect();
            let recipients = self.ctx.db.recipients(&ids).await?;
            let mut items: HashMap<i64, Result<Arc<AgendaContent>, String>> = HashMap::new();
            let mut upcoming: Option<Result<Arc<DigestContent>, String>> = None;
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
                                    .map(|items| {
                                        Arc::new(DigestContent {
                                            items,
                                            bodies: Mutex::new(HashMap::new()),
                                        })
                                    })
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
                let recipient = recipients.get(&row.subscriber_id).cloned();
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

    async fn load_item(&self, id: i64) -> Result<Arc<AgendaContent>, String> {
        match self.ctx.db.agenda_item(id).await {
            Ok(Some(stored)) => Ok(Arc::new(AgendaContent {
                stored,
                bodies: Mutex::new(HashMap::new()),
            })),
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
            if shutdown.is_cancelled() || self.health.hold_until() > self.ctx.now() {
                // Not started (stopping, or sending is paused): back to the queue.
                let _ = self
                    .ctx
                    .db
                    .release(job.row.ledger, job.row.id, self.ctx.now())
                    .await;
                // The dispatcher may be asleep: it should take the row up
                // again once the hold is over.
                if rx.is_empty() {
                    self.ctx.wake_sender.notify_one();
                }
                continue;
            }
            self.deliver(job, &mut session, &shutdown).await;
            if rx.is_empty() {
                self.ctx.wake_sender.notify_one();
            }
        }
        self.ctx.connector.close(&mut session).await;
    }

    async fn deliver(&self, job: Job, session: &mut Session, shutdown: &CancellationToken) {
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
        // Personalising, MIME encoding and DKIM signing are CPU work (about
        // 2 ms with a signature): the runtime moves its other tasks off this
        // thread meanwhile, so web pages and timers stay responsive.
        let built = tokio::task::block_in_place(|| match &job.content {
            Content::Issue(r) => self.compose_issue(r, &job.row, &recipient),
            Content::Agenda(i) => self.compose_agenda(i, &job.row, &recipient),
            Content::Digest(items) => self.compose_digest(items, &recipient),
        });
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
        let out = super::verp::apply(ctx, &job.row, out);
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
                // Back to the queue, however long the database takes: a row
                // left `claimed` would wait for the next start.
                let _ = until_written(
                    shutdown,
                    id,
                    "the delivery ledger cannot be written",
                    || db.release(ledger, id, ctx.now()),
                )
                .await;
                return;
            }
        }
        let outcome = ctx.connector.send(session, &out.envelope, &out.bytes).await;
        let now = ctx.now();
        let verdict = verdict(&outcome);
        let reply = match &outcome {
            Outcome::Sent(r)
            | Outcome::Transient(r)
            | Outcome::Permanent(r)
            | Outcome::Unknown(r) => r.as_str(),
        };
        self.take_health(verdict, reply, now).await;
        match verdict {
            Verdict::Retry | Verdict::Throttled => tracing::warn!(
                delivery = id,
                "temporary failure, retrying: {}",
                redact_addresses(reply)
            ),
            Verdict::Policy => tracing::error!(
                delivery = id,
                "refused by the receiving server's policy (the subscriber is not suppressed; check the sending reputation, SPF/DKIM and blocklists): {}",
                redact_addresses(reply)
            ),
            Verdict::HardBounce | Verdict::SoftBounce | Verdict::Failed => tracing::warn!(
                delivery = id,
                "rejected by the server: {}",
                redact_addresses(reply)
            ),
            Verdict::Unknown => tracing::warn!(
                delivery = id,
                "the server may or may not have the message; recorded as unknown, not resent: {}",
                redact_addresses(reply)
            ),
            Verdict::Delivered => {}
        }
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
                redact_addresses(&format!("{outcome:?}"))
            );
        }
    }

    /// Writes one attempt's result to the ledger (and the subscriber's
    /// status for an address that does not exist).
    async fn record(
        &self,
        row: &Claimed,
        recipient: &Recipient,
        outcome: &Outcome,
        verdict: Verdict,
        now: i64,
    ) -> Result<()> {
        let db = &self.ctx.db;
        let (ledger, id) = (row.ledger, row.id);
        match outcome {
            Outcome::Sent(reply) => db.mark_sent(ledger, id, reply, now).await,
            Outcome::Transient(reply) => {
                let at = now + backoff_secs(self.ctx.config.smtp.retry_base_secs, row.attempts);
                db.mark_retry(ledger, id, reply, at, now).await
            }
            Outcome::Unknown(reply) => db.mark_unknown(ledger, id, reply, now).await,
            Outcome::Permanent(reply) => {
                db.mark_failed(ledger, id, reply, now).await?;
                // A refusal at RCPT or DATA is a bounce too: the same policy
                // as for reports the MTA sends back later.
                let kind = match verdict {
                    Verdict::HardBounce => BounceKind::Hard,
                    Verdict::SoftBounce => BounceKind::Soft,
                    Verdict::Policy => BounceKind::Policy,
                    _ => return Ok(()),
                };
                let code = Enhanced::find(reply)
                    .map(|e| e.to_string())
                    .unwrap_or_default();
                let message = SentMessage {
                    ledger,
                    row_id: id,
                    subscriber_id: recipient.id,
                    issue_id: (ledger == Ledger::Issues).then_some(row.topic_id),
                };
                let applied =
                    record_bounce(db, message, kind, &code, &redact_addresses(reply), now).await?;
                if applied.status_before.is_some() {
                    tracing::warn!(
                        subscriber = recipient.id,
                        "{} bounce ({code}): the subscriber is taken off the list and the address suppressed",
                        kind.as_str()
                    );
                }
                Ok(())
            }
        }
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
                if let Err(e) = self.ctx.db.set_setting(PAUSE_KEY, &json).await {
                    tracing::warn!("cannot record the pause for `postbode status`: {e:#}");
                }
            }
            Change::Recovered => {
                tracing::info!("sending resumed: the SMTP server accepts messages again");
                let _ = self.ctx.db.set_setting(PAUSE_KEY, "").await;
            }
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
        item: &Result<Arc<AgendaContent>, String>,
        row: &Claimed,
        recipient: &Recipient,
    ) -> Result<Outgoing, NotBuilt> {
        let content = item.as_ref().map_err(|e| NotBuilt::Retry(e.clone()))?;
        let stored = &content.stored;
        let kind = ReminderKind::from_ledger(&row.kind)
            .ok_or_else(|| NotBuilt::Fail(format!("unknown agenda mail kind {:?}", row.kind)))?;
        let reason = reason(&self.ctx.config, recipient, stored, kind);
        let body = content
            .body(&self.ctx, kind, reason)
            .map_err(|e| NotBuilt::Retry(format!("{e:#}")))?;
        compose_from(
            &self.ctx,
            &body,
            recipient,
            &stored.item,
            u32::try_from(stored.sequence).unwrap_or(0),
            stored.issue_id,
        )
        .map_err(|e| NotBuilt::Retry(format!("{e:#}")))
    }
}

impl Engine {
    /// The digest: the upcoming meetings this recipient follows, earliest first.
    fn compose_digest(
        &self,
        upcoming: &Result<Arc<DigestContent>, String>,
        recipient: &Recipient,
    ) -> Result<Outgoing, NotBuilt> {
        let content = upcoming.as_ref().map_err(|e| NotBuilt::Retry(e.clone()))?;
        let mine: Vec<&StoredItem> = content
            .items
            .iter()
            .filter(|i| {
                let target = i.target();
                target.is_empty() || target.follows_any(&recipient.segments)
            })
            .collect();
        if mine.is_empty() {
            return Err(NotBuilt::Skip("no upcoming meetings to tell about".into()));
        }
        let body = content
            .body(&self.ctx, &mine)
            .map_err(|e| NotBuilt::Retry(format!("{e:#}")))?;
        compose_digest_from(&self.ctx, &body, recipient, 0)
            .map_err(|e| NotBuilt::Retry(format!("{e:#}")))
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
