//! The command line: configuration errors name their key, CSV import is all or
//! nothing with an error per bad row, render and proof mails work.

#[path = "../common/mod.rs"]
mod common;

use common::{Postbode, ROOT, SmtpServer};

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn list_json(pb: &Postbode) -> Vec<serde_json::Value> {
    serde_json::from_str::<serde_json::Value>(&pb.ok(&["subscribers", "list", "--json"]))
        .expect("json")
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn invalid_configuration_names_the_key() {
    let pb = Postbode::new("smtp://127.0.0.1:1", "");
    let cfg = std::fs::read_to_string(pb.path("postbode.toml")).expect("config");
    let cases = [
        (
            "timezone = \"Europe/Amsterdam\"",
            "timezone = \"Europe/Utreg\"",
            "platform.timezone",
        ),
        (
            "url = \"smtp://127.0.0.1:1\"",
            "url = \"http://127.0.0.1:1\"",
            "smtp.url",
        ),
        ("connections = 4", "conections = 4", "conections"),
        (
            "connections = 4",
            "connections = \"veel\"",
            "smtp.connections",
        ),
        ("listen = \"127.0.0.1", "listen = \"nergens", "http.listen"),
        (
            "from = \"kUS Platformnieuws <nieuws@kus.example.nl>\"",
            "from = \"nieuws at kus\"",
            "platform.from",
        ),
    ];
    for (from, to, key) in cases {
        assert!(cfg.contains(from), "fixture has {from}");
        std::fs::write(pb.path("postbode.toml"), cfg.replacen(from, to, 1)).expect("write");
        let out = pb.cli(&["status"]);
        assert!(!out.status.success(), "{to} must be refused");
        assert!(
            stderr(&out).contains(key),
            "error for {to:?} names {key}: {}",
            stderr(&out)
        );
    }
    std::fs::write(
        pb.path("postbode.toml"),
        format!("{cfg}\n[schedule]\nagenda_digest = \"elke maandag\"\n"),
    )
    .expect("write");
    let out = pb.cli(&["status"]);
    assert!(
        stderr(&out).contains("schedule.agenda_digest"),
        "{}",
        stderr(&out)
    );
    std::fs::write(pb.path("postbode.toml"), &cfg).expect("write");
    // Environment overrides are checked the same way and name the key.
    let out = std::process::Command::new(common::BIN)
        .args(["status"])
        .current_dir(pb.dir.path())
        .env("POSTBODE_SMTP__CONNECTIONS", "0")
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("smtp.connections"),
        "{}",
        stderr(&out)
    );
    assert!(
        pb.cli(&["status"]).status.success(),
        "the restored config works"
    );
}

#[test]
fn a_csv_with_bad_rows_imports_nothing_and_names_every_bad_line() {
    let pb = Postbode::new("smtp://127.0.0.1:1", "");
    let csv = "email,name,workshops,interests,language,reminders\n\
               goed@example.nl,Goed,arbeid-en-inclusie,,nl,yes\n\
               geen-adres,Fout,,,nl,no\n\
               ook@example.nl,Ook,onbekende-werkplaats,,nl,no\n\
               taal@example.nl,Taal,,welzijn,fr,no\n\
               goed@example.nl,Dubbel,,,nl,no\n\
               herinnering@example.nl,X,,,nl,misschien\n";
    std::fs::write(pb.path("bad.csv"), csv).expect("csv");
    let out = pb.cli(&[
        "subscribers",
        "import",
        "bad.csv",
        "--confirmed",
        "--consent",
        "formulier 2017",
    ]);
    assert!(!out.status.success());
    let err = stderr(&out);
    for (line, what) in [
        (3, "not a valid e-mail address"),
        (4, "unknown workshop"),
        (5, "language"),
        (6, "twice"),
        (7, "reminders must be yes or no"),
    ] {
        assert!(
            err.contains(&format!("bad.csv:{line}: ")) && err.contains(what),
            "line {line} ({what}) in:\n{err}"
        );
    }
    assert!(err.contains("nothing was imported"));
    assert!(list_json(&pb).is_empty(), "nothing half-imported");
}

