//! A subscriber's e-mail address, parsed once at the edge and stored normalised.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SubscriberEmail {
    text: String,
    /// The same address as lettre sends to it.
    address: lettre::Address,
}

/// Why a text is not an address postbode can mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailError {
    /// The text as typed (trimmed, forbidden characters shown escaped).
    pub shown: String,
}

impl fmt::Display for EmailError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} is not a valid e-mail address", self.shown)
    }
}

impl SubscriberEmail {
    /// SMTP's limit for a whole path; an address must fit in it.
    pub const MAX_LEN: usize = 254;

    /// Trims, lower-cases the domain and checks the address with `email_address`
    /// (RFC 5322 addr-spec) and `lettre` (what we can actually send to). White
    /// space and control characters are refused even where RFC 5322 would allow
    /// them quoted: no mailbox postbode should write to needs them.
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let s = raw.trim();
        let invalid = || EmailError {
            shown: format!("{:?}", s.chars().take(80).collect::<String>()),
        };
        let (local, domain) = s.rsplit_once('@').ok_or_else(invalid)?;
        // Every check is made on the address as it will be stored, so what
        // parses once parses again.
        let text = format!("{local}@{}", domain.to_lowercase());
        if text.len() > Self::MAX_LEN
            || text
                .chars()
                .any(|c| c.is_whitespace() || super::text::is_forbidden(c))
            || !email_address::EmailAddress::is_valid(&text)
            || (!domain.contains('.') && domain != "localhost")
        {
            return Err(invalid());
        }
        let address = text.parse::<lettre::Address>().map_err(|_| invalid())?;
        Ok(Self { text, address })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The key that makes one subscriber per mailbox, whatever the casing.
    pub fn key(&self) -> String {
        self.text.to_lowercase()
    }

    /// The mailbox the address delivers to, for limits: lower-cased, with a
    /// sub-address (`anouk+1@…`, `anouk-news@…` is not one) left out, so
    /// `Anouk+1@x.nl` … `anouk+5@x.nl` count as one mailbox. Not a subscriber's
    /// identity: `+tags` stay distinct subscribers, as people use them to sort.
    pub fn mailbox_key(&self) -> String {
        let key = self.key();
        match key.rsplit_once('@') {
            Some((local, domain)) => {
                let base = local.split_once('+').map_or(local, |(b, _)| b);
                // A local part that starts with `+` has no base to keep.
                let base = if base.is_empty() { local } else { base };
                format!("{base}@{domain}")
            }
            None => key,
        }
    }

    /// The address as lettre sends to it.
    pub fn address(&self) -> &lettre::Address {
        &self.address
    }
}

impl fmt::Display for SubscriberEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.text)
    }
}

impl serde::Serialize for SubscriberEmail {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> serde::Deserialize<'de> for SubscriberEmail {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_addresses_and_casing_share_one_mailbox_key() {
        let key = |s: &str| SubscriberEmail::parse(s).expect("address").mailbox_key();
        assert_eq!(key("Anouk+1@Example.nl"), "anouk@example.nl");
        assert_eq!(key("anouk+news+x@example.nl"), "anouk@example.nl");
        assert_eq!(key("ANOUK@example.nl"), "anouk@example.nl");
        assert_eq!(key("anouk-news@example.nl"), "anouk-news@example.nl");
        assert_eq!(key("+only@example.nl"), "+only@example.nl");
        assert_ne!(key("anouk@example.nl"), key("anouk@example.com"));
    }

    #[test]
    fn normalises_domain_and_rejects_garbage() {
        assert_eq!(
            SubscriberEmail::parse(" Anouk@Example.NL ").map(|e| e.to_string()),
            Ok("Anouk@example.nl".to_string())
        );
        assert_eq!(
            SubscriberEmail::parse("a@Äpfel.DE").map(|e| e.to_string()),
            Ok("a@äpfel.de".to_string())
        );
        for bad in [
            "",
            "a",
            "a@",
            "@b.nl",
            "a b@c.nl",
            "a@b",
            "<script>@x.nl",
            "\"a\nb\"@x.nl",
            "\"a b\"@x.nl",
            "a\u{202e}@x.nl",
        ] {
            assert!(SubscriberEmail::parse(bad).is_err(), "{bad:?}");
        }
    }
}
