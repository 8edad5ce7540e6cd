//! What the receiving side said about one message, and what postbode does
//! about it. One table turns RFC 3463 status codes into a verdict, for the
//! replies an SMTP server gives while postbode sends as well as for the
//! reports (RFC 3464 DSN, RFC 5965 ARF) the MTA mails back later: the same
//! code means the same thing whichever way it arrives.
//!
//! | refusal (5xx reply, or a DSN `failed`) | verdict |
//! |---|---|
//! | 5.1.x (no such mailbox), 5.0.0, 5.2.0/1/4, 5.3.x, 5.4.x, 5.5.x | hard bounce |
//! | 5.2.2 (mailbox full), 5.4.7 (expired), any 4.x.x, no code at all (DSN) | soft bounce |
//! | 5.7.x (policy), 5.6.x (content), 5.3.4 and 5.2.3 (too large) | policy |
//!
//! A 4xx reply while sending is retried (and 4.7.28 or "too many" slows every
//! worker down); a DSN `delayed` is information only.

use std::fmt;
use std::str::FromStr;

/// An enhanced mail system status code, `class.subject.detail` (RFC 3463).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusCode {
    class: u8,
    subject: u16,
    detail: u16,
}

impl StatusCode {
    pub const fn new(class: u8, subject: u16, detail: u16) -> Self {
        Self {
            class,
            subject,
            detail,
        }
    }

    /// 2 success, 4 persistent transient failure, 5 permanent failure.
    pub fn class(self) -> u8 {
        self.class
    }

    pub fn subject(self) -> u16 {
        self.subject
    }

    pub fn detail(self) -> u16 {
        self.detail
    }

    /// The first status code among the words of an SMTP reply or a
    /// diagnostic (`smtp; 550 5.1.1 <…>: Recipient address rejected`,
    /// lettre's `permanent error (550): 5.1.1 …`, a continued line's
    /// `550-5.1.1 …`); without one, a bare reply code (`550`) gives its class
    /// with `.0.0`.
    pub fn find_in(text: &str) -> Option<Self> {
        let words = || {
            text.split(|c: char| {
                c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | ':' | ',' | ';' | '-')
            })
            .map(|w| w.trim_end_matches('.'))
        };
        words()
            .find_map(|w| w.parse().ok())
            .or_else(|| words().find_map(basic_code))
    }
}

/// `550` → 5.0.0: the class of a three-digit SMTP reply code.
fn basic_code(word: &str) -> Option<StatusCode> {
    match word.as_bytes() {
        [c @ (b'2' | b'4' | b'5'), b'0'..=b'9', b'0'..=b'9'] => {
            Some(StatusCode::new(c - b'0', 0, 0))
        }
        _ => None,
    }
}

impl FromStr for StatusCode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "{:?} is not a status code such as 5.1.1",
                s.chars().take(20).collect::<String>()
            )
        };
        let mut parts = s.trim().split('.');
        let mut next = |max_len: usize| {
            parts
                .next()
                .filter(|p| {
                    !p.is_empty() && p.len() <= max_len && p.bytes().all(|b| b.is_ascii_digit())
                })
                .and_then(|p| p.parse::<u16>().ok())
        };
        let (class, subject, detail) = (next(1), next(3), next(3));
        match (class, subject, detail, parts.next()) {
            (Some(c @ (2 | 4 | 5)), Some(subject), Some(detail), None) => Ok(Self {
                class: c as u8,
                subject,
                detail,
            }),
            _ => Err(bad()),
        }
    }
}

impl fmt::Display for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.class, self.subject, self.detail)
    }
}

/// The result of handing one message to the server, with the server's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent(String),
    /// 4xx, a dropped connection, a timeout before the message was handed over.
    Transient(String),
    /// 5xx.
    Permanent(String),
    /// The whole message was handed over and no answer came: the server may
    /// have it. Recorded `unknown`, never resent.
    Unknown(String),
}

impl Outcome {
    /// The server's words (or ours, when no server answered).
    pub fn reply(&self) -> &str {
        match self {
            Outcome::Sent(r)
            | Outcome::Transient(r)
            | Outcome::Permanent(r)
            | Outcome::Unknown(r) => r,
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
            _ => Action::Other(word.chars().take(40).collect()),
        }
    }
}

