//! The `[schedule]` cron jobs. Times are wall-clock times in `platform.timezone`;
//! the scheduler sleeps until the next one is due. On the autumn DST day a job at
//! 02:30 would fire twice (once per 02:30): the second firing of the same local
//! time is skipped, so a job runs once per wall-clock time.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use cron::Schedule;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::domain::clock::{SharedClock, epoch};
use crate::storage::Db;

/// Pending sign-ups older than this are removed by `purge_unconfirmed`.
pub const UNCONFIRMED_MAX_AGE_SECS: i64 = 7 * 24 * 3600;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    AgendaDigest,
    PurgeUnconfirmed,
}

impl Job {
    pub fn name(self) -> &'static str {
        match self {
            Job::AgendaDigest => "agenda_digest",
            Job::PurgeUnconfirmed => "purge_unconfirmed",
        }
    }
}

/// The next firing of `schedule` after `after`, with its local wall-clock label.
pub fn next_fire(
    schedule: &Schedule,
    tz: Tz,
    after: DateTime<Utc>,
) -> Option<(DateTime<Utc>, String)> {
    schedule.after(&after.with_timezone(&tz)).next().map(|t| {
        (
            t.with_timezone(&Utc),
            t.format("%Y-%m-%d %H:%M:%S").to_string(),
        )
    })
}

pub struct CronJobs {
    db: Db,
    clock: SharedClock,
    tz: Tz,
    /// Rung when digests were queued.
    wake_sender: Arc<Notify>,
    jobs: Vec<(Job, Schedule)>,
}

impl CronJobs {
    pub fn new(config: &Config, db: Db, clock: SharedClock, wake_sender: Arc<Notify>) -> Self {
        let s = &config.schedule;
        Self {
            db,
            clock,
            tz: config.timezone(),
            wake_sender,
            jobs: vec![
                (Job::AgendaDigest, s.agenda_digest.schedule.clone()),
                (Job::PurgeUnconfirmed, s.purge_unconfirmed.schedule.clone()),
            ],
        }
    }

    fn now(&self) -> i64 {
        epoch(self.clock.now())
    }

    pub async fn run(self, shutdown: CancellationToken) {
        let tz = self.tz;
        // The wall-clock label of each job's last run (in memory and in `settings`).
        let mut last: Vec<Option<String>> = Vec::new();
        for (job, _) in &self.jobs {
            last.push(self.db.setting(&last_run_key(*job)).await.ok().flatten());
        }
        loop {
            let now = self.clock.now();
            let next: Vec<_> = self
                .jobs
                .iter()
                .map(|(_, s)| next_fire(s, tz, now))
                .collect();
            let Some(soonest) = next.iter().flatten().map(|(t, _)| *t).min() else {
                return;
            };
            let wait = (soonest - now).to_std().unwrap_or(Duration::ZERO);
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.cancelled() => return,
            }
            for (i, (job, _)) in self.jobs.iter().enumerate() {
                let Some((at, label)) = &next[i] else {
                    continue;
                };
                if *at > soonest || last[i].as_deref() == Some(label.as_str()) {
                    continue;
                }
                self.execute(*job, label).await;
                last[i] = Some(label.clone());
                if let Err(e) = self.db.set_setting(&last_run_key(*job), label).await {
                    tracing::warn!(job = job.name(), "cannot record the run: {e:#}");
                }
            }
        }
    }

    async fn execute(&self, job: Job, label: &str) {
        match job {
            Job::AgendaDigest => match self.db.queue_digests(label, self.now()).await {
                Ok(n) => {
                    tracing::info!(job = job.name(), recipients = n, "agenda digests queued");
                    self.wake_sender.notify_one();
                }
                Err(e) => tracing::error!(job = job.name(), "failed: {e:#}"),
            },
            Job::PurgeUnconfirmed => {
                let before = self.now() - UNCONFIRMED_MAX_AGE_SECS;
                match self.db.purge_unconfirmed(before).await {
                    Ok(n) => tracing::info!(
                        job = job.name(),
                        subscribers = n.subscribers,
                        requests = n.requests,
                        "unconfirmed sign-ups older than 7 days removed"
                    ),
                    Err(e) => tracing::error!(job = job.name(), "failed: {e:#}"),
                }
            }
        }
    }
}

fn last_run_key(job: Job) -> String {
    format!("job.{}.last_run", job.name())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use std::str::FromStr;

    #[test]
    fn a_job_in_the_repeated_autumn_hour_has_one_wall_clock_label_twice() {
        let tz: Tz = "Europe/Amsterdam".parse().expect("tz");
        let s = Schedule::from_str("0 30 2 * * *").expect("cron");
        // 2026-10-25: clocks go back from 03:00 CEST to 02:00 CET, so 02:30 happens twice
        // and cron yields both; their wall-clock labels are equal, which is what the
        // runner de-duplicates on.
        let start = Utc.with_ymd_and_hms(2026, 10, 24, 23, 0, 0).unwrap();
        let fires: Vec<_> = s.after(&start.with_timezone(&tz)).take(3).collect();
        assert_eq!(
            fires[1].with_timezone(&Utc) - fires[0].with_timezone(&Utc),
            chrono::Duration::hours(1)
        );
        let label = |t: &chrono::DateTime<Tz>| t.format("%Y-%m-%d %H:%M:%S").to_string();
        assert_eq!(label(&fires[0]), label(&fires[1]));
        assert_eq!(label(&fires[2]), "2026-10-26 02:30:00");
        // What the runner computes after the first run: never the same label again.
        let (_, first_label) = next_fire(&s, tz, start).expect("first");
        let (_, after_first) = next_fire(&s, tz, fires[0].with_timezone(&Utc)).expect("next");
        assert_eq!(first_label, "2026-10-25 02:30:00");
        assert!(
            after_first == first_label || after_first == "2026-10-26 02:30:00",
            "{after_first}"
        );
    }

    #[test]
    fn a_job_in_the_skipped_spring_hour_moves_on() {
        let tz: Tz = "Europe/Amsterdam".parse().expect("tz");
        let s = Schedule::from_str("0 30 2 * * *").expect("cron");
        let start = Utc.with_ymd_and_hms(2027, 3, 27, 12, 0, 0).unwrap();
        let (_, label) = next_fire(&s, tz, start).expect("next");
        assert!(label.starts_with("2027-03-2"), "{label}");
        assert_ne!(
            label, "2027-03-28 02:30:00",
            "02:30 does not exist that day"
        );
    }
}
