//! Subscribers, their status and the segments they follow.

use serde::Serialize;
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pending,
    Active,
    Unsubscribed,
    Bounced,
    Complained,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Active => "active",
            Status::Unsubscribed => "unsubscribed",
            Status::Bounced => "bounced",
            Status::Complained => "complained",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "pending" => Status::Pending,
            "active" => Status::Active,
            "unsubscribed" => Status::Unsubscribed,
            "bounced" => Status::Bounced,
            "complained" => Status::Complained,
            _ => return Err(format!("unknown subscriber status {s:?}")),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
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
}

impl FromStr for Language {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "" | "nl" => Ok(Language::Nl),
            "en" => Ok(Language::En),
            other => Err(format!("language {other:?} is not supported: use nl or en")),
        }
    }
}

/// What a subscriber follows: the basis of audiences and section targeting.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Segments {
    pub workshops: Vec<String>,
    pub interests: Vec<String>,
}

impl Segments {
    /// True when the subscriber follows any listed workshop or interest.
    pub fn follows_any(&self, other: &Segments) -> bool {
        self.workshops.iter().any(|w| other.workshops.contains(w))
            || self.interests.iter().any(|i| other.interests.contains(i))
    }

    pub fn is_empty(&self) -> bool {
        self.workshops.is_empty() && self.interests.is_empty()
    }
}

/// A subscriber as the sending side sees it.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub language: Language,
    pub segments: Segments,
}
