use super::*;
use crate::newsletters::IssueName;
use crate::newsletters::parse::{ParseContext, parse_issue};
use std::path::Path;

fn ams() -> Tz {
    "Europe/Amsterdam".parse().expect("tz")
}

fn ctx() -> ParseContext {
    let seg = |s: &str| crate::domain::segments::Segment {
        slug: crate::domain::slug::Slug::parse(s).expect("slug"),
        name: s.into(),
    };
    ParseContext {
        tz: ams(),
        catalogue: crate::domain::segments::Catalogue {
            workshops: vec![seg("arbeid-en-inclusie")],
            interests: vec![seg("welzijn")],
        },
        templates_dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("mjml"),
        default_offsets: ["7d", "1d"].map(|o| o.parse().expect("offset")).to_vec(),
        all_day_at: chrono::NaiveTime::from_hms_opt(9, 0, 0).expect("time"),
        language: crate::domain::language::Language::En,
    }
}

fn name() -> IssueName {
    IssueName::of(Path::new("x.md")).expect("issue name")
}

fn file(front: &str) -> String {
    format!("---\nsubject: Nieuws\n{front}---\nHallo\n")
}

/// `line:col` of the `nth` (0-based) `needle` in `text`.
fn pos(text: &str, needle: &str, nth: usize) -> String {
    let at = text.match_indices(needle).nth(nth).expect("in fixture").0;
    let line_start = text[..at].rfind('\n').map_or(0, |p| p + 1);
    let line = text[..at].matches('\n').count() + 1;
    format!("{line}:{}", text[line_start..at].chars().count() + 1)
}

/// Every error as `line:col: message`.
fn errors(text: &str) -> Vec<String> {
    match parse_issue(&name(), text, &ctx()) {
        Ok(_) => Vec::new(),
        Err(ds) => ds
            .iter()
            .map(|d| format!("{}:{}: {}", d.line, d.col, d.message))
            .collect(),
    }
}

/// Asserts exactly these (needle, nth, words) errors, in this order.
fn assert_errors(text: &str, expected: &[(&str, usize, &str)]) {
    let got = errors(text);
    assert_eq!(got.len(), expected.len(), "{got:#?}");
    for (line, (needle, nth, says)) in got.iter().zip(expected) {
        let at = format!("{}: ", pos(text, needle, *nth));
        assert!(
            line.starts_with(&at) && line.contains(says),
            "expected {at}…{says}… got {line}"
        );
    }
}

#[test]
fn an_item_without_start_is_pointed_at_its_title_or_its_dash() {
    let text = file(
        "agenda:\n  - title: Zonder begin\n    location: Utrecht\n  - title: Met begin\n    start: 2030-02-01 10:00\n",
    );
    assert_errors(
        &text,
        &[(
            "title: Zonder",
            0,
            "agenda item \"Zonder begin\" has no start: add `start: YYYY-MM-DD HH:MM`",
        )],
    );
    let text = file("agenda:\n  - location: Utrecht\n  - title: B\n    start: 2030-02-01 10:00\n");
    assert_errors(
        &text,
        &[
            ("- location", 0, "agenda item without title"),
            ("- location", 0, "agenda item has no start"),
        ],
    );
}

#[test]
fn end_before_start_points_at_end() {
    let text =
        file("agenda:\n  - title: A\n    start: 2030-02-01 10:00\n    end: 2030-02-01 09:00\n");
    assert_errors(
        &text,
        &[(
            "2030-02-01 09:00",
            0,
            "end (2030-02-01 09:00) lies before start (2030-02-01 10:00)",
        )],
    );
}

#[test]
fn unknown_slugs_say_where_the_known_ones_are() {
    let text = file(
        "agenda:\n  - title: A\n    start: 2030-02-01 10:00\n    workshop: onbekend\n    interests: [welzijn, geen-thema]\n",
    );
    assert_errors(
        &text,
        &[
            ("onbekend", 0, "choose from: arbeid-en-inclusie"),
            ("geen-thema", 0, "choose from: welzijn"),
        ],
    );
}

#[test]
fn unreadable_reminders_are_pointed_at_one_by_one() {
    let text = file(
        "agenda:\n  - title: A\n    start: 2030-02-01 10:00\n    reminders: [7 dagen, 0d, -1d, 1w, \"\"]\n  - title: B\n    start: 2030-02-02 10:00\n    reminders:\n      - 1d\n      - 2 uur\n  - title: C\n    start: 2030-02-03 10:00\n    reminders:\n",
    );
    assert_errors(
        &text,
        &[
            (
                "7 dagen",
                0,
                "\"7 dagen\" is not an offset: write a number and d, h or m",
            ),
            (
                "0d",
                0,
                "\"0d\" is not an offset: a reminder goes out before the start",
            ),
            ("-1d", 0, "\"-1d\" is not an offset"),
            ("1w", 0, "weeks are not a unit"),
            ("\"\"", 0, "reminders: \"\" is not an offset"),
            ("2 uur", 0, "\"2 uur\" is not an offset"),
            ("reminders:", 2, "reminders has no value"),
        ],
    );
}

