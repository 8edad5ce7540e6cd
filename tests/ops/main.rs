//! The operator's commands (SPEC §8): `postbode deliveries SLUG` after a real
//! send through a real SMTP server, `backup FILE` while `serve` runs,
//! `healthcheck` against the running server and `--version`.

#[path = "../common/mod.rs"]
mod common;

use common::{Postbode, ROOT, SmtpServer, python, soon};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const REFUSED: &str = "onbekend@example.nl";
const THREE: &[&str] = &["anouk@example.nl", REFUSED, "bram@example.nl"];

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// An installation with these confirmed subscribers, serving with fast retries.
fn daemon(smtp_url: &str, subscribers: &[&str]) -> Postbode {
    let mut pb = Postbode::new(smtp_url, "");
    for s in subscribers {
        pb.add(s, "", &[], &[]);
    }
    pb.serve_with_env(&[("POSTBODE_SMTP__RETRY_BASE_SECS", "1")]);
    pb
}

fn issue(subject: &str, send_at: &str) -> String {
    format!("---\nsubject: {subject}\nsend_at: {send_at}\n---\nNieuws voor iedereen.\n")
}

/// The table line of one recipient.
fn line_of<'a>(table: &'a str, email: &str) -> &'a str {
    table
        .lines()
        .find(|l| l.starts_with(email))
        .unwrap_or_else(|| panic!("no line for {email} in\n{table}"))
}

#[test]
fn deliveries_lists_who_got_an_issue_with_the_refusal() {
    // The refusal quotes the address, as Postfix's does.
    let smtp = SmtpServer::start(&[
        "--fail",
        &format!("{REFUSED}=550 5.1.1 <{REFUSED}>: Recipient address rejected"),
    ]);
    let pb = daemon(&smtp.url(), THREE);
    pb.drop_issue("juni.md", &issue("Nieuws in juni", &soon(3)));
    pb.wait_issue("juni", "sent", 30);

    let table = pb.ok(&["deliveries", "juni"]);
    let head = table.lines().next().expect("a heading");
    for word in [
        "ontvanger",
        "status",
        "pogingen",
        "bijgewerkt",
        "laatste antwoord",
    ] {
        assert!(head.contains(word), "heading {head:?} lacks {word}");
    }
    for ok in ["anouk@example.nl", "bram@example.nl"] {
        assert!(line_of(&table, ok).contains(" sent "), "{table}");
    }
    let refused = line_of(&table, REFUSED);
    assert!(refused.contains(" failed "), "{refused}");
    assert!(
        refused.contains("(550): 5.1.1 <address> Recipient address rejected"),
        "{refused}"
    );
    assert_eq!(refused.matches('@').count(), 1, "{refused}");
    assert!(
        table
            .trim_end()
            .ends_with("3 ontvanger(s): failed 1, sent 2"),
        "{table}"
    );

    let json: serde_json::Value =
        serde_json::from_str(&pb.ok(&["deliveries", "juni", "--json"])).expect("JSON");
    let rows = json.as_array().expect("an array");
    assert_eq!(rows.len(), 3, "{json}");
    for row in rows {
        let at = row["updated_at"].as_str().expect("updated_at");
        let parsed = chrono::DateTime::parse_from_rfc3339(at).expect("RFC 3339");
        let age = chrono::Utc::now().signed_duration_since(parsed);
        assert!(age.num_seconds() >= 0 && age.num_seconds() < 120, "{at}");
        let expected = if row["email"] == REFUSED {
            "failed"
        } else {
            "sent"
        };
        assert_eq!(row["state"], expected, "{row}");
        assert!(row["attempts"].as_i64().expect("attempts") >= 1, "{row}");
    }
    let failed = rows.iter().find(|r| r["email"] == REFUSED).expect("row");
    let reply = failed["last_reply"].as_str().expect("reply");
    assert!(reply.contains("(550): 5.1.1"), "{failed}");
    assert!(!reply.contains('@'), "{failed}");

    let unknown = pb.cli(&["deliveries", "bestaat-niet"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        stderr(&unknown).contains("Er is geen nieuwsbrief met de naam bestaat-niet"),
        "{}",
        stderr(&unknown)
    );
}

#[test]
fn deliveries_of_an_issue_not_started_says_so_and_erased_people_have_no_address() {
    let smtp = SmtpServer::start(&[]);
    let pb = daemon(&smtp.url(), THREE);
    pb.drop_issue("later.md", &issue("Later", "2099-01-01T09:00:00Z"));
    pb.wait_issue("later", "scheduled", 30);
    let out = pb.ok(&["deliveries", "later"]);
    assert!(out.contains("later wordt nog niet verstuurd"), "{out}");
    assert_eq!(pb.ok(&["deliveries", "later", "--json"]).trim(), "[]");

    pb.drop_issue("nu.md", &issue("Nu", &soon(3)));
    pb.wait_issue("nu", "sent", 30);
    // Erasing removes the person's record of mails received: the ledger no
    // longer names them.
    pb.ok(&["subscribers", "erase", "anouk@example.nl"]);
    let out = pb.ok(&["deliveries", "nu"]);
    assert!(!out.contains("anouk"), "{out}");
    assert!(out.contains("2 ontvanger(s): sent 2"), "{out}");
}

#[test]
fn a_ledger_row_whose_subscriber_is_gone_is_shown_without_address() {
    let smtp = SmtpServer::start(&[]);
    let pb = daemon(&smtp.url(), THREE);
    pb.drop_issue("oud.md", &issue("Oud", &soon(3)));
    pb.wait_issue("oud", "sent", 30);
    // As a database edited by hand may hold it: Python's sqlite3 does not
    // enforce foreign keys, so the ledger rows stay.
    let out = Command::new(python())
        .args([
            "-c",
            "import sqlite3, sys\n\
             db = sqlite3.connect(sys.argv[1])\n\
             db.execute(\"DELETE FROM subscribers WHERE email = 'bram@example.nl'\")\n\
             db.commit()",
        ])
        .arg(pb.path("data/postbode.db"))
        .output()
        .expect("python3");
    assert!(out.status.success(), "{}", stderr(&out));
    let out = pb.ok(&["deliveries", "oud"]);
    assert!(line_of(&out, "(gewist)").contains(" sent "), "{out}");
    let json: serde_json::Value =
        serde_json::from_str(&pb.ok(&["deliveries", "oud", "--json"])).expect("JSON");
    let gone: Vec<_> = json
        .as_array()
        .expect("array")
        .iter()
        .filter(|r| r["email"].is_null())
        .collect();
    assert_eq!(gone.len(), 1, "{json}");
}

#[test]
fn deliveries_pages_through_a_ledger_larger_than_one_page() {
    // More than two pages of 1,000 rows, sent for real.
    const N: usize = 2_100;
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    pb.import_members(N);
    pb.serve();
    pb.drop_issue("groot.md", &issue("Groot", &soon(3)));
    pb.wait_issue("groot", "sent", 120);

    let json: serde_json::Value =
        serde_json::from_str(&pb.ok(&["deliveries", "groot", "--json"])).expect("JSON");
    let mut emails: Vec<&str> = json
        .as_array()
        .expect("array")
        .iter()
        .map(|r| r["email"].as_str().expect("email"))
        .collect();
    assert_eq!(emails.len(), N);
    emails.sort_unstable();
    emails.dedup();
    assert_eq!(emails.len(), N, "a recipient listed twice");
    let table = pb.ok(&["deliveries", "groot"]);
    assert_eq!(table.lines().filter(|l| l.starts_with("lid")).count(), N);
    assert!(
        table
            .trim_end()
            .ends_with(&format!("{N} ontvanger(s): sent {N}")),
        "{}",
        table.lines().last().unwrap_or_default()
    );
}

/// The emails in the `subscribers` table of a SQLite file, read by Python's
/// own sqlite3 module: the copy is a database other programs open.
fn emails_in(file: &std::path::Path) -> Vec<String> {
    let out = Command::new(python())
        .args([
            "-c",
            "import sqlite3, sys\n\
             db = sqlite3.connect(sys.argv[1])\n\
             assert db.execute('PRAGMA integrity_check').fetchone()[0] == 'ok'\n\
             for (e,) in db.execute('SELECT email FROM subscribers ORDER BY email'): print(e)",
        ])
        .arg(file)
        .output()
        .expect("python3");
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out).lines().map(str::to_string).collect()
}

