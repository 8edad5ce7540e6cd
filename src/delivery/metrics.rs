//! What the sender counts as it goes, for `/metrics` (prometheus-client):
//! SMTP replies per ledger and class, how long each SMTP transaction took,
//! messages that could not be built, and whether this process leads. The
//! counts are in memory, per process, from its start; what the database
//! knows (ledger states, queue depth) is read at each scrape instead.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::domain::delivery::Ledger;
use crate::domain::reply::Outcome;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReplyLabels {
    /// `issues` or `agenda`.
    pub ledger: String,
    /// `2xx`, `4xx`, `5xx`, or `unknown` (no reply: the connection broke
    /// during the transaction).
    pub class: String,
}

/// The sender's counters; clones share them.
#[derive(Clone, Debug)]
pub struct SendMetrics {
    replies: Family<ReplyLabels, Counter>,
    smtp_seconds: Histogram,
    build_errors: Counter,
    leader: Gauge,
}

impl Default for SendMetrics {
    fn default() -> Self {
        Self::new()
    }
}

impl SendMetrics {
    pub fn new() -> Self {
        Self {
            replies: Family::default(),
            // 1 ms to about 33 s: a local relay answers in milliseconds, a
            // slow one within smtp.timeout_secs.
            smtp_seconds: Histogram::new(
                prometheus_client::metrics::histogram::exponential_buckets(0.001, 2.0, 16),
            ),
            build_errors: Counter::default(),
            leader: Gauge::default(),
        }
    }

    /// One SMTP transaction of `ledger` ended with `outcome` after `seconds`.
    pub fn transaction(&self, ledger: Ledger, outcome: &Outcome, seconds: f64) {
        let class = match outcome {
            Outcome::Sent(_) => "2xx",
            Outcome::Transient(_) => "4xx",
            Outcome::Permanent(_) => "5xx",
            Outcome::Unknown(_) => "unknown",
        };
        let ledger = match ledger {
            Ledger::Issues => "issues",
            Ledger::Agenda => "agenda",
        };
        self.replies
            .get_or_create(&ReplyLabels {
                ledger: ledger.into(),
                class: class.into(),
            })
            .inc();
        self.smtp_seconds.observe(seconds);
    }

    /// A message could not be built (its issue no longer compiles, or a
    /// fault while composing it).
    pub fn build_error(&self) {
        self.build_errors.inc();
    }

    /// Whether this process runs the watcher, scheduler and jobs.
    pub fn set_leader(&self, leads: bool) {
        self.leader.set(i64::from(leads));
    }

    /// Registers the counters (shared, not copied) in `registry`.
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "postbode_smtp_replies",
            "SMTP transactions by ledger and reply class since this process started",
            self.replies.clone(),
        );
        registry.register(
            "postbode_smtp_seconds",
            "How long one SMTP transaction (envelope and DATA) took",
            self.smtp_seconds.clone(),
        );
        registry.register(
            "postbode_build_errors",
            "Messages that could not be built since this process started",
            self.build_errors.clone(),
        );
        registry.register(
            "postbode_leader",
            "1 when this process runs the folder watcher, scheduler and jobs",
            self.leader.clone(),
        );
    }
}
