//! The front matter exactly as YAML gives it, before any value is checked.

use serde::{Deserialize, Deserializer};

use crate::domain::issue::LinkPolicy;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFrontMatter {
    pub subject: Option<String>,
    pub preheader: Option<String>,
    pub send_at: Option<serde_norway::Value>,
    pub template: Option<String>,
    pub audience: Option<RawAudience>,
    #[serde(default)]
    pub agenda: Vec<RawAgendaItem>,
    pub links: Option<LinkPolicy>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawAudience {
    #[serde(default)]
    pub workshops: OneOrMany,
    #[serde(default)]
    pub interests: OneOrMany,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAgendaItem {
    pub id: Option<String>,
    pub title: Option<String>,
    pub start: Option<serde_norway::Value>,
    pub end: Option<serde_norway::Value>,
    pub location: Option<String>,
    pub url: Option<String>,
    pub description: Option<String>,
    pub workshop: Option<String>,
    #[serde(default)]
    pub interests: OneOrMany,
    /// None when the key is absent (the default offsets apply); `reminders:`
    /// with nothing after it is `Some(Null)`, a mistake.
    #[serde(default, deserialize_with = "present")]
    pub reminders: Option<serde_norway::Value>,
    pub status: Option<String>,
}

/// Tells a key written without a value apart from a key left out.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<serde_norway::Value>, D::Error> {
    serde_norway::Value::deserialize(d).map(Some)
}

/// `workshops: jeugd` and `workshops: [jeugd, zorg]` both work.
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(untagged)]
pub enum OneOrMany {
    #[default]
    None,
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::None => Vec::new(),
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}
