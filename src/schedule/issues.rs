//! Starts each scheduled issue at its `send_at` and queues each agenda reminder
//! at its time: sleeps until the next one is due (no polling), and wakes early
//! when the folder watcher schedules a new issue or changes an agenda. What
//! fell due while the daemon was down is done at once (reminders only if the
//! meeting has not started).

use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

use crate::context::Ctx;
use crate::reminders::agenda::take_agenda;

pub struct IssueScheduler {
    ctx: Arc<Ctx>,
}

impl IssueScheduler {
    pub fn new(ctx: Arc<Ctx>) -> Self {
        Self { ctx }
    }

    pub async fn run(self, shutdown: CancellationToken) {
        loop {
            let wait = match self.tick().await {
                Ok(next) => next,
                Err(e) => {
                    tracing::error!("scheduler cannot read issues, retrying in 5 s: {e:#}");
                    Duration::from_secs(5)
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.ctx.wake_scheduler.notified() => {}
                _ = shutdown.cancelled() => return,
            }
        }
    }

    /// Starts what is due; returns how long to sleep until the next issue.
    pub async fn tick(&self) -> anyhow::Result<Duration> {
        let ctx = &self.ctx;
        let now = ctx.now();
        for issue in ctx.db.due_issues(now).await? {
            let parsed = match ctx.renderer(&issue.file, &issue.source) {
                Ok(r) => r,
                Err(errs) => {
                    // The configuration changed under a scheduled issue (a slug removed).
                    let text = errs
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("\n");
                    tracing::error!(issue = %issue.slug, "cannot send: {text}");
                    ctx.db.mark_issue_invalid(issue.id, &text, now).await?;
                    continue;
                }
            };
            let uids: Vec<String> = parsed.issue.agenda.iter().map(|a| a.id.clone()).collect();
            if let Some(queued) = ctx
                .db
                .start_sending(issue.id, &parsed.issue.audience, &uids, now)
                .await?
            {
                tracing::info!(issue = %issue.slug, recipients = queued, "sending started");
                ctx.wake_sender.notify_one();
                take_agenda(ctx, issue.id, &parsed.issue, true).await?;
            }
        }
        if ctx.db.fire_due_reminders(now).await? > 0 {
            ctx.wake_sender.notify_one();
        }
        let now = ctx.now();
        let next = [
            ctx.db.next_send_at().await?,
            ctx.db.next_reminder_due(now).await?,
        ]
        .into_iter()
        .flatten()
        .min();
        Ok(
            Duration::from_secs(next.map_or(3600, |t| (t - now).clamp(0, 3600) as u64))
                .max(Duration::from_millis(50)),
        )
    }
}
