//! The table of RFC 3463 codes, through both doors: a reply while sending and
//! a report mailed back later must reach the same verdict.

use super::*;

use Verdict::{HardBounce as Hard, Policy, SoftBounce as Soft};

/// Every subject.detail of RFC 3463, plus the later ones postbode meets
/// (5.1.10 null MX, 5.7.26 multiple authentication failures, 4.7.28 rate),
/// with what a permanent refusal (5.x.x) with it means.
const TABLE: &[(u16, u16, Verdict)] = &[
    (0, 0, Hard),
    (1, 0, Hard),
    (1, 1, Hard),
    (1, 2, Hard),
    (1, 3, Hard),
    (1, 4, Hard),
    (1, 5, Hard),
    (1, 6, Hard),
    (1, 7, Hard),
    (1, 8, Hard),
    (1, 10, Hard),
    (2, 0, Hard),
    (2, 1, Hard),
    (2, 2, Soft),
    (2, 3, Policy),
    (2, 4, Hard),
    (3, 0, Hard),
    (3, 1, Hard),
    (3, 2, Hard),
    (3, 3, Hard),
    (3, 4, Policy),
    (3, 5, Hard),
    (4, 0, Hard),
    (4, 1, Hard),
    (4, 2, Hard),
    (4, 3, Hard),
    (4, 4, Hard),
    (4, 5, Hard),
    (4, 6, Hard),
    (4, 7, Soft),
    (5, 0, Hard),
    (5, 1, Hard),
    (5, 2, Hard),
    (5, 3, Hard),
    (5, 4, Hard),
    (5, 5, Hard),
    (6, 0, Policy),
    (6, 1, Policy),
    (6, 2, Policy),
    (6, 3, Policy),
    (6, 4, Policy),
    (6, 5, Policy),
    (7, 0, Policy),
    (7, 1, Policy),
    (7, 2, Policy),
    (7, 3, Policy),
    (7, 4, Policy),
    (7, 5, Policy),
    (7, 6, Policy),
    (7, 7, Policy),
    (7, 26, Policy),
    (7, 28, Policy),
];

#[test]
fn a_refusal_means_the_same_while_sending_and_in_a_report() {
    for &(subject, detail, want) in TABLE {
        let code = StatusCode::new(5, subject, detail);
        let reply = format!("550 {code} Requested action not taken");
        let lettre = format!("permanent error (550): {code} <a@b.nl>: refused");
        assert_eq!(
            of_attempt(&Outcome::Permanent(reply)),
            want,
            "{code} sending"
        );
        assert_eq!(
            of_attempt(&Outcome::Permanent(lettre)),
            want,
            "{code} lettre"
        );
        assert_eq!(
            of_report(&Action::Failed, Some(code)),
            Some(want),
            "{code} report"
        );
        let diagnostic = format!("smtp; 550 {code} refused");
        assert_eq!(
            of_report(&Action::Failed, StatusCode::find_in(&diagnostic)),
            Some(want),
            "{code} found in a Diagnostic-Code"
        );
    }
}

#[test]
fn a_temporary_code_is_retried_while_sending_and_soft_in_a_report() {
    for &(subject, detail, _) in TABLE {
        let code = StatusCode::new(4, subject, detail);
        let reply = format!("transient error (451): {code} try again later");
        let want = if (subject, detail) == (7, 28) {
            Verdict::Throttled
        } else {
            Verdict::Retry
        };
        assert_eq!(of_attempt(&Outcome::Transient(reply)), want, "{code}");
        assert_eq!(of_report(&Action::Failed, Some(code)), Some(Soft), "{code}");
        assert_eq!(
            of_report(&Action::Delayed, Some(code)),
            Some(Verdict::Delayed),
            "{code}"
        );
        // A 5xx reply carrying a 4.x.x code: refused, but not for good.
        let odd = format!("550 {code} odd");
        assert_eq!(of_attempt(&Outcome::Permanent(odd)), Soft, "{code}");
    }
}

