//! Starts each scheduled issue at its `send_at` and queues each agenda reminder
//! at its time: sleeps until the next one is due (no polling), and wakes early
//! when the folder watcher schedules a new issue or changes an agenda. What
//! fell due while the daemon was down is done at once (reminders only if the
//! meeting has not started). Sending starts from the plan stored with the
//! issue; the issue itself is checked through the pipeline (a cache hit, as
//! the watcher loaded it), so one that no longer compiles under the current
//! configuration becomes invalid instead of waiting in the ledger.

use chrono_tz::Tz;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::domain::clock::{SharedClock, epoch};
use crate::newsletters::IssuePipeline;
use crate::reminders::agenda::take_agenda;
use crate::storage::Db;

pub struct IssueScheduler {
    db: Db,
    clock: SharedClock,
    tz: Tz,
    issues: Arc<IssuePipeline>,
    /// Rung by the watcher: an issue or an agenda changed.
    wake: Arc<Notify>,
    /// Rung here: mail was queued.
    wake_sender: Arc<Notify>,
}

impl IssueScheduler {
    pub fn new(
        db: Db,
        clock: SharedClock,
        tz: Tz,
        issues: Arc<IssuePipeline>,
        wake: Arc<Notify>,
        wake_sender: Arc<Notify>,
    ) -> Self {
        Self {
            db,
            clock,
            tz,
            issues,
            wake,
            wake_sender,
        }
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
                _ = self.wake.notified() => {}
                _ = shutdown.cancelled() => return,
            }
        }
    }

    /// Starts what is due; returns how long to sleep until the next issue.
    pub async fn tick(&self) -> anyhow::Result<Duration> {
        let db = &self.db;
        let now = epoch(self.clock.now());
        for issue in db.due_issues(now).await? {
            let Some(plan) = &issue.plan else {
                // The upgrade makes every plan at start-up; one still
                // missing cannot be trusted with an audience.
                let why = "taken in by an earlier version and never planned: save the file again to schedule it";
                tracing::error!(issue = %issue.slug, "cannot send: {why}");
                db.mark_issue_invalid(issue.id, why, now).await?;
                continue;
            };
            let issues = self.issues.clone();
            let (file, source) = (issue.file.clone(), issue.source.clone());
            let loaded =
                tokio::task::spawn_blocking(move || issues.load_stored(&file, &source)).await?;
            if let Err(errs) = loaded {
                // The configuration changed under a scheduled issue (a slug removed).
                let text = errs
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n");
                tracing::error!(issue = %issue.slug, "cannot send: {text}");
                db.mark_issue_invalid(issue.id, &text, now).await?;
                continue;
            }
            // How long queueing the ledger rows took: the one step of a send
            // that grows with the list before the first message can leave.
            let queueing = std::time::Instant::now();
            if let Some(queued) = db.start_sending(issue.id, plan, now).await? {
                let queued_secs = (queueing.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
                tracing::info!(
                    issue = %issue.slug,
                    recipients = queued,
                    queued_secs,
                    "sending started"
                );
                self.wake_sender.notify_one();
                take_agenda(db, self.tz, now, issue.id, &issue.slug, plan, true).await?;
            }
        }
        if db.fire_due_reminders(now).await? > 0 {
            self.wake_sender.notify_one();
        }
        let now = epoch(self.clock.now());
        let next = [
            db.next_send_at(now).await?,
            db.next_reminder_due(now).await?,
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
