//! Reports that are not what they claim, piped into `postbode bounce` as an
//! MTA would: deep nesting, binary noise, enormous lines, thousands of
//! recipients, nonsense fields. Each ends with the exit code Postfix reads
//! (65: not a report, 67: not ours), a message saying nothing changed, and
//! no change to anyone's record.

use std::time::{Duration, Instant};

use crate::common::Postbode;
use crate::subscribers;

/// Pipes `input`, expects `code` (not a crash) and "nothing changed".
fn refused(pb: &Postbode, input: &[u8], code: i32) -> String {
    let started = Instant::now();
    let out = pb.bounce(&[], &[], input);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "{stderr}");
    assert!(stderr.contains("nothing changed"), "{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
    stderr
}

fn installation() -> Postbode {
    let pb = Postbode::new("file://outbox", "");
    pb.add("anouk@example.nl", "Anouk", &[], &[]);
    pb
}

fn unchanged(pb: &Postbode) {
    let s = subscribers(pb);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0]["status"], "active");
}

#[test]
fn thousands_of_nested_parts_are_not_a_report() {
    let pb = installation();
    let depth = 3000;
    let mut mail = String::from(
        "From: MAILER-DAEMON@mx.example.org\r\nTo: bounces@example.nl\r\nSubject: nested\r\nMIME-Version: 1.0\r\n",
    );
    for i in 0..depth {
        mail.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n"
        ));
    }
    mail.push_str("Content-Type: text/plain\r\n\r\nbottom\r\n");
    for i in (0..depth).rev() {
        mail.push_str(&format!("--b{i}--\r\n"));
    }
    refused(&pb, mail.as_bytes(), 65);
    unchanged(&pb);
}

#[test]
fn binary_noise_is_not_mail() {
    let pb = installation();
    // Deterministic noise, 1 MB.
    let mut x: u32 = 2_463_534_242;
    let noise: Vec<u8> = (0..1_000_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    let stderr = refused(&pb, &noise, 65);
    assert!(
        stderr.contains("not a mail message") || stderr.contains("not a bounce"),
        "{stderr}"
    );
    unchanged(&pb);
}

#[test]
fn an_enormous_header_line_is_not_a_report() {
    let pb = installation();
    let mut mail = b"From: MAILER-DAEMON@mx.example.org\r\nSubject: ".to_vec();
    mail.extend(std::iter::repeat_n(b'a', 5_000_000));
    mail.extend(b"\r\nContent-Type: text/plain\r\n\r\nhello\r\n");
    refused(&pb, &mail, 65);
    unchanged(&pb);
}

#[test]
fn a_report_of_thousands_of_strangers_is_not_ours() {
    let pb = installation();
    let mut mail = String::from(
        "From: MAILER-DAEMON@mx.example.org\r\nTo: bounces+nonsense@example.nl\r\nSubject: Undelivered\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nx\r\n\
--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\n",
    );
    for i in 0..10_000 {
        mail.push_str(&format!(
            "Final-Recipient: rfc822; stranger{i}@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        ));
    }
    mail.push_str("--B--\r\n");
    let stderr = refused(&pb, mail.as_bytes(), 67);
    assert!(
        !stderr.contains("stranger"),
        "no addresses in the message: {stderr}"
    );
    unchanged(&pb);
}

#[test]
fn nonsense_fields_and_a_forged_token_change_nothing() {
    let pb = installation();
    let mail = "From: MAILER-DAEMON@mx.example.org\r\nTo: bounces+0123456789abcdefghij0123@bounces.example.nl\r\n\
Subject: Undelivered\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n\
--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\n\
Final-Recipient: rfc822; anouk@example.nl\r\nAction: exploded\r\nStatus: 9.9.9\r\nDiagnostic-Code: \u{1}\u{2}\r\n\r\n--B--\r\n";
    let stderr = refused(&pb, mail.as_bytes(), 67);
    assert!(stderr.contains("no valid signature"), "{stderr}");
    assert!(!stderr.contains("anouk@example.nl"), "{stderr}");
    unchanged(&pb);
}
