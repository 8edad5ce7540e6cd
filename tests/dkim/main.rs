//! DKIM end to end: `postbode dkim-keygen` makes the key and prints the DNS
//! record; every kind of mail the daemon and the command line send arrives
//! signed, and dkimpy (an independent verifier) accepts it against that printed
//! record; a changed List-Unsubscribe, List-Unsubscribe-Post or byte of the
//! body breaks the signature; a 1024-bit key still signs; a key postbode
//! cannot use stops it at start-up.

#[path = "../common/mod.rs"]
mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use common::{BIN, Postbode, ROOT, Received, SmtpServer, soon};
use rsa::RsaPrivateKey;
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey, LineEnding};
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};

/// A selector other than the default and a key path in a sub-folder, relative
/// to the configuration file.
const DKIM: &str = r#"
[dkim]
domain = "kus.example.nl"
selector = "nieuws2026"
private_key_file = "keys/dkim.pem"
"#;
const EDITOR: &str = "redactie@kus.example.nl";

/// The TXT record `dkim-keygen` printed: its name and its strings joined.
struct Record {
    name: String,
    value: String,
}

/// Reads `sel._domainkey.domain IN TXT "…" "…"` from keygen's output,
/// checking that each string fits DNS's 255-character limit.
fn record(stdout: &str) -> Record {
    let line = stdout
        .lines()
        .find(|l| l.contains(" IN TXT "))
        .unwrap_or_else(|| panic!("no TXT record in:\n{stdout}"));
    let (name, strings) = line.split_once(" IN TXT ").expect("IN TXT");
    let parts: Vec<&str> = strings.split('"').skip(1).step_by(2).collect();
    let requoted: Vec<String> = parts.iter().map(|p| format!("\"{p}\"")).collect();
    assert_eq!(strings.trim(), requoted.join(" "), "quoted strings: {line}");
    assert!(parts.len() >= 2, "an RSA-2048 record needs two strings");
    assert!(parts.iter().all(|p| p.len() <= 255), "{line}");
    let value = parts.concat();
    assert!(value.starts_with("v=DKIM1; k=rsa; p=MII"), "{value}");
    Record {
        name: name.trim().to_string(),
        value,
    }
}

/// Runs dkimpy over `messages`: one "pass FILE" or "fail FILE: …" line each.
fn dkimpy(record: &Record, messages: &[(String, Vec<u8>)]) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().expect("tempdir");
    let files: Vec<PathBuf> = messages
        .iter()
        .enumerate()
        .map(|(i, (_, raw))| {
            let f = dir.path().join(format!("{i}.eml"));
            std::fs::write(&f, raw).expect("write message");
            f
        })
        .collect();
    let out = Command::new(common::python())
        .arg(Path::new(ROOT).join("tests/support/dkim_verify.py"))
        .arg(&record.name)
        .arg(&record.value)
        .args(&files)
        .output()
        .expect("python3 with dkimpy (pip install dkimpy)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.lines().count(),
        messages.len(),
        "dkim_verify.py: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    messages
        .iter()
        .zip(stdout.lines())
        .map(|((what, _), line)| (what.clone(), line.to_string()))
        .collect()
}

