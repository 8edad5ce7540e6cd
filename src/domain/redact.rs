//! Logs and stored replies never carry an address in full.

/// SMTP replies often quote the recipient ("<a@b.nl>: mailbox unavailable");
/// every word with an `@` is masked.
pub fn redact_addresses(text: &str) -> String {
    text.split(' ')
        .map(|w| if w.contains('@') { "<address>" } else { w })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::redact_addresses;

    #[test]
    fn addresses_never_reach_the_log() {
        assert_eq!(
            redact_addresses("550 5.1.1 <anouk@example.nl>: Recipient address rejected"),
            "550 5.1.1 <address> Recipient address rejected"
        );
    }
}
