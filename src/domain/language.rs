//! The languages of postbode's pages and mails: Dutch by default, English.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    Nl,
    En,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Nl => "nl",
            Language::En => "en",
        }
    }

    pub fn is_en(self) -> bool {
        self == Language::En
    }

    /// `en` when asked for, else Dutch: for pages where any value will do.
    pub fn or_dutch(requested: &str) -> Self {
        requested.parse().unwrap_or_default()
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for Language {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "" | "nl" => Ok(Language::Nl),
            "en" => Ok(Language::En),
            other => Err(format!(
                "language {:?} is not supported: use nl or en",
                other.chars().take(20).collect::<String>()
            )),
        }
    }
}
