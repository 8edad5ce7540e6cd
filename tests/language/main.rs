//! Each subscriber reads postbode in their own language, end to end: a real
//! `postbode serve` sends one issue, its agenda reminder and the agenda
//! digest to an English and a Dutch subscriber through a real SMTP server
//! (aiosmtpd). The words around the editors' text (links, footers, labels,
//! dates) follow the reader; what the editors wrote stays as written. The
//! pages behind the mails' links speak the reader's language too.

#[path = "../common/mod.rs"]
mod common;

use chrono::{DateTime, Duration, Locale, SubsecRound, Timelike, Utc};
use common::{Postbode, Received, SmtpServer};
use std::time::Instant;

const TZ: chrono_tz::Tz = chrono_tz::Europe::Amsterdam;
const TITLE: &str = "Bijeenkomst werkplaats Arbeid en Inclusie";

/// What the editors wrote, which both readers get as written.
const WRITTEN: [&str; 3] = [
    "Nieuws van de redactie.",
    "Uit de werkplaats",
    "De werkplaats komt weer samen.",
];

/// Mark words only the HTML part has, or only the text part (whose footer
/// is a list of the links).
const HTML_ONLY: &str = "html:";
const TEXT_ONLY: &str = "text:";

/// Words around the issue a Dutch reader sees and an English one never does.
const ISSUE_NL: [&str; 6] = [
    "Voorkeuren aanpassen",
    "Afmelden",
    "text:Online lezen",
    "html:Bekijk in je browser",
    "html:Je ontvangt deze e-mail",
    "html:Wil je een herinnering",
];
const ISSUE_EN: [&str; 6] = [
    "Change your preferences",
    "Unsubscribe",
    "text:Read online",
    "html:View in your browser",
    "html:You receive this e-mail",
    "html:Would you like a reminder",
];

const REMINDER_NL: [&str; 5] = [
    "Voorkeuren aanpassen of herinneringen uitzetten",
    "Afmelden",
    "Wanneer:",
    "Je krijgt deze herinnering omdat je Werkplaats Arbeid en Inclusie volgt",
    "De agenda-uitnodiging (.ics) zit als bijlage",
];
const REMINDER_EN: [&str; 5] = [
    "Change your preferences or turn reminders off",
    "Unsubscribe",
    "When:",
    "You receive this reminder because you follow Werkplaats Arbeid en Inclusie",
    "The calendar invitation (.ics) is attached",
];

const DIGEST_NL: [&str; 5] = [
    "Beste Daan,",
    "Voorkeuren aanpassen of dit overzicht uitzetten",
    "Afmelden",
    "Wanneer:",
    "Dit staat de komende twee weken op de agenda",
];
const DIGEST_EN: [&str; 5] = [
    "Dear Emma,",
    "Change your preferences or turn this overview off",
    "Unsubscribe",
    "When:",
    "in the next two weeks",
];