#[test]
fn the_sample_csv_imports_with_consent_and_a_second_import_changes_nothing() {
    let pb = Postbode::new("smtp://127.0.0.1:1", "");
    let csv = format!("{ROOT}/tests/fixtures/subscribers.csv");
    let rows = std::fs::read_to_string(&csv).expect("csv").lines().count() - 1;
    let out = pb.ok(&[
        "subscribers",
        "import",
        &csv,
        "--confirmed",
        "--consent",
        "aanmeldformulier kUS-website",
    ]);
    assert!(
        out.contains(&format!("imported {rows} subscribers")),
        "{out}"
    );
    let list = list_json(&pb);
    assert_eq!(list.len(), rows);
    assert!(list.iter().all(|s| s["status"] == "active"));
    assert!(
        list.iter().all(|s| s["created_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(t).is_ok())),
        "JSON times are RFC 3339: {list:?}"
    );
    assert!(
        list.iter().any(|s| s["name"] == "Şükrü Yılmaz"),
        "UTF-8 names survive"
    );
    let again = pb.ok(&[
        "subscribers",
        "import",
        &csv,
        "--confirmed",
        "--consent",
        "x",
    ]);
    assert!(
        again.contains(&format!(": 0 new, 0 changed, {rows} unchanged"))
            && again.contains("imported 0 subscribers"),
        "{again}"
    );
    assert_eq!(list_json(&pb).len(), rows);
    let out = pb.cli(&["subscribers", "import", &csv, "--confirmed"]);
    assert!(!out.status.success(), "--confirmed needs --consent");
    assert!(stderr(&out).contains("--consent"));
}

#[test]
fn importing_without_consent_sends_each_new_address_a_confirmation_mail() {
    let smtp = SmtpServer::start(&[]);
    let pb = Postbode::new(&smtp.url(), "");
    std::fs::write(
        pb.path("new.csv"),
        "email,name,workshops,interests,language,reminders\nx@example.nl,X,,,nl,no\ny@example.org,Y,,,en,yes\n",
    )
    .expect("csv");
    let out = pb.ok(&["subscribers", "import", "new.csv"]);
    assert!(out.contains("confirmation mails sent: 2"), "{out}");
    let got = smtp.wait_for(2, 10);
    let en = got.iter().find(|m| m.rcpt == "y@example.org").expect("y");
    assert!(
        en.subject().starts_with("Confirm your subscription"),
        "English for an English subscriber"
    );
    assert!(list_json(&pb).iter().all(|s| s["status"] == "pending"));
}

#[test]
fn render_writes_what_a_subscriber_of_a_workshop_gets() {
    let pb = Postbode::new("smtp://127.0.0.1:1", "");
    let issue = format!("{ROOT}/newsletters/2017-07-platformnieuws.md");
    // The repository's issues use the repository's config (its workshop list).
    let cfg = format!("{ROOT}/postbode.toml");
    let out_dir = pb.path("proef");
    let out = pb.cli(&[
        "--config",
        &cfg,
        "render",
        &issue,
        "--out",
        out_dir.to_str().expect("path"),
        "--workshops",
        "arbeid-en-inclusie",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let html = std::fs::read_to_string(out_dir.join("index.html")).expect("html");
    let text = std::fs::read_to_string(out_dir.join("index.txt")).expect("text");
    let eml = std::fs::read(out_dir.join("message.eml")).expect("eml");
    assert!(html.contains("Kick-off werkplaats Arbeid en Inclusie"));
    assert!(text.contains("Kick-off werkplaats Arbeid en Inclusie"));
    assert!(
        !text.contains("Ontwikkeltafels\n"),
        "a section for another workshop is left out"
    );
    let msg = mail_parser::MessageParser::default()
        .parse(&eml)
        .expect("MIME");
    assert_eq!(msg.subject(), Some("Platformnieuws juli 2017"));
    assert!(!html.contains("{{"), "every merge tag filled");
}

#[test]
fn send_test_to_delivers_a_proof_with_every_section() {
    let smtp = SmtpServer::start(&[]);
    let pb = Postbode::new(&smtp.url(), "");
    std::fs::write(
        pb.path("newsletters/proef.md"),
        "---\nsubject: Proefnummer\n---\nIntro.\n\n## Alleen jeugd {workshops=transformatie-jeugd}\nJeugdnieuws.\n",
    )
    .expect("issue");
    let out = pb.ok(&["send", "proef", "--test-to", "redactie@kus.example.nl"]);
    assert!(out.contains("proof of proef sent"), "{out}");
    let got = smtp.wait_for(1, 10);
    assert_eq!(got[0].rcpt, "redactie@kus.example.nl");
    assert_eq!(got[0].subject(), "[PROEF] Proefnummer");
    assert!(got[0].html().contains("Jeugdnieuws."));
    let out = pb.cli(&[
        "send",
        "bestaat-niet",
        "--test-to",
        "redactie@kus.example.nl",
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("no issue \"bestaat-niet\""));
}

#[test]
fn migrate_creates_the_database_and_can_run_twice() {
    let pb = Postbode::new("smtp://127.0.0.1:1", "");
    assert!(pb.ok(&["migrate"]).contains("up to date"));
    assert!(
        pb.path("data/postbode.db").exists(),
        "SQLite file created on first start"
    );
    assert!(pb.ok(&["migrate"]).contains("up to date"));
}

#[test]
fn an_operator_can_unsubscribe_someone_and_it_is_recorded_as_such() {
    let pb = Postbode::new("smtp://127.0.0.1:1", "");
    pb.add("belde@example.nl", "Belde", &[], &[]);
    let out = pb.ok(&["subscribers", "unsubscribe", "Belde@Example.nl"]);
    assert!(out.contains("is unsubscribed (source: operator)"), "{out}");
    let list: serde_json::Value =
        serde_json::from_str(&pb.ok(&["subscribers", "list", "--json"])).expect("json");
    assert_eq!(list[0]["status"], "unsubscribed");
    let status = pb.status_json();
    assert!(
        status["unsubscribes"]
            .as_array()
            .expect("rows")
            .iter()
            .any(|u| u["source"] == "operator"),
        "{status}"
    );
    assert!(
        pb.ok(&["subscribers", "unsubscribe", "belde@example.nl"])
            .contains("was not subscribed")
    );
    let out = pb.cli(&["subscribers", "unsubscribe", "niemand@example.nl"]);
    assert!(!out.status.success());
}

#[test]
fn with_log_format_json_every_log_line_is_one_json_object() {
    let mut pb = Postbode::new("smtp://127.0.0.1:9", "");
    pb.serve_with_env(&[("POSTBODE_LOG_FORMAT", "json")]);
    // An issue that cannot go out: an error for the operator, its text
    // (quotes, a tab) escaped as JSON must.
    pb.drop_issue(
        "kapot.md",
        "---\nsubject: \"Nieuws\t\"over\" niets\n---\nTekst.\n",
    );
    pb.wait_issue("kapot", "invalid", 30);
    pb.stop();
    let log = pb.log();
    let events: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let running = events
        .iter()
        .find(|e| e["fields"]["message"] == "postbode is running")
        .unwrap_or_else(|| panic!("no start-up line in:\n{log}"));
    assert_eq!(running["level"], "INFO");
    for (field, value) in [
        ("dkim", false),
        ("verp", false),
        ("require_approval", false),
    ] {
        assert_eq!(running["fields"][field], value, "{running}");
    }
    assert_eq!(
        running["fields"]["listen"],
        format!("127.0.0.1:{}", pb.http_port),
        "{running}"
    );
    assert!(
        events.iter().any(|e| e["level"] == "ERROR"
            && e["fields"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("kapot.md"))),
        "an invalid issue is an error:\n{log}"
    );
    let out = pb.cli(&["--log-format", "yaml", "status"]);
    assert_eq!(out.status.code(), Some(2), "an unknown format is refused");
}

#[test]
fn the_log_line_that_announces_a_send_says_how_many_were_queued_and_how_long_it_took() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    pb.import_members(3);
    pb.serve_with_env(&[("POSTBODE_LOG_FORMAT", "json")]);
    pb.drop_issue(
        "2026-12-platformnieuws.md",
        &format!(
            "---\nsubject: Platformnieuws december\nsend_at: {}\n---\nHallo.\n",
            common::soon(2)
        ),
    );
    pb.wait_issue("2026-12-platformnieuws", "sent", 60);
    pb.stop();
    let log = pb.log();
    let started: serde_json::Value = log
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|e| e["fields"]["message"] == "sending started")
        .unwrap_or_else(|| panic!("no line announces the send:\n{log}"));
    assert_eq!(
        started["fields"]["issue"], "2026-12-platformnieuws",
        "{started}"
    );
    assert_eq!(started["fields"]["recipients"], 3, "{started}");
    // Seconds with a fraction, as an operator compares them between runs;
    // three rows on a local SQLite take far less than a minute.
    let secs = started["fields"]["queued_secs"]
        .as_f64()
        .unwrap_or_else(|| panic!("no queued_secs in {started}"));
    assert!((0.0..60.0).contains(&secs), "{started}");
}

#[test]
fn the_operator_confirms_held_consent_and_lifts_a_suppression_on_purpose() {
    let pb = Postbode::new("smtp://127.0.0.1:9", "");
    let anouk = "anouk@example.nl";
    // Pending: her confirmation mail could not go out.
    pb.ok(&["subscribers", "add", anouk, "--name", "Anouk"]);
    let consent = "Aanmeldformulier op papier, themabijeenkomst 3 december";
    let said = pb.ok(&["subscribers", "confirm", anouk, "--consent", consent]);
    assert!(said.contains("is confirmed (active)"), "{said}");
    let list = list_json(&pb);
    assert_eq!(list[0]["status"], "active");
    let data: serde_json::Value =
        serde_json::from_str(&pb.ok(&["subscribers", "export", anouk])).expect("json");
    let consents = data["consents"].as_array().expect("consents");
    let last = consents.last().expect("a consent record");
    assert_eq!(last["event"], "confirmed", "{data}");
    assert_eq!(last["source"], "operator", "{data}");
    assert_eq!(last["text"], consent, "{data}");
    let said = pb.ok(&["subscribers", "confirm", anouk, "--consent", consent]);
    assert!(said.contains("already active"), "{said}");
    let out = pb.cli(&[
        "subscribers",
        "confirm",
        "niemand@example.nl",
        "--consent",
        "x",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let out = pb.cli(&["subscribers", "confirm", anouk, "--consent", " \t"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "an empty statement is no consent"
    );

    // Erased: suppressed until lifted on purpose, with a reason.
    pb.ok(&["subscribers", "erase", anouk]);
    let out = pb.cli(&["subscribers", "add", anouk, "--confirmed", "--consent", "x"]);
    assert_ne!(
        out.status.code(),
        Some(0),
        "a suppressed address is not added"
    );
    let out = pb.cli(&["subscribers", "confirm", anouk, "--consent", "x"]);
    assert!(stderr(&out).contains("unsuppress"), "{}", stderr(&out));
    let reason = "vroeg telefonisch om weer op de lijst te komen";
    let said = pb.ok(&["subscribers", "unsuppress", anouk, "--reason", reason]);
    assert!(said.contains("it was suppressed: erased"), "{said}");
    let out = pb.cli(&["subscribers", "unsuppress", anouk, "--reason", reason]);
    assert_eq!(out.status.code(), Some(1), "lifted once");
    pb.ok(&[
        "subscribers",
        "add",
        anouk,
        "--confirmed",
        "--consent",
        "telefoon",
    ]);
    assert_eq!(list_json(&pb)[0]["status"], "active");

    // The record of the lift holds the reason, not the address.
    let rows = std::process::Command::new(common::python())
        .args([
            "-c",
            "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT * FROM suppression_lifts').fetchall())",
        ])
        .arg(pb.path("data/postbode.db"))
        .output()
        .expect("python sqlite3");
    let rows = String::from_utf8_lossy(&rows.stdout);
    assert!(rows.contains(reason) && rows.contains("erased"), "{rows}");
    assert!(!rows.contains("anouk"), "no address in the record: {rows}");
}

#[test]
fn an_import_says_what_it_will_do_and_changes_existing_rows_only_when_told() {
    let pb = Postbode::new("smtp://127.0.0.1:9", "");
    pb.ok(&[
        "subscribers",
        "add",
        "anouk@example.nl",
        "--name",
        "Anouk",
        "--workshop",
        "arbeid-en-inclusie",
        "--confirmed",
        "--consent",
        "formulier",
    ]);
    pb.ok(&[
        "subscribers",
        "add",
        "gewist@example.nl",
        "--confirmed",
        "--consent",
        "formulier",
    ]);
    pb.ok(&["subscribers", "erase", "gewist@example.nl"]);
    pb.ok(&[
        "subscribers",
        "add",
        "zelfde@example.nl",
        "--name",
        "Zelfde",
        "--confirmed",
        "--consent",
        "formulier",
    ]);
    let csv = pb.path("leden.csv");
    std::fs::write(
        &csv,
        "email,name,workshops,interests,language,reminders\n\
         anouk@example.nl,Anouk de Vries,arbeid-en-inclusie;ontwikkeltafels,,en,yes\n\
         zelfde@example.nl,Zelfde,,,nl,no\n\
         bram@example.nl,Bram,,welzijn,nl,no\n\
         gewist@example.nl,Gewist,,,nl,no\n",
    )
    .expect("csv");
    let file = csv.to_str().expect("path");
    let names = |pb: &Postbode| -> Vec<String> {
        list_json(pb)
            .iter()
            .map(|s| format!("{} {}", s["email"], s["name"]))
            .collect()
    };
    let before = names(&pb);

    let dry = pb.ok(&["subscribers", "import", file, "--dry-run"]);
    assert!(
        dry.contains("1 new, 1 changed, 1 unchanged, 1 on the suppression list"),
        "{dry}"
    );
    assert!(dry.contains("get a confirmation mail"), "{dry}");
    assert!(dry.contains("add --update"), "{dry}");
    assert!(dry.contains("dry run: nothing was changed"), "{dry}");
    assert_eq!(names(&pb), before, "a dry run changes nothing");

    // Without --update the existing subscriber stays as she is.
    let out = pb.ok(&[
        "subscribers",
        "import",
        file,
        "--confirmed",
        "--consent",
        "lijst",
        "--yes",
    ]);
    assert!(out.contains("imported 1 subscribers"), "{out}");
    let list = list_json(&pb);
    let anouk = list
        .iter()
        .find(|s| s["email"] == "anouk@example.nl")
        .expect("anouk");
    assert_eq!(anouk["name"], "Anouk");
    assert!(
        list.iter().all(|s| s["email"] != "gewist@example.nl"),
        "suppressed stays out"
    );

    let out = pb.ok(&[
        "subscribers",
        "import",
        file,
        "--confirmed",
        "--consent",
        "lijst",
        "--update",
    ]);
    assert!(out.contains("0 new, 1 changed, 2 unchanged"), "{out}");
    assert!(out.contains("changed 1 existing subscriber(s)"), "{out}");
    let list = list_json(&pb);
    let anouk = list
        .iter()
        .find(|s| s["email"] == "anouk@example.nl")
        .expect("anouk");
    assert_eq!(anouk["name"], "Anouk de Vries");
    assert_eq!(anouk["language"], "en");
    assert_eq!(anouk["reminders"], true);
    let data: serde_json::Value =
        serde_json::from_str(&pb.ok(&["subscribers", "export", "anouk@example.nl"])).expect("json");
    let last = data["consents"]
        .as_array()
        .and_then(|c| c.last().cloned())
        .expect("consent");
    assert_eq!(last["event"], "changed", "{data}");
    assert_eq!(last["source"], "csv import", "{data}");
    assert!(
        last["text"]
            .as_str()
            .is_some_and(|t| t.contains("ontwikkeltafels")),
        "{data}"
    );

    // On a terminal it asks; "n" imports nothing.
    std::fs::write(
        &csv,
        "email,name,workshops,interests,language,reminders\ncarla@example.nl,Carla,,,nl,no\n",
    )
    .expect("csv");
    let cmd = format!(
        "{} --config {} subscribers import {file} --confirmed --consent lijst",
        env!("CARGO_BIN_EXE_postbode"),
        pb.path("postbode.toml").display()
    );
    let out = std::process::Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .current_dir(pb.path(""))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().expect("stdin").write_all(b"n\n")?;
            c.wait_with_output()
        })
        .expect("script");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("Go on? [y/N]"), "{said}");
    assert!(said.contains("nothing was imported"), "{said}");
    assert!(
        list_json(&pb)
            .iter()
            .all(|s| s["email"] != "carla@example.nl")
    );
}

#[test]
fn an_absolute_sqlite_path_is_created_like_a_relative_one() {
    let pb = Postbode::new("smtp://127.0.0.1:9", "");
    let state = tempfile::tempdir().expect("tempdir");
    let db = state.path().join("data/postbode.db");
    let cfg = std::fs::read_to_string(pb.path("postbode.toml")).expect("config");
    let cfg = cfg.replace(
        "url = \"sqlite://data/postbode.db\"",
        &format!("url = \"sqlite://{}\"", db.display()),
    );
    std::fs::write(pb.path("postbode.toml"), cfg).expect("config");
    pb.ok(&["migrate"]);
    assert!(
        db.exists(),
        "the database file is made at the absolute path"
    );
    pb.ok(&[
        "subscribers",
        "add",
        "anouk@example.nl",
        "--confirmed",
        "--consent",
        "x",
    ]);
    assert_eq!(list_json(&pb).len(), 1);
}
