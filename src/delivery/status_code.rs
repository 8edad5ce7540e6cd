//! What an SMTP reply means for the recipient and for the sender: the basic
//! code says "now, later or never"; the enhanced status code (RFC 3463) in
//! the reply text says why: a mailbox that does not exist (5.1.1) is a hard
//! bounce, a full one (4.2.2, 5.2.2) a soft bounce, 5.7.x is the receiver's
//! policy about us (alert the operator, do not blame the subscriber), and
//! 4.7.28 ("too many messages") asks us to slow down.

use std::fmt;

use super::outcome::Outcome;

/// `class.subject.detail`, e.g. 5.1.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Enhanced {
    pub class: u8,
    pub subject: u16,
    pub detail: u16,
}

impl Enhanced {
    /// The first enhanced status code in a reply text, if any.
    pub fn find(text: &str) -> Option<Self> {
        text.split(|c: char| {
            c.is_whitespace() || matches!(c, '(' | ')' | ':' | ',' | ';' | '[' | ']')
        })
        .find_map(Self::parse)
    }

    fn parse(word: &str) -> Option<Self> {
        let mut parts = word.trim_end_matches('.').split('.');
        let class = parts.next()?;
        let subject = parts.next()?;
        let detail = parts.next()?;
        if parts.next().is_some() || !matches!(class, "2" | "4" | "5") {
            return None;
        }
        let num = |s: &str| {
            (!s.is_empty() && s.len() <= 3 && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse::<u16>().ok())
                .flatten()
        };
        Some(Self {
            class: class.parse().ok()?,
            subject: num(subject)?,
            detail: num(detail)?,
        })
    }
}

impl fmt::Display for Enhanced {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.class, self.subject, self.detail)
    }
}

/// The three-digit reply code at the start of a reply, or in lettre's
/// "permanent error (550): …" form.
pub fn basic_code(text: &str) -> Option<u16> {
    let t = text.trim_start();
    let digits = |s: &str| {
        let d: String = s.chars().take(3).collect();
        (d.len() == 3 && d.bytes().all(|b| b.is_ascii_digit()))
            .then(|| d.parse().ok())
            .flatten()
    };
    digits(t).or_else(|| t.find('(').and_then(|i| digits(&t[i + 1..])))
}

/// What to do after one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Delivered,
    /// Try this message again later.
    Retry,
    /// Try again later, and slow down: the server asked us to (4.7.28, "too many").
    Throttled,
    /// Never again: the address does not exist (5.1.x). Suppress it.
    HardBounce,
    /// Failed now (5xx), but the mailbox exists (full: 5.2.2).
    SoftBounce,
    /// Refused by the receiver's policy (5.7.x): alert the operator; the
    /// subscriber is not to blame and is not suppressed.
    Policy,
    /// Any other permanent failure: recorded, not retried.
    Failed,
    /// No answer after the whole message was handed over: it may or may not
    /// have arrived. Recorded `unknown`, never resent.
    Unknown,
}

pub fn verdict(outcome: &Outcome) -> Verdict {
    match outcome {
        Outcome::Sent(_) => Verdict::Delivered,
        Outcome::Unknown(_) => Verdict::Unknown,
        Outcome::Transient(reply) => {
            let enhanced = Enhanced::find(reply);
            let lower = reply.to_lowercase();
            // 4.7.28 and "rate"/"too many" are how large providers say
            // "slower"; a bare 421 (shutting down, closing) or 4.7.1
            // (greylisting one recipient) is retried without slowing
            // everyone down.
            if enhanced.is_some_and(|e| e.subject == 7 && e.detail == 28)
                || ["rate limit", "too many", "slow down", "throttl"]
                    .iter()
                    .any(|w| lower.contains(w))
            {
                Verdict::Throttled
            } else {
                Verdict::Retry
            }
        }
        Outcome::Permanent(reply) => match Enhanced::find(reply) {
            Some(e) if e.subject == 1 => Verdict::HardBounce,
            Some(e) if e.subject == 2 => Verdict::SoftBounce,
            Some(e) if e.subject == 7 => Verdict::Policy,
            _ => Verdict::Failed,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Outcome {
        Outcome::Permanent(s.into())
    }

    fn t(s: &str) -> Outcome {
        Outcome::Transient(s.into())
    }

    #[test]
    fn enhanced_codes_are_found_in_reply_texts() {
        let e = Enhanced::find("permanent error (550): 5.1.1 <a@b.nl>: Recipient address rejected");
        assert_eq!(e.map(|e| e.to_string()), Some("5.1.1".into()));
        assert_eq!(
            Enhanced::find("452 4.2.2 Mailbox full").map(|e| e.to_string()),
            Some("4.2.2".into())
        );
        assert_eq!(
            Enhanced::find("421 4.7.28 Rate limited (see 1.2.3.4)").map(|e| e.to_string()),
            Some("4.7.28".into())
        );
        assert_eq!(
            Enhanced::find("550 Requested action not taken, version 1.2"),
            None
        );
        assert_eq!(Enhanced::find("host 10.0.0.1 said no"), None);
    }

    #[test]
    fn basic_codes_in_both_forms() {
        assert_eq!(basic_code("421 4.3.2 Service shutting down"), Some(421));
        assert_eq!(
            basic_code("transient error (421): 4.7.28 slow down"),
            Some(421)
        );
        assert_eq!(basic_code("connection refused"), None);
    }

    #[test]
    fn verdicts() {
        assert_eq!(verdict(&Outcome::Sent("250 ok".into())), Verdict::Delivered);
        assert_eq!(
            verdict(&p("permanent error (550): 5.1.1 User unknown")),
            Verdict::HardBounce
        );
        assert_eq!(verdict(&p("550 5.1.10 null MX")), Verdict::HardBounce);
        assert_eq!(verdict(&p("552 5.2.2 Mailbox full")), Verdict::SoftBounce);
        assert_eq!(verdict(&p("554 5.7.1 Rejected by policy")), Verdict::Policy);
        assert_eq!(verdict(&p("554 Transaction failed")), Verdict::Failed);
        assert_eq!(
            verdict(&t("transient error (452): 4.2.2 Mailbox full")),
            Verdict::Retry
        );
        assert_eq!(
            verdict(&t("transient error (421): 4.7.28 too many messages")),
            Verdict::Throttled
        );
        assert_eq!(
            verdict(&t("450 4.7.28 Our system has detected an unusual rate")),
            Verdict::Throttled
        );
        assert_eq!(
            verdict(&t("451 4.7.1 Greylisted, please try again later")),
            Verdict::Retry
        );
        assert_eq!(
            verdict(&t("421 4.3.2 Service shutting down")),
            Verdict::Retry
        );
        assert_eq!(
            verdict(&t("421 4.7.0 Too many connections from your IP")),
            Verdict::Throttled
        );
        assert_eq!(
            verdict(&t("cannot connect to the SMTP server: refused")),
            Verdict::Retry
        );
    }
}
