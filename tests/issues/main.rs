//! Editor feedback: every mistake in an issue file is reported by `postbode check`
//! and by the daemon as `file:line:col: what is wrong and what to do`; an invalid
//! issue sends nothing and does not hold up the others; editor temp files and
//! half-saved files are never taken as issues.

#[path = "../common/mod.rs"]
mod common;

use chrono::Datelike;
use common::{Postbode, SmtpServer, soon};
use std::io::Write;
use std::time::{Duration, Instant};

/// An installation for `postbode check`, which needs no mail server. These
/// tests read the English texts (`platform.language = "en"`); the Dutch
/// ones, the default, are checked by `tests/editors`.
fn installation() -> Postbode {
    english(Postbode::new("smtp://127.0.0.1:9", ""))
}

fn english(pb: Postbode) -> Postbode {
    let path = pb.path("postbode.toml");
    let cfg = std::fs::read_to_string(&path).expect("config");
    let cfg = cfg.replacen("[platform]\n", "[platform]\nlanguage = \"en\"\n", 1);
    std::fs::write(&path, cfg).expect("config");
    pb
}

/// `line:col` (1-based, columns in characters) of the first `needle` in `text`.
fn pos(text: &str, needle: &str) -> String {
    for (i, line) in text.split('\n').enumerate() {
        if let Some(b) = line.find(needle) {
            return format!("{}:{}", i + 1, line[..b].chars().count() + 1);
        }
    }
    panic!("{needle:?} is not in the fixture")
}

/// A local time two months ahead, so that a fixture stays valid whenever it runs.
fn future_local() -> String {
    (chrono::Utc::now() + chrono::Duration::days(60))
        .format("%Y-%m-%d 09:00")
        .to_string()
}

/// 02:30 on the last Sunday of March next year: the hour Europe/Amsterdam skips.
fn dst_gap() -> String {
    let year = chrono::Utc::now().year() + 1;
    let mut day = chrono::NaiveDate::from_ymd_opt(year, 3, 31).expect("date");
    while day.weekday() != chrono::Weekday::Sun {
        day = day.pred_opt().expect("date");
    }
    format!("{} 02:30", day.format("%Y-%m-%d"))
}

/// Saves `content` as `newsletters/{name}`, runs `postbode check` on it, asserts
/// exit code 1 and returns the reported lines.
fn check_fails(pb: &Postbode, name: &str, content: &str) -> Vec<String> {
    pb.write_issue(name, content);
    let (code, lines) = pb.check(&format!("newsletters/{name}"));
    assert_eq!(code, Some(1), "check must fail for {name}: {lines:?}");
    lines
}

/// Asserts one reported line starts with `newsletters/{name}:LINE:COL: ` for the
/// position of `needle` in `content` and says every one of `says`; returns its index.
fn assert_reported(
    lines: &[String],
    name: &str,
    content: &str,
    needle: &str,
    says: &[&str],
) -> usize {
    let at = format!("newsletters/{name}:{}: ", pos(content, needle));
    let index = lines
        .iter()
        .position(|l| l.starts_with(&at))
        .unwrap_or_else(|| panic!("no error at {at} in {lines:?}"));
    for s in says {
        assert!(
            lines[index].contains(s),
            "{:?} should say {s:?}",
            lines[index]
        );
    }
    index
}

/// An issue that is valid except for what a test puts in.
fn issue(front: &str, body: &str) -> String {
    format!("---\n{front}---\n{body}")
}

#[test]
fn yaml_syntax_error_points_at_the_offending_value() {
    let pb = installation();
    let text = issue(
        &format!("subject: [kapot\nsend_at: {}\n", future_local()),
        "Hallo\n",
    );
    let lines = check_fails(&pb, "kapot.md", &text);
    assert_reported(
        &lines,
        "kapot.md",
        &text,
        "[kapot",
        &["cannot be read as it is", "quotes"],
    );
}

