//! A subscriber's name: optional, one line, at most [`SubscriberName::MAX_CHARS`]
//! characters, and free of the characters [`super::text`] forbids. The sign-up
//! form, the preference centre, the CSV import and `subscribers add` all parse
//! it here, so one rule holds for every way a name comes in.

use std::fmt;

use super::language::Language;
use super::text::{self, TextError};

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct SubscriberName(String);

impl SubscriberName {
    pub const MAX_CHARS: usize = 100;

    /// Trims the ends; refuses forbidden characters and overlong names.
    pub fn parse(raw: &str) -> Result<Self, TextError> {
        let s = raw.trim();
        text::check(s, Self::MAX_CHARS)?;
        Ok(Self(s.to_string()))
    }

    /// Whatever can be kept of a name stored before this rule: forbidden
    /// characters become spaces, the rest is trimmed and cut to length.
    pub fn cleaned(raw: &str) -> Self {
        Self(text::cleaned(raw, Self::MAX_CHARS))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How a mail addresses the reader: the name, or "lezer" / "reader"
    /// when none was given ("Beste lezer" reads well, "Beste ," does not).
    pub fn greeting(&self, lang: Language) -> String {
        if !self.0.is_empty() {
            return self.0.clone();
        }
        crate::domain::texts::tr!(lang, "mail.reader")
    }
}

impl fmt::Display for SubscriberName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

impl serde::Serialize for SubscriberName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_checked() {
        let n = SubscriberName::parse("  Anouk de Vries ").expect("valid");
        assert_eq!(n.as_str(), "Anouk de Vries");
        assert!(SubscriberName::parse("").expect("empty is fine").is_empty());
        assert!(SubscriberName::parse("Anouk\r\nBcc: x@y.nl").is_err());
        assert!(SubscriberName::parse(&"a".repeat(101)).is_err());
        assert!(SubscriberName::parse(&"a".repeat(100)).is_ok());
    }

    #[test]
    fn greeting_without_a_name() {
        let empty = SubscriberName::default();
        assert_eq!(empty.greeting(Language::Nl), "lezer");
        assert_eq!(empty.greeting(Language::En), "reader");
        let n = SubscriberName::parse("Anouk").expect("valid");
        assert_eq!(n.greeting(Language::En), "Anouk");
    }
}
