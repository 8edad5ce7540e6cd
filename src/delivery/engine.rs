//! The sender: one dispatcher claims due ledger rows in batches and hands them to
//! `smtp.connections` workers, each with its own connection. The channel between
//! them is bounded, so memory does not depend on the size of the list. Every
//! task is supervised: a worker that dies is replaced, and the row it held is
//! recorded, so no issue waits for good on one recipient.

use super::metrics::SendMetrics;
use anyhow::Result;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::content::{AgendaContent, Content, DigestContent, Job};
use super::health::Health;
use super::ledger_writer::LedgerWriter;
use super::liveness::{BEAT_SECS, Liveness};
use crate::config::Config;
use crate::domain::clock::{SharedClock, epoch};
use crate::domain::delivery::{AgendaMailKind, Ledger, MailKind};
use crate::domain::dns::DnsName;
use crate::mail::Connector;
use crate::newsletters::{IssuePipeline, LoadedIssue};
use crate::reminders::AgendaMails;
use crate::reminders::digest::DIGEST_DAYS;
use crate::storage::{Backend, Db};

const BATCH: i64 = 200;

/// Where a worker is with one message, for [`Probe`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Building the message (personalising, MIME, DKIM).
    Compose,
    /// `sending` is written; the message goes to the server next.
    Send,
}

/// Called at each [`Stage`] of every message: the seam through which tests
/// make a worker fail where it can fail. The daemon has none.
pub type Probe = Arc<dyn Fn(Stage, &crate::domain::subscriber::Recipient) + Send + Sync>;

/// What the sender is given to work with.
pub struct EngineParts {
    pub db: Db,
    pub clock: SharedClock,
    pub issues: Arc<IssuePipeline>,
    pub mails: AgendaMails,
    pub connector: Connector,
    /// Rung when new work is queued.
    pub wake: Arc<Notify>,
    /// This process among several on one database: the owner of the rows it claims.
    pub process_id: i64,
    pub liveness: Arc<Liveness>,
    pub metrics: SendMetrics,
    pub probe: Option<Probe>,
}

/// The `[smtp]` settings the sender acts on.
pub(super) struct Settings {
    pub connections: usize,
    pub retry_base_secs: u64,
    pub expire_hours: u64,
    pub bounce_domain: Option<DnsName>,
}

/// A row a worker holds, and how far it got: what to record if it dies.
#[derive(Debug, Clone, Copy)]
pub(super) struct InFlight {
    pub ledger: Ledger,
    pub id: i64,
    /// `sending` was written: the server may have the message.
    pub handed_over: bool,
}

pub struct Engine {
    pub(super) db: Db,
    /// The workers' ledger writes, grouped (see `ledger_writer`).
    pub(super) ledger: LedgerWriter,
    pub(super) clock: SharedClock,
    pub(super) issues: Arc<IssuePipeline>,
    pub(super) mails: AgendaMails,
    pub(super) connector: Connector,
    pub(super) wake: Arc<Notify>,
    pub(super) process_id: i64,
    pub(super) liveness: Arc<Liveness>,
    pub(super) metrics: SendMetrics,
    pub(super) settings: Settings,
    pub(super) health: Health,
    pub(super) limiter: Option<DefaultDirectRateLimiter>,
    pub(super) in_flight: Mutex<Vec<Option<InFlight>>>,
    pub(super) probe: Option<Probe>,
}

impl Engine {
    pub fn new(config: &Config, parts: EngineParts) -> Arc<Self> {
        let smtp = &config.smtp;
        let workers = smtp.connections.max(1);
        Arc::new(Self {
            ledger: LedgerWriter::new(parts.db.clone()),
            db: parts.db,
            clock: parts.clock,
            issues: parts.issues,
            mails: parts.mails,
            connector: parts.connector,
            wake: parts.wake,
            process_id: parts.process_id,
            liveness: parts.liveness,
            metrics: parts.metrics,
            settings: Settings {
                connections: workers,
                retry_base_secs: smtp.retry_base_secs,
                expire_hours: smtp.expire_hours,
                bounce_domain: smtp.bounce_domain.clone(),
            },
            health: Health::new(smtp.pause_after_failures, smtp.pause_secs),
            limiter: NonZeroU32::new(smtp.rate_per_second)
                .map(|r| RateLimiter::direct(Quota::per_second(r))),
            in_flight: Mutex::new(vec![None; workers]),
            probe: parts.probe,
        })
    }

