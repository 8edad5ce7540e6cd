//! The two delivery ledgers and the life of one row in them:
//! `queued → claimed → sending → sent | failed | unknown | skipped`, or back to
//! `queued` for a retry; a row not yet sent when the operator cancels its
//! issue becomes `cancelled`.

use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// Issue deliveries, one row per (issue, subscriber), and agenda mails, one
/// row per (item, subscriber, slot), share one life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ledger {
    Issues,
    Agenda,
}

impl Ledger {
    pub const ALL: [Ledger; 2] = [Ledger::Issues, Ledger::Agenda];

    pub fn table(self) -> &'static str {
        match self {
            Ledger::Issues => "deliveries",
            Ledger::Agenda => "agenda_deliveries",
        }
    }

    /// As `bounces.ledger` names it.
    pub fn name(self) -> &'static str {
        match self {
            Ledger::Issues => "issues",
            Ledger::Agenda => "agenda",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryState {
    Queued,
    Claimed,
    /// Written before the message goes out: after a crash such a row is `Unknown`.
    Sending,
    Sent,
    Failed,
    /// The server may or may not have the message; never resent on its own.
    Unknown,
    /// Not sent and never will be, for a reason that is not a failure.
    Skipped,
    /// Not sent: the operator cancelled its issue (`postbode cancel`).
    Cancelled,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Queued => "queued",
            DeliveryState::Claimed => "claimed",
            DeliveryState::Sending => "sending",
            DeliveryState::Sent => "sent",
            DeliveryState::Failed => "failed",
            DeliveryState::Unknown => "unknown",
            DeliveryState::Skipped => "skipped",
            DeliveryState::Cancelled => "cancelled",
        }
    }
}

impl fmt::Display for DeliveryState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for DeliveryState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "queued" => DeliveryState::Queued,
            "claimed" => DeliveryState::Claimed,
            "sending" => DeliveryState::Sending,
            "sent" => DeliveryState::Sent,
            "failed" => DeliveryState::Failed,
            "unknown" => DeliveryState::Unknown,
            "skipped" => DeliveryState::Skipped,
            "cancelled" => DeliveryState::Cancelled,
            _ => return Err(format!("unknown delivery state {s:?}")),
        })
    }
}

/// The mails of the agenda ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AgendaMailKind {
    /// The item starts soon.
    Reminder,
    /// Its time or place changed after a reminder went out.
    Update,
    /// It was cancelled after a reminder went out.
    Cancel,
    /// The weekly overview of upcoming meetings.
    Digest,
}

impl AgendaMailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AgendaMailKind::Reminder => "reminder",
            AgendaMailKind::Update => "update",
            AgendaMailKind::Cancel => "cancel",
            AgendaMailKind::Digest => "digest",
        }
    }
}

impl fmt::Display for AgendaMailKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for AgendaMailKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "reminder" => AgendaMailKind::Reminder,
            "update" => AgendaMailKind::Update,
            "cancel" => AgendaMailKind::Cancel,
            "digest" => AgendaMailKind::Digest,
            _ => return Err(format!("unknown agenda mail kind {s:?}")),
        })
    }
}

/// What one ledger row is to become: an issue, or one of the agenda mails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MailKind {
    Issue,
    Agenda(AgendaMailKind),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_and_kinds_round_trip_through_their_text() {
        for s in [
            DeliveryState::Queued,
            DeliveryState::Claimed,
            DeliveryState::Sending,
            DeliveryState::Sent,
            DeliveryState::Failed,
            DeliveryState::Unknown,
            DeliveryState::Skipped,
            DeliveryState::Cancelled,
        ] {
            assert_eq!(s.as_str().parse::<DeliveryState>(), Ok(s));
        }
        for k in [
            AgendaMailKind::Reminder,
            AgendaMailKind::Update,
            AgendaMailKind::Cancel,
            AgendaMailKind::Digest,
        ] {
            assert_eq!(k.as_str().parse::<AgendaMailKind>(), Ok(k));
        }
        assert!("queue".parse::<DeliveryState>().is_err());
    }
}
