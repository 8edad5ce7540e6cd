//! `GET /metrics`: Prometheus text (OpenMetrics, written by prometheus-client)
//! for the holder of `secrets.admin_token` only: the counts say how many
//! people unsubscribed from which issue. Without an admin token the page does
//! not exist. The sender's own counters ([`crate::delivery::SendMetrics`])
//! are shared into a registry made per scrape, beside gauges read from the
//! database then, so several processes on one database each report their
//! own sending and the same ledger.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use std::collections::BTreeMap;

use super::AppState;
use super::admin::{self, Refusal};
use super::error::AppError;
use crate::domain::redact::redact_url_passwords;

const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LedgerState {
    ledger: String,
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct IssueState {
    issue: String,
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Status {
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Kind {
    kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Hook {
    webhook: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HookState {
    webhook: String,
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Source {
    source: String,
}

/// A gauge family filled with `values`, registered as `name`.
fn gauges<L, I>(registry: &mut Registry, name: &str, help: &str, values: I)
where
    L: Clone + std::hash::Hash + Eq + EncodeLabelSet + std::fmt::Debug + Send + Sync + 'static,
    I: IntoIterator<Item = (L, i64)>,
{
    let family = Family::<L, Gauge>::default();
    for (labels, n) in values {
        family.get_or_create(&labels).set(n);
    }
    registry.register(name, help, family);
}

fn gauge(registry: &mut Registry, name: &str, help: &str, value: i64) {
    let g = Gauge::<i64>::default();
    g.set(value);
    registry.register(name, help, g);
}

pub async fn metrics(State(s): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    match admin::check(&s, &headers) {
        Ok(()) => {}
        Err(Refusal::Off) => return Err(AppError::NotFound),
        Err(Refusal::Unauthorized) => {
            return Ok((
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, admin::CHALLENGE)],
                "send the admin token: Authorization: Bearer <secrets.admin_token>\n",
            )
                .into_response());
        }
    }
    let db = &s.db;
    let now = s.now();
    let mut r = Registry::default();
    s.metrics.register(&mut r);
    let queue = db.queue_now(now).await?;
    gauges(
        &mut r,
        "postbode_messages",
        "Messages in the ledger by ledger (issues, agenda) and state",
        queue.by_state.into_iter().map(|(ledger, state, n)| {
            let ledger = ledger.to_string();
            (LedgerState { ledger, state }, n)
        }),
    );
    gauge(
        &mut r,
        "postbode_queue_due",
        "Queued messages whose time has come",
        queue.due,
    );
    gauge(
        &mut r,
        "postbode_oldest_due_seconds",
        "How long the longest-waiting due message has waited",
        queue.oldest_due_secs,
    );
    gauges(
        &mut r,
        "postbode_deliveries",
        "Issue messages by issue and state",
        db.delivery_counts().await?.into_iter().map(|c| {
            let state = c.state.as_str().to_string();
            (
                IssueState {
                    issue: c.issue,
                    state,
                },
                c.count,
            )
        }),
    );
    gauges(
        &mut r,
        "postbode_subscribers",
        "Subscribers by status",
        db.count_subscribers_by_status()
            .await?
            .into_iter()
            .map(|(status, n)| {
                let status = status.as_str().to_string();
                (Status { status }, n)
            }),
    );
    gauges(
        &mut r,
        "postbode_bounces",
        "Bounces and complaints recorded, by kind",
        db.bounce_counts()
            .await?
            .into_iter()
            .map(|(kind, n)| (Kind { kind }, n)),
    );
    let mut per_source: BTreeMap<String, i64> = BTreeMap::new();
    for u in db.unsubscribe_counts().await? {
        *per_source.entry(u.source).or_default() += u.count;
    }
    gauges(
        &mut r,
        "postbode_unsubscribes",
        "Unsubscribes recorded, by source (link, one-click, page, bounce …)",
        per_source
            .into_iter()
            .map(|(source, n)| (Source { source }, n)),
    );
    // Every configured webhook shows, with 0 when nothing waits for it.
    let mut queue: BTreeMap<String, i64> = s
        .config
        .webhooks
        .iter()
        .map(|w| (w.key().to_string(), 0))
        .collect();
    let hooks = db.webhook_counts().await?;
    for (webhook, state, n) in &hooks {
        if state == "pending" {
            *queue.entry(webhook.clone()).or_default() += n;
        }
    }
    gauges(
        &mut r,
        "postbode_webhook_queue",
        "Webhook deliveries waiting to be sent (pending), by webhook",
        queue.into_iter().map(|(w, n)| {
            let webhook = redact_url_passwords(&w);
            (Hook { webhook }, n)
        }),
    );
    gauges(
        &mut r,
        "postbode_webhook_deliveries",
        "Webhook deliveries by webhook and state (pending, delivered, failed; kept 7 days)",
        hooks.into_iter().map(|(w, state, n)| {
            let webhook = redact_url_passwords(&w);
            (HookState { webhook, state }, n)
        }),
    );
    gauge(
        &mut r,
        "postbode_healthy",
        "1 while every delivery worker runs and the sender is not stuck (as /healthz)",
        i64::from(s.liveness.problem(now).is_none()),
    );
    let mut out = String::new();
    prometheus_client::encoding::text::encode(&mut out, &r)
        .map_err(|e| anyhow::anyhow!("cannot write the metrics: {e}"))?;
    Ok(([(header::CONTENT_TYPE, CONTENT_TYPE)], out).into_response())
}
