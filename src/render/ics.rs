//! An agenda item as an RFC 5545 calendar (`<id>.ics`): one VEVENT with a
//! stable UID, times in UTC, CRLF lines folded at 75 octets.
//!
//! The `icalendar` crate builds the calendar and escapes text values. Its
//! folding is not relied on: the output is unfolded and folded again here, at
//! most 75 octets per line and never inside a UTF-8 character.

use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus, Property};

use crate::domain::issue::AgendaItem;

/// `PRODID` of every calendar postbode writes.
pub const PRODID: &str = "-//postbode//NONSGML postbode//NL";

/// Longest content line in octets, CRLF not counted (RFC 5545 §3.1).
const MAX_LINE_OCTETS: usize = 75;

/// What the calendar tells the recipient's client to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IcsKind {
    /// `METHOD:PUBLISH`: add or update the event.
    Publish,
    /// `METHOD:CANCEL` with `STATUS:CANCELLED`: remove the event.
    Cancel,
}

impl IcsKind {
    /// The `METHOD` value, also the `method=` parameter of `text/calendar`.
    pub fn method(self) -> &'static str {
        match self {
            IcsKind::Publish => "PUBLISH",
            IcsKind::Cancel => "CANCEL",
        }
    }
}

/// Who publishes the calendar: the platform's sender address. RFC 5546 asks
/// for an `ORGANIZER` in `PUBLISH` and `CANCEL`; its domain makes the UID.
#[derive(Debug, Clone)]
pub struct Organizer {
    pub name: String,
    pub email: String,
    /// The platform's zone: the days of whole-day meetings are its days.
    pub tz: chrono_tz::Tz,
}

impl Organizer {
    fn domain(&self) -> &str {
        self.email.rsplit_once('@').map_or("", |(_, d)| d)
    }

    fn property(&self) -> Property {
        let mut p = Property::new("ORGANIZER", format!("mailto:{}", clean_uri(&self.email)));
        let name: String = self
            .name
            .chars()
            .filter(|&c| c != '"' && !c.is_control())
            .collect();
        if !name.trim().is_empty() {
            // The crate quotes a value with a colon; `;` and `,` need quotes too.
            let name = if !name.contains(':') && name.contains([';', ',']) {
                format!("\"{name}\"")
            } else {
                name
            };
            p.add_parameter("CN", &name);
        }
        p
    }
}

/// The calendar for `item`. `sequence` is 0 for the first version and goes up
/// with every changed time or place and with the cancellation; `dtstamp` is
/// when this version was made. The UID is `{item.id}@{organizer's domain}`.
pub fn item_ics(
    item: &AgendaItem,
    kind: IcsKind,
    sequence: u32,
    organizer: &Organizer,
    dtstamp: DateTime<Utc>,
) -> String {
    let mut event = Event::new();
    event
        .uid(&clean_text(&format!("{}@{}", item.id, organizer.domain())))
        .timestamp(dtstamp)
        .sequence(sequence)
        .summary(&clean_text(&item.title));
    match item.all_day {
        // Whole days are dates (DTSTART;VALUE=DATE), the end the day after
        // the last one: RFC 5545's DTEND is exclusive.
        Some(_) => {
            let first = item.start.with_timezone(&organizer.tz).date_naive();
            let last = item
                .end
                .map_or(first, |e| e.with_timezone(&organizer.tz).date_naive());
            event.starts(first);
            event.ends(last.succ_opt().unwrap_or(last));
        }
        None => {
            event.starts(item.start);
            if let Some(end) = item.end {
                event.ends(end);
            }
        }
    }
    if !item.location.trim().is_empty() {
        event.location(&clean_text(&item.location));
    }
    if !item.description.trim().is_empty() {
        event.description(&clean_text(item.description.trim()));
    }
    let url = clean_uri(&item.url);
    if !url.is_empty() {
        event.url(&url);
    }
    event.append_property(organizer.property());
    if kind == IcsKind::Cancel || item.cancelled {
        event.status(EventStatus::Cancelled);
    }

    let mut calendar = Calendar::empty();
    calendar
        .append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new("PRODID", PRODID))
        .append_property(Property::new("CALSCALE", "GREGORIAN"))
        .append_property(Property::new("METHOD", kind.method()))
        .push(event.done());

    let unfolded = calendar.to_string().replace("\r\n ", "");
    let mut out = String::with_capacity(unfolded.len() + unfolded.len() / 20);
    for line in unfolded.split("\r\n").filter(|l| !l.is_empty()) {
        fold_into(&mut out, line);
    }
    out
}

