//! Recording one bounce and applying the policy, in one transaction: either
//! the event, the new status, the suppression and the unsubscribe record are
//! all stored, or (on a database error) none of them.

use anyhow::Result;

use super::policy::{Decision, SOFT_WINDOW_SECS, decide};
use crate::domain::event::EventKind;
use crate::domain::reply::BounceKind;
use crate::domain::subscriber::Status;
use crate::storage::Db;
use crate::storage::bounces::{
    BounceRecord, SentMessage, Suppress, insert_bounce, soft_bounced_messages, suppress,
};
use crate::storage::events::{data, issue_slug, record_event};

/// What recording the event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub decision: Decision,
    /// Soft-bounced messages within the window, this one included (soft only).
    pub soft_messages: i64,
    /// The subscriber's status before, when the policy suppressed the address.
    pub status_before: Option<Status>,
}

pub async fn record(
    db: &Db,
    message: SentMessage,
    kind: BounceKind,
    status: &str,
    diagnostic: &str,
    now: i64,
) -> Result<Applied> {
    // Read outside the write transaction: on SQLite a second connection would
    // wait for the lock this transaction holds.
    let salt = db.suppression_salt().await?;
    let mut tx = db.begin_write().await?;
    let record = BounceRecord {
        message,
        kind,
        status,
        diagnostic,
    };
    insert_bounce(&mut tx, &record, now).await?;
    let soft_messages = if kind == BounceKind::Soft {
        soft_bounced_messages(&mut tx, message.subscriber_id, now - SOFT_WINDOW_SECS).await?
    } else {
        0
    };
    let decision = decide(kind, soft_messages);
    let status_before = match decision {
        Decision::Keep => None,
        Decision::Suppress(how) => {
            let s = Suppress {
                message,
                status: how.status(),
                source: how.source(),
                salt: &salt,
            };
            suppress(&mut tx, &s, now).await?
        }
    };
    let event = match kind {
        BounceKind::Delayed => None,
        BounceKind::Complaint => Some(EventKind::Complained),
        _ => Some(EventKind::Bounced),
    };
    if let Some(event) = event {
        let d = data([
            ("kind", kind.as_str().into()),
            ("status", status.into()),
            ("issue", issue_slug(&mut tx, message.issue_id).await?),
            (
                "suppressed",
                matches!(decision, Decision::Suppress(_)).into(),
            ),
        ]);
        let who = Some(message.subscriber_id);
        record_event(&mut tx, &db.webhooks, event, who, d, now).await?;
    }
    tx.commit().await?;
    Ok(Applied {
        decision,
        soft_messages,
        status_before,
    })
}
