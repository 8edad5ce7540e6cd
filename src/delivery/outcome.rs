//! What a worker writes down after one SMTP transaction: the outcome on its
//! ledger row (through the grouped writer), a refusal as a bounce too, and a
//! log line an operator can act on.

use anyhow::Result;

use super::backoff::backoff_secs;
use super::engine::Engine;
use crate::bounces::apply::record as record_bounce;
use crate::domain::delivery::{DeliveryState, Ledger};
use crate::domain::redact::redact_addresses;
use crate::domain::reply::{Outcome, StatusCode, Verdict};
use crate::domain::subscriber::Recipient;
use crate::storage::bounces::SentMessage;
use crate::storage::deliveries::Claimed;
use crate::storage::ledger_batch::Finished;

impl Engine {
    /// Writes one attempt's result to the ledger; a refusal is a bounce too,
    /// under the same policy as reports the MTA sends back later.
    pub(super) async fn record(
        &self,
        row: &Claimed,
        recipient: &Recipient,
        outcome: &Outcome,
        verdict: Verdict,
        now: i64,
    ) -> Result<()> {
        let db = &self.db;
        let (ledger, id) = (row.ledger, row.id);
        let finished = |state, reply: &str, retry_at| Finished {
            id,
            state,
            reply: reply.to_string(),
            retry_at,
            at: now,
        };
        match outcome {
            Outcome::Sent(reply) => {
                let row = finished(DeliveryState::Sent, reply, None);
                self.ledger.finish(ledger, row).await
            }
            Outcome::Transient(reply) => {
                let at = now + backoff_secs(self.settings.retry_base_secs, row.attempts);
                let row = finished(DeliveryState::Queued, reply, Some(at));
                self.ledger.finish(ledger, row).await
            }
            Outcome::Unknown(reply) => {
                let row = finished(DeliveryState::Unknown, reply, None);
                self.ledger.finish(ledger, row).await
            }
            Outcome::Permanent(reply) => {
                db.mark_failed(ledger, id, reply, now).await?;
                let Some(kind) = verdict.bounce_kind() else {
                    return Ok(());
                };
                let code = StatusCode::find_in(reply)
                    .map(|c| c.to_string())
                    .unwrap_or_default();
                let message = SentMessage {
                    ledger,
                    row_id: id,
                    subscriber_id: recipient.id,
                    issue_id: (ledger == Ledger::Issues).then_some(row.topic_id),
                };
                let applied =
                    record_bounce(db, message, kind, &code, &redact_addresses(reply), now).await?;
                if applied.status_before.is_some() {
                    tracing::warn!(
                        subscriber = recipient.id,
                        "{} bounce ({code}): the subscriber is taken off the list and the address suppressed",
                        kind.as_str()
                    );
                }
                Ok(())
            }
        }
    }
}

pub(super) fn log_verdict(id: i64, verdict: Verdict, reply: &str) {
    let reply = redact_addresses(reply);
    match verdict {
        Verdict::Retry | Verdict::Throttled => {
            tracing::warn!(delivery = id, "temporary failure, retrying: {reply}")
        }
        Verdict::Policy => tracing::error!(
            delivery = id,
            "refused by the receiving server's policy (the subscriber is not suppressed; check the sending reputation, SPF/DKIM and blocklists): {reply}"
        ),
        Verdict::HardBounce | Verdict::SoftBounce | Verdict::Failed | Verdict::Complaint => {
            tracing::warn!(delivery = id, "rejected by the server: {reply}")
        }
        Verdict::Unknown => tracing::warn!(
            delivery = id,
            "the server may or may not have the message; recorded as unknown, not resent: {reply}"
        ),
        Verdict::Delivered | Verdict::Delayed => {}
    }
}
