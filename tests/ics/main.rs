//! Agenda calendars (`<id>.ics`) read back by an independent parser: Python's
//! `icalendar` package (`POSTBODE_TEST_PYTHON`, default `python3`). Every
//! value postbode writes must come back exactly.

use std::path::Path;

#[path = "../common/ics.rs"]
mod ics_reader;

use chrono::{DateTime, Utc};
use postbode::domain::issue::AgendaItem;
use postbode::render::ics::{IcsKind, Organizer, item_ics};
use serde_json::Value;

fn slug(s: &str) -> postbode::domain::slug::Slug {
    postbode::domain::slug::Slug::parse(s).expect("slug")
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("rfc3339")
        .with_timezone(&Utc)
}

fn item(id: &str, title: &str, start: &str, end: Option<&str>, location: &str) -> AgendaItem {
    AgendaItem {
        id: slug(id),
        title: title.into(),
        start: utc(start),
        end: end.map(utc),
        location: location.into(),
        url: format!("https://werkplaats.example.nl/agenda/{id}"),
        description: String::new(),
        workshop: Some(slug("boekbinden")),
        interests: vec![slug("papier")],
        reminders: Vec::new(),
        cancelled: false,
        id_guessed: false,
        all_day: None,
    }
}

/// Writes `ics` to `dir/name`, checks its lines octet by octet and has
/// Python parse it.
fn parse(dir: &Path, name: &str, ics: &str) -> Value {
    let bytes = ics.as_bytes();
    assert!(bytes.ends_with(b"\r\n"), "{name}: no final CRLF");
    for (i, line) in bytes[..bytes.len() - 1].split(|&b| b == b'\n').enumerate() {
        let line = line
            .strip_suffix(b"\r")
            .unwrap_or_else(|| panic!("{name} line {i}: LF without CR"));
        assert!(!line.contains(&b'\r'), "{name} line {i}: bare CR");
        assert!(line.len() <= 75, "{name} line {i}: {} octets", line.len());
    }
    ics_reader::read_with_python(dir, name, ics)
}

fn check(got: &Value, item: &AgendaItem, method: &str, sequence: u32, status: Option<&str>) {
    let end = item.end.map(|e| e.to_rfc3339());
    let want = serde_json::json!({
        "METHOD": method,
        "PRODID": "-//postbode//NONSGML postbode//NL",
        "VERSION": "2.0",
        "UID": format!("{}@werkplaats.example.nl", item.id),
        "SEQUENCE": sequence,
        "DTSTAMP": "2026-05-20T06:45:00+00:00",
        "DTSTART": item.start.to_rfc3339(),
        "DTEND": end,
        "SUMMARY": item.title,
        "LOCATION": item.location,
        "URL": item.url,
        "STATUS": status,
        "DESCRIPTION": (!item.description.is_empty()).then_some(&item.description),
        "ORGANIZER": "mailto:agenda@werkplaats.example.nl",
        "ORGANIZER_CN": "Werkplaats: agenda, Utrecht; centrum",
    });
    assert_eq!(got, &want);
}

#[test]
fn calendars_round_trip_through_python_icalendar() {
    let dir = tempfile::tempdir().expect("tempdir");
    let stamp = utc("2026-05-20T06:45:00Z");
    // A name with `:`, `,` and `;`: the CN parameter must be quoted.
    let org = Organizer {
        name: "Werkplaats: agenda, Utrecht; centrum".into(),
        email: "agenda@werkplaats.example.nl".into(),
        tz: chrono_tz::Europe::Amsterdam,
    };
    let domain = &org;

    // Publish: an evening just after the spring DST switch.
    let mut it = item(
        "boekbinden-maart",
        "Boekbinden voor beginners",
        "2026-03-30T17:00:00Z",
        Some("2026-03-30T19:30:00Z"),
        "Wijkcentrum De Gaard",
    );
    let got = parse(
        dir.path(),
        "publish.ics",
        &item_ics(&it, IcsKind::Publish, 0, domain, stamp),
    );
    check(&got, &it, "PUBLISH", 0, None);

    // Update: the place and time changed, SEQUENCE 1, same UID.
    it.start = utc("2026-03-31T17:00:00Z");
    it.end = Some(utc("2026-03-31T19:30:00Z"));
    it.location = "Bibliotheek Neude, zaal 2; ingang Lijnmarkt".into();
    it.description = "Neem je eigen papier mee, en een schaar;\nkoffie staat klaar.".into();
    let got = parse(
        dir.path(),
        "update.ics",
        &item_ics(&it, IcsKind::Publish, 1, domain, stamp),
    );
    check(&got, &it, "PUBLISH", 1, None);

    // Cancel.
    it.cancelled = true;
    let got = parse(
        dir.path(),
        "cancel.ics",
        &item_ics(&it, IcsKind::Cancel, 2, domain, stamp),
    );
    check(&got, &it, "CANCEL", 2, Some("CANCELLED"));

    // A long Dutch title with diacritics, typographic quotes and `,;\`, and
    // a line break; no end time.
    let long = item(
        "naaicafe-oktober",
        "Naaicafé ‘Coöperatie’: reünie, café; één avond… met Zoë, Chloë & \
         Daniël — patronen, naaimachines; backslash \\ en\nnog een regel over \
         geïmproviseerde, kleurrijke quilts",
        "2026-10-25T08:00:00Z",
        None,
        "Buurthuis ’t Hoekje, Oudegracht 12; achterzaal",
    );
    let ics = item_ics(&long, IcsKind::Publish, 0, domain, stamp);
    assert!(
        ics.lines().filter(|l| l.starts_with(' ')).count() >= 2,
        "{ics}"
    );
    let got = parse(dir.path(), "long.ics", &ics);
    check(&got, &long, "PUBLISH", 0, None);
}

/// A whole-day meeting of two days is two dates in the calendar, the end
/// exclusive (RFC 5545): 10 and 11 June become DTSTART 10 June, DTEND 12 June.
#[test]
fn a_whole_day_meeting_is_dates_in_the_calendar() {
    let dir = tempfile::tempdir().expect("tempdir");
    let org = Organizer {
        name: "Werkplaats".into(),
        email: "agenda@werkplaats.example.nl".into(),
        tz: chrono_tz::Europe::Amsterdam,
    };
    let mut it = item(
        "platformdag-2026",
        "Platformdag",
        // Local midnight of 10 and 11 June in Amsterdam (summer time).
        "2026-06-09T22:00:00Z",
        Some("2026-06-10T22:00:00Z"),
        "Tivoli Vredenburg",
    );
    it.all_day = chrono::NaiveTime::from_hms_opt(9, 0, 0);
    let ics = item_ics(&it, IcsKind::Publish, 0, &org, utc("2026-05-20T06:45:00Z"));
    assert!(ics.contains("DTSTART;VALUE=DATE:20260610\r\n"), "{ics}");
    let got = parse(dir.path(), "whole-day.ics", &ics);
    assert_eq!(got["DTSTART"], "date:2026-06-10", "{got}");
    assert_eq!(got["DTEND"], "date:2026-06-12", "{got}");
}
