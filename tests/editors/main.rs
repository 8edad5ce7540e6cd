//! The editors' desk: every mistake an editor makes in an issue file is
//! caught by `postbode check` (and the daemon) with a Dutch message at its
//! line and column; targeted text never reaches a reader it was not meant
//! for; files the folder will not read are reported, not passed over.

mod approval;
#[path = "../common/mod.rs"]
mod common;
mod corpus;
mod leaks;
mod preview;
mod proofs;
mod unread;

use common::Postbode;

/// The editor of the tests' installations.
pub const EDITOR: &str = "redactie@kus.example.nl";

/// Makes [`EDITOR`] the editor of `pb`, with `more` lines of `[platform]`.
pub fn with_editors(pb: &Postbode, more: &str) {
    let cfg = std::fs::read_to_string(pb.path("postbode.toml")).expect("config");
    let cfg = cfg.replace("editors = []", &format!("editors = [\"{EDITOR}\"]\n{more}"));
    std::fs::write(pb.path("postbode.toml"), cfg).expect("config");
}

/// The lines of `stderr` about `file`.
fn about<'a>(stderr: &'a str, file: &str) -> Vec<&'a str> {
    let prefix = format!("newsletters/{file}:");
    stderr.lines().filter(|l| l.starts_with(&prefix)).collect()
}

#[test]
fn every_mistake_in_the_corpus_gets_its_dutch_message_at_its_place() {
    let pb = Postbode::new("smtp://127.0.0.1:9", "");
    let cases = corpus::cases();
    assert!(
        cases.len() >= 25,
        "the corpus holds {} mistakes",
        cases.len()
    );
    let mut files = Vec::new();
    for (name, text, ..) in &cases {
        pb.write_issue(name, text);
        files.push(format!("newsletters/{name}"));
    }
    let mut args = vec!["check"];
    args.extend(files.iter().map(String::as_str));
    let out = pb.cli(&args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    let mut wrong = Vec::new();
    for (name, _, line, col, says) in &cases {
        let lines = about(&stderr, name);
        let at = format!("newsletters/{name}:{line}:{col}: ");
        if !lines.iter().any(|l| l.starts_with(&at) && l.contains(says)) {
            wrong.push(format!("{at}…{says}…\n    got: {lines:#?}"));
        }
        assert!(
            !stdout.contains(&format!("newsletters/{name} ")),
            "{name} is refused, never reported in order: {stdout}"
        );
    }
    assert!(
        wrong.is_empty(),
        "{} of {} cases:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
}

#[test]
fn with_platform_language_en_the_editors_read_english() {
    let pb = Postbode::new("smtp://127.0.0.1:9", "");
    let english = [
        (
            "kop-zonder-spatie.md",
            "this heading lacks a space after ##",
        ),
        (
            "werkplaats-verschreven.md",
            "(did you mean \"maatschappelijke-ondersteuning\"?); choose from:",
        ),
        (
            "dubbele-punt-in-onderwerp.md",
            "put the subject line in quotes",
        ),
    ];
    let cases = corpus::cases();
    for (name, _) in english {
        let (_, text, ..) = cases.iter().find(|c| c.0 == name).expect("case");
        pb.write_issue(name, text);
    }
    for (name, says) in english {
        let file = format!("newsletters/{name}");
        let out = pb.cli_with_env(&["check", &file], &[("POSTBODE_PLATFORM__LANGUAGE", "en")]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains(says), "{name}: {stderr}");
    }
}
