//! A subscriber's e-mail address, parsed once at the edge and stored normalised.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SubscriberEmail(String);

impl SubscriberEmail {
    /// Trims, lower-cases the domain and checks the address with `email_address`
    /// (RFC 5322 addr-spec) and `lettre` (what we can actually send to).
    pub fn parse(raw: &str) -> Result<Self, String> {
        let s = raw.trim();
        let invalid = || format!("{s:?} is not a valid e-mail address");
        if s.len() > 254 || !email_address::EmailAddress::is_valid(s) {
            return Err(invalid());
        }
        let (local, domain) = s.rsplit_once('@').ok_or_else(invalid)?;
        if !domain.contains('.') && domain != "localhost" {
            return Err(invalid());
        }
        let normalised = format!("{local}@{}", domain.to_ascii_lowercase());
        normalised
            .parse::<lettre::Address>()
            .map_err(|_| invalid())?;
        Ok(Self(normalised))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SubscriberEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_domain_and_rejects_garbage() {
        assert_eq!(
            SubscriberEmail::parse(" Anouk@Example.NL ").map(|e| e.to_string()),
            Ok("Anouk@example.nl".to_string())
        );
        for bad in ["", "a", "a@", "@b.nl", "a b@c.nl", "a@b", "<script>@x.nl"] {
            assert!(SubscriberEmail::parse(bad).is_err(), "{bad:?}");
        }
    }
}