#[test]
fn unknown_front_matter_key_is_named_with_the_keys_that_exist() {
    let pb = installation();
    let text = issue(
        &format!(
            "subjct: Platformnieuws december\nsend_at: {}\n",
            future_local()
        ),
        "Hallo\n",
    );
    let lines = check_fails(&pb, "typo.md", &text);
    assert_reported(
        &lines,
        "typo.md",
        &text,
        "subjct",
        &["subjct", "did you mean subject?"],
    );
}

#[test]
fn missing_subject_asks_for_one() {
    let pb = installation();
    let text = issue(
        &format!(
            "preheader: Terugblik themabijeenkomst\nsend_at: {}\n",
            future_local()
        ),
        "Hallo\n",
    );
    let lines = check_fails(&pb, "zonder-onderwerp.md", &text);
    // No key to point at: the error stands at the first front-matter line.
    assert_reported(
        &lines,
        "zonder-onderwerp.md",
        &text,
        "preheader",
        &["no subject", "add a line `subject: …`"],
    );
}

#[test]
fn unknown_template_names_the_missing_layout_file() {
    let pb = installation();
    let text = issue("subject: Hallo\ntemplate: nieuwsbrief\n", "Hallo\n");
    let lines = check_fails(&pb, "sjabloon.md", &text);
    assert_reported(
        &lines,
        "sjabloon.md",
        &text,
        "nieuwsbrief",
        &["unknown template \"nieuwsbrief\"", "mjml/nieuwsbrief.mjml"],
    );
}

#[test]
fn unknown_workshop_in_the_audience_is_pointed_at_in_flow_and_block_lists() {
    let pb = installation();
    let flow = issue(
        "subject: Hallo\naudience:\n  workshops: [arbeid-en-inclusie, onbekend]\n",
        "Hallo\n",
    );
    let lines = check_fails(&pb, "publiek.md", &flow);
    assert_reported(
        &lines,
        "publiek.md",
        &flow,
        "onbekend",
        &[
            "unknown workshop \"onbekend\"",
            "choose from: arbeid-en-inclusie",
        ],
    );
    let block = issue(
        "subject: Hallo\naudience:\n  workshops:\n    - arbeid-en-inclusie\n    - onbekend\n",
        "Hallo\n",
    );
    let lines = check_fails(&pb, "publiek-lijst.md", &block);
    assert_reported(
        &lines,
        "publiek-lijst.md",
        &block,
        "onbekend",
        &[
            "unknown workshop \"onbekend\"",
            "choose from: arbeid-en-inclusie",
        ],
    );
}

#[test]
fn unknown_workshop_in_a_heading_tag_is_pointed_at() {
    let pb = installation();
    let text = issue(
        "subject: Hallo\n",
        "Beste lezer,\n\n## Nieuws uit de werkplaats {workshops=onbekend}\nTekst.\n",
    );
    let lines = check_fails(&pb, "kop.md", &text);
    assert_reported(
        &lines,
        "kop.md",
        &text,
        "onbekend",
        &[
            "unknown workshop \"onbekend\"",
            "choose from: arbeid-en-inclusie",
        ],
    );
}

/// `line:col` of `needle` where it follows `before` (to pick one of several occurrences).
fn pos_after(text: &str, before: &str, needle: &str) -> String {
    let at = text.find(&format!("{before}{needle}")).expect("in fixture") + before.len();
    let line_start = text[..at].rfind('\n').map_or(0, |p| p + 1);
    format!(
        "{}:{}",
        text[..at].matches('\n').count() + 1,
        text[line_start..at].chars().count() + 1
    )
}

/// Asserts `unknown workshop "arbeid"` is reported where `arbeid` follows `before`.
fn assert_arbeid_reported_after(before: &str, text: &str) {
    let pb = installation();
    let lines = check_fails(&pb, "deel.md", text);
    let at = format!(
        "newsletters/deel.md:{}: ",
        pos_after(text, before, "arbeid")
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains(&at) && l.contains("unknown workshop \"arbeid\"")),
        "expected {at} in {lines:?}"
    );
}

// `arbeid` is the start of the valid `arbeid-en-inclusie` before it on the same
// line: the error must point at `arbeid`, not at the valid slug.

