//! One item of an issue's `agenda:` list, checked with located errors. Each
//! error makes the issue invalid; `agenda_checks` states the whole rule.

use chrono::{DateTime, Utc};
use std::ops::Range;

use super::locate::Locator;
use super::raw::RawAgendaItem;
use super::rules::{Rules, checked_slugs, one_line, scalar};
use crate::domain::issue::AgendaItem;
use crate::domain::language::Language;
use crate::domain::offset::Offset;
use crate::domain::segments::SegmentKind;
use crate::domain::slug::Slug;
use crate::domain::texts::tr;
use crate::domain::when::{When, day_start, parse_when};

/// Titles and places are printed in subjects and calendars: one line each.
const MAX_TITLE_CHARS: usize = 200;
const MAX_LOCATION_CHARS: usize = 300;
const MAX_DESCRIPTION_CHARS: usize = 5000;

/// Checks one agenda item, written on the front-matter `lines` (so that a key
/// the item lacks is never looked for in the next item). None when the item
/// has no usable start or id; its errors are reported either way.
pub(super) fn check_item(
    item: RawAgendaItem,
    lines: Range<usize>,
    loc: &Locator<'_>,
    rules: &Rules<'_>,
    err: &mut impl FnMut((usize, usize), String),
) -> Option<AgendaItem> {
    let find = |key: &str, value: Option<&str>| loc.find_in(lines.clone(), key, value);
    let title = one_line(
        item.title.unwrap_or_default(),
        "title",
        MAX_TITLE_CHARS,
        find("title", None),
        rules.lang,
        err,
    );
    let location = one_line(
        item.location.unwrap_or_default(),
        "location",
        MAX_LOCATION_CHARS,
        find("location", None),
        rules.lang,
        err,
    );
    let description = item.description.unwrap_or_default().trim().to_string();
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        err(
            find("description", None),
            tr!(
                rules.lang,
                "issues.agenda_description_too_long",
                max = MAX_DESCRIPTION_CHARS
            ),
        );
    }
    if title.is_empty() {
        err(
            loc.first_char(lines.start),
            tr!(rules.lang, "issues.agenda_without_title"),
        );
    }
    let (start, end, all_day) = times(&item.start, &item.end, &title, &lines, loc, rules, err);
    let workshop = item.workshop.and_then(|w| {
        let ok = checked_slugs(
            vec![w],
            "workshop",
            SegmentKind::Workshop,
            rules,
            loc,
            lines.clone(),
            err,
        );
        ok.into_iter().next()
    });
    let interests = checked_slugs(
        item.interests.into_vec(),
        "interests",
        SegmentKind::Interest,
        rules,
        loc,
        lines.clone(),
        err,
    );
    let reminders = match item.reminders {
        None => rules.default_offsets.clone(),
        Some(value) => offsets(&value, &find, rules.lang, err),
    };
    let cancelled = match item.status.as_deref().map(str::trim) {
        None | Some("") | Some("confirmed") | Some("scheduled") => false,
        Some("cancelled") | Some("canceled") => true,
        Some(other) => {
            err(
                find("status", Some(other)),
                tr!(rules.lang, "issues.agenda_status_unknown", given = other),
            );
            false
        }
    };
    let start = start?;
    let id_guessed = item.id.is_none();
    let id = match item.id {
        Some(id) => match Slug::parse(id.trim()) {
            Ok(s) => s,
            Err(_) => {
                let given: String = id.trim().chars().take(100).collect();
                err(
                    find("id", Some(id.trim())),
                    tr!(rules.lang, "issues.agenda_id_not_slug", given = given),
                );
                return None;
            }
        },
        None => {
            // The same id as every earlier version derived: stored items are
            // known by it, so it must never change for the same item.
            let local = start.with_timezone(&rules.tz).format("%Y-%m-%d");
            Slug::from_title(&title).with_suffix(&local.to_string())
        }
    };
    let url = one_line(
        item.url.unwrap_or_default(),
        "url",
        2000,
        find("url", None),
        rules.lang,
        err,
    );
    Some(AgendaItem {
        id,
        title,
        start,
        end,
        location,
        url,
        description,
        workshop,
        interests,
        reminders,
        cancelled,
        id_guessed,
        all_day: all_day.then_some(rules.all_day_at),
    })
}

