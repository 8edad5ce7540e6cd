//! An independent check of the MJML postbode's layouts produce: the reference
//! compiler (npm `mjml` 4.18.0, the version mrml follows) must accept it at
//! `validationLevel=strict`, and show readers the same text and links as
//! postbode's own HTML. `POSTBODE_TEST_MJML` names the `mjml` executable; CI
//! must set it.

use postbode::domain::language::Language;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use postbode::render::MergeValues;

use crate::layout_mjml::layout_mjml;
use crate::support;

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// The npm `mjml` executable, or `None` (allowed outside CI only).
fn reference_mjml() -> Option<PathBuf> {
    match std::env::var_os("POSTBODE_TEST_MJML").filter(|v| !v.is_empty()) {
        Some(p) => Some(PathBuf::from(p)),
        None if in_ci() => panic!(
            "CI is set but POSTBODE_TEST_MJML is not: install mjml@4.18.0 with npm and point POSTBODE_TEST_MJML at node_modules/.bin/mjml"
        ),
        None => {
            // Straight to stderr: the test harness would swallow `eprintln!`
            // of a passing test, and this skip must be seen.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: the MJML check against npm mjml needs POSTBODE_TEST_MJML=/path/to/node_modules/.bin/mjml \
                 (npm install mjml@4.18.0); it is required when CI is set"
            );
            None
        }
    }
}

/// Merge values that leave the tags in place, so postbode's HTML and the
/// reference's can be compared.
fn unfilled() -> MergeValues {
    MergeValues {
        name: "{{ subscriber.name }}".into(),
        preferences_url: "{{ preferences_url }}".into(),
        unsubscribe_url: "{{ unsubscribe_url }}".into(),
        archive_url: "{{ archive_url }}".into(),
    }
}

/// The visible text of the `<body>` only (the head holds CSS and the title).
fn body_text(html: &str) -> String {
    let body = html.find("<body").map_or(html, |p| &html[p..]);
    support::visible(body)
}

#[test]
fn layout_mjml_is_what_postbode_compiles() {
    // Guards the test's copy of the layout context: if it drifted from
    // postbode's, the reference check below would check the wrong document.
    let config = support::config();
    for slug in support::ISSUES {
        let r = support::sample(&config, slug);
        let key = r.issue.full_key();
        for lang in [Language::Nl, Language::En] {
            let mjml = layout_mjml(&config, &r, &key, lang);
            let ours = postbode::render::compile::compile(&mjml).expect("mrml compiles");
            let (sent, _) = r
                .variant_in(&key, lang)
                .expect("compiles")
                .personalise(&unfilled());
            assert!(
                ours == sent,
                "{slug} ({lang}): the test's layout context differs from postbode's"
            );
        }
    }
}

#[test]
fn reference_mjml_accepts_every_sample_strictly_and_shows_the_same_content() {
    let Some(mjml_bin) = reference_mjml() else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    // First make sure strict validation bites: an unknown tag must fail.
    let bad = dir.path().join("unknown-tag.mjml");
    std::fs::write(
        &bad,
        "<mjml><mj-body><mj-section><mj-column><mj-foo /></mj-column></mj-section></mj-body></mjml>",
    )
    .expect("write MJML");
    let (ok, _, stderr) = run_strict(&mjml_bin, &bad);
    assert!(
        !ok && stderr.contains("mj-foo"),
        "strict mode let <mj-foo> through: {stderr}"
    );

    let config = support::config();
    let anouk = support::follows(&["arbeid-en-inclusie"], &["welzijn"]);
    for slug in support::ISSUES {
        let r = support::sample(&config, slug);
        for (who, key, lang) in [
            ("full", r.issue.full_key(), Language::Nl),
            ("anouk", r.issue.variant_key(&anouk), Language::Nl),
            ("full-en", r.issue.full_key(), Language::En),
        ] {
            let mjml = layout_mjml(&config, &r, &key, lang);
            let file = dir.path().join(format!("{slug}-{who}.mjml"));
            std::fs::write(&file, &mjml).expect("write MJML");
            let (ok, reference, stderr) = run_strict(&mjml_bin, &file);
            assert!(
                ok && stderr.trim().is_empty(),
                "{slug} ({who}): mjml --config.validationLevel=strict failed:\n{stderr}"
            );
            let (ours, _) = r
                .variant_in(&key, lang)
                .expect("compiles")
                .personalise(&unfilled());
            assert_eq!(
                body_text(&ours),
                body_text(&reference),
                "{slug} ({who}): readers would see different text"
            );
            assert_eq!(
                support::links(&ours),
                support::links(&reference),
                "{slug} ({who}): links differ"
            );
        }
    }
}

