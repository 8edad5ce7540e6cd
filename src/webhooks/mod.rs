//! The webhook sender: POSTs recorded events (`storage::events`) to the
//! configured `[[webhooks]]`, signed, retried with backoff until
//! `give_up_hours`. It runs on the leading process only, so one sender
//! works through the queue. A web request only writes rows; this task polls
//! them, so a slow receiver never slows a page down.
//!
//! Order: the rows of one subscriber (and the events about no subscriber)
//! go to one webhook strictly in id order: while an earlier row waits for
//! its retry, the later ones wait with it.

pub mod sign;

use anyhow::Result;
use std::collections::{HashMap, HashSet};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

use crate::config::Webhook;
use crate::domain::clock::{SharedClock, epoch};
use crate::domain::retry::doubling;
use crate::storage::Db;
use crate::storage::webhooks::PendingHook;

/// How often the queue is looked at for new rows.
const POLL: Duration = Duration::from_secs(1);
/// Rows read per look.
const BATCH: i64 = 500;
/// How long delivered and failed events (with the addresses in them) are kept.
const KEEP_SECS: i64 = 7 * 24 * 3600;

pub struct WebhookSender {
    db: Db,
    clock: SharedClock,
    hooks: HashMap<String, Hook>,
}

struct Hook {
    config: Webhook,
    client: reqwest::Client,
}

/// What became of one POST.
enum Outcome {
    Delivered,
    /// The receiver answered, but not 2xx: only this row's sequence waits.
    Refused(String),
    /// No answer (connection, timeout) or 5xx: the whole webhook waits.
    Down(String),
}

impl WebhookSender {
    pub fn new(hooks: &[Webhook], db: Db, clock: SharedClock) -> Result<Self> {
        let mut map = HashMap::new();
        for w in hooks {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(w.timeout_secs))
                .connect_timeout(Duration::from_secs(w.timeout_secs))
                // A redirect would send the signed body somewhere not configured.
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(concat!("postbode/", env!("CARGO_PKG_VERSION")))
                .build()?;
            map.insert(
                w.key().to_string(),
                Hook {
                    config: w.clone(),
                    client,
                },
            );
        }
        Ok(Self {
            db,
            clock,
            hooks: map,
        })
    }

    fn now(&self) -> i64 {
        epoch(self.clock.now())
    }

    /// Works through the queue until `token` is cancelled. Without webhooks
    /// it still runs, so rows of a webhook that was removed are given up.
    pub async fn run(self, token: CancellationToken) -> Result<()> {
        let mut paused: HashMap<String, i64> = HashMap::new();
        let mut forgotten_at = 0;
        loop {
            tokio::select! {
                r = self.round(&mut paused) => {
                    if let Err(e) = r {
                        tracing::warn!("webhooks: cannot read the queue: {e:#}");
                    }
                }
                _ = token.cancelled() => return Ok(()),
            }
            let now = self.now();
            if now - forgotten_at >= 3600 {
                forgotten_at = now;
                if let Err(e) = self.db.forget_webhook_events(now - KEEP_SECS).await {
                    tracing::warn!("webhooks: cannot remove old events: {e:#}");
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(POLL) => {}
                _ = token.cancelled() => return Ok(()),
            }
        }
    }

    /// One pass over the pending rows in id order. `paused`: webhooks that
    /// did not answer, until when.
    async fn round(&self, paused: &mut HashMap<String, i64>) -> Result<()> {
        let rows = self.db.pending_webhook_deliveries(BATCH).await?;
        let mut waiting: HashSet<(String, Option<i64>)> = HashSet::new();
        for row in rows {
            let now = self.now();
            let sequence = (row.webhook.clone(), row.subscriber_id);
            if waiting.contains(&sequence) {
                continue;
            }
            let Some(hook) = self.hooks.get(&row.webhook) else {
                tracing::warn!(
                    delivery = %row.uuid,
                    "webhooks: an event for a webhook that is no longer configured is given up"
                );
                let why = "the webhook is no longer configured";
                self.db.webhook_failed(row.id, why, now).await?;
                continue;
            };
            if row.next_attempt_at > now || paused.get(&row.webhook).is_some_and(|t| *t > now) {
                waiting.insert(sequence);
                continue;
            }
            let (error, down) = match self.deliver(hook, &row, now).await {
                Outcome::Delivered => {
                    self.db.webhook_delivered(row.id, self.now()).await?;
                    continue;
                }
                Outcome::Refused(e) => (e, false),
                Outcome::Down(e) => (e, true),
            };
            waiting.insert(sequence);
            let now = self.now();
            let c = &hook.config;
            let give_up_at = row.occurred_at + i64::try_from(c.give_up_hours)? * 3600;
            if now >= give_up_at {
                tracing::error!(
                    webhook = hook.config.url.host(),
                    event = %row.kind,
                    delivery = %row.uuid,
                    attempts = row.attempts + 1,
                    "webhooks: given up after {} hours: {error}",
                    c.give_up_hours
                );
                self.db.webhook_failed(row.id, &error, now).await?;
                continue;
            }
            let delay = retry_delay(c.retry_base_secs, c.retry_max_secs, row.attempts);
            let next = (now + delay).min(give_up_at);
            tracing::warn!(
                webhook = hook.config.url.host(),
                event = %row.kind,
                delivery = %row.uuid,
                attempts = row.attempts + 1,
                "webhooks: not delivered, trying again in {delay}s: {error}"
            );
            self.db.webhook_retry(row.id, &error, next, now).await?;
            if down {
                paused.insert(row.webhook.clone(), next);
            }
        }
        Ok(())
    }

    async fn deliver(&self, hook: &Hook, row: &PendingHook, now: i64) -> Outcome {
        let body = sign::body(row);
        let signature = sign::signature(hook.config.secret.as_bytes(), now, &body);
        let sent = hook
            .client
            .post(hook.config.url.url().clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("Postbode-Event", &row.kind)
            .header("Postbode-Delivery", &row.uuid)
            .header("Postbode-Signature", signature)
            .body(body)
            .send()
            .await;
        match sent {
            Ok(r) if r.status().is_success() => Outcome::Delivered,
            Ok(r) if r.status().is_server_error() => Outcome::Down(format!("HTTP {}", r.status())),
            Ok(r) => Outcome::Refused(format!("HTTP {}", r.status())),
            // Without the URL: its path or query may carry a token.
            Err(e) => Outcome::Down(describe(&e.without_url())),
        }
    }
}

/// Seconds before attempt `attempts + 1`: `base`, 2×, 4× … at most `max`,
/// less up to a quarter at random, so a receiver that comes back is not hit
/// by every waiting event at once.
fn retry_delay(base: u64, max: u64, attempts: i64) -> i64 {
    let delay = doubling(base, max.max(base), attempts);
    (delay - rand::random_range(0..=delay / 4)).max(1)
}

/// A transport error on one line, with its cause.
fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_doubles_up_to_the_maximum() {
        assert!((23..=30).contains(&retry_delay(30, 3600, 0)));
        assert!((90..=120).contains(&retry_delay(30, 3600, 2)));
        assert!((2700..=3600).contains(&retry_delay(30, 3600, 40)));
        assert_eq!(retry_delay(1, 1, 5), 1);
    }
}
