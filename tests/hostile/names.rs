//! Names with line breaks, control characters, separators and bidi
//! overrides, through every way a name comes in: the sign-up form, the
//! preference centre, the CSV import, `subscribers add`, and rows an older
//! version stored. A line break in a display name made lettre panic while
//! composing and stopped a whole issue; now each is refused at the door with
//! a message, or cleaned once on upgrade.

use crate::common::{Postbode, SmtpServer, TEST_KEY, soon};
use crate::{copies, issue, post, still_serving, subscribers};
use postbode::domain::token::{Claims, Purpose, TokenSigner};

/// Names no entry point may take.
const BAD_NAMES: &[(&str, &str)] = &[
    ("line break", "Anouk\r\nBcc: everyone@example.org"),
    ("right-to-left override", "Anouk \u{202e}kuonA"),
    ("line separator", "Anouk\u{2028}de Vries"),
    ("bell", "Anouk\u{7}"),
    ("isolate", "\u{2067}Anouk"),
];

fn started() -> (SmtpServer, Postbode) {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    pb.serve();
    (smtp, pb)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sign_up_form_refuses_every_name_that_could_break_a_header() {
    let (smtp, pb) = started();
    for (what, name) in BAD_NAMES {
        let (status, page) = post(
            &pb,
            "/subscribe",
            &[("email", "anouk@example.nl"), ("name", name)],
        )
        .await;
        assert_eq!(status, 400, "{what}: {page}");
        assert!(
            page.contains("onzichtbaar teken of een regeleinde"),
            "{what}: the page says what is wrong: {page}"
        );
        assert!(
            page.contains("anouk@example.nl"),
            "{what}: what was typed stays"
        );
    }
    assert!(subscribers(&pb).is_empty(), "nobody was stored");
    still_serving(&pb).await;
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(smtp.messages().is_empty(), "no mail went out");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sign_up_form_refuses_an_address_with_a_line_break() {
    let (smtp, pb) = started();
    for email in [
        "anouk@example.nl\r\nBcc: x@example.org",
        "an\u{202e}ouk@example.nl",
    ] {
        let (status, page) = post(&pb, "/subscribe", &[("email", email)]).await;
        assert_eq!(status, 400, "{email:?}: {page}");
        assert!(page.contains("geen geldig e-mailadres"), "{page}");
        assert!(!page.contains("Bcc: x@example.org\r\n"), "escaped");
    }
    assert!(subscribers(&pb).is_empty());
    still_serving(&pb).await;
    assert!(smtp.messages().is_empty());
}

/// A preferences link for subscriber `id`, signed as the daemon signs.
fn preferences_path(id: i64) -> String {
    let token = TokenSigner::new(&[TEST_KEY.into()]).sign(Claims {
        purpose: Purpose::Preferences,
        subscriber_id: id,
        context: 0,
        issued_at: chrono::Utc::now().timestamp(),
        generation: 0,
    });
    format!("/preferences/{token}")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_preference_centre_refuses_them_and_keeps_the_name() {
    let (_smtp, pb) = started();
    pb.add(
        "anouk@example.nl",
        "Anouk de Vries",
        &["arbeid-en-inclusie"],
        &[],
    );
    let id = subscribers(&pb)[0]["id"].as_i64().expect("id");
    let path = preferences_path(id);
    for (what, name) in BAD_NAMES {
        let (status, page) = post(
            &pb,
            &path,
            &[("name", name), ("workshops", "arbeid-en-inclusie")],
        )
        .await;
        assert_eq!(status, 400, "{what}: {page}");
        assert!(page.contains("Er is niets gewijzigd"), "{what}: {page}");
        assert!(
            page.contains("onzichtbaar teken of een regeleinde"),
            "{what}: {page}"
        );
    }
    let s = &subscribers(&pb)[0];
    assert_eq!(s["name"], "Anouk de Vries");
    assert_eq!(s["workshops"][0], "arbeid-en-inclusie");
    still_serving(&pb).await;
}

#[test]
fn the_csv_import_refuses_them_by_line_and_imports_nothing() {
    let pb = Postbode::new("file://outbox", "");
    let mut csv = String::from("email,name,workshops,interests,language,reminders\n");
    csv.push_str("goed@example.nl,Goed,,,nl,no\n");
    for (i, (_, name)) in BAD_NAMES.iter().enumerate() {
        // Quoted, so a line break is a value and not the end of a row.
        csv.push_str(&format!("slecht{i}@example.nl,\"{name}\",,,nl,no\n"));
    }
    std::fs::write(pb.path("leden.csv"), &csv).expect("csv");
    let out = pb.cli(&[
        "subscribers",
        "import",
        "leden.csv",
        "--confirmed",
        "--consent",
        "test",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let refused: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("the name is not accepted"))
        .collect();
    assert_eq!(refused.len(), BAD_NAMES.len(), "{stderr}");
    assert!(
        refused.iter().all(|l| l.starts_with("leden.csv:")),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    assert!(subscribers(&pb).is_empty(), "not even the good row");
}

#[test]
fn subscribers_add_refuses_them_with_the_rule() {
    let pb = Postbode::new("file://outbox", "");
    for (what, name) in BAD_NAMES {
        let out = pb.cli(&[
            "subscribers",
            "add",
            "anouk@example.nl",
            "--name",
            name,
            "--confirmed",
            "--consent",
            "test",
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{what}");
        assert!(
            stderr.contains("the name is not accepted"),
            "{what}: {stderr}"
        );
    }
    assert!(subscribers(&pb).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn names_stored_by_an_older_version_are_cleaned_and_everyone_gets_the_issue() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    pb.add("goed@example.nl", "Goed", &[], &[]);
    pb.add("anouk@example.nl", "Anouk", &["arbeid-en-inclusie"], &[]);
    // What an earlier version let in: a line break in a name, a language and
    // a segment slug this version does not know. The rules' version is reset
    // as it is on a database that version wrote.
    pb.sql("UPDATE subscribers SET name = 'Anouk' || char(13) || char(10) || 'de Vries', language = 'xx' WHERE email = 'anouk@example.nl'").await;
    pb.sql("INSERT INTO subscriber_segments (subscriber_id, kind, slug) SELECT id, 'workshop', 'Niet Een Slug' FROM subscribers WHERE email = 'anouk@example.nl'").await;
    pb.sql("DELETE FROM settings WHERE key = 'input_rules_version'")
        .await;
    pb.serve();
    let subject = "Platformnieuws na de upgrade";
    pb.drop_issue("2027-05-upgrade.md", &issue(subject, &soon(3)));
    pb.wait_issue("2027-05-upgrade", "sent", 30);
    let got = copies(&smtp, subject);
    assert_eq!(
        got.values().copied().collect::<Vec<_>>(),
        [1, 1],
        "one copy each: {got:?}"
    );
    let log = pb.log();
    assert!(
        log.contains("brought within the current input rules") && log.contains("names=1"),
        "the upgrade says how many: {log}"
    );
    let anouk = smtp
        .with_subject(subject)
        .into_iter()
        .find(|m| m.rcpt == "anouk@example.nl")
        .expect("anouk's copy");
    let to = anouk.header("To").expect("To");
    assert!(to.contains("Anouk de Vries"), "the cleaned name: {to}");
    let s = subscribers(&pb)
        .into_iter()
        .find(|s| s["email"] == "anouk@example.nl")
        .expect("anouk");
    assert_eq!(s["name"], "Anouk de Vries");
    assert_eq!(s["language"], "nl");
    assert_eq!(s["workshops"].as_array().map(Vec::len), Some(1));
    still_serving(&pb).await;
}

#[test]
fn a_subject_or_meeting_title_with_a_line_break_is_refused_where_it_is_written() {
    let pb = Postbode::new("file://outbox", "");
    let text = "---\nsubject: \"Nieuws\\r\\nBcc: everyone@example.org\"\nagenda:\n  - title: \"Bijeenkomst\\u2028met een scheiding\"\n    start: 2030-02-01 10:00\n    location: \"Zaal\\u202e1\"\n---\nHallo\n";
    pb.write_issue("2030-01-kop.md", text);
    let (code, stderr) = pb.check("newsletters/2030-01-kop.md");
    assert_eq!(code, Some(1), "{stderr:?}");
    let at = |needle: &str| {
        stderr
            .iter()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle}: {stderr:?}"))
            .clone()
    };
    assert!(
        at("subject:").starts_with("newsletters/2030-01-kop.md:2:"),
        "{stderr:?}"
    );
    assert!(
        at("title:").starts_with("newsletters/2030-01-kop.md:4:"),
        "{stderr:?}"
    );
    assert!(
        at("location:").starts_with("newsletters/2030-01-kop.md:6:"),
        "{stderr:?}"
    );
    assert!(
        at("subject:").contains("schrijf het op één regel"),
        "{stderr:?}"
    );
}
