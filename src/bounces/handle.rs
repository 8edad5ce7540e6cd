//! One report from start to end: parse, locate, classify, record; the result
//! is a one-line summary or a failure whose kind decides the exit code.

use super::apply::{Applied, record};
use super::locate::{Located, locate};
use super::policy::{Decision, SOFT_LIMIT, SOFT_WINDOW_SECS};
use super::report::{ParseError, RecipientStatus, Report, parse};
use crate::domain::delivery::Ledger;
use crate::domain::redact::redact_addresses;
use crate::domain::reply::{BounceKind, of_feedback, of_report};
use crate::domain::subscriber::Status;
use crate::domain::token::TokenSigner;
use crate::storage::Db;

/// Reports larger than this are not read beyond it (Postfix attaches at most
/// `bounce_size_limit`, 50 kB by default, of the original message).
pub const MAX_REPORT_BYTES: u64 = 16 * 1024 * 1024;

/// A report that was taken care of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handled {
    /// One line for stdout; no addresses.
    pub summary: String,
    /// Something the operator must look at (a policy rejection).
    pub alert: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// Not a report postbode can read; nothing changed.
    #[error("{0}")]
    Unreadable(#[from] ParseError),
    /// A readable report about no message postbode knows; nothing changed.
    #[error("{0}")]
    Unidentified(String),
    /// The database failed; nothing changed, try again later.
    #[error("{0:#}")]
    Temporary(#[from] anyhow::Error),
}

/// Handles one report; `recipient` is the address it was delivered to.
pub async fn handle(
    db: &Db,
    signer: &TokenSigner,
    raw: &[u8],
    recipient: Option<&str>,
    now: i64,
) -> Result<Handled, Failure> {
    let parsed = parse(raw)?;
    let located = locate(db, signer, &parsed, recipient)
        .await?
        .map_err(Failure::Unidentified)?;
    let m = located.message;
    let Some(subscriber) = db.subscriber_by_id(m.subscriber_id).await? else {
        return Err(Failure::Unidentified(format!(
            "no identifiable subscriber: subscriber {} no longer exists",
            m.subscriber_id
        )));
    };
    let (verdict, status, diagnostic) = match &parsed.report {
        Report::Delivery(recipients) => {
            let r = pick(recipients, subscriber.email.as_str()).ok_or(ParseError::NoRecipients)?;
            let status = r.status.map(|s| s.to_string()).unwrap_or_default();
            (of_report(&r.action, r.status), status, r.diagnostic.clone())
        }
        Report::Feedback { feedback_type } => (
            of_feedback(feedback_type),
            feedback_type.clone(),
            String::new(),
        ),
    };
    let kind = verdict.and_then(|v| v.bounce_kind());
    let what = describe(&located);
    let Some(kind) = kind else {
        return Ok(Handled {
            summary: format!("not a bounce ({status}) {what}: nothing changed"),
            alert: None,
        });
    };
    let diagnostic = redact_addresses(&diagnostic);
    let applied = record(db, m, kind, &status, &diagnostic, now).await?;
    Ok(summarise(
        kind,
        &status,
        &what,
        subscriber.status,
        &applied,
        &diagnostic,
    ))
}

/// The recipient entry about this subscriber (a report may list several),
/// the most serious one first.
fn pick<'a>(recipients: &'a [RecipientStatus], email: &str) -> Option<&'a RecipientStatus> {
    let ours: Vec<&RecipientStatus> = recipients
        .iter()
        .filter(|r| {
            r.final_recipient.eq_ignore_ascii_case(email)
                || r.original_recipient.eq_ignore_ascii_case(email)
        })
        .collect();
    let pool = if ours.is_empty() {
        recipients.iter().collect()
    } else {
        ours
    };
    let severity =
        |r: &&RecipientStatus| of_report(&r.action, r.status).and_then(|v| v.bounce_kind());
    pool.into_iter().rev().max_by_key(severity)
}

fn describe(l: &Located) -> String {
    let m = l.message;
    let row = match m.ledger {
        Ledger::Issues => "issue delivery",
        Ledger::Agenda => "agenda mail",
    };
    format!(
        "for subscriber {} ({row} {}, found by {})",
        m.subscriber_id,
        m.row_id,
        l.by.as_str()
    )
}

fn summarise(
    kind: BounceKind,
    status: &str,
    what: &str,
    status_now: Status,
    applied: &Applied,
    diagnostic: &str,
) -> Handled {
    let label = match kind {
        BounceKind::Hard => "hard bounce",
        BounceKind::Soft => "soft bounce",
        BounceKind::Policy => "policy rejection",
        BounceKind::Delayed => "delay",
        BounceKind::Complaint => "complaint",
    };
    let days = SOFT_WINDOW_SECS / 86_400;
    let effect = match (&applied.decision, applied.status_before) {
        (Decision::Suppress(how), Some(before)) if before.is_subscribed() => {
            format!("now {}, address suppressed", how.status())
        }
        (Decision::Suppress(_), Some(before)) => {
            format!("address suppressed (subscriber was already {before})")
        }
        (Decision::Suppress(_), None) => "subscriber no longer exists".into(),
        (Decision::Keep, _) if kind == BounceKind::Soft => format!(
            "{} of {SOFT_LIMIT} soft-bounced messages within {days} days, still {status_now}",
            applied.soft_messages
        ),
        (Decision::Keep, _) if kind == BounceKind::Policy => {
            "not suppressed: the receiving server refused our mail, not the address".into()
        }
        (Decision::Keep, _) => "information only, nothing changed".into(),
    };
    let soft_limit = matches!(applied.decision, Decision::Suppress(_)) && kind == BounceKind::Soft;
    let effect = if soft_limit {
        format!("{SOFT_LIMIT} soft-bounced messages within {days} days: {effect}")
    } else {
        effect
    };
    let alert = (kind == BounceKind::Policy).then(|| {
        format!(
            "a receiving server refused our mail for policy reasons ({status}: {diagnostic}); check SPF, DKIM, DMARC, the sending IP's reputation and the content"
        )
    });
    Handled {
        summary: format!("{label} {status} {what}: {effect}"),
        alert,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::reply::{Action, StatusCode};

    fn entry(to: &str, action: Action, status: (u8, u16, u16)) -> RecipientStatus {
        RecipientStatus {
            final_recipient: to.into(),
            original_recipient: String::new(),
            action,
            status: Some(StatusCode::new(status.0, status.1, status.2)),
            diagnostic: String::new(),
        }
    }

    #[test]
    fn the_subscribers_own_entry_counts_else_the_most_serious() {
        let list = [
            entry("a@example.nl", Action::Delayed, (4, 2, 1)),
            entry("b@example.nl", Action::Failed, (5, 1, 1)),
            entry("c@example.nl", Action::Failed, (5, 2, 2)),
        ];
        let got = |email| pick(&list, email).map(|r| r.final_recipient.as_str());
        assert_eq!(got("A@example.nl"), Some("a@example.nl"));
        assert_eq!(got("c@example.nl"), Some("c@example.nl"));
        assert_eq!(got("forwarded@example.org"), Some("b@example.nl"));
        assert_eq!(pick(&[], "a@example.nl"), None);
    }
}