#[test]
fn unreadable_start_and_end_are_pointed_at() {
    let text = file("agenda:\n  - title: A\n    start: morgen\n    end: 2030-02-30 10:00\n");
    assert_errors(
        &text,
        &[
            ("morgen", 0, "start: \"morgen\" is not a date and time"),
            (
                "2030-02-30",
                0,
                "end: \"2030-02-30 10:00\" is not a date and time",
            ),
        ],
    );
}

#[test]
fn ids_must_be_slugs_and_unique() {
    let text = file(
        "agenda:\n  - id: Niet Slug\n    title: A\n    start: 2030-02-01 10:00\n  - id: dubbel\n    title: B\n    start: 2030-02-01 10:00\n  - id: dubbel\n    title: C\n    start: 2030-02-01 10:00\n  - title: D\n    start: 2030-02-05 10:00\n  - title: D\n    start: 2030-02-05 14:00\n",
    );
    assert_errors(
        &text,
        &[
            ("Niet Slug", 0, "id: \"Niet Slug\" is not a slug"),
            ("dubbel", 1, "agenda id \"dubbel\" is used twice"),
            (
                "title: D",
                1,
                "gets the id \"d-2030-02-05\" from its title and start date",
            ),
        ],
    );
}

fn at(s: &str) -> DateTime<Utc> {
    crate::domain::when::parse_time(s, ams()).expect("time")
}

/// The warnings about times as `line:col: message`, the issue being
/// valid (those about items without `id`, which all these are, apart).
fn warnings(text: &str, now: &str) -> Vec<String> {
    let issue = parse_issue(&name(), text, &ctx()).expect("valid issue");
    agenda_warnings("x.md", text, &issue, at(now), ams(), Language::En)
        .iter()
        .filter(|d| !d.message.contains("has no id"))
        .map(|d| {
            assert_eq!(d.file, "x.md");
            format!("{}:{}: {}", d.line, d.col, d.message)
        })
        .collect()
}

#[test]
fn started_early_and_too_early_reminded_items_are_warnings() {
    let text = file(concat!(
        "send_at: 2030-03-01 09:00\n",
        "agenda:\n",
        "  - title: Voorbij\n    start: 2029-12-01 10:00\n",
        "  - title: Voor verzending\n    start: 2030-02-15 10:00\n",
        "  - title: Vroege herinnering\n    start: 2030-03-05 10:00\n    reminders: [1d, 7d]\n",
        "  - title: Standaard\n    start: 2030-03-01 20:00\n",
        "  - title: Op tijd\n    start: 2030-04-01 10:00\n    reminders: [1d]\n",
        "  - title: Afgelast\n    start: 2029-12-02 10:00\n    status: cancelled\n",
    ));
    let got = warnings(&text, "2030-01-01 12:00");
    let expected = [
        (
            "2029-12-01 10:00",
            "agenda item \"Voorbij\" starts on 2029-12-01 10:00, in the past: it stays in the agenda but gets no reminders",
        ),
        (
            "2030-02-15 10:00",
            "agenda item \"Voor verzending\" starts on 2030-02-15 10:00, before the issue is sent (2030-03-01 09:00): it stays in the agenda but gets no reminders",
        ),
        (
            "7d]",
            "reminder 7d of agenda item \"Vroege herinnering\" falls before the issue is sent (2030-03-01 09:00): one reminder goes out right after the issue is sent instead",
        ),
        (
            "2030-03-01 20:00",
            "reminders 7d, 1d of agenda item \"Standaard\" fall before the issue is sent",
        ),
    ];
    assert_eq!(got.len(), expected.len(), "{got:#?}");
    for (line, (needle, says)) in got.iter().zip(expected) {
        let want = format!("{}: ", pos(&text, needle, 0));
        assert!(
            line.starts_with(&want) && line.contains(says),
            "expected {want}{says}, got {line}"
        );
    }
}

#[test]
fn a_draft_is_only_warned_about_items_in_the_past() {
    let text = file(
        "agenda:\n  - title: Voorbij\n    start: 2029-12-01 10:00\n  - title: Later\n    start: 2030-01-02 10:00\n",
    );
    let got = warnings(&text, "2030-01-01 12:00");
    assert_eq!(got.len(), 1, "{got:#?}");
    assert!(got[0].starts_with(&format!("{}: ", pos(&text, "2029-12-01", 0))));
    // At the very start, it has started.
    assert_eq!(warnings(&text, "2030-01-02 10:00").len(), 2);
}
