//! The agenda's rule: which mistakes make an issue invalid and which are only
//! warned about.
//!
//! The agenda is printed in the newsletter, so a wrong one must not go out.
//! These make the issue **invalid** (nothing is sent); they are found while
//! the front matter is checked (`front_matter::check`), all at once:
//!
//! - an item without `start` (pointed at its `title`, or its `-` line);
//! - a `start` or `end` that is not a date and time, or a local time that
//!   does not exist (the skipped summer-time hour);
//! - an `end` before the `start`;
//! - an unknown `workshop` or `interests` slug;
//! - a reminder offset that cannot be read (`7 dagen`, `0d`, `-1d`, `1w`, an
//!   empty one, or `reminders:` without a value), pointed at on its line;
//! - an `id` that is not a slug, or an id two items share (also when both
//!   derive it from the same title and start date).
//!
//! These are **warnings** ([`agenda_warnings`]): the issue stays valid, and
//! `postbode check` and `postbode status` show them with their place:
//!
//! - an item that has started at the time of checking (start ≤ now), or that
//!   starts at or before the issue's `send_at`: it stays in the agenda but gets
//!   no reminders, as reminders never go out after the start;
//! - an item with reminder times before the issue's `send_at`: reminders go
//!   out only once the issue is sent, so one goes out right after it instead.
//!
//! - an item without `id:`: postbode knows it by its title (see
//!   `storage::agenda::sync`), so a new title and a new date together make
//!   it a new meeting.
//!
//! Cancelled items get no reminders anyway and are not warned about.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::locate::Locator;
use super::source;
use crate::domain::diagnostic::Diagnostic;
use crate::domain::issue::{AgendaItem, Issue};
use crate::domain::language::Language;
use crate::domain::reminder::item_reminder_time;
use crate::domain::texts::tr;

/// The warnings about the agenda of `issue`, parsed without errors from `raw`
/// (shown as `file` in the messages), in file order.
pub fn agenda_warnings(
    file: &str,
    raw: &str,
    issue: &Issue,
    now: DateTime<Utc>,
    tz: Tz,
    lang: Language,
) -> Vec<Diagnostic> {
    let Ok(src) = source::split(raw) else {
        return Vec::new();
    };
    let loc = Locator::new(&src.front_matter, src.front_matter_line);
    // A valid issue keeps every item, so items and their lines pair up.
    let item_lines = loc.agenda_item_lines();
    let mut out = Vec::new();
    for (i, item) in issue.agenda.iter().enumerate() {
        if item.cancelled {
            continue;
        }
        let lines = item_lines.get(i).cloned().unwrap_or_else(|| loc.all());
        let at_start = loc
            .value_in(lines.clone(), "start")
            .unwrap_or_else(|| loc.first_char(lines.start));
        let mut warn = |(line, col): (usize, usize), msg: String| {
            out.push(Diagnostic::new(file, line, col, msg))
        };
        let (title, start) = (&item.title, local(item.start, tz));
        if item.id_guessed {
            let at = loc.find_in(lines.clone(), "title", None);
            warn(
                at,
                tr!(lang, "issues.warn_id_guessed", title = title, id = item.id),
            );
        }
        if item.start <= now {
            let msg = tr!(lang, "issues.warn_item_past", title = title, start = start);
            warn(at_start, msg);
            continue;
        }
        let Some(send_at) = issue.send_at else {
            continue;
        };
        if item.start <= send_at {
            let send = local(send_at, tz);
            let msg = tr!(
                lang,
                "issues.warn_item_before_send",
                title = title,
                start = start,
                send = send
            );
            warn(at_start, msg);
            continue;
        }
        if let Some((first, msg)) = early_reminders(item, send_at, tz, lang) {
            // At the offset when the item lists its own; else the defaults apply.
            let at = if loc.value_in(lines.clone(), "reminders").is_some() {
                loc.find_in(lines, "reminders", Some(&first))
            } else {
                at_start
            };
            warn(at, msg);
        }
    }
    out
}

/// The largest offset (earliest reminder) that would fall before `send_at`, and the
/// warning about all such offsets of `item`.
fn early_reminders(
    item: &AgendaItem,
    send_at: DateTime<Utc>,
    tz: Tz,
    lang: Language,
) -> Option<(String, String)> {
    let mut offsets = item.reminders.clone();
    offsets.sort_unstable_by(|a, b| b.cmp(a));
    offsets.dedup();
    let early: Vec<String> = offsets
        .into_iter()
        .filter(|&o| item_reminder_time(item, o, tz) < send_at)
        .map(|o| o.to_string())
        .collect();
    let first = early.first()?.clone();
    let key = if early.len() == 1 {
        "issues.warn_reminder_early"
    } else {
        "issues.warn_reminders_early"
    };
    let msg = crate::domain::texts::text(
        lang,
        key,
        &[
            ("offsets", &early.join(", ")),
            ("title", &item.title),
            ("send", &local(send_at, tz)),
        ],
    );
    Some((first, msg))
}

fn local(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

#[cfg(test)]
#[path = "agenda_checks_tests.rs"]
mod tests;
