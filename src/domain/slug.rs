//! Slugs name workshops, interests, issues and agenda items.

use std::fmt;

#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slug(String);

/// Shown as the quoted text, as messages quote what an editor wrote.
impl fmt::Debug for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl Slug {
    /// Lower-case letters, digits and single dashes: safe in URLs, file names and SQL.
    pub fn parse(s: &str) -> Result<Self, String> {
        let ok = !s.is_empty()
            && s.len() <= 100
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !s.starts_with('-')
            && !s.contains("--")
            && !s.ends_with('-');
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(format!(
                "{:?} is not a slug: use lower-case letters, digits and dashes, like \"arbeid-en-inclusie\"",
                s.chars().take(100).collect::<String>()
            ))
        }
    }

    /// Turns a title into a slug ("Bijeenkomst 21 september" → "bijeenkomst-21-september").
    pub fn from_title(title: &str) -> Self {
        let mut out = String::new();
        for c in title.chars().flat_map(fold_diacritic) {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_lowercase());
            } else if !out.ends_with('-') && !out.is_empty() {
                out.push('-');
            }
        }
        let trimmed = out.trim_end_matches('-');
        let cut: String = trimmed.chars().take(80).collect();
        Self(if cut.is_empty() {
            "item".into()
        } else {
            cut.trim_end_matches('-').to_string()
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `self-suffix`, where `suffix` is made of slug characters (a date).
    /// A title slug is at most 80 characters, so a date still fits.
    pub fn with_suffix(&self, suffix: &str) -> Slug {
        let joined = format!("{}-{suffix}", self.0);
        Slug::parse(&joined).unwrap_or_else(|_| Slug::from_title(&joined))
    }
}

fn fold_diacritic(c: char) -> impl Iterator<Item = char> {
    let folded = match c {
        'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => 'a',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ò' | 'ó' | 'ô' | 'ö' | 'õ' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ç' => 'c',
        'ñ' => 'n',
        other => other,
    };
    std::iter::once(folded)
}

impl serde::Serialize for Slug {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Slug {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl std::borrow::Borrow<str> for Slug {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_kebab_case_and_rejects_the_rest() {
        assert!(Slug::parse("arbeid-en-inclusie").is_ok());
        for bad in ["", "Arbeid", "a_b", "-a", "a-", "a b", "jeugd/zorg", "a--b"] {
            assert!(Slug::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn titles_become_readable_slugs() {
        assert_eq!(
            Slug::from_title("Conferentie Geweld in gezinnen: ‘Gemeld…en nu?’").as_str(),
            "conferentie-geweld-in-gezinnen-gemeld-en-nu"
        );
        assert_eq!(
            Slug::from_title("Continuïteit van zorg").as_str(),
            "continuiteit-van-zorg"
        );
    }
}
