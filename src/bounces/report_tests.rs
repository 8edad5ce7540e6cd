//! Every sample report in tests/fixtures/bounces (made on a real Postfix), and
//! the broken inputs an MTA or a person might pipe in by mistake.

use super::*;
use crate::domain::reply::{BounceKind as Kind, of_feedback, of_report};

const FAILED_LOCAL: &[u8] =
    include_bytes!("../../tests/fixtures/bounces/postfix-failed-5.1.1-v1-issue7-sub1.eml");
const FAILED_REMOTE: &[u8] =
    include_bytes!("../../tests/fixtures/bounces/postfix-failed-5.1.1-v1-issue7-sub3.eml");
const MAILBOX_FULL: &[u8] =
    include_bytes!("../../tests/fixtures/bounces/postfix-failed-5.2.2-v1-issue7-sub4.eml");
const DELAYED: &[u8] =
    include_bytes!("../../tests/fixtures/bounces/postfix-delayed-4.2.1-v1-reminder42-sub5.eml");
const COMPLAINT: &[u8] = include_bytes!("../../tests/fixtures/bounces/arf-complaint-abuse.eml");

fn one_recipient(raw: &[u8]) -> (Parsed, RecipientStatus) {
    let parsed = parse(raw).expect("a readable report");
    let Report::Delivery(r) = &parsed.report else {
        panic!("not a delivery report: {:?}", parsed.report)
    };
    assert_eq!(r.len(), 1);
    let r = r[0].clone();
    (parsed, r)
}

fn kind(r: &RecipientStatus) -> Option<Kind> {
    of_report(&r.action, r.status).and_then(|v| v.bounce_kind())
}

#[test]
fn local_unknown_user_is_a_hard_bounce() {
    let (p, r) = one_recipient(FAILED_LOCAL);
    assert_eq!(r.action, Action::Failed);
    assert_eq!(r.status, Some(StatusCode::new(5, 1, 1)));
    assert_eq!(r.final_recipient, "nobody-here@kus-test.example");
    assert_eq!(r.original_recipient, "nobody-here@kus-test.example");
    assert_eq!(r.diagnostic, "unknown user: \"nobody-here\"");
    assert_eq!(kind(&r), Some(Kind::Hard));
    assert_eq!(
        p.original_message_id.as_deref(),
        Some("issue7-sub1@kus-test.example")
    );
    assert_eq!(
        p.verp_candidates[0],
        "bounces+v1-issue7-sub1@kus-test.example"
    );
}

#[test]
fn remote_refusal_keeps_the_folded_diagnostic_on_one_line() {
    let (p, r) = one_recipient(FAILED_REMOTE);
    assert_eq!(r.status, Some(StatusCode::new(5, 1, 1)));
    assert_eq!(r.final_recipient, "gone@remote.example");
    assert!(
        r.diagnostic
            .starts_with("550 5.1.1 The email account that you tried to reach does not exist."),
        "{}",
        r.diagnostic
    );
    assert!(!r.diagnostic.contains('\n'));
    assert_eq!(kind(&r), Some(Kind::Hard));
    assert_eq!(
        p.original_message_id.as_deref(),
        Some("issue7-sub3@kus-test.example")
    );
}

#[test]
fn mailbox_full_with_a_5xx_code_is_soft() {
    let (p, r) = one_recipient(MAILBOX_FULL);
    assert_eq!(r.action, Action::Failed);
    assert_eq!(r.status, Some(StatusCode::new(5, 2, 2)));
    assert_eq!(kind(&r), Some(Kind::Soft));
    assert_eq!(
        p.original_message_id.as_deref(),
        Some("issue7-sub4@kus-test.example")
    );
}

#[test]
fn a_delay_warning_is_information_only() {
    let (p, r) = one_recipient(DELAYED);
    assert_eq!(r.action, Action::Delayed);
    assert_eq!(r.status, Some(StatusCode::new(4, 2, 1)));
    assert_eq!(kind(&r), Some(Kind::Delayed));
    // Only the headers came back (text/rfc822-headers).
    assert_eq!(
        p.original_message_id.as_deref(),
        Some("reminder-42-sub5@kus-test.example")
    );
    assert_eq!(
        p.verp_candidates,
        vec!["bounces+v1-reminder42-sub5@kus-test.example"],
        "Delivered-To, X-Original-To, To, X-Postfix-Sender and the original's Return-Path, once"
    );
}

#[test]
fn an_abuse_report_is_a_complaint() {
    let p = parse(COMPLAINT).expect("a readable report");
    assert_eq!(
        p.report,
        Report::Feedback {
            feedback_type: "abuse".into()
        }
    );
    assert_eq!(
        of_feedback("abuse").and_then(|v| v.bounce_kind()),
        Some(Kind::Complaint)
    );
    assert_eq!(
        p.original_message_id.as_deref(),
        Some("issue7-sub6@kus-test.example")
    );
    assert!(
        p.verp_candidates
            .iter()
            .all(|a| a == "bounces+v1-issue7-sub6@kus-test.example"),
        "To, Original-Mail-From and Return-Path all name the VERP address once: {:?}",
        p.verp_candidates
    );
    assert_eq!(p.verp_candidates.len(), 1);
}

