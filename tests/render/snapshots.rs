//! Each sample issue as two readers get it: the full issue (proofs, archive)
//! and Anouk, who follows the workshop Arbeid en Inclusie and the theme
//! Welzijn. Explicit checks come first, so a failure names what a reader would
//! miss; the snapshots then catch every other change in the mail.

use postbode::render::IssueRenderer;

use crate::support::{self, SectionSpec};

const ANOUK_WORKSHOPS: &[&str] = &["arbeid-en-inclusie"];
const ANOUK_INTERESTS: &[&str] = &["welzijn"];

/// Agenda dates as the sample files give them, written the Dutch way.
fn agenda_dates(slug: &str) -> &'static [&'static str] {
    match slug {
        "2017-07-platformnieuws" => &[
            "donderdag 21 september 2017, 13:30–17:00",
            "dinsdag 10 oktober 2017, 13:30–17:00",
            "donderdag 9 november 2017, 13:30–17:00",
        ],
        "2017-10-platformnieuws" => &[],
        "2018-03-platformnieuws" => &[
            "dinsdag 10 april 2018, 13:30–17:00",
            "woensdag 11 april 2018, 13:30–17:00",
            "donderdag 12 april 2018, 13:30–17:00",
            "donderdag 14 juni 2018, 13:30–17:00",
            "donderdag 20 september 2018, 13:30–17:00",
            // After the switch to winter time: still 13:30 local.
            "dinsdag 30 oktober 2018, 13:30–17:00",
        ],
        other => panic!("no agenda dates for {other}"),
    }
}

/// mrml writes long lines; one tag per line keeps a snapshot diff readable.
/// Only line breaks between tags are added, so any real change still shows.
fn readable(html: &str) -> String {
    html.replace("><", ">\n<")
}

fn check_and_snapshot(slug: &str) {
    let config = support::config();
    let r = support::sample(&config, slug);
    let specs = support::section_specs(slug);

    let full = r
        .variant(&r.issue.full_key())
        .expect("full variant compiles");
    let (html, text) = full.personalise(&support::anouk());
    let every: Vec<&SectionSpec> = specs.iter().collect();
    check_reader_sees(slug, &r, &every, &html, &text);
    insta::assert_snapshot!(format!("{slug}-full-html"), readable(&html));
    insta::assert_snapshot!(format!("{slug}-full-text"), text);

    let anouk = support::follows(ANOUK_WORKSHOPS, ANOUK_INTERESTS);
    let variant = r
        .variant(&r.issue.variant_key(&anouk))
        .expect("Anouk's variant compiles");
    let (html, text) = variant.personalise(&support::anouk());
    let hers: Vec<&SectionSpec> = specs
        .iter()
        .filter(|s| s.goes_to(ANOUK_WORKSHOPS, ANOUK_INTERESTS))
        .collect();
    check_reader_sees(slug, &r, &hers, &html, &text);
    insta::assert_snapshot!(format!("{slug}-anouk-html"), readable(&html));
    insta::assert_snapshot!(format!("{slug}-anouk-text"), text);
}

/// What a reader notices: the right sections in order, her name, working
/// links, Dutch agenda dates, and no template debris.
fn check_reader_sees(
    slug: &str,
    r: &IssueRenderer,
    sections: &[&SectionSpec],
    html: &str,
    text: &str,
) {
    let dates = agenda_dates(slug);
    let mut headings: Vec<String> = sections.iter().map(|s| s.title.clone()).collect();
    if !dates.is_empty() {
        headings.push("Agenda".into());
    }
    assert_eq!(
        support::elements(html, "h2"),
        headings,
        "{slug}: section headings in the HTML"
    );
    assert_eq!(
        support::text_headings(text),
        headings,
        "{slug}: section headings in the text part"
    );

    let seen = support::visible(html);
    let subject = &r.issue.subject;
    assert_eq!(support::elements(html, "h1"), [subject.as_str()], "{slug}");
    assert_eq!(
        support::elements(html, "title"),
        [subject.as_str()],
        "{slug}"
    );
    assert!(
        text.starts_with(&format!("{subject}\n")),
        "{slug}: {text:.80}"
    );
    assert!(
        seen.contains(&r.issue.preheader),
        "{slug}: the preheader is the inbox preview"
    );
    assert!(seen.contains("Beste Anouk d'Hondt,"), "{slug}: greeting");
    assert!(text.contains("Beste Anouk d'Hondt,"), "{slug}: greeting");
    for date in dates {
        assert!(seen.contains(date), "{slug}: agenda date {date:?} in HTML");
        assert!(
            text.replace('\n', " ").replace("  ", " ").contains(date),
            "{slug}: agenda date {date:?} in text"
        );
    }

    let links = support::links(html);
    for (label, url) in [
        (
            "Voorkeuren aanpassen",
            "https://nieuws.example/preferences/TOKEN-ANOUK",
        ),
        ("Afmelden", "https://nieuws.example/unsubscribe/TOKEN-ANOUK"),
        (
            "Bekijk in je browser",
            "https://nieuws.example/archive/platformnieuws",
        ),
    ] {
        assert!(
            links.iter().any(|(h, t)| h == url && t == label),
            "{slug}: link {label:?} to {url} in {links:?}"
        );
    }
    for (part, body) in [("html", html), ("text", text)] {
        assert!(!body.contains("{{"), "{slug}: unfilled merge tag in {part}");
        assert!(!body.contains("}}"), "{slug}: unfilled merge tag in {part}");
    }
    for tag in html
        .split('<')
        .skip(1)
        .map(|t| t.split('>').next().unwrap_or(""))
    {
        assert!(
            !tag.contains('\\'),
            "{slug}: escaped characters written into a tag: <{tag}>"
        );
    }
}

#[test]
fn july_2017_full_issue_and_anouks_issue() {
    check_and_snapshot("2017-07-platformnieuws");
}

#[test]
fn october_2017_full_issue_and_anouks_issue() {
    check_and_snapshot("2017-10-platformnieuws");
}

#[test]
fn march_2018_full_issue_and_anouks_issue() {
    check_and_snapshot("2018-03-platformnieuws");
}

#[test]
fn anouk_gets_her_workshop_sections_and_not_the_others() {
    // The same rule as above, spelled out for one issue a reader can check by eye.
    let config = support::config();
    let r = support::sample(&config, "2017-07-platformnieuws");
    let key = r
        .issue
        .variant_key(&support::follows(ANOUK_WORKSHOPS, ANOUK_INTERESTS));
    let (_, text) = r
        .variant(&key)
        .expect("compiles")
        .personalise(&support::anouk());
    let headings = support::text_headings(&text);
    for wanted in [
        "Kick-off werkplaats Arbeid en Inclusie",
        "Vakkundig aan het Werk",
        "Goed voorbeeld gemeente Vianen: Welzijn op recept",
        "Samen Wijzer Servicepunt",
    ] {
        assert!(
            headings.iter().any(|h| h == wanted),
            "{wanted} missing: {headings:?}"
        );
    }
    assert!(
        !headings.iter().any(|h| h == "Ontwikkeltafels"),
        "Ontwikkeltafels is for that workshop only: {headings:?}"
    );
}