/// Folds one content line into `out`, ending every physical line with CRLF:
/// at most 75 octets each, continuation lines start with a space, and a
/// UTF-8 character is never split.
fn fold_into(out: &mut String, line: &str) {
    let mut rest = line;
    let mut limit = MAX_LINE_OCTETS;
    loop {
        if rest.len() <= limit {
            out.push_str(rest);
            out.push_str("\r\n");
            return;
        }
        let mut cut = limit;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let (head, tail) = rest.split_at(cut);
        out.push_str(head);
        out.push_str("\r\n ");
        rest = tail;
        // The leading space of a continuation line counts.
        limit = MAX_LINE_OCTETS - 1;
    }
}

/// Text for a TEXT value: line breaks become `\n` (escaped by the crate),
/// other control characters, which RFC 5545 does not allow, are dropped.
fn clean_text(s: &str) -> String {
    s.replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|&c| c == '\n' || c == '\t' || !c.is_control())
        .collect()
}

/// A URI value is written unescaped: no whitespace or control characters.
fn clean_uri(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("rfc3339")
            .with_timezone(&Utc)
    }

    fn org() -> Organizer {
        Organizer {
            name: "kUS: Platformnieuws, Utrecht".into(),
            email: "nieuws@example.org".into(),
            tz: chrono_tz::Europe::Amsterdam,
        }
    }

    fn item(title: &str) -> AgendaItem {
        AgendaItem {
            id: crate::domain::slug::Slug::parse("boekbinden-2026-06").expect("slug"),
            title: title.into(),
            start: utc("2026-06-10T17:30:00Z"),
            end: Some(utc("2026-06-10T20:00:00Z")),
            location: "Wijkcentrum De Gaard, Utrecht".into(),
            url: "https://example.org/agenda/boekbinden?x=1,2".into(),
            description: String::new(),
            workshop: Some(crate::domain::slug::Slug::parse("boekbinden").expect("slug")),
            interests: Vec::new(),
            reminders: Vec::new(),
            cancelled: false,
            id_guessed: false,
            all_day: None,
        }
    }

    fn ics(it: &AgendaItem, kind: IcsKind) -> String {
        item_ics(it, kind, 0, &org(), utc("2026-06-01T08:00:00Z"))
    }

    /// Physical lines, each checked to end with CRLF.
    fn lines(s: &str) -> Vec<&str> {
        assert!(s.ends_with("\r\n"), "{s:?}");
        let body = &s[..s.len() - 2];
        let lines: Vec<&str> = body.split("\r\n").collect();
        for l in &lines {
            assert!(
                !l.contains('\n') && !l.contains('\r'),
                "bare line break in {l:?}"
            );
        }
        lines
    }

    fn unfold(s: &str) -> Vec<String> {
        s.replace("\r\n ", "")
            .split("\r\n")
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    }

    fn has(s: &str, line: &str) -> bool {
        unfold(s).iter().any(|l| l == line)
    }

    #[test]
    fn publish_has_the_required_properties() {
        let s = ics(&item("Boekbinden"), IcsKind::Publish);
        for line in [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//postbode//NONSGML postbode//NL",
            "METHOD:PUBLISH",
            "BEGIN:VEVENT",
            "UID:boekbinden-2026-06@example.org",
            "DTSTAMP:20260601T080000Z",
            "SEQUENCE:0",
            "DTSTART:20260610T173000Z",
            "DTEND:20260610T200000Z",
            "SUMMARY:Boekbinden",
            "LOCATION:Wijkcentrum De Gaard\\, Utrecht",
            "URL:https://example.org/agenda/boekbinden?x=1,2",
            "END:VEVENT",
            "END:VCALENDAR",
        ] {
            assert!(has(&s, line), "{line:?} missing in\n{s}");
        }
        assert!(!s.contains("TZID"), "{s}");
        assert!(!s.contains("STATUS"), "{s}");
        assert!(s.starts_with("BEGIN:VCALENDAR\r\n"));
    }

    #[test]
    fn every_line_ends_with_crlf_and_fits_75_octets() {
        let long = "Lange titel ".repeat(30);
        let s = ics(&item(&long), IcsKind::Publish);
        for l in lines(&s) {
            assert!(l.len() <= 75, "{} octets: {l:?}", l.len());
        }
        assert!(has(&s, &format!("SUMMARY:{long}")));
    }

    #[test]
    fn text_is_escaped() {
        let s = ics(
            &item("Koffie, thee; en \\ meer\nTweede regel\r\nDerde"),
            IcsKind::Publish,
        );
        assert!(
            has(
                &s,
                "SUMMARY:Koffie\\, thee\\; en \\\\ meer\\nTweede regel\\nDerde"
            ),
            "{s}"
        );
    }

    #[test]
    fn utf8_is_folded_on_character_boundaries() {
        // Multi-byte characters everywhere, so some fold must fall inside one
        // unless the folder avoids it.
        let title = "Naïeve ‘café’-avond… ".repeat(12);
        let s = ics(&item(&title), IcsKind::Publish);
        let mut folded = 0;
        for (i, l) in lines(&s).into_iter().enumerate() {
            assert!(l.len() <= 75, "line {i}: {} octets", l.len());
            if l.starts_with(' ') {
                folded += 1;
            }
        }
        assert!(folded >= 4, "{s}");
        // `lines` works on &str, so every piece is valid UTF-8; unfolding
        // gives back the title unchanged.
        assert!(has(&s, &format!("SUMMARY:{title}")));
    }

    #[test]
    fn fold_limits() {
        let mut out = String::new();
        fold_into(&mut out, &"a".repeat(75));
        assert_eq!(out, format!("{}\r\n", "a".repeat(75)));
        let mut out = String::new();
        fold_into(&mut out, &"a".repeat(75 + 75));
        assert_eq!(
            out,
            format!("{}\r\n {}\r\n a\r\n", "a".repeat(75), "a".repeat(74))
        );
        let mut out = String::new();
        fold_into(&mut out, &format!("{}é", "a".repeat(74)));
        assert_eq!(out, format!("{}\r\n é\r\n", "a".repeat(74)));
    }

    #[test]
    fn uid_is_stable() {
        let it = item("Boekbinden");
        let a = item_ics(
            &it,
            IcsKind::Publish,
            0,
            &org(),
            utc("2026-06-01T08:00:00Z"),
        );
        let b = item_ics(&it, IcsKind::Cancel, 3, &org(), utc("2026-06-05T08:00:00Z"));
        assert!(has(&a, "UID:boekbinden-2026-06@example.org"));
        assert!(has(&b, "UID:boekbinden-2026-06@example.org"));
        assert!(has(&b, "SEQUENCE:3"));
        assert_eq!(a, ics(&it, IcsKind::Publish));
    }

    #[test]
    fn cancel_has_method_and_status() {
        let s = ics(&item("Boekbinden"), IcsKind::Cancel);
        assert!(has(&s, "METHOD:CANCEL"), "{s}");
        assert!(has(&s, "STATUS:CANCELLED"), "{s}");
        assert!(!has(&s, "METHOD:PUBLISH"));
    }

    #[test]
    fn empty_optional_fields_are_left_out() {
        let mut it = item("Boekbinden");
        it.end = None;
        it.location = String::new();
        it.url = " ".into();
        let s = ics(&it, IcsKind::Publish);
        assert!(!s.contains("DTEND"), "{s}");
        assert!(!s.contains("LOCATION"), "{s}");
        assert!(!s.contains("URL"), "{s}");
    }
}
