//! The YAML front matter of an issue: parsed with serde_norway (`raw`), then
//! checked against the configuration (slugs, templates, time zone) with
//! located errors, all at once.

use chrono::{DateTime, Utc};

use super::agenda_item::{check_item, duplicate_id};
use super::locate::Locator;
use super::raw::RawFrontMatter;
use super::rules::{Located, Rules, checked_slugs, one_line, scalar};
use crate::domain::issue::{AgendaItem, LinkPolicy};
use crate::domain::segments::{SegmentKind, Segments};
use crate::domain::slug::Slug;
use crate::domain::texts::tr;
use crate::domain::when::parse_time;

/// The longest subject postbode sends: mail clients show far less.
pub const MAX_SUBJECT_CHARS: usize = 200;
const MAX_PREHEADER_CHARS: usize = 300;
/// The layout used when the front matter names none.
pub const DEFAULT_TEMPLATE: &str = "platformnieuws";

/// Front-matter values after checking; errors are collected, not fatal.
pub struct Checked {
    pub subject: String,
    pub preheader: String,
    pub send_at: Option<DateTime<Utc>>,
    pub template: Slug,
    pub audience: Segments,
    pub agenda: Vec<AgendaItem>,
    pub links: LinkPolicy,
}

pub fn check(raw: RawFrontMatter, loc: &Locator<'_>, rules: &Rules<'_>) -> (Checked, Vec<Located>) {
    let mut errors: Vec<Located> = Vec::new();
    let mut err = |at: (usize, usize), msg: String| errors.push((at.0, at.1, msg));

    let subject_at = loc.find(0, "subject", None);
    let subject = one_line(
        raw.subject.unwrap_or_default(),
        "subject",
        MAX_SUBJECT_CHARS,
        subject_at,
        rules.lang,
        &mut err,
    );
    if subject.is_empty() {
        err(subject_at, tr!(rules.lang, "issues.subject_missing"));
    }
    let preheader = one_line(
        raw.preheader.unwrap_or_default(),
        "preheader",
        MAX_PREHEADER_CHARS,
        loc.find(0, "preheader", None),
        rules.lang,
        &mut err,
    );
    let send_at = raw.send_at.as_ref().and_then(|v| {
        let text = scalar(v);
        match parse_time(&text, rules.tz) {
            Ok(t) => Some(t),
            Err(e) => {
                let why = super::words::time_error(&e, rules.lang);
                err(
                    loc.find(0, "send_at", Some(&text)),
                    tr!(rules.lang, "issues.send_at", why = why),
                );
                None
            }
        }
    });
    let template_text = raw.template.unwrap_or_else(|| DEFAULT_TEMPLATE.into());
    let template = match Slug::parse(template_text.trim()) {
        Ok(t) if (rules.template_exists)(t.as_str()) => t,
        _ => {
            let shown: String = template_text.trim().chars().take(60).collect();
            err(
                loc.find(0, "template", Some(&shown)),
                tr!(
                    rules.lang,
                    "issues.unknown_template",
                    given = shown,
                    default = DEFAULT_TEMPLATE
                ),
            );
            Slug::from_title(DEFAULT_TEMPLATE)
        }
    };
    let links = raw.links.unwrap_or_default();
    let audience = raw.audience.unwrap_or_default();
    let audience = Segments::new(
        checked_slugs(
            audience.workshops.into_vec(),
            "workshops",
            SegmentKind::Workshop,
            rules,
            loc,
            loc.all(),
            &mut err,
        ),
        checked_slugs(
            audience.interests.into_vec(),
            "interests",
            SegmentKind::Interest,
            rules,
            loc,
            loc.all(),
            &mut err,
        ),
    );

    let item_lines = loc.agenda_item_lines();
    let mut agenda = Vec::new();
    let mut ids = std::collections::HashSet::new();
    for (i, item) in raw.agenda.into_iter().enumerate() {
        let lines = item_lines.get(i).cloned().unwrap_or_else(|| loc.all());
        let own_id = item.id.is_some();
        if let Some(a) = check_item(item, lines.clone(), loc, rules, &mut err) {
            if !ids.insert(a.id.clone()) {
                let (at, msg) = duplicate_id(&a, own_id, lines, loc, rules.lang);
                err(at, msg);
            }
            agenda.push(a);
        }
    }
    (
        Checked {
            subject,
            preheader,
            send_at,
            template,
            audience,
            agenda,
            links,
        },
        errors,
    )
}
