//! `postbode serve`: builds the services, recovers from an earlier crash, and
//! runs the folder watcher, scheduler, sender and web pages until a signal.

use anyhow::Result;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

use crate::clock::SystemClock;
use crate::config::Config;
use crate::context::Ctx;
use crate::delivery::Engine;
use crate::newsletters::watcher::FolderWatcher;
use crate::schedule::IssueScheduler;

pub async fn serve(config: Config) -> Result<()> {
    let ctx = Ctx::build(config, Arc::new(SystemClock)).await?;
    if let Some(d) = &ctx.config.dkim {
        tracing::info!(domain = %d.domain, selector = %d.selector, "every message is DKIM-signed");
    }
    run(ctx, shutdown_on_signal()).await
}

/// Runs every part until `shutdown` is cancelled or one part fails.
pub async fn run(ctx: Arc<Ctx>, shutdown: CancellationToken) -> Result<()> {
    let recovered = ctx.db.recover_deliveries(ctx.now()).await?;
    if recovered.unknown > 0 {
        tracing::warn!(
            count = recovered.unknown,
            "messages were being sent when postbode stopped; they are marked unknown and not resent (see `postbode status`)"
        );
    }
    let mut tasks = tokio::task::JoinSet::new();
    tasks.spawn(crate::web::serve(ctx.clone(), shutdown.clone()));
    let watcher = FolderWatcher::new(ctx.clone());
    tasks.spawn(watcher.run(shutdown.clone()));
    let scheduler = IssueScheduler::new(ctx.clone());
    let s = shutdown.clone();
    tasks.spawn(async move {
        scheduler.run(s).await;
        Ok(())
    });
    let jobs = crate::schedule::jobs::CronJobs::new(ctx.clone())?;
    let s = shutdown.clone();
    tasks.spawn(async move {
        jobs.run(s).await;
        Ok(())
    });
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
