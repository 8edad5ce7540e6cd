//! `postbode serve`: builds the services from the configuration, recovers
//! from an earlier crash, and runs the folder watcher, scheduler, sender and
//! web pages until a signal. This is the one place where the parts are wired
//! together; each gets only what it uses.

use anyhow::Result;
use std::sync::Arc;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::bounces::mailbox::BounceMailbox;
use crate::config::Config;
use crate::delivery::{Engine, EngineParts, Liveness, SendMetrics};
use crate::domain::clock::{SharedClock, SystemClock, epoch};
use crate::domain::links::Links;
use crate::mail::Mailer;
use crate::newsletters::IssuePipeline;
use crate::newsletters::upgrade::fill_send_plans;
use crate::reminders::AgendaMails;
use crate::schedule::IssueScheduler;
use crate::schedule::cluster::{Presence, recover_gone};
use crate::schedule::jobs::CronJobs;
use crate::schedule::watcher::{FolderWatcher, WatcherParts};
use crate::signup::SignupMails;
use crate::storage::{Backend, Db};
use crate::webhooks::WebhookSender;

/// The daemon's services, built once.
pub struct Daemon {
    pub config: Arc<Config>,
    pub db: Db,
    pub clock: SharedClock,
    pub links: Links,
    pub mailer: Arc<Mailer>,
    pub issues: Arc<IssuePipeline>,
    pub wake_sender: Arc<Notify>,
    pub wake_scheduler: Arc<Notify>,
    /// This process among several on one database (see `schedule::cluster`).
    pub process_id: i64,
    pub liveness: Arc<Liveness>,
    /// What the sender counts, for `/metrics`.
    pub metrics: SendMetrics,
    /// `secrets.admin_token`, strong or absent.
    pub admin_token: Option<Arc<str>>,
}

impl Daemon {
    /// Reads the DKIM key, prepares the transport and brings issues taken
    /// in by an earlier version up to date.
    pub async fn build(config: Config, clock: SharedClock, db: Db) -> Result<Self> {
        let mailer = Arc::new(Mailer::new(&config)?);
        let issues = Arc::new(IssuePipeline::new(&config));
        fill_send_plans(&db, &issues, epoch(clock.now())).await?;
        if !config.platform.require_approval {
            for slug in db.release_awaiting_approval(epoch(clock.now())).await? {
                tracing::warn!(issue = %slug, "platform.require_approval is off: the issue that waited for approval is scheduled");
            }
        }
        let liveness = Arc::new(Liveness::new(
            config.smtp.connections.max(1),
            config.smtp.timeout_secs,
            epoch(clock.now()),
        ));
        let admin_token = config.admin_token()?.map(Arc::from);
        Ok(Self {
            admin_token,
            links: config.links(clock.clone())?,
            config: Arc::new(config),
            db,
            clock,
            mailer,
            issues,
            wake_sender: Arc::new(Notify::new()),
            wake_scheduler: Arc::new(Notify::new()),
            process_id: rand::random_range(1..i64::MAX),
            liveness,
            metrics: SendMetrics::new(),
        })
    }

    fn now(&self) -> i64 {
        epoch(self.clock.now())
    }

    pub fn engine(&self) -> Arc<Engine> {
        self.engine_with(None)
    }

    /// The sender, with a probe for tests that make a worker fail.
    pub fn engine_with(&self, probe: Option<crate::delivery::Probe>) -> Arc<Engine> {
        let agenda_mails = AgendaMails::new(
            &self.config,
            self.links.clone(),
            self.mailer.composer.clone(),
            self.clock.clone(),
        );
        Engine::new(
            &self.config,
            EngineParts {
                db: self.db.clone(),
                clock: self.clock.clone(),
                issues: self.issues.clone(),
                mails: agenda_mails,
                connector: self.mailer.connector.clone(),
                wake: self.wake_sender.clone(),
                process_id: self.process_id,
                liveness: self.liveness.clone(),
                metrics: self.metrics.clone(),
                probe,
            },
        )
    }

