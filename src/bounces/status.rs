//! Enhanced mail system status codes (RFC 3463): `class.subject.detail`, such
//! as `5.1.1` (no such mailbox) or `4.2.2` (mailbox full, for now).

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusCode {
    /// 2 success, 4 persistent transient failure, 5 permanent failure.
    pub class: u8,
    pub subject: u16,
    pub detail: u16,
}

impl StatusCode {
    pub const fn new(class: u8, subject: u16, detail: u16) -> Self {
        Self {
            class,
            subject,
            detail,
        }
    }

    /// The first status code among the words of a diagnostic such as
    /// `smtp; 550 5.1.1 <…>: Recipient address rejected`; a bare SMTP reply
    /// code (`550`) gives its class with `.0.0`.
    pub fn find_in(text: &str) -> Option<Self> {
        let words = || text.split(|c: char| c.is_whitespace() || c == ';' || c == ',');
        words().find_map(|w| w.parse().ok()).or_else(|| {
            words().find_map(|w| match w.as_bytes() {
                [c @ (b'4' | b'5'), b'0'..=b'9', b'0'..=b'9'] => Some(Self::new(c - b'0', 0, 0)),
                _ => None,
            })
        })
    }
}

impl FromStr for StatusCode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("{s:?} is not a status code such as 5.1.1");
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_codes() {
        let c: StatusCode = "5.1.1".parse().expect("a code");
        assert_eq!(c, StatusCode::new(5, 1, 1));
        assert_eq!(c.to_string(), "5.1.1");
        assert_eq!(
            "4.7.100".parse::<StatusCode>(),
            Ok(StatusCode::new(4, 7, 100))
        );
        for bad in ["", "5.1", "5.1.1.1", "3.1.1", "5.a.1", "55.1.1", "5.1.1234"] {
            assert!(bad.parse::<StatusCode>().is_err(), "{bad}");
        }
    }

    #[test]
    fn finds_the_code_in_a_diagnostic() {
        assert_eq!(
            StatusCode::find_in("smtp; 550 5.1.1 The email account does not exist."),
            Some(StatusCode::new(5, 1, 1))
        );
        assert_eq!(
            StatusCode::find_in("smtp; 554 Rejected"),
            Some(StatusCode::new(5, 0, 0))
        );
        assert_eq!(StatusCode::find_in("X-Postfix; unknown user"), None);
    }
}