/// Runs the reference compiler at `validationLevel=strict`: (exit 0, HTML, stderr).
fn run_strict(mjml_bin: &Path, file: &Path) -> (bool, String, String) {
    let out = Command::new(mjml_bin)
        .arg(file)
        .args(["-s", "--config.validationLevel=strict"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", mjml_bin.display()));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_sign_up_link_and_welcome_mails_pass_the_reference_strictly() {
    use postbode::render::variant::PlatformInfo;
    use postbode::signup::{LinkSet, SignupMail, mail_mjml};
    let Some(mjml_bin) = reference_mjml() else {
        return;
    };
    let config = support::config();
    let platform = PlatformInfo::from_config(&config);
    let base = "https://nieuws.kus.example.nl";
    let (confirm, preferences) = (
        format!("{base}/confirm/c1"),
        format!("{base}/preferences/p1"),
    );
    let (data, erase) = (
        format!("{base}/preferences/d1/data"),
        format!("{base}/preferences/d1/erase"),
    );
    let archive = format!("{base}/archive");
    let links = LinkSet {
        confirm: &confirm,
        preferences: &preferences,
        data: &data,
        erase: &erase,
        archive: &archive,
        data_hours: 24,
    };
    let dir = tempfile::tempdir().expect("temp dir");
    for mail in [
        SignupMail::Confirm,
        SignupMail::Preferences,
        SignupMail::DataLink,
        SignupMail::NewLinks,
        SignupMail::Welcome,
    ] {
        for language in [Language::Nl, Language::En] {
            let what = format!("{mail:?} ({})", language.as_str());
            // A name that needs escaping, where a mail greets.
            let greeting = "Anouk <d'Hondt> & co";
            let mjml = mail_mjml(
                &config.templates_dir(),
                &platform,
                mail,
                &links,
                language,
                greeting,
            )
            .unwrap_or_else(|d| panic!("{what}: {d}"));
            let file = dir
                .path()
                .join(format!("{mail:?}-{}.mjml", language.as_str()));
            std::fs::write(&file, &mjml).expect("write MJML");
            let (ok, reference, stderr) = run_strict(&mjml_bin, &file);
            assert!(
                ok && stderr.trim().is_empty(),
                "{what}: mjml --config.validationLevel=strict failed:\n{stderr}"
            );
            let ours = postbode::render::compile::compile(&mjml).expect("mrml compiles");
            assert_eq!(
                body_text(&ours),
                body_text(&reference),
                "{what}: readers would see different text"
            );
            assert_eq!(
                support::links(&ours),
                support::links(&reference),
                "{what}: links differ"
            );
            let wanted: &[&str] = match mail {
                SignupMail::Confirm => &[&confirm],
                SignupMail::DataLink => &[&data, &erase],
                SignupMail::Welcome => &[&archive, &preferences],
                _ => &[&preferences],
            };
            if mail == SignupMail::Welcome {
                assert!(
                    body_text(&ours).contains(greeting),
                    "{what}: the greeting, shown as typed"
                );
            }
            for link in wanted {
                assert!(
                    support::links(&ours).iter().any(|l| l.0 == *link),
                    "{what}: {link}"
                );
            }
        }
    }
}
