//! What must not leak: a password in a URL, through a config error or the
//! log; and text from outside obeyed by the operator's terminal.

use crate::common::{BIN, Postbode, SmtpServer, free_port, serving};
use crate::{set_config, wait_for_log};
use std::process::Command;

/// `postbode status` in `pb`'s folder with `env`: its stderr.
fn status_stderr(pb: &Postbode, env: &[(&str, &str)]) -> String {
    let out = Command::new(BIN)
        .arg("status")
        .current_dir(pb.dir.path())
        .envs(env.iter().copied())
        .output()
        .expect("status");
    assert!(!out.status.success(), "the config was accepted");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn config_errors_never_show_a_password() {
    let smtp_line = "url = \"file://outbox\"";
    let pb = Postbode::new("file://outbox", "");
    // A typo the TOML parser quotes with its line.
    set_config(
        &pb,
        smtp_line,
        "url = \"smtp://nieuws:Geheim-1@mail.example:587",
    );
    let err = status_stderr(&pb, &[]);
    assert!(err.contains("line"), "says where: {err}");
    assert!(err.contains("smtp://nieuws:***@mail.example:587"), "{err}");
    assert!(!err.contains("Geheim-1"), "{err}");

    // A wrong value given in the environment.
    let pb = Postbode::new("file://outbox", "");
    let err = status_stderr(
        &pb,
        &[("POSTBODE_SMTP__URL", "smtpx://nieuws:Geheim-2@mail.example")],
    );
    assert!(err.contains("smtp.url"), "{err}");
    assert!(!err.contains("Geheim-2"), "{err}");

    // A database that cannot be reached.
    let pb = Postbode::new("file://outbox", "");
    let port = free_port();
    let err = status_stderr(
        &pb,
        &[(
            "POSTBODE_DATABASE__URL",
            &format!("postgres://postbode:Geheim-3@127.0.0.1:{port}/postbode?connect_timeout=2"),
        )],
    );
    assert!(err.contains("database"), "{err}");
    assert!(!err.contains("Geheim-3"), "{err}");
}

/// The log quotes text from outside: here an issue whose `send_at` an editor
/// filled with a URL that holds a password. The warning quotes the value,
/// and the log shows it masked.
#[tokio::test(flavor = "multi_thread")]
async fn a_password_quoted_in_a_log_line_is_masked() {
    let (_smtp, pb) = serving("");
    pb.drop_issue(
        "2026-12-platformnieuws.md",
        "---\nsubject: December\nsend_at: smtp://relay:Geheim-4@mx.example.org\n---\nHallo.\n",
    );
    wait_for_log(&pb, "is geen datum en tijd");
    let log = pb.log();
    assert!(
        log.contains("\"smtp://relay:***@mx.example.org\""),
        "the value is quoted, masked: {log}"
    );
    assert!(!log.contains("Geheim-4"), "{log}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_command_line_shows_control_characters_instead_of_obeying_them() {
    let smtp = SmtpServer::start(&[]);
    let pb = Postbode::new(&smtp.url(), "");
    pb.add("anouk@example.nl", "Anouk", &[], &[]);
    // What an older version, a peer's reply or a hand-edited row could hold.
    pb.sql("UPDATE subscribers SET name = 'Anouk' || char(27) || '[2J' || char(27) || ']0;gekaapt' || char(7)")
        .await;
    pb.sql("INSERT INTO alerts (at, message) VALUES (1, 'smtp said: ' || char(27) || '[31mrood' || char(155) || '2J')")
        .await;
    pb.sql("INSERT INTO unsubscribes (subscriber_id, issue_id, source, reason, at) VALUES (1, NULL, 'page', 'x' || char(27) || '[8m', 1)")
        .await;
    for args in [&["subscribers", "list"][..], &["status"][..]] {
        let out = pb.cli(args);
        assert!(out.status.success(), "{args:?}");
        let shown = String::from_utf8_lossy(&out.stdout);
        assert!(!shown.contains('\u{1b}'), "{args:?}: {shown:?}");
        assert!(!shown.contains('\u{7}'), "{args:?}: {shown:?}");
        assert!(!shown.contains('\u{9b}'), "{args:?}: {shown:?}");
    }
    let status = String::from_utf8_lossy(&pb.cli(&["status"]).stdout).into_owned();
    assert!(
        status.contains("\\u{1b}[31mrood"),
        "shown, not hidden: {status}"
    );
    let list = String::from_utf8_lossy(&pb.cli(&["subscribers", "list"]).stdout).into_owned();
    assert!(list.contains("Anouk"), "{list}");
}