#[test]
fn an_unknown_audience_slug_inside_a_known_one_is_pointed_at_itself() {
    assert_arbeid_reported_after(
        "inclusie, ",
        &issue(
            "subject: Hallo\naudience:\n  workshops: [arbeid-en-inclusie, arbeid]\n",
            "Hallo\n",
        ),
    );
}

#[test]
fn an_unknown_heading_tag_slug_inside_a_known_one_is_pointed_at_itself() {
    assert_arbeid_reported_after(
        "inclusie,",
        &issue(
            "subject: Hallo\n",
            "Hallo\n\n## Nieuws {workshops=arbeid-en-inclusie,arbeid}\nTekst.\n",
        ),
    );
}

#[test]
fn unknown_interest_is_pointed_at_even_when_it_is_the_start_of_a_real_one() {
    let pb = installation();
    // `armoede` is not a slug, `armoede-en-schulden` is.
    let text = issue(
        "subject: Hallo\naudience:\n  interests: [armoede]\n",
        "Hallo\n",
    );
    let lines = check_fails(&pb, "thema.md", &text);
    assert_reported(
        &lines,
        "thema.md",
        &text,
        "armoede",
        &[
            "unknown interest \"armoede\"",
            "choose from: geweld-in-gezinnen",
        ],
    );
}

#[test]
fn send_at_that_is_not_a_time_shows_how_to_write_one() {
    let pb = installation();
    let text = issue("subject: Hallo\nsend_at: volgende week\n", "Hallo\n");
    let lines = check_fails(&pb, "wanneer.md", &text);
    assert_reported(
        &lines,
        "wanneer.md",
        &text,
        "volgende week",
        &["\"volgende week\" is not a date and time", "write it as"],
    );
}

#[test]
fn send_at_date_without_time_suggests_adding_one() {
    let pb = installation();
    let date = future_local()[..10].to_string();
    let text = issue(&format!("subject: Hallo\nsend_at: {date}\n"), "Hallo\n");
    let lines = check_fails(&pb, "dag.md", &text);
    assert_reported(
        &lines,
        "dag.md",
        &text,
        &date,
        &["has no time", &format!("{date} 09:00")],
    );
}

#[test]
fn send_at_in_the_skipped_summer_time_hour_is_refused() {
    let pb = installation();
    let gap = dst_gap();
    let text = issue(&format!("subject: Hallo\nsend_at: {gap}\n"), "Hallo\n");
    let lines = check_fails(&pb, "zomertijd.md", &text);
    assert_reported(
        &lines,
        "zomertijd.md",
        &text,
        &gap,
        &["does not exist in Europe/Amsterdam", "pick another time"],
    );
}

#[test]
fn unknown_merge_tag_lists_the_ones_that_exist() {
    let pb = installation();
    let text = issue(
        "subject: Hallo\n",
        "Beste {{ subscriber.name }},\n\nJe adres is {{ subscriber.email }}.\n",
    );
    let lines = check_fails(&pb, "tag.md", &text);
    assert_reported(
        &lines,
        "tag.md",
        &text,
        "{{ subscriber.email",
        &["unknown merge tag", "subscriber.name", "unsubscribe_url"],
    );
}

/// The position `s` mentions of its own, like "at 5:30", if any.
fn mentions_a_position(s: &str) -> Option<String> {
    let words: Vec<&str> = s.split_whitespace().collect();
    words.windows(2).find_map(|w| {
        let (a, b) = w[1].split_once(':')?;
        let digits = |x: &str| !x.is_empty() && x.chars().all(|c| c.is_ascii_digit());
        (w[0] == "at" && digits(a) && digits(b.trim_end_matches([',', ';', ')'])))
            .then(|| format!("{} {}", w[0], w[1]))
    })
}

