//! The YAML front matter of an issue: parsed with serde_norway, then checked
//! against the configuration (slugs, templates, time zone) with located errors.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer};
use std::ops::Range;

use super::agenda_item::{check_item, duplicate_id};
use super::locate::Locator;
use crate::domain::issue::AgendaItem;
use crate::domain::offset::Offset;
use crate::domain::subscriber::Segments;

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

/// Front-matter values after checking; errors are collected, not fatal.
pub struct Checked {
    pub subject: String,
    pub preheader: String,
    pub send_at: Option<DateTime<Utc>>,
    pub template: String,
    pub audience: Segments,
    pub agenda: Vec<AgendaItem>,
}

/// What the checks need from the configuration.
pub struct Rules<'a> {
    pub tz: Tz,
    pub workshops: &'a dyn Fn(&str) -> bool,
    pub interests: &'a dyn Fn(&str) -> bool,
    pub template_exists: &'a dyn Fn(&str) -> bool,
    pub default_offsets: Vec<Offset>,
}

pub type Located = (usize, usize, String);

pub fn check(raw: RawFrontMatter, loc: &Locator<'_>, rules: &Rules<'_>) -> (Checked, Vec<Located>) {
    let mut errors: Vec<Located> = Vec::new();
    let mut err = |at: (usize, usize), msg: String| errors.push((at.0, at.1, msg));

    let subject = raw
        .subject
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    if subject.is_empty() {
        err(
            loc.find(0, "subject", None),
            "the issue has no subject: add a line `subject: …` to the front matter".into(),
        );
    }
    let send_at = raw.send_at.as_ref().and_then(|v| {
        let text = scalar(v);
        match parse_time(&text, rules.tz) {
            Ok(t) => Some(t),
            Err(m) => {
                err(loc.find(0, "send_at", Some(&text)), format!("send_at: {m}"));
                None
            }
        }
    });
    let template = raw.template.unwrap_or_else(|| "platformnieuws".into());
    if !(rules.template_exists)(&template) {
        err(
            loc.find(0, "template", Some(&template)),
            format!(
                "unknown template {template:?}: there is no mjml/{template}.mjml; use platformnieuws or add that file"
            ),
        );
    }
    let audience = raw.audience.unwrap_or_default();
    let audience = Segments {
        workshops: checked_slugs(
            audience.workshops.into_vec(),
            "workshops",
            "workshop",
            rules.workshops,
            loc,
            loc.all(),
            &mut err,
        ),
        interests: checked_slugs(
            audience.interests.into_vec(),
            "interests",
            "interest",
            rules.interests,
            loc,
            loc.all(),
            &mut err,
        ),
    };

    let item_lines = loc.agenda_item_lines();
    let mut agenda = Vec::new();
    let mut ids = std::collections::HashSet::new();
    for (i, item) in raw.agenda.into_iter().enumerate() {
        let lines = item_lines.get(i).cloned().unwrap_or_else(|| loc.all());
        let own_id = item.id.is_some();
        if let Some(a) = check_item(item, lines.clone(), loc, rules, &mut err) {
            if !ids.insert(a.id.clone()) {
                let (at, msg) = duplicate_id(&a, own_id, lines, loc);
                err(at, msg);
            }
            agenda.push(a);
        }
    }
    let preheader = raw.preheader.unwrap_or_default().trim().to_string();
    (
        Checked {
            subject,
            preheader,
            send_at,
            template,
            audience,
            agenda,
        },
        errors,
    )
}

pub(super) fn checked_slugs(
    list: Vec<String>,
    key: &str,
    what: &str,
    known: &dyn Fn(&str) -> bool,
    loc: &Locator<'_>,
    within: Range<usize>,
    err: &mut impl FnMut((usize, usize), String),
) -> Vec<String> {
    let mut out = Vec::new();
    for slug in list {
        let slug = slug.trim().to_string();
        if known(&slug) {
            out.push(slug);
        } else {
            err(
                loc.find_in(within.clone(), key, Some(&slug)),
                format!(
                    "unknown {what} {slug:?}: use a slug from the [[{what}s]] list in postbode.toml"
                ),
            );
        }
    }
    out
}

pub(super) fn scalar(v: &serde_norway::Value) -> String {
    match v {
        serde_norway::Value::String(s) => s.trim().to_string(),
        serde_norway::Value::Number(n) => n.to_string(),
        serde_norway::Value::Bool(b) => b.to_string(),
        serde_norway::Value::Null => String::new(),
        other => format!("{other:?}"),
    }
}

/// `2026-12-10 09:00` (local to the platform's zone) or RFC 3339 (`2026-12-10T08:00:00Z`).
pub fn parse_time(text: &str, tz: Tz) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    let naive = [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok());
    let Some(naive) = naive else {
        if NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok() {
            return Err(format!(
                "{text:?} has no time: write it as \"{text} 09:00\""
            ));
        }
        return Err(format!(
            "{text:?} is not a date and time: write it as \"2026-12-10 09:00\" (local time) or \"2026-12-10T08:00:00Z\""
        ));
    };
    match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        // The autumn hour that happens twice: take the first, as calendars do.
        chrono::LocalResult::Ambiguous(first, _) => Ok(first.with_timezone(&Utc)),
        chrono::LocalResult::None => Err(format!(
            "{text} does not exist in {tz}: the clocks skip that hour (summer time); pick another time"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_follow_the_platform_zone_across_dst() {
        let tz: Tz = "Europe/Amsterdam".parse().expect("tz");
        let winter = parse_time("2026-12-10 09:00", tz).expect("valid");
        assert_eq!(winter.to_rfc3339(), "2026-12-10T08:00:00+00:00");
        let summer = parse_time("2026-07-10 09:00", tz).expect("valid");
        assert_eq!(summer.to_rfc3339(), "2026-07-10T07:00:00+00:00");
        assert!(
            parse_time("2026-03-29 02:30", tz)
                .unwrap_err()
                .contains("does not exist")
        );
        assert!(
            parse_time("2026-12-10", tz)
                .unwrap_err()
                .contains("has no time")
        );
        assert!(
            parse_time("10 december", tz)
                .unwrap_err()
                .contains("not a date")
        );
        assert_eq!(
            parse_time("2026-12-10T08:00:00Z", tz).map(|t| t.timestamp()),
            Ok(winter.timestamp())
        );
    }
}