    pub fn web(&self) -> crate::web::State {
        crate::web::State {
            config: self.config.clone(),
            db: self.db.clone(),
            clock: self.clock.clone(),
            links: self.links.clone(),
            signup: SignupMails::new(&self.config, self.links.clone(), self.mailer.clone()),
            issues: self.issues.clone(),
            liveness: self.liveness.clone(),
            metrics: self.metrics.clone(),
            limits: Arc::new(crate::web::limits::Limits::new()),
            admin_token: self.admin_token.clone(),
            style: Arc::new(crate::web::page::PageStyle::new(
                self.config.platform.accent_color.as_str(),
            )),
        }
    }
}

pub async fn serve(config: Config) -> Result<()> {
    let db = Db::connect_and_migrate(&config.database_url())
        .await?
        .with_webhooks(config.webhook_routes());
    if let Some(d) = &config.dkim {
        tracing::info!(domain = %d.domain, selector = %d.selector, "every message is DKIM-signed");
    }
    let daemon = Daemon::build(config, Arc::new(SystemClock), db).await?;
    run(Arc::new(daemon), shutdown_on_signal()).await
}

/// Runs every part until `shutdown` is cancelled or one part fails.
pub async fn run(daemon: Arc<Daemon>, shutdown: CancellationToken) -> Result<()> {
    let mut tasks = tokio::task::JoinSet::new();
    match daemon.db.backend {
        // One process per SQLite file: whatever was claimed or being sent
        // belonged to this process's predecessor.
        Backend::Sqlite => {
            let recovered = daemon.db.recover_deliveries(None, daemon.now()).await?;
            report_unknown(recovered.unknown);
            daemon.metrics.set_leader(true);
            tasks.spawn(lead(daemon.clone(), shutdown.clone()));
        }
        Backend::Postgres => {
            let presence = Presence::join(&daemon.db, daemon.process_id).await?;
            recover_gone(
                &daemon.db,
                daemon.process_id,
                daemon.now(),
                &daemon.wake_sender,
            )
            .await?;
            tasks.spawn(take_part(daemon.clone(), presence, shutdown.clone()));
        }
    }
    tasks.spawn(crate::web::serve(daemon.web(), shutdown.clone()));
    let engine = daemon.engine();
    let s = shutdown.clone();
    tasks.spawn(async move {
        engine.run(s).await;
        Ok(())
    });
    let c = &daemon.config;
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        database = ?daemon.db.backend,
        smtp_connections = c.smtp.connections,
        dkim = c.dkim.is_some(),
        verp = c.smtp.bounce_domain.is_some(),
        bounce_mailbox = c.bounces.imap_url.is_some(),
        click_tracking = c.tracking.clicks,
        require_approval = c.platform.require_approval,
        listen = %c.http.listen,
        "postbode is running"
    );
    let mut result = Ok(());
    while let Some(done) = tasks.join_next().await {
        let outcome = done.map_err(anyhow::Error::from).and_then(|r| r);
        if let Err(e) = outcome {
            tracing::error!("stopping: {e:#}");
            if result.is_ok() {
                result = Err(e);
            }
            shutdown.cancel();
        }
    }
    tracing::info!("postbode stopped");
    result
}

fn report_unknown(n: u64) {
    if n > 0 {
        tracing::warn!(
            count = n,
            "messages were being sent when postbode stopped; they are marked unknown and not resent (see `postbode status`)"
        );
    }
}

