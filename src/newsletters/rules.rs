//! What front-matter checks need from the configuration, and the checks
//! shared by the issue's own keys and its agenda items.

use chrono_tz::Tz;
use std::ops::Range;

use super::locate::Locator;
use crate::domain::language::Language;
use crate::domain::offset::Offset;
use crate::domain::segments::{Catalogue, SegmentKind};
use crate::domain::slug::Slug;
use crate::domain::text;
use crate::domain::texts::tr;

/// What the checks need from the configuration.
pub struct Rules<'a> {
    pub tz: Tz,
    pub catalogue: &'a Catalogue,
    pub template_exists: &'a dyn Fn(&str) -> bool,
    pub default_offsets: Vec<Offset>,
    pub all_day_at: chrono::NaiveTime,
    /// The language the messages are written in.
    pub lang: Language,
}

/// An error at (line, column): the message says what to change.
pub type Located = (usize, usize, String);

/// The offered slugs of `list`; every other one is an error at its place.
pub(super) fn checked_slugs(
    list: Vec<String>,
    key: &str,
    kind: SegmentKind,
    rules: &Rules<'_>,
    loc: &Locator<'_>,
    within: Range<usize>,
    err: &mut impl FnMut((usize, usize), String),
) -> Vec<Slug> {
    let mut out = Vec::new();
    for slug in list {
        match rules.catalogue.find(kind, &slug) {
            Ok(s) => out.push(s),
            Err(u) => err(
                loc.find_in(within.clone(), key, Some(slug.trim())),
                super::words::unknown_segment(&u, rules.catalogue, rules.lang),
            ),
        }
    }
    out
}

/// `value` of `key` as one line of text: what a header, a subject or a
/// calendar entry can hold. Forbidden characters are an error at the key.
pub(super) fn one_line(
    value: String,
    key: &str,
    max_chars: usize,
    at: (usize, usize),
    lang: Language,
    err: &mut impl FnMut((usize, usize), String),
) -> String {
    let value = value.trim().to_string();
    match text::check(&value, max_chars) {
        Ok(()) => value,
        Err(e) => {
            let why = super::words::text_error(&e, lang);
            err(at, tr!(lang, "issues.one_line", key = key, why = why));
            text::cleaned(&value, max_chars)
        }
    }
}

pub(super) fn scalar(v: &serde_norway::Value) -> String {
    match v {
        serde_norway::Value::String(s) => s.trim().to_string(),
        serde_norway::Value::Number(n) => n.to_string(),
        serde_norway::Value::Bool(b) => b.to_string(),
        serde_norway::Value::Null => String::new(),
        other => format!("{other:?}").chars().take(60).collect(),
    }
}
