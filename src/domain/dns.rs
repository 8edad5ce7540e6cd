//! Names that end up in DNS: the DKIM domain and selector, the bounce domain.

use std::fmt;

/// Dot-separated labels of letters, digits, `-` and `_`, as DKIM puts a
/// domain or selector into a DNS name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DnsName(String);

impl DnsName {
    pub fn parse(s: &str) -> Result<Self, String> {
        let ok = !s.is_empty()
            && s.len() <= 253
            && s.split('.').all(|label| {
                (1..=63).contains(&label.len())
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            });
        if ok {
            Ok(Self(s.to_ascii_lowercase()))
        } else {
            Err(format!(
                "{:?} is not a DNS name such as kus.example.nl",
                s.chars().take(80).collect::<String>()
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DnsName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for DnsName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_of_letters_digits_dashes() {
        assert!(DnsName::parse("kus.example.nl").is_ok());
        assert!(DnsName::parse("post_bode-2026").is_ok());
        for bad in ["", "a..b", "a b", "a/b", &"a".repeat(64)] {
            assert!(DnsName::parse(bad).is_err(), "{bad}");
        }
    }
}