/// The tags of the DKIM-Signature header, whitespace removed.
fn signature_tags(m: &Received) -> Vec<(String, String)> {
    let raw = m
        .header("DKIM-Signature")
        .unwrap_or_else(|| panic!("no DKIM-Signature for {}", m.rcpt));
    let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    compact
        .split(';')
        .filter_map(|t| t.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn tag(tags: &[(String, String)], name: &str) -> String {
    tags.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| panic!("no {name}= tag in {tags:?}"))
}

/// `raw` with `from` replaced by `to` in the header block only (once).
fn alter_header(raw: &[u8], from: &str, to: &str) -> Vec<u8> {
    let text = String::from_utf8(raw.to_vec()).expect("7-bit message");
    let (head, body) = text.split_once("\r\n\r\n").expect("header block");
    assert_eq!(head.matches(from).count(), 1, "{from:?} in:\n{head}");
    format!("{}\r\n\r\n{body}", head.replacen(from, to, 1)).into_bytes()
}

/// `raw` with the case of one letter in the middle of its body swapped.
fn alter_body(raw: &[u8]) -> Vec<u8> {
    let body = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("header block")
        + 4;
    let middle = body + (raw.len() - body) / 2;
    let at = (middle..raw.len())
        .find(|&i| raw[i].is_ascii_alphabetic())
        .expect("a letter in the body");
    let mut altered = raw.to_vec();
    altered[at] ^= 0x20;
    altered
}

fn issue() -> String {
    let start = chrono::Utc::now() + chrono::Duration::hours(3);
    format!(
        "---\nsubject: \"Platformnieuws: één nummer met een onderwerp dat zo lang is dat het over regels wordt gevouwen\"\n\
send_at: {}\nagenda:\n  - id: kick-off\n    title: Kick-off werkplaats\n    start: {}\n    end: {}\n    location: \"Padualaan 101, Utrecht\"\n    reminders: [1d]\n---\n\
Beste {{{{ subscriber.name }}}},\n\nWelkom bij dit nummer.\n",
        soon(2),
        start.format("%Y-%m-%dT%H:%M:%SZ"),
        (start + chrono::Duration::hours(2)).format("%Y-%m-%dT%H:%M:%SZ"),
    )
}

#[test]
fn every_mail_is_signed_and_dkimpy_accepts_it_until_the_unsubscribe_headers_change() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), DKIM);
    let cfg = std::fs::read_to_string(pb.path("postbode.toml")).expect("config");
    let cfg = cfg.replace("editors = []", &format!("editors = [\"{EDITOR}\"]"));
    std::fs::write(pb.path("postbode.toml"), cfg).expect("config");

    // The key: defaults from [dkim], written where it says, for its owner only.
    let first = pb.ok(&["dkim-keygen"]);
    let key = pb.path("keys/dkim.pem");
    let pem = std::fs::read_to_string(&key).expect("key written to keys/dkim.pem");
    assert!(
        pem.starts_with("-----BEGIN RSA PRIVATE KEY-----\n"),
        "{pem}"
    );
    let mode = std::fs::metadata(&key).expect("key").permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(first.contains("nieuws2026._domainkey.kus.example.nl IN TXT "));
    assert!(first.contains("[dkim]\ndomain = \"kus.example.nl\"\nselector = \"nieuws2026\"\nprivate_key_file = \"keys/dkim.pem\"\n"), "{first}");
    // A second run keeps the key DNS may already publish; --force replaces it.
    let again = pb.cli(&["dkim-keygen"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    assert_eq!(std::fs::read_to_string(&key).expect("key"), pem);
    let rec = record(&pb.ok(&["dkim-keygen", "--force"]));
    assert_ne!(std::fs::read_to_string(&key).expect("key"), pem);
    assert_eq!(rec.name, "nieuws2026._domainkey.kus.example.nl");

    // Active, with reminders: gets the issue and the agenda reminder.
    pb.ok(&[
        "subscribers",
        "add",
        "anouk@example.nl",
        "--name",
        "Anouk d'Hondt-Şükrü",
        "--reminders",
        "--confirmed",
        "--consent",
        "test",
    ]);
    // Pending: gets a confirmation mail, sent by the command, run from another
    // folder so the key is found relative to the configuration file.
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let out = Command::new(BIN)
        .arg("--config")
        .arg(pb.path("postbode.toml"))
        .args(["subscribers", "add", "bert@example.nl", "--name", "Bert"])
        .current_dir(elsewhere.path())
        .env("POSTBODE_LOG", "warn")
        .output()
        .expect("run postbode");
    assert!(out.status.success(), "{out:?}");

    pb.serve();
    // The editors get a proof of this one and the errors of the broken one.
    pb.drop_issue("2026-12-platformnieuws.md", &issue());
    pb.drop_issue(
        "kapot.md",
        "---\nsubject: Kapot\nsend_at: gisteren\n---\nTekst.\n",
    );
    smtp.wait_for(5, 60);
    // Then a moment for anything that should not come.
    std::thread::sleep(Duration::from_secs(1));
    let got = smtp.messages();
    let mut to: Vec<&str> = got.iter().map(|m| m.rcpt.as_str()).collect();
    to.sort_unstable();
    assert_eq!(
        to,
        [
            "anouk@example.nl",
            "anouk@example.nl",
            "bert@example.nl",
            EDITOR,
            EDITOR
        ],
        "subjects: {:?}",
        got.iter().map(Received::subject).collect::<Vec<_>>()
    );

    // Every message: relaxed/relaxed rsa-sha256 for the printed selector and
    // domain, h= naming the required headers and only headers it carries.
    for m in &got {
        let tags = signature_tags(m);
        let what = format!("{} {:?}", m.rcpt, m.subject());
        assert_eq!(tag(&tags, "a"), "rsa-sha256", "{what}");
        assert_eq!(tag(&tags, "c"), "relaxed/relaxed", "{what}");
        assert_eq!(tag(&tags, "d"), "kus.example.nl", "{what}");
        assert_eq!(tag(&tags, "s"), "nieuws2026", "{what}");
        let h = tag(&tags, "h").to_lowercase();
        let signed: Vec<&str> = h.split(':').collect();
        for name in [
            "from",
            "to",
            "subject",
            "date",
            "message-id",
            "mime-version",
            "content-type",
        ] {
            assert!(signed.contains(&name), "{what}: {name} not in h={h}");
        }
        for name in [
            "list-id",
            "list-unsubscribe",
            "list-unsubscribe-post",
            "auto-submitted",
        ] {
            assert_eq!(
                signed.contains(&name),
                m.header(name).is_some(),
                "{what}: h={h} and the header {name} must go together"
            );
        }
        for name in &signed {
            assert!(m.header(name).is_some(), "{what}: h= names absent {name}");
        }
    }
    let with = |rcpt: &str, header: &str| {
        got.iter()
            .filter(|m| m.rcpt == rcpt && m.header(header).is_some())
            .count()
    };
    assert_eq!(
        with("anouk@example.nl", "List-Unsubscribe"),
        2,
        "issue, reminder"
    );
    assert_eq!(
        with("anouk@example.nl", "Auto-Submitted"),
        1,
        "the reminder"
    );
    assert_eq!(with("bert@example.nl", "Auto-Submitted"), 1, "confirmation");
    assert_eq!(with("bert@example.nl", "List-Id"), 0, "confirmation");
    assert_eq!(with(EDITOR, "List-Id"), 1, "the proof, not the error mail");
    // The reminder carries every header signed only when present.
    assert!(
        got.iter().any(|m| [
            "List-Id",
            "List-Unsubscribe",
            "List-Unsubscribe-Post",
            "Auto-Submitted"
        ]
        .iter()
        .all(|h| m.header(h).is_some())),
        "no message with all four list headers"
    );
    // The issue's display name and subject are RFC 2047 encoded, the subject
    // folded over lines: what relaxed canonicalisation has to get right.
    let issue_mail = got
        .iter()
        .find(|m| m.rcpt == "anouk@example.nl" && m.header("Auto-Submitted").is_none())
        .expect("the issue");
    let to = issue_mail.header("To").expect("To").to_lowercase();
    let subject = issue_mail.header("Subject").expect("Subject");
    assert!(to.contains("=?utf-8?"), "To: {to}");
    assert!(subject.to_lowercase().contains("=?utf-8?"), "{subject}");
    assert!(subject.contains("\r\n "), "Subject not folded: {subject:?}");

    // dkimpy accepts every message against the record keygen printed.
    let messages: Vec<(String, Vec<u8>)> = got
        .iter()
        .map(|m| (format!("{} {:?}", m.rcpt, m.subject()), m.raw.clone()))
        .collect();
    for (what, result) in dkimpy(&rec, &messages) {
        assert!(result.starts_with("pass "), "{what}: {result}");
    }

    // A changed unsubscribe target, one-click header or body no longer verifies.
    let base = pb.base_url();
    let tampered = vec![
        (
            "List-Unsubscribe to another host".to_string(),
            alter_header(
                &issue_mail.raw,
                &format!("<{base}/unsubscribe/"),
                "<https://elders.example/unsubscribe/",
            ),
        ),
        (
            "List-Unsubscribe-Post removed".to_string(),
            alter_header(
                &issue_mail.raw,
                "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
                "",
            ),
        ),
        (
            "one letter of the body".to_string(),
            alter_body(&issue_mail.raw),
        ),
    ];
    for (what, result) in dkimpy(&rec, &tampered) {
        assert!(result.starts_with("fail "), "{what}: {result}");
    }
    pb.stop();
}

#[test]
fn a_1024_bit_key_still_signs_and_dkimpy_accepts_it() {
    let smtp = SmtpServer::start(&[]);
    let pb = Postbode::new(&smtp.url(), DKIM);
    // The shortest key RFC 8301 allows, as older DNS set-ups publish them.
    let key = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 1024).expect("key");
    let pem = key.to_pkcs1_pem(LineEnding::LF).expect("PKCS#1");
    std::fs::create_dir_all(pb.path("keys")).expect("keys folder");
    std::fs::write(pb.path("keys/dkim.pem"), pem.as_bytes()).expect("write key");
    pb.ok(&["subscribers", "add", "bert@example.nl", "--name", "Bert"]);
    smtp.wait_for(1, 30);
    let public = key.to_public_key().to_public_key_der().expect("SPKI");
    let rec = Record {
        name: "nieuws2026._domainkey.kus.example.nl".into(),
        value: format!(
            "v=DKIM1; k=rsa; p={}",
            base64::engine::general_purpose::STANDARD.encode(public.as_bytes())
        ),
    };
    let messages: Vec<(String, Vec<u8>)> = smtp
        .messages()
        .iter()
        .map(|m| (m.subject(), m.raw.clone()))
        .collect();
    assert_eq!(messages.len(), 1, "the confirmation mail");
    for (what, result) in dkimpy(&rec, &messages) {
        assert!(result.starts_with("pass "), "{what}: {result}");
    }
}