#[test]
fn backup_copies_the_database_while_serve_runs_and_never_overwrites() {
    let smtp = SmtpServer::start(&[]);
    let pb = daemon(&smtp.url(), THREE);
    // Added while serve runs: still in the write-ahead log, not yet in the .db.
    pb.add("cor@example.nl", "", &[], &[]);
    let out = pb.cli(&["backup", "kopie.db"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("kopie.db"), "{}", stdout(&out));
    let copy = pb.path("kopie.db");
    assert_eq!(
        emails_in(&copy),
        [
            "anouk@example.nl",
            "bram@example.nl",
            "cor@example.nl",
            REFUSED
        ]
    );

    let before = std::fs::read(&copy).expect("copy");
    pb.add("dirk@example.nl", "", &[], &[]);
    let again = pb.cli(&["backup", "kopie.db"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("bestaat al"), "{}", stderr(&again));
    assert_eq!(std::fs::read(&copy).expect("copy"), before, "overwritten");
}

#[test]
fn backup_of_a_postgres_database_points_to_pg_dump() {
    let pb = Postbode::new("smtp://127.0.0.1:9", "");
    pb.use_database("postgres://postgres@127.0.0.1:5432/test");
    let out = pb.cli(&["backup", "kopie.db"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("pg_dump"), "{}", stderr(&out));
    assert!(!pb.path("kopie.db").exists());
}

#[test]
fn healthcheck_says_whether_the_local_server_answers() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = daemon(&smtp.url(), &[]);
    // The sender reports healthy once its workers have started.
    let end = Instant::now() + Duration::from_secs(15);
    let healthy = loop {
        let out = pb.cli(&["healthcheck"]);
        if out.status.success() || Instant::now() > end {
            break out;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(healthy.status.code(), Some(0), "{}", stderr(&healthy));
    assert!(stdout(&healthy).contains("/healthz: ok"));

    pb.stop();
    let down = pb.cli(&["healthcheck"]);
    assert_eq!(down.status.code(), Some(1));
    let said = stderr(&down);
    assert_eq!(said.trim().lines().count(), 1, "{said}");
    assert!(
        said.contains(&format!(
            "geen antwoord van http://127.0.0.1:{}/healthz",
            pb.http_port
        )),
        "{said}"
    );
}

#[test]
fn version_names_the_package_and_the_commit() {
    let out = Command::new(common::BIN)
        .arg("--version")
        .output()
        .expect("postbode --version");
    assert!(out.status.success());
    let said = stdout(&out);
    assert!(said.contains(env!("CARGO_PKG_VERSION")), "{said}");
    let git = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(ROOT)
        .output();
    let commit = match git {
        Ok(g) if g.status.success() => stdout(&g).trim().to_string(),
        _ => "unknown".to_string(),
    };
    assert!(
        said.contains(&format!("({commit})")),
        "{said} lacks {commit}"
    );
}
