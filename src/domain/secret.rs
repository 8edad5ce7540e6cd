//! The secrets an operator configures: the keys that sign every link and
//! VERP address, and the admin token. Anyone who knows a key can sign a link
//! to anyone's data, so a key must be random and long: at least 32 bytes,
//! written as hex (`openssl rand -hex 32`) or base64 (`openssl rand -base64
//! 32`). A value copied from an example or written as a placeholder is
//! refused by its look, and one that repeats a few bytes by its bytes.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use std::fmt;

/// The fewest random bytes a secret may carry.
pub const MIN_BYTES: usize = 32;

/// How to make a good one, for every message about a bad one.
pub const HOW: &str = "make one with `openssl rand -hex 32`";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretError {
    /// An example or a placeholder (`change-me…`, `<…>`, `your-key`).
    Placeholder,
    /// Neither hex nor base64.
    NotEncoded,
    /// Fewer than [`MIN_BYTES`] bytes.
    TooShort { bytes: usize },
    /// Long enough, but made of a few repeated bytes.
    Repetitive,
}

impl fmt::Display for SecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretError::Placeholder => write!(
                f,
                "this is an example or a placeholder, which anyone can read; {HOW}"
            ),
            SecretError::NotEncoded => write!(
                f,
                "write it as hex or base64 of {MIN_BYTES} random bytes; {HOW}"
            ),
            SecretError::TooShort { bytes } => write!(
                f,
                "only {bytes} bytes; it needs at least {MIN_BYTES} random bytes (64 hex characters); {HOW}"
            ),
            SecretError::Repetitive => {
                write!(f, "its bytes repeat too much to be random; {HOW}")
            }
        }
    }
}

/// Words that only an example or a placeholder contains.
const PLACEHOLDERS: &[&str] = &[
    "change",
    "example",
    "placeholder",
    "secret",
    "your",
    "replace",
    "todo",
    "xxxx",
    "<",
    ">",
    "…",
    "...",
];

/// Ok when `value` looks like a random secret of at least [`MIN_BYTES`].
pub fn check(value: &str) -> Result<(), SecretError> {
    let v = value.trim();
    let lower = v.to_lowercase();
    if PLACEHOLDERS.iter().any(|p| lower.contains(p)) {
        return Err(SecretError::Placeholder);
    }
    let bytes = decode(v).ok_or(SecretError::NotEncoded)?;
    if bytes.len() < MIN_BYTES {
        return Err(SecretError::TooShort { bytes: bytes.len() });
    }
    // 32 random bytes have about 30 different values; fewer than half of
    // the possible ones is not random.
    let mut seen = [false; 256];
    for b in &bytes {
        seen[usize::from(*b)] = true;
    }
    if seen.iter().filter(|s| **s).count() < (bytes.len() / 2).min(16) {
        return Err(SecretError::Repetitive);
    }
    Ok(())
}

fn decode(v: &str) -> Option<Vec<u8>> {
    if !v.is_empty() && v.len() % 2 == 0 && v.bytes().all(|b| b.is_ascii_hexdigit()) {
        return hex::decode(v).ok();
    }
    [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD]
        .iter()
        .find_map(|e| e.decode(v).ok())
}

/// True when `given` is `expected`, in time that does not depend on where
/// they differ (a bearer token compared byte by byte leaks its prefix).
pub fn same(given: &str, expected: &str) -> bool {
    use subtle::ConstantTimeEq;
    given.len() == expected.len() && bool::from(given.as_bytes().ct_eq(expected.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_keys_pass_and_the_rest_is_told_what_to_do() {
        let hex = "5f0c1b7a9e2d48c3a6b1f09e7d2c4a8b3e6f1d0c9b8a7f6e5d4c3b2a19087f6e";
        assert_eq!(check(hex), Ok(()));
        assert_eq!(
            check("q5Vw0n9mR1t6P8sZx3Lk7Jh2Gf4Dd6Ss8Aa0Qq2Ww4E="),
            Ok(())
        );
        assert_eq!(
            check("change-me-0123456789abcdef0123456789abcdef012345"),
            Err(SecretError::Placeholder)
        );
        assert_eq!(
            check("<openssl rand -hex 32>"),
            Err(SecretError::Placeholder)
        );
        assert_eq!(
            check("0123456789abcdef0123456789abcdef"),
            Err(SecretError::TooShort { bytes: 16 })
        );
        assert_eq!(check(&"ab".repeat(32)), Err(SecretError::Repetitive));
        assert_eq!(
            check("test-key-0123456789abcdef0123456789abcdef"),
            Err(SecretError::NotEncoded)
        );
        assert!(check("").is_err());
        assert!(
            SecretError::TooShort { bytes: 16 }
                .to_string()
                .contains("openssl rand -hex 32")
        );
    }

    #[test]
    fn comparison_is_exact() {
        assert!(same("abc", "abc"));
        assert!(!same("abd", "abc"));
        assert!(!same("ab", "abc"));
        assert!(!same("", "abc"));
    }
}