/// Runs `postbode ARGS` in the installation's folder; kills it after 30 s
/// (a daemon that started after all).
fn run_bounded(pb: &Postbode, args: &[&str]) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(pb.dir.path())
        .env("POSTBODE_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run postbode");
    let end = Instant::now() + Duration::from_secs(30);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > end {
            let _ = child.kill();
            panic!("postbode {args:?} kept running with a key it cannot use");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().expect("output")
}

#[test]
fn a_pkcs8_or_missing_key_stops_serve_and_check_at_start_up() {
    let pb = Postbode::new("file://outbox", DKIM);
    pb.write_issue("concept.md", "---\nsubject: Concept\n---\nTekst.\n");
    pb.ok(&["dkim-keygen"]);
    let key = pb.path("keys/dkim.pem");
    let pkcs1 = std::fs::read_to_string(&key).expect("key");
    // The same key as `openssl genpkey` writes it: PKCS#8.
    let pkcs8 = RsaPrivateKey::from_pkcs1_pem(&pkcs1)
        .expect("PKCS#1")
        .to_pkcs8_pem(LineEnding::LF)
        .expect("PKCS#8");
    std::fs::write(&key, pkcs8.as_bytes()).expect("write PKCS#8");

    for args in [&["serve"][..], &["check", "newsletters/concept.md"]] {
        let out = run_bounded(&pb, args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}: {err}");
        for needle in [
            "dkim.private_key_file",
            "PKCS#8",
            "openssl rsa -in key.pem -traditional -out dkim.pem",
            "postbode dkim-keygen",
        ] {
            assert!(err.contains(needle), "{args:?}: {needle:?} not in {err}");
        }
    }

    std::fs::remove_file(&key).expect("remove key");
    let out = run_bounded(&pb, &["check", "newsletters/concept.md"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("dkim.private_key_file") && err.contains("postbode dkim-keygen"),
        "{err}"
    );

    // Converted back to PKCS#1 as the message says, the key is taken.
    let back = RsaPrivateKey::from_pkcs8_pem(&pkcs8)
        .expect("PKCS#8")
        .to_pkcs1_pem(LineEnding::LF)
        .expect("PKCS#1");
    std::fs::write(&key, back.as_bytes()).expect("write PKCS#1");
    let (code, stderr) = pb.check("newsletters/concept.md");
    assert_eq!(code, Some(0), "{stderr:?}");
}