fn rfc3339(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// "Thursday 21 September 2017, 13:30–17:00" and its Dutch twin, in
/// Amsterdam time; "…, 23:30 to Friday 22 September 2017 00:30" past midnight.
fn when(start: DateTime<Utc>, end: DateTime<Utc>, locale: Locale) -> String {
    let (s, e) = (start.with_timezone(&TZ), end.with_timezone(&TZ));
    let day = |t: DateTime<chrono_tz::Tz>| t.format_localized("%A %-d %B %Y", locale).to_string();
    let (from, to) = (s.format("%H:%M"), e.format("%H:%M"));
    if s.date_naive() == e.date_naive() {
        format!("{}, {from}–{to}", day(s))
    } else {
        let until = if locale == Locale::nl_NL { "tot" } else { "to" };
        format!("{}, {from} {until} {} {to}", day(s), day(e))
    }
}

/// Emma reads English, Daan Dutch; both follow the workshop, want reminders.
fn installation(smtp: &SmtpServer, extra: &str) -> Postbode {
    let pb = Postbode::new(&smtp.url(), extra);
    for (email, name, language) in [
        ("emma@example.org", "Emma", "en"),
        ("daan@example.nl", "Daan", "nl"),
    ] {
        pb.ok(&[
            "subscribers",
            "add",
            email,
            "--name",
            name,
            "--workshop",
            "arbeid-en-inclusie",
            "--reminders",
            "--language",
            language,
            "--confirmed",
            "--consent",
            "test",
        ]);
    }
    pb
}

/// Waits until `n` mails arrived whose subject `which` accepts.
fn wait_for(
    pb: &Postbode,
    smtp: &SmtpServer,
    n: usize,
    which: impl Fn(&str) -> bool,
) -> Vec<Received> {
    let end = Instant::now() + std::time::Duration::from_secs(40);
    loop {
        let got: Vec<Received> = smtp
            .messages()
            .into_iter()
            .filter(|m| which(&m.subject()))
            .collect();
        if got.len() >= n {
            return got;
        }
        assert!(
            Instant::now() < end,
            "{} of {n} mails; log:\n{}",
            got.len(),
            pb.log()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

fn one_for(mails: &[Received], rcpt: &str) -> (String, String) {
    let mine: Vec<&Received> = mails.iter().filter(|m| m.rcpt == rcpt).collect();
    assert_eq!(mine.len(), 1, "one mail for {rcpt}");
    (mine[0].text(), mine[0].html())
}

/// Both parts hold every one of `theirs` (but for those marked as in one
/// part only); neither holds any of `others`.
fn speaks(who: &str, (text, html): &(String, String), theirs: &[&str], others: &[&str]) {
    for w in theirs {
        if let Some(w) = w.strip_prefix(HTML_ONLY) {
            assert!(html.contains(w), "{who}'s HTML lacks {w:?}:\n{html}");
        } else if let Some(w) = w.strip_prefix(TEXT_ONLY) {
            assert!(text.contains(w), "{who}'s text lacks {w:?}:\n{text}");
        } else {
            assert!(text.contains(w), "{who}'s text lacks {w:?}:\n{text}");
            assert!(html.contains(w), "{who}'s HTML lacks {w:?}:\n{html}");
        }
    }
    let others = others.iter().map(|w| {
        w.trim_start_matches(HTML_ONLY)
            .trim_start_matches(TEXT_ONLY)
    });
    for w in others {
        assert!(!text.contains(w), "{who}'s text has {w:?}:\n{text}");
        assert!(!html.contains(w), "{who}'s HTML has {w:?}");
    }
}

async fn page(url: &str) -> String {
    let r = reqwest::get(url).await.expect("GET");
    assert_eq!(r.status(), 200, "{url}");
    r.text().await.expect("page")
}

#[tokio::test(flavor = "multi_thread")]
async fn an_issue_and_its_reminder_come_in_each_readers_language_around_the_same_text() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = installation(&smtp, "");
    // A meeting a good minute ahead with a reminder a minute before it.
    let start = (Utc::now() + Duration::seconds(65)).trunc_subsecs(0);
    let end = start + Duration::hours(1);
    pb.serve();
    pb.drop_issue(
        "2026-12-nieuws.md",
        &format!(
            "---\nsubject: Platformnieuws december\nsend_at: {}\nagenda:\n  - id: werkplaats\n    title: {TITLE}\n    start: {}\n    end: {}\n    location: Hogeschool Utrecht\n    workshop: arbeid-en-inclusie\n    reminders: [1m]\n---\nBeste {{{{ subscriber.name }}}},\n\nNieuws van de redactie.\n\n## Uit de werkplaats {{workshops=arbeid-en-inclusie}}\nDe werkplaats komt weer samen.\n",
            common::soon(2),
            rfc3339(start),
            rfc3339(end),
        ),
    );
    let issues = wait_for(&pb, &smtp, 2, |s| s == "Platformnieuws december");
    let (nl_when, en_when) = (
        when(start, end, Locale::nl_NL),
        when(start, end, Locale::en_GB),
    );

    let emma = one_for(&issues, "emma@example.org");
    let daan = one_for(&issues, "daan@example.nl");
    speaks("Emma", &emma, &ISSUE_EN, &ISSUE_NL);
    speaks("Daan", &daan, &ISSUE_NL, &ISSUE_EN);
    speaks("Emma", &emma, &WRITTEN, &[]);
    speaks("Daan", &daan, &WRITTEN, &[]);
    // The greeting is the editors' ("Beste"), with each reader's name.
    assert!(emma.0.contains("Beste Emma,") && daan.0.contains("Beste Daan,"));
    speaks(
        "Emma",
        &emma,
        &[en_when.as_str()],
        &[nl_when.as_str(), "(vervalt)"],
    );
    speaks("Daan", &daan, &[nl_when.as_str()], &[en_when.as_str()]);
    assert!(emma.1.contains("lang=\"en\"") && daan.1.contains("lang=\"nl\""));

    // The reminder, with the date in the subject in each reader's words.
    let reminders = wait_for(&pb, &smtp, 2, |s| s.contains(TITLE));
    let subjects: Vec<(String, String)> = reminders
        .iter()
        .map(|m| (m.rcpt.clone(), m.subject()))
        .collect();
    for (rcpt, subject) in [
        (
            "daan@example.nl",
            format!("Herinnering: {TITLE} op {nl_when}"),
        ),
        (
            "emma@example.org",
            format!("Reminder: {TITLE} on {en_when}"),
        ),
    ] {
        assert!(
            subjects.contains(&(rcpt.to_string(), subject.clone())),
            "{subject} for {rcpt} in {subjects:?}"
        );
    }
    speaks(
        "Emma",
        &one_for(&reminders, "emma@example.org"),
        &REMINDER_EN,
        &REMINDER_NL,
    );
    speaks(
        "Daan",
        &one_for(&reminders, "daan@example.nl"),
        &REMINDER_NL,
        &REMINDER_EN,
    );

    // The preference centre and the unsubscribe page behind the links.
    let link = |m: &Received, label: &str| -> String {
        m.text()
            .lines()
            .find_map(|l| l.trim().strip_prefix(label))
            .unwrap_or_else(|| panic!("no {label} line in {}", m.text()))
            .trim()
            .to_string()
    };
    let issue_of = |rcpt: &str| issues.iter().find(|m| m.rcpt == rcpt).expect("issue");
    let en = page(&link(
        issue_of("emma@example.org"),
        "Change your preferences: ",
    ))
    .await;
    assert!(
        en.contains("<html lang=\"en\"") && en.contains("Your preferences"),
        "{en}"
    );
    assert!(en.contains("value=\"Emma\""), "Emma's own page: {en}");
    for dutch in ["Je voorkeuren", "Opslaan", "Afmelden"] {
        assert!(!en.contains(dutch), "{dutch:?} on Emma's page: {en}");
    }
    let nl = page(&link(issue_of("daan@example.nl"), "Voorkeuren aanpassen: ")).await;
    assert!(
        nl.contains("<html lang=\"nl\"") && nl.contains("Je voorkeuren"),
        "{nl}"
    );
    assert!(
        !nl.contains("Your preferences") && !nl.contains(">Save<"),
        "{nl}"
    );
    let en = page(&issue_of("emma@example.org").unsubscribe_url()).await;
    assert!(
        en.contains("Press the button to stop receiving our mail."),
        "{en}"
    );
    let nl = page(&issue_of("daan@example.nl").unsubscribe_url()).await;
    assert!(
        nl.contains("Druk op de knop om geen mail meer van ons te ontvangen."),
        "{nl}"
    );
    pb.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_agenda_digest_comes_in_each_readers_language() {
    let smtp = SmtpServer::start(&[]);
    let fire = Utc::now() + Duration::seconds(9);
    let mut pb = installation(
        &smtp,
        &format!(
            "\n[schedule]\nagenda_digest = \"{} * * * * *\"\n",
            fire.second()
        ),
    );
    pb.sql("UPDATE subscribers SET digest = 1").await;
    let start = (Utc::now() + Duration::days(3)).trunc_subsecs(0);
    let end = start + Duration::hours(2);
    pb.drop_issue(
        "2026-12-nieuws.md",
        &format!(
            "---\nsubject: Platformnieuws december\nsend_at: {}\nagenda:\n  - id: werkplaats\n    title: {TITLE}\n    start: {}\n    end: {}\n    location: Hogeschool Utrecht\n    workshop: arbeid-en-inclusie\n---\nNieuws van de redactie.\n",
            common::soon(2),
            rfc3339(start),
            rfc3339(end),
        ),
    );
    pb.serve();
    pb.wait_issue("2026-12-nieuws", "sent", 20);
    let digests = wait_for(&pb, &smtp, 2, |s| s.starts_with("Agenda:"));
    let subjects: Vec<(String, String)> = digests
        .iter()
        .map(|m| (m.rcpt.clone(), m.subject()))
        .collect();
    assert!(
        subjects.contains(&(
            "emma@example.org".into(),
            "Agenda: 1 meeting in the next two weeks".into()
        )),
        "{subjects:?}"
    );
    assert!(
        subjects.contains(&(
            "daan@example.nl".into(),
            "Agenda: 1 bijeenkomst in de komende twee weken".into()
        )),
        "{subjects:?}"
    );
    let (nl_when, en_when) = (
        when(start, end, Locale::nl_NL),
        when(start, end, Locale::en_GB),
    );
    let emma = one_for(&digests, "emma@example.org");
    let daan = one_for(&digests, "daan@example.nl");
    speaks("Emma", &emma, &DIGEST_EN, &DIGEST_NL);
    speaks("Daan", &daan, &DIGEST_NL, &DIGEST_EN);
    // The meeting's title is the editors' and the same for both.
    speaks(
        "Emma",
        &emma,
        &[TITLE, en_when.as_str()],
        &[nl_when.as_str()],
    );
    speaks(
        "Daan",
        &daan,
        &[TITLE, nl_when.as_str()],
        &[en_when.as_str()],
    );
    pb.stop();
}
