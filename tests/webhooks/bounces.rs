//! Bounces and complaints as `postbode bounce` records them reach a webhook
//! that asked for them, and only those.

use crate::common::{Postbode, SmtpServer, soon};
use crate::receiver::{Receiver, accepted, accepted_ids, wait_until};
use crate::reports::report;
use crate::{SECRET, events_of};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn a_bounce_and_a_complaint_arrive_and_nothing_else() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("got.jsonl");
    let rx = Receiver::start(SECRET, &out, 0);
    let smtp = SmtpServer::start(&[]);
    let hook = format!(
        "\n[[webhooks]]\nurl = \"{}\"\nevents = [\"bounced\", \"complained\"]\nsecret = \"{SECRET}\"\n",
        rx.url()
    );
    let mut pb = Postbode::new(&smtp.url(), &hook);
    for who in ["hard", "complaint"] {
        pb.add(&format!("{who}@example.nl"), who, &[], &[]);
    }
    pb.serve();
    pb.drop_issue(
        "2026-12-platformnieuws.md",
        &format!(
            "---\nsubject: December\nsend_at: {}\n---\nTekst.\n",
            soon(2)
        ),
    );
    pb.wait_issue("2026-12-platformnieuws", "sent", 40);
    let message_id = |who: &str| {
        smtp.messages()
            .iter()
            .find(|m| m.rcpt == format!("{who}@example.nl"))
            .and_then(|m| m.header("Message-ID"))
            .expect("Message-ID")
    };
    for (who, fixture) in [
        ("hard", "postfix-failed-5.1.1-v1-issue7-sub1.eml"),
        ("complaint", "arf-complaint-abuse.eml"),
    ] {
        let input = report(fixture, None, &message_id(who));
        let done = pb.bounce(&[], &[], input.as_bytes());
        assert_eq!(
            done.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&done.stderr)
        );
    }

    wait_until(&out, 30, "two deliveries", |_| {
        accepted_ids(&out).len() >= 2
    });
    std::thread::sleep(Duration::from_secs(2));
    let got = accepted(&out);
    assert_eq!(got.len(), 2, "no sign-up or issue events: {got:#?}");
    assert_eq!(events_of(&got, "hard@example.nl"), ["bounced"]);
    assert_eq!(events_of(&got, "complaint@example.nl"), ["complained"]);
    let bounced = &got
        .iter()
        .find(|r| r["event"] == "bounced")
        .expect("bounced")["payload"]["data"];
    assert_eq!(bounced["kind"], "hard");
    assert_eq!(bounced["status"], "5.1.1");
    assert_eq!(bounced["issue"], "2026-12-platformnieuws");
    assert_eq!(bounced["suppressed"], true);
    pb.stop();
    rx.stop();
}
