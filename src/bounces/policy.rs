//! What a report means for the subscriber: the kind of bounce, and when a
//! kind takes the address off the list. Pure: the storage applies it.
//!
//! | report | kind | effect |
//! |---|---|---|
//! | `failed`, 5.x.x (5.1.x no such mailbox, 5.0.0, 5.4.4, …) | hard | `bounced`, suppressed |
//! | `failed`, 4.x.x, or 5.2.2 mailbox full, or 5.4.7 expired | soft | counted; the third message within 30 days: `bounced`, suppressed |
//! | `failed`, 5.7.x (security, policy), 5.6.x (content), 5.3.4 / 5.2.3 (too big) | policy | alert only: our mail was refused, not the address |
//! | `delayed` | delayed | information only |
//! | feedback report `abuse`, `fraud`, `other` | complaint | `complained`, suppressed |
//! | feedback report `auth-failure`, `virus` | policy | alert only |
//! | `delivered`, `relayed`, `expanded`, feedback `not-spam` | — | nothing |

use super::status::StatusCode;

/// Soft bounces of this many different messages within [`SOFT_WINDOW_SECS`]
/// take the address off the list, like a hard bounce.
pub const SOFT_LIMIT: i64 = 3;
pub const SOFT_WINDOW_SECS: i64 = 30 * 86_400;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Delayed,
    Soft,
    Policy,
    Hard,
    Complaint,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Hard => "hard",
            Kind::Soft => "soft",
            Kind::Policy => "policy",
            Kind::Delayed => "delayed",
            Kind::Complaint => "complaint",
        }
    }
}

/// The `Action` of one recipient in a delivery status notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Failed,
    Delayed,
    /// delivered, relayed or expanded: not a problem.
    Delivered,
    Other(String),
}

impl Action {
    pub fn parse(s: &str) -> Self {
        let word = s
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match word.as_str() {
            "failed" => Action::Failed,
            "delayed" => Action::Delayed,
            "delivered" | "relayed" | "expanded" => Action::Delivered,
            _ => Action::Other(word),
        }
    }
}

/// The kind of one recipient's report; None when there is nothing to act on.
/// A failure without a readable status counts as soft: it is not proof that
/// the address is gone, and repeated ones still take it off the list.
pub fn classify(action: &Action, status: Option<StatusCode>) -> Option<Kind> {
    match action {
        Action::Delayed => Some(Kind::Delayed),
        Action::Delivered | Action::Other(_) => None,
        Action::Failed => Some(match status {
            None => Kind::Soft,
            Some(s) if s.class != 5 => Kind::Soft,
            Some(s) => match (s.subject, s.detail) {
                (7, _) | (6, _) | (3, 4) | (2, 3) => Kind::Policy,
                (2, 2) | (4, 7) => Kind::Soft,
                _ => Kind::Hard,
            },
        }),
    }
}

/// The kind of a feedback report (`Feedback-Type`); None for `not-spam`.
pub fn classify_feedback(feedback_type: &str) -> Option<Kind> {
    match feedback_type.trim().to_ascii_lowercase().as_str() {
        "not-spam" => None,
        "auth-failure" | "virus" => Some(Kind::Policy),
        // abuse, fraud, other and types this version does not know yet:
        // somebody told their provider they do not want our mail.
        _ => Some(Kind::Complaint),
    }
}

/// What to do with the subscriber after this report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Take the address off the list with this status.
    Suppress(Suppression),
    /// Keep the subscriber; nothing changes.
    Keep,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suppression {
    Bounced,
    Complained,
}

impl Suppression {
    /// The subscriber's new status and the suppression list's reason.
    pub fn status(self) -> &'static str {
        match self {
            Suppression::Bounced => "bounced",
            Suppression::Complained => "complained",
        }
    }

    /// The `unsubscribes.source`.
    pub fn source(self) -> &'static str {
        match self {
            Suppression::Bounced => "bounce",
            Suppression::Complained => "complaint",
        }
    }
}

/// `soft_messages`: how many different messages bounced softly within the
/// window, this one included.
pub fn verdict(kind: Kind, soft_messages: i64) -> Verdict {
    match kind {
        Kind::Hard => Verdict::Suppress(Suppression::Bounced),
        Kind::Complaint => Verdict::Suppress(Suppression::Complained),
        Kind::Soft if soft_messages >= SOFT_LIMIT => Verdict::Suppress(Suppression::Bounced),
        Kind::Soft | Kind::Policy | Kind::Delayed => Verdict::Keep,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(code: &str) -> Option<Kind> {
        classify(&Action::Failed, Some(code.parse().expect("a code")))
    }

    #[test]
    fn permanent_failures_are_hard_unless_the_mailbox_may_recover() {
        assert_eq!(failed("5.1.1"), Some(Kind::Hard));
        assert_eq!(failed("5.1.10"), Some(Kind::Hard));
        assert_eq!(failed("5.0.0"), Some(Kind::Hard));
        assert_eq!(failed("5.2.1"), Some(Kind::Hard));
        assert_eq!(failed("5.2.2"), Some(Kind::Soft), "mailbox full");
        assert_eq!(failed("5.4.7"), Some(Kind::Soft), "expired in the queue");
        assert_eq!(failed("4.2.2"), Some(Kind::Soft));
        assert_eq!(failed("4.4.1"), Some(Kind::Soft));
        assert_eq!(classify(&Action::Failed, None), Some(Kind::Soft));
    }

    #[test]
    fn refusals_of_our_mail_are_policy_not_the_address() {
        for code in ["5.7.1", "5.7.26", "5.6.0", "5.3.4", "5.2.3"] {
            assert_eq!(failed(code), Some(Kind::Policy), "{code}");
        }
    }

    #[test]
    fn delays_are_information_and_successes_nothing() {
        let s = Some(StatusCode::new(4, 2, 1));
        assert_eq!(classify(&Action::Delayed, s), Some(Kind::Delayed));
        assert_eq!(classify(&Action::parse("delivered"), None), None);
        assert_eq!(classify(&Action::parse("Relayed"), None), None);
        assert_eq!(Action::parse(" FAILED "), Action::Failed);
    }

    #[test]
    fn feedback_types() {
        assert_eq!(classify_feedback("abuse"), Some(Kind::Complaint));
        assert_eq!(classify_feedback("Fraud"), Some(Kind::Complaint));
        assert_eq!(classify_feedback("not-spam"), None);
        assert_eq!(classify_feedback("auth-failure"), Some(Kind::Policy));
    }

    #[test]
    fn the_third_soft_bounce_suppresses() {
        assert_eq!(verdict(Kind::Soft, 1), Verdict::Keep);
        assert_eq!(verdict(Kind::Soft, 2), Verdict::Keep);
        assert_eq!(
            verdict(Kind::Soft, 3),
            Verdict::Suppress(Suppression::Bounced)
        );
        assert_eq!(
            verdict(Kind::Hard, 0),
            Verdict::Suppress(Suppression::Bounced)
        );
        assert_eq!(
            verdict(Kind::Complaint, 0),
            Verdict::Suppress(Suppression::Complained)
        );
        assert_eq!(verdict(Kind::Policy, 9), Verdict::Keep);
        assert_eq!(verdict(Kind::Delayed, 9), Verdict::Keep);
    }
}