/// Where and how to report that `item` has the id of an earlier item: at its
/// `id` when it has `own_id`, else at its title, from which the id comes.
pub(super) fn duplicate_id(
    item: &AgendaItem,
    own_id: bool,
    lines: Range<usize>,
    loc: &Locator<'_>,
    lang: Language,
) -> ((usize, usize), String) {
    if own_id {
        (
            loc.find_in(lines, "id", Some(item.id.as_str())),
            tr!(lang, "issues.agenda_id_twice", id = item.id),
        )
    } else {
        (
            loc.find_in(lines, "title", None),
            tr!(
                lang,
                "issues.agenda_id_twice_derived",
                title = item.title,
                id = item.id
            ),
        )
    }
}

type Time = Option<DateTime<Utc>>;

/// `start` (required) and `end` (optional, not before the start), and
/// whether the item takes whole days: both given as dates without a time.
#[allow(clippy::too_many_arguments)]
fn times(
    start: &Option<serde_norway::Value>,
    end: &Option<serde_norway::Value>,
    title: &str,
    lines: &Range<usize>,
    loc: &Locator<'_>,
    rules: &Rules<'_>,
    err: &mut impl FnMut((usize, usize), String),
) -> (Time, Time, bool) {
    let find = |key: &str, value: Option<&str>| loc.find_in(lines.clone(), key, value);
    let read = |key: &str, text: &str, err: &mut dyn FnMut((usize, usize), String)| {
        parse_when(text, rules.tz)
            .map_err(|e| {
                let why = super::words::time_error(&e, rules.lang);
                let msg_key = if key == "start" {
                    "issues.agenda_start"
                } else {
                    "issues.agenda_end"
                };
                err(
                    find(key, Some(text)),
                    crate::domain::texts::text(rules.lang, msg_key, &[("why", &why)]),
                )
            })
            .ok()
    };
    let start = match start.as_ref().map(scalar) {
        None => {
            let which = if title.is_empty() {
                String::new()
            } else {
                format!(" {title:?}")
            };
            err(
                find("title", None),
                tr!(rules.lang, "issues.agenda_without_start", which = which),
            );
            None
        }
        Some(text) => read("start", &text, &mut *err),
    };
    let end_text = end.as_ref().map(scalar);
    let end = end_text
        .as_deref()
        .and_then(|text| read("end", text, &mut *err));
    let all_day = matches!(start, Some(When::Day(_)));
    if let (Some(_), Some(e)) = (start, end) {
        if matches!(e, When::Day(_)) != all_day {
            err(
                loc.value_in(lines.clone(), "end")
                    .unwrap_or_else(|| find("end", None)),
                tr!(rules.lang, "issues.agenda_mixed_day_and_time"),
            );
        }
    }
    let instant = |w: When| match w {
        When::At(t) => t,
        When::Day(d) => day_start(d, rules.tz),
    };
    let (start, end) = (start.map(instant), end.map(instant));
    if let (Some(s), Some(e)) = (start, end) {
        if e < s {
            let local = |t: DateTime<Utc>| t.with_timezone(&rules.tz).format("%Y-%m-%d %H:%M");
            err(
                loc.value_in(lines.clone(), "end")
                    .unwrap_or_else(|| find("end", None)),
                tr!(
                    rules.lang,
                    "issues.agenda_end_before_start",
                    end = local(e),
                    start = local(s)
                ),
            );
        }
    }
    (start, end, all_day)
}

/// An item's `reminders:` value: one offset or a list, each pointed at when
/// it cannot be read; `find(key, value)` locates within the item.
fn offsets(
    value: &serde_norway::Value,
    find: &impl Fn(&str, Option<&str>) -> (usize, usize),
    lang: Language,
    err: &mut impl FnMut((usize, usize), String),
) -> Vec<Offset> {
    let texts: Vec<String> = match value {
        serde_norway::Value::Null => {
            err(
                find("reminders", None),
                tr!(lang, "issues.agenda_reminders_empty"),
            );
            return Vec::new();
        }
        serde_norway::Value::Sequence(list) => list.iter().map(scalar).collect(),
        other => vec![scalar(other)],
    };
    texts
        .into_iter()
        .filter_map(|text| {
            text.parse::<Offset>()
                .map_err(|e| {
                    // An empty offset is written `""` (or `''`): point at that.
                    let needle = if text.is_empty() { "\"\"" } else { &text };
                    let why = super::words::offset_error(&e, lang);
                    err(
                        find("reminders", Some(needle)),
                        tr!(lang, "issues.agenda_reminders", why = why),
                    )
                })
                .ok()
        })
        .collect()
}
