//! A newsletter issue as postbode understands it after parsing the editor's file.

use chrono::{DateTime, Utc};
use std::fmt;
use std::str::FromStr;

use super::offset::Offset;
use super::segments::Segments;
use super::slug::Slug;

/// An issue as the editor's file describes it, every value checked.
#[derive(Debug, Clone)]
pub struct Issue {
    pub slug: Slug,
    /// One line, no control characters.
    pub subject: String,
    pub preheader: String,
    pub send_at: Option<DateTime<Utc>>,
    /// `mjml/<template>.mjml`.
    pub template: Slug,
    /// Empty = every active subscriber.
    pub audience: Segments,
    pub agenda: Vec<AgendaItem>,
    pub body: Body,
    /// `links: strict`: `check --links` fails on a broken link.
    pub links: LinkPolicy,
}

/// What `check --links` makes of a broken link: a warning (the default), or,
/// with `links: strict` in the front matter, an error.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkPolicy {
    #[default]
    Warn,
    Strict,
}

#[derive(Debug, Clone)]
pub enum Body {
    /// Intro and `##` sections, laid out by `mjml/<template>.mjml`.
    Markdown {
        intro: String,
        sections: Vec<Section>,
        /// After `{afsluiting}`: every reader gets it, after the sections.
        closing: String,
    },
    /// A whole `<mjml>` document, used as is.
    Mjml(String),
}

#[derive(Debug, Clone)]
pub struct Section {
    pub title: String,
    pub markdown: String,
    /// Empty = everyone in the audience gets this section.
    pub target: Segments,
}

/// Stored as JSON in `agenda_items`, so a sent issue's agenda can change.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AgendaItem {
    pub id: Slug,
    pub title: String,
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
    pub location: String,
    pub url: String,
    #[serde(default)]
    pub description: String,
    pub workshop: Option<Slug>,
    pub interests: Vec<Slug>,
    pub reminders: Vec<Offset>,
    pub cancelled: bool,
    /// The file gives no `id:`; the id is made from title and first date,
    /// and a stored item of the same issue with the same title is taken to
    /// be this one moved (see `storage::agenda::sync`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub id_guessed: bool,
    /// A whole-day meeting (dates without times): `start` is the local
    /// midnight of its first day, `end` that of its last, and its reminders
    /// go out at this local time of day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all_day: Option<chrono::NaiveTime>,
}

impl AgendaItem {
    /// The segments whose followers the item is for; empty when untagged.
    pub fn tagged(&self) -> Segments {
        Segments::new(
            self.workshop.iter().cloned().collect(),
            self.interests.clone(),
        )
    }
}

impl Issue {
    /// Which sections a subscriber with `segments` receives: the key of a variant.
    pub fn variant_key(&self, segments: &Segments) -> Vec<bool> {
        match &self.body {
            Body::Markdown { sections, .. } => sections
                .iter()
                .map(|s| s.target.is_empty() || s.target.follows_any(segments))
                .collect(),
            Body::Mjml(_) => Vec::new(),
        }
    }

    /// The key of the variant with every section: proofs and the web archive.
    pub fn full_key(&self) -> Vec<bool> {
        match &self.body {
            Body::Markdown { sections, .. } => vec![true; sections.len()],
            Body::Mjml(_) => Vec::new(),
        }
    }
}

/// Where an issue is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IssueStatus {
    Draft,
    /// Valid and timed, but not sent before an editor approves this version
    /// (`platform.require_approval`).
    #[serde(rename = "awaiting_approval")]
    AwaitingApproval,
    Scheduled,
    Sending,
    Sent,
    Invalid,
    Cancelled,
}

impl IssueStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            IssueStatus::Draft => "draft",
            IssueStatus::AwaitingApproval => "awaiting_approval",
            IssueStatus::Scheduled => "scheduled",
            IssueStatus::Sending => "sending",
            IssueStatus::Sent => "sent",
            IssueStatus::Invalid => "invalid",
            IssueStatus::Cancelled => "cancelled",
        }
    }

    /// Once sending has started the content is frozen.
    pub fn is_frozen(self) -> bool {
        matches!(self, IssueStatus::Sending | IssueStatus::Sent)
    }
}

/// The operator's stop on an issue (`postbode pause|resume|cancel`), kept
/// beside its [`IssueStatus`] so that a resumed issue goes on where it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Hold {
    #[default]
    None,
    /// No message of it is claimed, nor does it start, until resumed.
    Paused,
    /// For good: its file no longer brings it back.
    Cancelled,
}

impl Hold {
    pub fn as_str(self) -> &'static str {
        match self {
            Hold::None => "",
            Hold::Paused => "paused",
            Hold::Cancelled => "cancelled",
        }
    }

    /// As stored; a value this version does not know stops the issue.
    pub fn parse(s: &str) -> Hold {
        match s {
            "" => Hold::None,
            "paused" => Hold::Paused,
            _ => Hold::Cancelled,
        }
    }

    /// The status people are shown: `paused` while an issue that would
    /// otherwise start or go on sending is held.
    pub fn shown(self, status: IssueStatus) -> &'static str {
        match (self, status) {
            (
                Hold::Paused,
                IssueStatus::Draft
                | IssueStatus::AwaitingApproval
                | IssueStatus::Scheduled
                | IssueStatus::Sending,
            ) => "paused",
            _ => status.as_str(),
        }
    }
}

impl fmt::Display for IssueStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for IssueStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "draft" => IssueStatus::Draft,
            "awaiting_approval" => IssueStatus::AwaitingApproval,
            "scheduled" => IssueStatus::Scheduled,
            "sending" => IssueStatus::Sending,
            "sent" => IssueStatus::Sent,
            "invalid" => IssueStatus::Invalid,
            "cancelled" => IssueStatus::Cancelled,
            _ => return Err(format!("unknown issue status {s:?}")),
        })
    }
}
