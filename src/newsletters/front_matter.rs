//! The YAML front matter of an issue: parsed with serde_norway, then checked
//! against the configuration (slugs, templates, time zone) with located errors.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use super::locate::Locator;
use crate::domain::issue::AgendaItem;
use crate::domain::offset::Offset;
use crate::domain::slug::Slug;
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
    pub reminders: Option<OneOrMany>,
    pub status: Option<String>,
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
            0,
            &mut err,
        ),
        interests: checked_slugs(
            audience.interests.into_vec(),
            "interests",
            "interest",
            rules.interests,
            loc,
            0,
            &mut err,
        ),
    };

    let item_lines = loc.agenda_items();
    let mut agenda = Vec::new();
    let mut ids = std::collections::HashSet::new();
    for (i, item) in raw.agenda.into_iter().enumerate() {
        let from = item_lines.get(i).copied().unwrap_or(0);
        if let Some(a) = check_item(item, from, loc, rules, &mut err) {
            if !ids.insert(a.id.clone()) {
                err(
                    loc.find(from, "id", Some(&a.id)),
                    format!(
                        "agenda id {:?} is used twice: give each item its own id",
                        a.id
                    ),
                );
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

fn check_item(
    item: RawAgendaItem,
    from: usize,
    loc: &Locator<'_>,
    rules: &Rules<'_>,
    err: &mut impl FnMut((usize, usize), String),
) -> Option<AgendaItem> {
    let title = item.title.unwrap_or_default().trim().to_string();
    if title.is_empty() {
        err(
            loc.find(from, "title", None),
            "agenda item without title: add `title: …`".into(),
        );
    }
    let start = match item.start.as_ref().map(scalar) {
        None => {
            err(
                loc.find(from, "title", None),
                "agenda item has no start: add `start: YYYY-MM-DD HH:MM`".into(),
            );
            None
        }
        Some(text) => parse_time(&text, rules.tz)
            .map_err(|m| err(loc.find(from, "start", Some(&text)), format!("start: {m}")))
            .ok(),
    };
    let end = item.end.as_ref().map(scalar).and_then(|text| {
        parse_time(&text, rules.tz)
            .map_err(|m| err(loc.find(from, "end", Some(&text)), format!("end: {m}")))
            .ok()
    });
    if let (Some(s), Some(e)) = (start, end) {
        if e < s {
            err(
                loc.find(from, "end", None),
                "end lies before start: check the date and time of end".into(),
            );
        }
    }
    let workshop = item.workshop.and_then(|w| {
        let ok = checked_slugs(
            vec![w],
            "workshop",
            "workshop",
            rules.workshops,
            loc,
            from,
            err,
        );
        ok.into_iter().next()
    });
    let interests = checked_slugs(
        item.interests.into_vec(),
        "interests",
        "interest",
        rules.interests,
        loc,
        from,
        err,
    );
    let reminders = match item.reminders {
        None => rules.default_offsets.clone(),
        Some(list) => list
            .into_vec()
            .into_iter()
            .filter_map(|o| {
                o.parse::<Offset>()
                    .map_err(|m| {
                        err(
                            loc.find(from, "reminders", Some(&o)),
                            format!("reminders: {m}"),
                        )
                    })
                    .ok()
            })
            .collect(),
    };
    let cancelled = match item.status.as_deref().map(str::trim) {
        None | Some("") | Some("confirmed") | Some("scheduled") => false,
        Some("cancelled") | Some("canceled") => true,
        Some(other) => {
            err(
                loc.find(from, "status", Some(other)),
                format!("status {other:?} is not known: use `status: cancelled` or leave it out"),
            );
            false
        }
    };
    let start = start?;
    let id = match item.id {
        Some(id) => match Slug::parse(id.trim()) {
            Ok(s) => s.to_string(),
            Err(m) => {
                err(loc.find(from, "id", Some(&id)), format!("id: {m}"));
                return None;
            }
        },
        None => {
            let local = start.with_timezone(&rules.tz).format("%Y-%m-%d");
            format!("{}-{local}", Slug::from_title(&title))
        }
    };
    Some(AgendaItem {
        id,
        title,
        start,
        end,
        location: item.location.unwrap_or_default().trim().to_string(),
        url: item.url.unwrap_or_default().trim().to_string(),
        description: item.description.unwrap_or_default().trim().to_string(),
        workshop,
        interests,
        reminders,
        cancelled,
    })
}

fn checked_slugs(
    list: Vec<String>,
    key: &str,
    what: &str,
    known: &dyn Fn(&str) -> bool,
    loc: &Locator<'_>,
    from: usize,
    err: &mut impl FnMut((usize, usize), String),
) -> Vec<String> {
    let mut out = Vec::new();
    for slug in list {
        let slug = slug.trim().to_string();
        if known(&slug) {
            out.push(slug);
        } else {
            err(
                loc.find(from, key, Some(&slug)),
                format!(
                    "unknown {what} {slug:?}: use a slug from the [[{what}s]] list in postbode.toml"
                ),
            );
        }
    }
    out
}

fn scalar(v: &serde_norway::Value) -> String {
    match v {
        serde_norway::Value::String(s) => s.trim().to_string(),
        serde_norway::Value::Number(n) => n.to_string(),
        serde_norway::Value::Bool(b) => b.to_string(),
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