/// What one process leads: the folder watcher, the scheduler, the cron jobs
/// the webhook sender and the bounce mailbox.
/// Returns when `token` is cancelled or one of them fails.
async fn lead(d: Arc<Daemon>, token: CancellationToken) -> Result<()> {
    let mut set = tokio::task::JoinSet::new();
    let watcher = FolderWatcher::new(WatcherParts {
        dir: d.config.newsletters_dir(),
        db: d.db.clone(),
        clock: d.clock.clone(),
        tz: d.config.timezone(),
        issues: d.issues.clone(),
        mailer: d.mailer.clone(),
        links: d.links.clone(),
        editors: d.config.platform.editors.clone(),
        wake_scheduler: d.wake_scheduler.clone(),
        wake_sender: d.wake_sender.clone(),
    });
    set.spawn(watcher.run(token.clone()));
    let scheduler = IssueScheduler::new(
        d.db.clone(),
        d.clock.clone(),
        d.config.timezone(),
        d.issues.clone(),
        d.wake_scheduler.clone(),
        d.wake_sender.clone(),
    );
    let t = token.clone();
    set.spawn(async move {
        scheduler.run(t).await;
        Ok(())
    });
    let jobs = CronJobs::new(
        &d.config,
        d.db.clone(),
        d.clock.clone(),
        d.wake_sender.clone(),
    );
    let t = token.clone();
    set.spawn(async move {
        jobs.run(t).await;
        Ok(())
    });
    let hooks = WebhookSender::new(&d.config.webhooks, d.db.clone(), d.clock.clone())?;
    set.spawn(hooks.run(token.clone()));
    let signer = d.links.signer().clone();
    if let Some(mailbox) =
        BounceMailbox::from_config(&d.config, d.db.clone(), signer, d.clock.clone())?
    {
        let t = token.clone();
        set.spawn(async move {
            mailbox.run(t).await;
            Ok(())
        });
    }
    let mut result = Ok(());
    while let Some(done) = set.join_next().await {
        if let Err(e) = done.map_err(anyhow::Error::from).and_then(|r| r) {
            token.cancel();
            if result.is_ok() {
                result = Err(e);
            }
        }
    }
    result
}

/// One of several processes on PostgreSQL: leads when nobody else does, and
/// every few seconds takes over the rows of processes that are gone.
async fn take_part(
    d: Arc<Daemon>,
    mut presence: Presence,
    shutdown: CancellationToken,
) -> Result<()> {
    const EVERY: std::time::Duration = std::time::Duration::from_secs(3);
    let mut leading: Option<(CancellationToken, tokio::task::JoinHandle<Result<()>>)> = None;
    loop {
        if !presence.still_held().await {
            tracing::error!(
                "lost the database connection that marks this process alive; joining again"
            );
            if let Some((token, handle)) = leading.take() {
                token.cancel();
                let _ = handle.await;
                d.metrics.set_leader(false);
            }
            match Presence::join(&d.db, d.process_id).await {
                Ok(p) => presence = p,
                Err(e) => tracing::error!("cannot join again, retrying: {e:#}"),
            }
        } else if leading.is_none() {
            match presence.try_lead().await {
                Ok(true) => {
                    tracing::info!(
                        "this process leads: folder watcher, scheduler, jobs, webhooks and the bounce mailbox run here"
                    );
                    d.metrics.set_leader(true);
                    let token = shutdown.child_token();
                    let handle = tokio::spawn(lead(d.clone(), token.clone()));
                    leading = Some((token, handle));
                }
                Ok(false) => {}
                Err(e) => tracing::warn!("cannot ask for the lead: {e:#}"),
            }
        }
        if let Some((_, handle)) = &leading {
            if handle.is_finished() {
                if let Some((_, handle)) = leading.take() {
                    d.metrics.set_leader(false);
                    handle.await??;
                }
                if shutdown.is_cancelled() {
                    return Ok(());
                }
            }
        }
        if let Err(e) = recover_gone(&d.db, d.process_id, d.now(), &d.wake_sender).await {
            tracing::warn!("cannot check for stopped processes: {e:#}");
        }
        tokio::select! {
            _ = tokio::time::sleep(EVERY) => {}
            _ = shutdown.cancelled() => {
                if let Some((_, handle)) = leading.take() {
                    let _ = handle.await;
                }
                return Ok(());
            }
        }
    }
}

fn shutdown_on_signal() -> CancellationToken {
    let token = CancellationToken::new();
    let t = token.clone();
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! {
            _ = ctrl_c => {}
            _ = term => {}
        }
        tracing::info!("shutting down: finishing messages in flight");
        t.cancel();
    });
    token
}