#[test]
fn invalid_mjml_issue_points_at_the_unclosed_tag_in_the_file() {
    let pb = installation();
    let text = issue(
        "subject: Hallo\n",
        "<mjml>\n  <mj-body>\n    <mj-section>\n      <mj-column>\n        <mj-image src=\"https://kus.example.nl/a.png\"</mj-image>\n      </mj-column>\n    </mj-section>\n  </mj-body>\n</mjml>\n",
    );
    let lines = check_fails(&pb, "rauw.mjml", &text);
    // The start tag of mj-image is not closed with `>`: the parser stops at the `<` after it.
    assert_reported(&lines, "rauw.mjml", &text, "</mj-image>", &["invalid MJML"]);
    // The file position is the only one: a second position counted from the start
    // of the MJML body (not the file) sends the editor to the wrong line.
    for l in &lines {
        let message = l.splitn(4, ':').nth(3).unwrap_or_default();
        assert_eq!(
            mentions_a_position(message),
            None,
            "a position other than the file's in {l:?}"
        );
    }

    // A document that ends before its tags are closed: the tag left open is named
    // where it starts, with what to add.
    let open = issue(
        "subject: Hallo\n",
        "<mjml>\n  <mj-body>\n    <mj-section>\n      <mj-column>\n        <mj-text>Hallo</mj-text>\n      </mj-column>\n    </mj-section>\n  </mj-body>\n",
    );
    let lines = check_fails(&pb, "open.mjml", &open);
    let line = open.lines().position(|l| l == "<mjml>").expect("fixture") + 1;
    let at = format!("newsletters/open.mjml:{line}:1: ");
    assert!(
        lines
            .iter()
            .any(|l| l.contains(&at) && l.contains("<mjml> is never closed: add </mjml>")),
        "expected {at} in {lines:?}"
    );
}

#[test]
fn send_at_in_the_past_is_refused_with_its_position() {
    let pb = installation();
    let text = issue("subject: Hallo\nsend_at: 2020-01-02 09:00\n", "Hallo\n");
    let lines = check_fails(&pb, "verleden.md", &text);
    assert_reported(
        &lines,
        "verleden.md",
        &text,
        "2020-01-02 09:00",
        &["send_at lies in the past", "remove send_at"],
    );
}

/// A valid issue as Windows Notepad saves it: a BOM and CRLF line endings.
fn crlf_bom(text: &str) -> String {
    format!("\u{feff}{}", text.replace('\n', "\r\n"))
}