    pub(super) fn now(&self) -> i64 {
        epoch(self.clock.now())
    }

    /// Runs until `shutdown`; messages being sent then are finished and
    /// recorded. A worker or dispatcher that panics is replaced.
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) {
        let workers = self.settings.connections;
        self.ledger.start();
        let (tx, rx) = async_channel::bounded::<Job>(workers * 4);
        let mut set = tokio::task::JoinSet::new();
        let mut roles = HashMap::new();
        for index in 0..workers {
            let handle = set.spawn(self.clone().worker(index, rx.clone(), shutdown.clone()));
            roles.insert(handle.id(), Some(index));
        }
        let handle = set.spawn(self.clone().dispatcher(tx.clone(), shutdown.clone()));
        roles.insert(handle.id(), None);
        // Stopping: idle workers wait on the channel until it closes.
        let closing = (tx.clone(), shutdown.clone());
        tokio::spawn(async move {
            closing.1.cancelled().await;
            closing.0.close();
        });
        while let Some(done) = set.join_next_with_id().await {
            let (id, panic) = match done {
                Ok((id, ())) => (id, None),
                Err(e) => (e.id(), e.is_panic().then(|| panic_text(e))),
            };
            let role = roles.remove(&id).flatten();
            if shutdown.is_cancelled() {
                continue;
            }
            let Some(why) = panic else { continue };
            let replacement = match role {
                Some(index) => {
                    self.worker_died(index, &why).await;
                    set.spawn(self.clone().worker(index, rx.clone(), shutdown.clone()))
                }
                None => {
                    self.liveness.dispatcher_stopped();
                    self.alert(&format!(
                        "the sender's dispatcher stopped ({why}); it is started again"
                    ))
                    .await;
                    set.spawn(self.clone().dispatcher(tx.clone(), shutdown.clone()))
                }
            };
            roles.insert(replacement.id(), role);
        }
        // Every worker has had its writes answered: the writer may end.
        self.ledger.stop();
    }

    /// A worker panicked: the row it held is recorded, not left claimed.
    async fn worker_died(&self, index: usize, why: &str) {
        self.liveness.worker_stopped(index);
        let held = self
            .in_flight
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_mut(index)
            .and_then(Option::take);
        let now = self.now();
        let what = match held {
            Some(f) if f.handed_over => {
                let reply = format!(
                    "postbode failed while sending this message ({why}); it may have arrived"
                );
                let _ = self.db.mark_unknown(f.ledger, f.id, &reply, now).await;
                format!("delivery {} was recorded unknown", f.id)
            }
            Some(f) => {
                let reply = format!("postbode could not send this message ({why})");
                let _ = self.db.mark_failed(f.ledger, f.id, &reply, now).await;
                format!("delivery {} was recorded failed", f.id)
            }
            None => "it held no message".into(),
        };
        self.alert(&format!(
            "a delivery worker stopped ({why}); {what}; the worker is started again"
        ))
        .await;
    }

    /// Logs an alert and keeps it for `postbode status`.
    pub(super) async fn alert(&self, message: &str) {
        tracing::error!("ALERT: {message}");
        if let Err(e) = self.db.add_alert(message, self.now()).await {
            tracing::warn!("cannot record the alert for `postbode status`: {e:#}");
        }
    }

    async fn dispatcher(
        self: Arc<Self>,
        tx: async_channel::Sender<Job>,
        shutdown: CancellationToken,
    ) {
        self.liveness.dispatcher_started();
        self.dispatch(&tx, &shutdown).await;
        self.liveness.dispatcher_stopped();
    }

    async fn dispatch(&self, tx: &async_channel::Sender<Job>, shutdown: &CancellationToken) {
        let db = &self.db;
        loop {
            if shutdown.is_cancelled() {
                return;
            }
            let now = self.now();
            self.liveness.beat(now);
            let hold = self.health.hold_until();
            if hold > now {
                let wait = (hold - now).min(BEAT_SECS) as u64;
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(wait)) => {}
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
                            }
                        }
                        Err(e) => tracing::error!("cannot update issue states: {e:#}"),
                    }
                    let next = db.next_delivery_due().await.ok().flatten();
                    // Other processes on the same PostgreSQL queue work this
                    // one hears nothing about, and `postbode resume` runs in
                    // a process of its own: look again every 2 s.
                    let idle = match db.backend {
                        Backend::Sqlite if !db.sending_paused().await.unwrap_or(false) => BEAT_SECS,
                        _ => 2,
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
                _ = self.wake.notified() => {}
                _ = shutdown.cancelled() => return,
            }
        }
    }

    /// Claims one batch of each ledger and queues it for the workers; returns how many.
    async fn fill(&self, tx: &async_channel::Sender<Job>, now: i64) -> Result<usize> {
        let max_age = i64::try_from(self.settings.expire_hours).unwrap_or(48) * 3600;
        let expired = self.db.expire_issue_deliveries(now, max_age).await?;
        if expired > 0 {
            tracing::warn!(
                count = expired,
                hours = self.settings.expire_hours,
                "issue messages not delivered in time are given up (failed, expired)"
            );
        }
        let expired = self.db.expire_agenda_mails(now).await?;
        if expired > 0 {
            tracing::warn!(
                count = expired,
                "agenda mails not delivered before the meeting started expired"
            );
        }
        let mut n = 0;
        for ledger in Ledger::ALL {
            let rows = self
                .db
                .claim_deliveries(ledger, BATCH, now, self.process_id)
                .await?;
            if rows.is_empty() {
                continue;
            }
            let ids: Vec<i64> = rows.iter().map(|r| r.subscriber_id).collect();
            let recipients = self.db.recipients(&ids).await?;
            let mut issues: HashMap<i64, Result<Arc<LoadedIssue>, String>> = HashMap::new();
            let mut items: HashMap<i64, Result<Arc<AgendaContent>, String>> = HashMap::new();
            let mut upcoming: Option<Result<Arc<DigestContent>, String>> = None;
            n += rows.len();
            for row in rows {
                let content = match row.kind {
                    MailKind::Issue => Content::Issue(match issues.get(&row.topic_id) {
                        Some(loaded) => loaded.clone(),
                        None => {
                            let loaded = self.load_issue(row.topic_id).await;
                            issues.insert(row.topic_id, loaded.clone());
                            loaded
                        }
                    }),
                    MailKind::Agenda(AgendaMailKind::Digest) => {
                        if upcoming.is_none() {
                            let until = now + DIGEST_DAYS * 86_400;
                            upcoming = Some(
                                self.db
                                    .upcoming_items(now, until)
                                    .await
                                    .map(|items| Arc::new(DigestContent::new(items)))
                                    .map_err(|e| format!("{e:#}")),
                            );
                        }
                        Content::Digest(upcoming.clone().unwrap_or_else(|| Err(String::new())))
                    }
                    MailKind::Agenda(_) => Content::Agenda(match items.get(&row.topic_id) {
                        Some(loaded) => loaded.clone(),
                        None => {
                            let loaded = self.load_item(row.topic_id).await;
                            items.insert(row.topic_id, loaded.clone());
                            loaded
                        }
                    }),
                };
                let recipient = recipients.get(&row.subscriber_id).cloned();
                let job = Job {
                    row,
                    recipient,
                    content,
                };
                if tx.send(job).await.is_err() {
                    return Ok(n);
                }
                self.liveness.beat(self.now());
            }
        }
        Ok(n)
    }

    /// The issue as stored, through the one pipeline (parsed and compiled
    /// once for all batches while its text stays the same).
    async fn load_issue(&self, id: i64) -> Result<Arc<LoadedIssue>, String> {
        let row = self
            .db
            .issue_by_id(id)
            .await
            .map_err(|e| format!("{e:#}"))?
            .ok_or_else(|| format!("issue {id} is gone"))?;
        let issues = self.issues.clone();
        tokio::task::spawn_blocking(move || issues.load_stored(&row.file, &row.source))
            .await
            .map_err(|e| format!("loading the issue failed: {e}"))?
            .map_err(|errs| {
                errs.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            })
    }

    async fn load_item(&self, id: i64) -> Result<Arc<AgendaContent>, String> {
        match self.db.agenda_item(id).await {
            Ok(Some(stored)) => Ok(Arc::new(AgendaContent::new(stored))),
            Ok(None) => Err(format!("agenda item {id} is gone")),
            Err(e) => Err(format!("{e:#}")),
        }
    }
}

fn panic_text(e: tokio::task::JoinError) -> String {
    let panic = e.into_panic();
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .map_or_else(|| "a panic".into(), |m| format!("panic: {m}"))
}