#[test]
fn every_report_names_the_original_envelope_sender_even_without_its_headers() {
    // A report forwarded by hand has lost Delivered-To and To; the
    // per-message X-Postfix-Sender still carries the VERP address.
    let text = String::from_utf8_lossy(FAILED_REMOTE)
        .replace(
            "X-Original-To: bounces+v1-issue7-sub3@kus-test.example\n",
            "",
        )
        .replace(
            "Delivered-To: bounces+v1-issue7-sub3@kus-test.example\n",
            "",
        )
        .replace(
            "To: bounces+v1-issue7-sub3@kus-test.example\n",
            "To: postmaster@kus-test.example\n",
        );
    let p = parse(text.as_bytes()).expect("readable");
    assert!(
        p.verp_candidates
            .iter()
            .any(|a| a == "bounces+v1-issue7-sub3@kus-test.example"),
        "{:?}",
        p.verp_candidates
    );
}

#[test]
fn empty_input_and_garbage_are_refused() {
    assert_eq!(parse(b""), Err(ParseError::Empty));
    assert_eq!(parse(b" \r\n\n"), Err(ParseError::Empty));
    assert_eq!(
        parse(b"\x00\x01\x02\xff\xfe garbage"),
        Err(ParseError::NotMail)
    );
    assert_eq!(
        parse(b"just some words\nand more words\n"),
        Err(ParseError::NotMail)
    );
}

#[test]
fn an_ordinary_message_is_not_a_report() {
    let plain = b"From: a@example.nl\r\nTo: b@example.nl\r\nSubject: hoi\r\n\r\nHallo!\r\n";
    match parse(plain) {
        Err(ParseError::NotAReport(what)) => assert_eq!(what, "text/plain"),
        other => panic!("{other:?}"),
    }
    let mixed = String::from_utf8_lossy(FAILED_LOCAL)
        .replace(
            "multipart/report; report-type=delivery-status;",
            "multipart/mixed;",
        )
        .replace("message/delivery-status", "text/plain");
    match parse(mixed.as_bytes()) {
        Err(ParseError::NotAReport(what)) => assert_eq!(what, "multipart/mixed"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_truncated_report_is_refused() {
    let text = String::from_utf8_lossy(FAILED_REMOTE);
    // Cut before the delivery-status part.
    let cut = text
        .find("Content-Description: Delivery report")
        .expect("part");
    assert_eq!(
        parse(text[..cut].as_bytes()),
        Err(ParseError::MissingPart("message/delivery-status"))
    );
    // Cut inside the recipient's fields: no Action left.
    let cut = text.find("Original-Recipient:").expect("field");
    assert_eq!(parse(text[..cut].as_bytes()), Err(ParseError::NoRecipients));
    // Cut after the headers.
    let cut = text.find("This is a MIME-encapsulated").expect("preamble");
    assert!(parse(text[..cut].as_bytes()).is_err());
}

#[test]
fn a_report_without_recipients_is_refused() {
    let text = String::from_utf8_lossy(FAILED_LOCAL);
    let start = text.find("Final-Recipient:").expect("recipient");
    let end = text.find("Diagnostic-Code:").expect("diagnostic");
    let end = end + text[end..].find('\n').expect("line end") + 1;
    let without = format!("{}{}", &text[..start], &text[end..]);
    assert_eq!(parse(without.as_bytes()), Err(ParseError::NoRecipients));
}

#[test]
fn a_feedback_report_without_its_type_is_refused() {
    let text = String::from_utf8_lossy(COMPLAINT).replace("Feedback-Type: abuse\n", "");
    assert_eq!(parse(text.as_bytes()), Err(ParseError::NoFeedbackType));
    let text = String::from_utf8_lossy(COMPLAINT).replace("message/feedback-report", "text/plain");
    assert_eq!(
        parse(text.as_bytes()),
        Err(ParseError::MissingPart("message/feedback-report"))
    );
}

#[test]
fn a_status_missing_from_the_report_is_read_from_the_diagnostic() {
    let text = String::from_utf8_lossy(FAILED_REMOTE).replace("Status: 5.1.1\n", "");
    let (_, r) = one_recipient(text.as_bytes());
    assert_eq!(r.status, Some(StatusCode::new(5, 1, 1)));
}

#[test]
fn of_several_recipients_each_is_reported() {
    let text = String::from_utf8_lossy(FAILED_LOCAL).replace(
        "Diagnostic-Code: X-Postfix; unknown user: \"nobody-here\"\n",
        "Diagnostic-Code: X-Postfix; unknown user: \"nobody-here\"\n\n\
Final-Recipient: rfc822; other@kus-test.example\nAction: delayed\nStatus: 4.4.1\n",
    );
    let p = parse(text.as_bytes()).expect("readable");
    let Report::Delivery(r) = p.report else {
        panic!("a delivery report")
    };
    assert_eq!(r.len(), 2);
    assert_eq!(r[1].final_recipient, "other@kus-test.example");
    assert_eq!(r[1].action, Action::Delayed);
}

#[test]
fn lines_that_only_look_like_fields_are_not_mail() {
    assert_eq!(parse(b"Hello: world\nFoo: bar\n"), Err(ParseError::NotMail));
}
