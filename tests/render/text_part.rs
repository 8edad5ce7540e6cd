//! The `text/plain` part, for readers whose mail program shows no HTML: links
//! written out as `text <url>`, headings kept, lines short enough to read,
//! and the footer links a reader needs to change or stop the mail.

use crate::support;

const WIDTH: usize = 76;

/// Lines a reader sees wrapped or ragged: longer than 76 characters although
/// they could be broken, or a list marker left alone on its line.
fn badly_wrapped(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|line| {
            let content = line.trim_start();
            let marker = content.starts_with("- ")
                || content
                    .split_once(". ")
                    .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
            let words = if marker {
                content.split_once(' ').map_or("", |(_, rest)| rest)
            } else {
                content
            };
            let unbreakable = !words.trim().contains(' ');
            let lone_marker = content == "-"
                || content
                    .strip_suffix('.')
                    .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
            lone_marker || (line.chars().count() > WIDTH && !unbreakable)
        })
        .collect()
}

/// The text with line breaks undone, to find phrases that were wrapped.
fn flowing(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

const ISSUE_WITH_LINKS: &str = "---
subject: Platformnieuws december 2026
---
Beste {{ subscriber.name }},

Lees [het verslag van de themabijeenkomst](https://kus.example.nl/verslag) of kijk op <https://kus.example.nl/agenda>.

## Documenten {workshops=arbeid-en-inclusie}

### Voor buurtteams

- [Handreiking activering](https://kus.example.nl/documenten/handreiking-activering-buurtteams.pdf), nieuw
- <https://kus.example.nl/documenten/een/heel/lang/adres/dat/op/geen/enkele/regel/past/verslag-2026.pdf>

## Een kop die zo lang is dat een mailprogramma zonder HTML hem over twee regels moet zetten

Meer op [de website](https://kus.example.nl/).
";

#[test]
fn links_are_written_out_after_their_text() {
    let config = support::config();
    let (_dir, path) = support::issue_file("2026-12-platformnieuws.md", ISSUE_WITH_LINKS);
    let r = support::parse(&config, &path).expect("the issue parses");
    let variant = r.variant(&r.issue.full_key()).expect("compiles");
    let (html, text) = variant.personalise(&support::anouk());
    let flow = flowing(&text);
    for phrase in [
        "Lees het verslag van de themabijeenkomst <https://kus.example.nl/verslag> of",
        // A bare address is written once, not as `url <url>`.
        "kijk op https://kus.example.nl/agenda.",
        "- Handreiking activering <https://kus.example.nl/documenten/handreiking-activering-buurtteams.pdf>, nieuw",
        "Meer op de website <https://kus.example.nl/>.",
    ] {
        assert!(flow.contains(phrase), "{phrase:?} missing from:\n{text}");
    }
    assert!(
        support::links(&html).contains(&(
            "https://kus.example.nl/verslag".into(),
            "het verslag van de themabijeenkomst".into()
        )),
        "the HTML part links the same text"
    );
    assert_eq!(
        support::text_headings(&text),
        [
            "Documenten",
            "Een kop die zo lang is dat een mailprogramma zonder HTML hem over twee regels moet zetten"
        ]
    );
    assert!(text.contains("\n### Voor buurtteams\n"), "{text}");
    assert_eq!(badly_wrapped(&text), Vec::<&str>::new(), "in:\n{text}");
}

#[test]
fn sample_issues_read_well_without_html() {
    let config = support::config();
    for slug in support::ISSUES {
        let r = support::sample(&config, slug);
        let (_, text) = r
            .variant(&r.issue.full_key())
            .expect("compiles")
            .personalise(&support::anouk());
        assert_eq!(badly_wrapped(&text), Vec::<&str>::new(), "{slug}");
        let subheadings = text.lines().filter(|l| l.starts_with("### ")).count();
        assert!(
            subheadings > 0 || slug == "2017-10-platformnieuws",
            "{slug}: ### subheadings are kept"
        );
    }
}

#[test]
fn text_part_ends_with_preferences_unsubscribe_and_online_links() {
    let config = support::config();
    let r = support::sample(&config, "2017-07-platformnieuws");
    let key = r
        .issue
        .variant_key(&support::follows(&["arbeid-en-inclusie"], &[]));
    let (_, text) = r
        .variant(&key)
        .expect("compiles")
        .personalise(&support::anouk());
    assert!(
        text.ends_with(
            "\n----\nkennisplatform Utrecht Sociaal\n\
             Voorkeuren aanpassen: https://nieuws.example/preferences/TOKEN-ANOUK\n\
             Afmelden: https://nieuws.example/unsubscribe/TOKEN-ANOUK\n\
             Online lezen: https://nieuws.example/archive/platformnieuws\n"
        ),
        "footer:\n{}",
        &text[text.len().saturating_sub(400)..]
    );
}