#[test]
fn crlf_line_endings_and_a_bom_are_accepted_and_errors_keep_their_position() {
    let pb = installation();
    let good = crlf_bom(&issue(
        &format!(
            "subject: Platformnieuws CRLF\nsend_at: {}\n",
            future_local()
        ),
        "Beste {{ subscriber.name }},\n\n## Werk {workshops=arbeid-en-inclusie}\nTekst.\n\n## Voor iedereen\nTekst.\n",
    ));
    pb.write_issue("crlf.md", &good);
    let out = pb.cli(&["check", "newsletters/crlf.md"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("ok: newsletters/crlf.md") && stdout.contains("\"Platformnieuws CRLF\""),
        "{stdout}"
    );
    assert!(stdout.contains("2 sections"), "{stdout}");

    let bad = crlf_bom(&issue(
        "subject: Hallo\naudience:\n  workshops: [onbekend]\n",
        "Hallo {{ subscriber.email }}\n",
    ));
    let lines = check_fails(&pb, "crlf-fout.md", &bad);
    assert_reported(
        &lines,
        "crlf-fout.md",
        &bad,
        "onbekend",
        &["unknown workshop"],
    );
    assert_reported(
        &lines,
        "crlf-fout.md",
        &bad,
        "{{ subscriber.email",
        &["unknown merge tag"],
    );
}

#[test]
fn several_errors_in_one_file_are_all_reported_in_file_order() {
    let pb = installation();
    let text = issue(
        &format!(
            "subject:\nsend_at: {}\ntemplate: nieuwsbrief\naudience:\n  workshops: [onbekend]\n",
            dst_gap()
        ),
        "Hallo {{ subscriber.email }}\n\n## Nieuws {interests=geen-thema}\nTekst.\n",
    );
    let lines = check_fails(&pb, "veel-fouten.md", &text);
    let gap = dst_gap();
    let expected = [
        ("subject:", "no subject"),
        (gap.as_str(), "does not exist"),
        ("nieuwsbrief", "unknown template"),
        ("onbekend", "unknown workshop"),
        ("{{ subscriber.email", "unknown merge tag"),
        ("geen-thema", "unknown interest"),
    ];
    let order: Vec<usize> = expected
        .iter()
        .map(|(needle, says)| assert_reported(&lines, "veel-fouten.md", &text, needle, &[says]))
        .collect();
    assert!(order.is_sorted(), "not in file order: {lines:?}");
    assert_eq!(lines.len(), expected.len(), "{lines:?}");
}

/// A date `days` from today, as `YYYY-MM-DD`.
fn day(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

#[test]
fn every_agenda_mistake_is_reported_at_once_with_its_position() {
    let pb = installation();
    let y = chrono::Utc::now().year() + 1;
    let text = issue(
        &format!(
            "subject: Agenda vol fouten\nsend_at: {}\nagenda:\n\
             \x20 - title: Zonder begin\n    location: Utrecht\n\
             \x20 - title: Eind voor begin\n    start: {y}-09-21 13:30\n    end: {y}-09-21 12:00\n\
             \x20 - title: Onbekende werkplaats\n    start: {y}-09-22 13:30\n    workshop: onbekend\n    interests: [welzijn, geen-thema]\n\
             \x20 - title: Rare herinneringen\n    start: {y}-09-23 13:30\n    reminders: [7 dagen, 0d, -1d, 1w, \"\"]\n\
             \x20 - title: Onleesbaar\n    start: morgen\n    end: {y}-09-31 10:00\n\
             \x20 - id: Geen Slug\n    title: Verkeerde id\n    start: {y}-09-24 13:30\n\
             \x20 - id: dubbel\n    title: Eerste\n    start: {y}-09-25 13:30\n\
             \x20 - id: dubbel\n    title: Tweede\n    start: {y}-09-26 13:30\n",
            future_local()
        ),
        "Hallo\n",
    );
    let lines = check_fails(&pb, "agenda-fouten.md", &text);
    let expected = [
        (
            pos(&text, "title: Zonder begin"),
            "has no start: add `start: YYYY-MM-DD HH:MM`",
        ),
        (pos(&text, &format!("{y}-09-21 12:00")), "end ("),
        (
            pos(&text, "onbekend"),
            "unknown workshop \"onbekend\"; choose from: arbeid-en-inclusie",
        ),
        (pos(&text, "geen-thema"), "unknown interest \"geen-thema\""),
        (pos(&text, "7 dagen"), "\"7 dagen\" is not an offset"),
        (pos_after(&text, "dagen, ", "0d"), "\"0d\" is not an offset"),
        (pos(&text, "-1d"), "\"-1d\" is not an offset"),
        (pos(&text, "1w"), "weeks are not a unit"),
        (pos(&text, "\"\"]"), "reminders: \"\" is not an offset"),
        (
            pos(&text, "morgen"),
            "start: \"morgen\" is not a date and time",
        ),
        (pos(&text, &format!("{y}-09-31")), "is not a date and time"),
        (pos(&text, "Geen Slug"), "id: \"Geen Slug\" is not a slug"),
        (
            pos_after(&text, "- id: ", "dubbel\n    title: Tweede"),
            "agenda id \"dubbel\" is used twice",
        ),
    ];
    for (i, (at, says)) in expected.iter().enumerate() {
        let want = format!("newsletters/agenda-fouten.md:{at}: ");
        assert!(
            lines
                .get(i)
                .is_some_and(|l| l.starts_with(&want) && l.contains(says)),
            "error {i}: expected {want}…{says}… in {lines:#?}"
        );
    }
    assert_eq!(lines.len(), expected.len(), "{lines:#?}");
    assert!(
        lines[1].contains(&format!("lies before start ({y}-09-21 13:30)")),
        "{}",
        lines[1]
    );
}

#[test]
fn agenda_items_without_reminders_are_warnings_and_the_issue_passes() {
    let pb = installation();
    let send = day(60);
    let text = issue(
        &format!(
            "subject: Agenda met waarschuwingen\nsend_at: {send} 09:00\nagenda:\n\
             \x20 - title: Al geweest\n    start: 2020-03-01 10:00\n\
             \x20 - title: Voor het nummer\n    start: {} 10:00\n\
             \x20 - title: Vroeg herinnerd\n    start: {} 10:00\n    reminders: [7d, 1d]\n\
             \x20 - title: Ruim op tijd\n    start: {} 10:00\n",
            day(30),
            day(63),
            day(120)
        ),
        "Hallo\n",
    );
    pb.write_issue("waarschuwing.md", &text);
    let out = pb.cli(&["check", "newsletters/waarschuwing.md"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "warnings must not fail check: {stdout}{stderr}"
    );
    assert!(
        stdout.contains("ok: newsletters/waarschuwing.md"),
        "{stdout}"
    );
    // Items without `id` are warned about too; that warning has its own test.
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.contains("has no id") && !l.contains("no preview text"))
        .collect();
    let expected = [
        (
            pos(&text, "2020-03-01 10:00"),
            "agenda item \"Al geweest\" starts on 2020-03-01 10:00, in the past: it stays in the agenda but gets no reminders".to_string(),
        ),
        (
            pos(&text, &format!("{} 10:00", day(30))),
            format!(
                "agenda item \"Voor het nummer\" starts on {} 10:00, before the issue is sent ({send} 09:00): it stays in the agenda but gets no reminders",
                day(30)
            ),
        ),
        (
            pos(&text, "7d, 1d"),
            format!(
                "reminder 7d of agenda item \"Vroeg herinnerd\" falls before the issue is sent ({send} 09:00): one reminder goes out right after the issue is sent instead"
            ),
        ),
    ];
    assert_eq!(lines.len(), expected.len(), "{stderr}");
    for (line, (at, says)) in lines.iter().zip(&expected) {
        assert_eq!(
            *line,
            format!("newsletters/waarschuwing.md:{at}: warning: {says}")
        );
    }
}

// ---- through the daemon ----

const SUBSCRIBERS: &[(&str, &[&str], &[&str])] = &[
    ("werk@example.nl", &["arbeid-en-inclusie"], &[]),
    ("welzijn@example.nl", &[], &["welzijn"]),
    ("lezer@example.nl", &[], &[]),
];

fn daemon(smtp: &SmtpServer) -> Postbode {
    let mut pb = english(Postbode::new(&smtp.url(), ""));
    for (email, w, i) in SUBSCRIBERS {
        pb.add(email, "", w, i);
    }
    pb.serve();
    pb
}

/// The `errors` of an issue in `status --json`.
fn errors_of(pb: &Postbode, slug: &str) -> Vec<String> {
    pb.issue_status(slug).expect("issue in status")["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e.as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn broken_files_show_as_invalid_send_nothing_and_the_valid_issue_beside_them_goes_out() {
    let smtp = SmtpServer::start(&[]);
    let pb = daemon(&smtp);
    let at = soon(4);
    let gap = dst_gap();
    let broken = [
        (
            "kapot.md",
            issue(
                &format!("subject: [kapot\nsend_at: {at}\n"),
                "Kapot nummer\n",
            ),
            "[kapot",
            "cannot be read as it is",
        ),
        (
            "kop.md",
            issue(
                &format!("subject: Kop met verkeerde werkplaats\nsend_at: {at}\n"),
                "Hallo\n\n## Nieuws {workshops=onbekend}\nTekst.\n",
            ),
            "onbekend",
            "unknown workshop \"onbekend\"",
        ),
        (
            "zomertijd.md",
            issue(&format!("subject: Zomertijd\nsend_at: {gap}\n"), "Hallo\n"),
            gap.as_str(),
            "does not exist in Europe/Amsterdam",
        ),
        (
            "verleden.md",
            issue("subject: Verleden\nsend_at: 2020-01-02 09:00\n", "Hallo\n"),
            "2020-01-02",
            "send_at lies in the past",
        ),
        (
            "rauw.mjml",
            issue(
                &format!("subject: Rauwe MJML\nsend_at: {at}\n"),
                "<mjml>\n  <mj-body>\n    <mj-section>\n      <mj-column>\n        <mj-image src=\"https://kus.example.nl/a.png\"</mj-image>\n      </mj-column>\n    </mj-section>\n  </mj-body>\n</mjml>\n",
            ),
            "</mj-image>",
            "invalid MJML",
        ),
    ];
    for (name, text, _, _) in &broken {
        pb.drop_issue(name, text);
    }
    pb.drop_issue(
        "goed.md",
        &issue(
            &format!("subject: Het goede nummer\nsend_at: {at}\n"),
            "Voor iedereen.\n",
        ),
    );

    let done = pb.wait_issue("goed", "sent", 30);
    assert_eq!(done["deliveries"]["sent"], 3, "{done}");
    assert_eq!(
        smtp.recipients_of("Het goede nummer"),
        ["lezer@example.nl", "welzijn@example.nl", "werk@example.nl"]
    );
    for (name, text, needle, says) in &broken {
        let slug = name.split('.').next().expect("slug");
        let issue = pb.issue_status(slug).expect("broken issue in status");
        assert_eq!(issue["status"], "invalid", "{issue}");
        let at = format!("newsletters/{name}:{}: ", pos(text, needle));
        let errors = errors_of(&pb, slug);
        assert!(
            errors.iter().any(|e| e.contains(&at) && e.contains(says)),
            "{slug}: expected {at}… {says:?} in {errors:?}"
        );
    }
    // Past the send_at of every broken issue: still only the good one arrived.
    std::thread::sleep(Duration::from_secs(1));
    let subjects: Vec<String> = smtp.messages().iter().map(|m| m.subject()).collect();
    assert_eq!(subjects.len(), 3, "{subjects:?}");
    assert!(
        subjects.iter().all(|s| s == "Het goede nummer"),
        "{subjects:?}"
    );
}

#[test]
fn an_issue_saved_with_crlf_and_a_bom_is_sent_normally() {
    let smtp = SmtpServer::start(&[]);
    let pb = daemon(&smtp);
    pb.drop_issue(
        "windows.md",
        &crlf_bom(&issue(
            &format!("subject: Opgeslagen op Windows\nsend_at: {}\n", soon(4)),
            "Beste {{ subscriber.name }},\n\nWelkom.\n\n## Werkplaats {workshops=arbeid-en-inclusie}\nAlleen voor de werkplaats.\n\n## Algemeen\nVoor iedereen.\n",
        )),
    );
    let done = pb.wait_issue("windows", "sent", 30);
    assert_eq!(done["deliveries"]["sent"], 3, "{done}");
    let got = smtp.with_subject("Opgeslagen op Windows");
    assert_eq!(got.len(), 3);
    for m in &got {
        let text = m.text();
        assert!(text.contains("Beste lezer,"), "{text}");
        assert!(text.contains("Voor iedereen."), "{text}");
        assert!(
            !text.contains("send_at") && !text.contains('\u{feff}'),
            "front matter or BOM leaked into the mail: {text}"
        );
        let werk = m.rcpt == "werk@example.nl";
        assert_eq!(
            m.html().contains("Alleen voor de werkplaats."),
            werk,
            "{}",
            m.rcpt
        );
    }
}

#[test]
fn editor_temp_and_backup_files_are_never_taken() {
    let smtp = SmtpServer::start(&[]);
    let pb = daemon(&smtp);
    let at = soon(4);
    let names = [
        ".x.md",
        "_concept.md",
        "~$x.md",
        "x.md.swp",
        "x.tmp",
        "#x.md#",
        ".#x.md",
        "x.md~",
    ];
    for (i, name) in names.iter().enumerate() {
        pb.write_issue(
            name,
            &issue(
                &format!("subject: Tijdelijk {i}\nsend_at: {at}\n"),
                "Hallo\n",
            ),
        );
    }
    pb.write_issue(
        "echt.md",
        &issue(&format!("subject: Echt\nsend_at: {at}\n"), "Hallo\n"),
    );
    pb.wait_issue("echt", "sent", 30);
    std::thread::sleep(Duration::from_millis(1500));
    let status = pb.status_json();
    let slugs: Vec<&str> = status["issues"]
        .as_array()
        .expect("issues")
        .iter()
        .filter_map(|i| i["slug"].as_str())
        .collect();
    assert_eq!(slugs, ["echt"]);
    let subjects: Vec<String> = smtp.messages().iter().map(|m| m.subject()).collect();
    assert_eq!(subjects, ["Echt", "Echt", "Echt"]);
    let log = pb.log();
    for name in names {
        assert!(
            !log.lines()
                .any(|l| l.contains(name) && (l.contains("WARN") || l.contains("ERROR"))),
            "the daemon complained about {name}:\n{log}"
        );
    }
}

#[test]
fn a_file_written_in_two_steps_is_taken_only_when_complete() {
    let smtp = SmtpServer::start(&[]);
    let pb = daemon(&smtp);
    let text = issue(
        &format!("subject: In twee keer\nsend_at: {}\n", soon(4)),
        "Het begin.\n\n## Het einde\nDe laatste regel.\n",
    );
    let (first, rest) = text.split_at(text.find("send_at").expect("send_at"));
    let mut f = std::fs::File::create(pb.path("newsletters/twee-stappen.md")).expect("create");
    f.write_all(first.as_bytes()).expect("write");
    f.flush().expect("flush");
    std::thread::sleep(Duration::from_millis(100));
    f.write_all(rest.as_bytes()).expect("write");
    drop(f);

    let end = Instant::now() + Duration::from_secs(30);
    loop {
        let s = pb.issue_status("twee-stappen");
        if let Some(s) = &s {
            assert_ne!(s["status"], "invalid", "a half-written file was taken: {s}");
            if s["status"] == "sent" {
                break;
            }
        }
        assert!(Instant::now() < end, "not sent: {s:?}\n{}", pb.log());
        std::thread::sleep(Duration::from_millis(30));
    }
    let got = smtp.with_subject("In twee keer");
    assert_eq!(got.len(), 3);
    assert!(got.iter().all(|m| m.text().contains("De laatste regel.")));
    let log = pb.log();
    assert!(
        !log.lines()
            .any(|l| l.contains("twee-stappen") && (l.contains("WARN") || l.contains("ERROR"))),
        "an error was logged for the half-written file:\n{log}"
    );
}

#[test]
fn an_issue_with_a_past_agenda_item_is_taken_as_valid_and_status_shows_the_warning() {
    let smtp = SmtpServer::start(&[]);
    let pb = daemon(&smtp);
    let text = issue(
        &format!(
            "subject: Met een oude bijeenkomst\nsend_at: {}\nagenda:\n  - id: terugblik\n    title: Terugblik\n    start: 2020-03-01 10:00\n  - id: vooruitblik\n    title: Vooruitblik\n    start: {} 13:30\n",
            future_local(),
            day(90)
        ),
        "Hallo\n",
    );
    pb.drop_issue("oud-agendapunt.md", &text);
    let got = pb.wait_issue_until("oud-agendapunt", 30, "scheduled, with a warning", |i| {
        i["status"] == "scheduled" && i["warning"].as_str().is_some_and(|w| !w.is_empty())
    });
    assert_eq!(got["errors"].as_array().map(Vec::len), Some(0), "{got}");
    let want = format!(
        "newsletters/oud-agendapunt.md:{}: agenda item \"Terugblik\" starts on 2020-03-01 10:00, in the past: it stays in the agenda but gets no reminders",
        pos(&text, "2020-03-01")
    );
    // The daemon names files as it found them (`./newsletters/…`).
    let warning = got["warning"].as_str().unwrap_or_default();
    assert_eq!(warning.trim_start_matches("./"), want, "{got}");
    let status = pb.ok(&["status"]);
    assert!(
        status.contains(&format!("    warning: {warning}\n")),
        "{status}"
    );
}
