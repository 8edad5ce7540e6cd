//! What became of one attempt, from the SMTP reply: sent, try again later,
//! never, or unknown (no answer after the message was handed over).

/// The result of handing one message to the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent(String),
    /// 4xx, a dropped connection, a timeout: retried with backoff.
    Transient(String),
    /// 5xx: recorded as failed, never retried.
    Permanent(String),
    /// The whole message was handed over and no answer came (connection lost,
    /// timeout): the server may have it. Recorded as unknown, never resent.
    Unknown(String),
}

impl Outcome {
    pub fn from_smtp_error(e: &lettre::transport::smtp::Error) -> Self {
        let text = e.to_string();
        if e.is_permanent() {
            Outcome::Permanent(text)
        } else {
            // Transient replies, connection and timeout errors: the message may go through later.
            Outcome::Transient(text)
        }
    }
}

/// Seconds until the next attempt: `base`, 2×, 4× … (1, 2, 4 minutes by default),
/// at most an hour, with jitter so a recovering server is not hit by every message at once.
pub fn backoff_secs(base: u64, attempts: i64) -> i64 {
    let base = (base.max(1) as i64).saturating_mul(1 << attempts.clamp(0, 6));
    let base = base.min(3600);
    let jitter = rand::random_range(0..=base / 4);
    base + jitter
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert!((60..=75).contains(&backoff_secs(60, 0)));
        assert!((240..=300).contains(&backoff_secs(60, 2)));
        assert!((3600..=4500).contains(&backoff_secs(60, 30)));
        assert!((1..=2).contains(&backoff_secs(1, 0)));
    }
}

/// SMTP replies often quote the recipient ("<a@b.nl>: mailbox unavailable");
/// logs must not carry addresses, so every word with an `@` is masked.
pub fn redact_addresses(text: &str) -> String {
    text.split(' ')
        .map(|w| if w.contains('@') { "<address>" } else { w })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod redact_tests {
    use super::redact_addresses;

    #[test]
    fn addresses_never_reach_the_log() {
        assert_eq!(
            redact_addresses("550 5.1.1 <anouk@example.nl>: Recipient address rejected"),
            "550 5.1.1 <address> Recipient address rejected"
        );
    }
}