/// What to do about one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    Delivered,
    /// Try this message again later.
    Retry,
    /// Try again later, and slow down: the server asked us to.
    Throttled,
    /// Refused, but the mailbox may recover (full, expired in a queue, or no
    /// reason given): counted; three messages within 30 days suppress.
    SoftBounce,
    /// The address does not exist or takes no mail: suppress it.
    HardBounce,
    /// Our mail was refused (policy, authentication, content, size): alert
    /// the operator; the subscriber is not to blame and stays.
    Policy,
    /// The reader told their provider they do not want our mail.
    Complaint,
    /// A report that delivery is delayed: information only.
    Delayed,
    /// Failed without an answer from any server: recorded, not retried.
    Failed,
    /// No answer after the whole message was handed over.
    Unknown,
}

/// The kind of a bounce event as the `bounces` table stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum BounceKind {
    Delayed,
    Soft,
    Policy,
    Hard,
    Complaint,
}

impl BounceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BounceKind::Hard => "hard",
            BounceKind::Soft => "soft",
            BounceKind::Policy => "policy",
            BounceKind::Delayed => "delayed",
            BounceKind::Complaint => "complaint",
        }
    }
}

impl Verdict {
    /// The bounce event this verdict records, if any.
    pub fn bounce_kind(self) -> Option<BounceKind> {
        match self {
            Verdict::HardBounce => Some(BounceKind::Hard),
            Verdict::SoftBounce => Some(BounceKind::Soft),
            Verdict::Policy => Some(BounceKind::Policy),
            Verdict::Complaint => Some(BounceKind::Complaint),
            Verdict::Delayed => Some(BounceKind::Delayed),
            Verdict::Delivered
            | Verdict::Retry
            | Verdict::Throttled
            | Verdict::Failed
            | Verdict::Unknown => None,
        }
    }
}

/// The table: what a refusal with `code` means.
fn refused(code: StatusCode) -> Verdict {
    if code.class != 5 {
        // A permanent refusal with a transient code: the mailbox may recover.
        return Verdict::SoftBounce;
    }
    match (code.subject, code.detail) {
        (7, _) | (6, _) | (3, 4) | (2, 3) => Verdict::Policy,
        (2, 2) | (4, 7) => Verdict::SoftBounce,
        _ => Verdict::HardBounce,
    }
}

/// The verdict on one attempt to hand a message to the SMTP server.
pub fn of_attempt(outcome: &Outcome) -> Verdict {
    match outcome {
        Outcome::Sent(_) => Verdict::Delivered,
        Outcome::Unknown(_) => Verdict::Unknown,
        Outcome::Transient(reply) => {
            let lower = reply.to_lowercase();
            // 4.7.28 and "rate"/"too many" are how large providers say
            // "slower"; a bare 421 (shutting down) or 4.7.1 (greylisting
            // one recipient) is retried without slowing everyone down.
            let slow_down = StatusCode::find_in(reply)
                .is_some_and(|c| c.subject == 7 && c.detail == 28)
                || ["rate limit", "too many", "slow down", "throttl"]
                    .iter()
                    .any(|w| lower.contains(w));
            if slow_down {
                Verdict::Throttled
            } else {
                Verdict::Retry
            }
        }
        Outcome::Permanent(reply) => match StatusCode::find_in(reply) {
            Some(code) => refused(code),
            None => Verdict::Failed,
        },
    }
}

/// The verdict on one recipient of a delivery status notification; None
/// when there is nothing to act on. A failure without a readable status is
/// soft: it is not proof that the address is gone.
pub fn of_report(action: &Action, status: Option<StatusCode>) -> Option<Verdict> {
    match action {
        Action::Delayed => Some(Verdict::Delayed),
        Action::Delivered | Action::Other(_) => None,
        Action::Failed => Some(status.map_or(Verdict::SoftBounce, refused)),
    }
}

/// The verdict on a feedback report (`Feedback-Type`); None for `not-spam`.
pub fn of_feedback(feedback_type: &str) -> Option<Verdict> {
    match feedback_type.trim().to_ascii_lowercase().as_str() {
        "not-spam" => None,
        "auth-failure" | "virus" => Some(Verdict::Policy),
        // abuse, fraud, other and types this version does not know yet:
        // somebody told their provider they do not want our mail.
        _ => Some(Verdict::Complaint),
    }
}

#[cfg(test)]
#[path = "reply_tests.rs"]
mod tests;
