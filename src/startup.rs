//! `postbode serve`: builds the services, recovers from an earlier crash, and
//! runs the folder watcher, scheduler, sender and web pages until a signal.

use anyhow::Result;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

use crate::clock::SystemClock;
use crate::cluster::{Presence, recover_gone};
use crate::config::Config;
use crate::context::Ctx;
use crate::delivery::Engine;
use crate::newsletters::watcher::FolderWatcher;
use crate::schedule::IssueScheduler;
use crate::storage::Backend;

pub async fn serve(config: Config) -> Result<()> {
    let ctx = Ctx::build(config, Arc::new(SystemClock)).await?;
    if let Some(d) = &ctx.config.dkim {
        tracing::info!(domain = %d.domain, selector = %d.selector, "every message is DKIM-signed");
    }
    run(ctx, shutdown_on_signal()).await
}

/// Runs every part until `shutdown` is cancelled or one part fails.
pub async fn run(ctx: Arc<Ctx>, shutdown: CancellationToken) -> Result<()> {
    let mut tasks = tokio::task::JoinSet::new();
    match ctx.db.backend {
        // One process per SQLite file: whatever was claimed or being sent
        // belonged to this process's predecessor.
        Backend::Sqlite => {
            let recovered = ctx.db.recover_deliveries(None, ctx.now()).await?;
            report_unknown(recovered.unknown);
            tasks.spawn(lead(ctx.clone(), shutdown.clone()));
        }
        Backend::Postgres => {
            let presence = Presence::join(&ctx).await?;
            recover_gone(&ctx).await?;
            tasks.spawn(take_part(ctx.clone(), presence, shutdown.clone()));
        }
    }
    tasks.spawn(crate::web::serve(ctx.clone(), shutdown.clone()));
    let engine = Engine::new(ctx.clone());
    let s = shutdown.clone();
    tasks.spawn(async move {
        engine.run(s).await;
        Ok(())
    });
    tracing::info!("postbode is running");
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

/// What one process leads: the folder watcher, the scheduler and the cron jobs.
/// Returns when `token` is cancelled or one of them fails.
async fn lead(ctx: Arc<Ctx>, token: CancellationToken) -> Result<()> {
    let mut set = tokio::task::JoinSet::new();
    set.spawn(FolderWatcher::new(ctx.clone()).run(token.clone()));
    let scheduler = IssueScheduler::new(ctx.clone());
    let t = token.clone();
    set.spawn(async move {
        scheduler.run(t).await;
        Ok(())
    });
    let jobs = crate::schedule::jobs::CronJobs::new(ctx.clone())?;
    let t = token.clone();
    set.spawn(async move {
        jobs.run(t).await;
        Ok(())
    });
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
    ctx: Arc<Ctx>,
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
            }
            match Presence::join(&ctx).await {
                Ok(p) => presence = p,
                Err(e) => tracing::error!("cannot join again, retrying: {e:#}"),
            }
        } else if leading.is_none() {
            match presence.try_lead().await {
                Ok(true) => {
                    tracing::info!(
                        "this process leads: folder watcher, scheduler and jobs run here"
                    );
                    let token = shutdown.child_token();
                    let handle = tokio::spawn(lead(ctx.clone(), token.clone()));
                    leading = Some((token, handle));
                }
                Ok(false) => {}
                Err(e) => tracing::warn!("cannot ask for the lead: {e:#}"),
            }
        }
        if let Some((_, handle)) = &leading {
            if handle.is_finished() {
                if let Some((_, handle)) = leading.take() {
                    handle.await??;
                }
                if shutdown.is_cancelled() {
                    return Ok(());
                }
            }
        }
        if let Err(e) = recover_gone(&ctx).await {
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