#[test]
fn replies_without_an_enhanced_code_use_the_reply_code() {
    assert_eq!(
        of_attempt(&Outcome::Permanent("554 Transaction failed".into())),
        Hard
    );
    assert_eq!(
        of_report(&Action::Failed, StatusCode::find_in("smtp; 554 Rejected")),
        Some(Hard)
    );
    // No server said anything: our own failure, not a bounce.
    assert_eq!(
        of_attempt(&Outcome::Permanent("no transport configured".into())),
        Verdict::Failed
    );
    assert_eq!(of_report(&Action::Failed, None), Some(Soft));
    assert_eq!(
        of_attempt(&Outcome::Transient(
            "cannot connect to the SMTP server: refused".into()
        )),
        Verdict::Retry
    );
    assert_eq!(
        of_attempt(&Outcome::Transient(
            "421 4.7.0 Too many connections from your IP".into()
        )),
        Verdict::Throttled
    );
    assert_eq!(
        of_attempt(&Outcome::Transient(
            "421 4.3.2 Service shutting down".into()
        )),
        Verdict::Retry
    );
    assert_eq!(
        of_attempt(&Outcome::Unknown("no answer".into())),
        Verdict::Unknown
    );
    assert_eq!(
        of_attempt(&Outcome::Sent("250 2.0.0 Ok".into())),
        Verdict::Delivered
    );
}

#[test]
fn reports_and_feedback_that_need_no_action() {
    assert_eq!(of_report(&Action::parse("delivered"), None), None);
    assert_eq!(of_report(&Action::parse("Relayed"), None), None);
    assert_eq!(Action::parse(" FAILED "), Action::Failed);
    assert_eq!(of_feedback("abuse"), Some(Verdict::Complaint));
    assert_eq!(of_feedback("Fraud"), Some(Verdict::Complaint));
    assert_eq!(of_feedback("something-new"), Some(Verdict::Complaint));
    assert_eq!(of_feedback("not-spam"), None);
    assert_eq!(of_feedback("auth-failure"), Some(Policy));
    assert_eq!(of_feedback("virus"), Some(Policy));
}

#[test]
fn codes_are_found_in_reply_texts_and_nothing_else_is() {
    let find = |t: &str| StatusCode::find_in(t).map(|c| c.to_string());
    assert_eq!(
        find("permanent error (550): 5.1.1 <a@b.nl>: Recipient address rejected"),
        Some("5.1.1".into())
    );
    assert_eq!(find("452 4.2.2 Mailbox full."), Some("4.2.2".into()));
    assert_eq!(
        find("421 4.7.28 Rate limited (see 1.2.3.4)"),
        Some("4.7.28".into())
    );
    assert_eq!(find("smtp; 554 Rejected"), Some("5.0.0".into()));
    assert_eq!(find("550-5.1.1 The email account"), Some("5.1.1".into()));
    assert_eq!(
        find("550 Requested action not taken, version 1.2"),
        Some("5.0.0".into())
    );
    assert_eq!(find("host 10.0.0.1 said no"), None);
    assert_eq!(find("X-Postfix; unknown user"), None);
    for bad in ["", "5.1", "5.1.1.1", "3.1.1", "5.a.1", "55.1.1", "5.1.1234"] {
        assert!(bad.parse::<StatusCode>().is_err(), "{bad}");
    }
    assert_eq!(
        "4.7.100".parse::<StatusCode>(),
        Ok(StatusCode::new(4, 7, 100))
    );
}

#[test]
fn bounce_kinds_follow_the_verdict() {
    assert_eq!(Hard.bounce_kind(), Some(BounceKind::Hard));
    assert_eq!(Soft.bounce_kind(), Some(BounceKind::Soft));
    assert_eq!(Policy.bounce_kind(), Some(BounceKind::Policy));
    assert_eq!(Verdict::Retry.bounce_kind(), None);
    assert_eq!(Verdict::Failed.bounce_kind(), None);
}
