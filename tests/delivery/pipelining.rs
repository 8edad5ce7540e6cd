//! The SMTP dialogue itself, against aiosmtpd: with PIPELINING offered the
//! envelope goes out in one write and the message in another, without it
//! each command waits for its reply. Either way the server stores exactly
//! the bytes postbode composed, lines starting with a dot included, and a
//! refusal at RCPT or after the message is reported as before.

use std::path::Path;
use std::time::Duration;

use lettre::address::Envelope;
use postbode::config::SmtpUrl;
use postbode::domain::reply::Outcome;
use postbode::mail::{Connector, Session};

use crate::common::SmtpServer;

/// A message whose lines start with dots, as quoted-printable or a text part
/// can make them: the SMTP end marker must not appear early.
fn message(n: usize) -> Vec<u8> {
    format!(
        ".first line starts with a dot\r\nSubject: test {n}\r\n\r\n.\r\n..two dots\r\n. space\r\n\
         a line\n.after a bare LF\r\nmid.dle\r\n.\r\nend {n}"
    )
    .into_bytes()
}

fn envelope(to: &str) -> Envelope {
    Envelope::new(
        Some("nieuws@kus.example.nl".parse().expect("from")),
        vec![to.parse().expect("to")],
    )
    .expect("envelope")
}

fn connector(smtp: &SmtpServer) -> Connector {
    let url: SmtpUrl = smtp.url().parse().expect("smtp url");
    Connector::new(&url, Duration::from_secs(5), Path::new(".")).expect("connector")
}

/// What aiosmtpd stored, after its test line with the recipients.
fn stored(smtp: &SmtpServer) -> Vec<Vec<u8>> {
    smtp.message_files()
        .iter()
        .map(|p| {
            let raw = std::fs::read(p).expect("eml");
            let start = raw
                .windows(2)
                .position(|w| w == b"\r\n")
                .expect("test line")
                + 2;
            raw[start..].to_vec()
        })
        .collect()
}

async fn three_messages_arrive_intact(args: &[&str], pipelining: bool) {
    let smtp = SmtpServer::start(args);
    let connector = connector(&smtp);
    let mut session = Session::default();
    for n in 0..3 {
        let outcome = connector
            .send(&mut session, &envelope("lezer@example.nl"), &message(n))
            .await;
        assert!(matches!(outcome, Outcome::Sent(_)), "{outcome:?}");
        assert_eq!(session.pipelines(), pipelining, "message {n}");
    }
    connector.close(&mut session).await;
    let got = stored(&smtp);
    assert_eq!(got.len(), 3);
    for (n, body) in got.iter().enumerate() {
        // The server's copy is the message and the line end before the final dot.
        let mut want = message(n);
        want.extend_from_slice(b"\r\n");
        assert_eq!(
            String::from_utf8_lossy(body),
            String::from_utf8_lossy(&want),
            "message {n}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn pipelined_messages_arrive_byte_for_byte() {
    three_messages_arrive_intact(&[], true).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn without_pipelining_each_command_waits_and_messages_arrive_the_same() {
    three_messages_arrive_intact(&["--no-pipelining"], false).await;
}

/// Refusals in a pipelined transaction: at RCPT (permanent and temporary)
/// and after the message. The connection is started afresh after each, and
/// the next message on it goes through.
#[tokio::test(flavor = "multi_thread")]
async fn pipelined_refusals_are_reported_and_the_next_message_goes_through() {
    let smtp = SmtpServer::start(&[
        "--fail",
        "weg@example.nl=550",
        "--fail-first",
        "later@example.nl=451",
    ]);
    let connector = connector(&smtp);
    let mut session = Session::default();
    async fn send(c: &Connector, to: &str, session: &mut Session) -> Outcome {
        c.send(session, &envelope(to), &message(9)).await
    }
    let refused = send(&connector, "weg@example.nl", &mut session).await;
    assert!(
        matches!(&refused, Outcome::Permanent(r) if r.contains("550")),
        "{refused:?}"
    );
    let deferred = send(&connector, "later@example.nl", &mut session).await;
    assert!(
        matches!(&deferred, Outcome::Transient(r) if r.contains("451")),
        "{deferred:?}"
    );
    let again = send(&connector, "later@example.nl", &mut session).await;
    assert!(matches!(again, Outcome::Sent(_)), "{again:?}");
    assert!(session.pipelines());
    let ok = send(&connector, "lezer@example.nl", &mut session).await;
    assert!(matches!(ok, Outcome::Sent(_)), "{ok:?}");
    connector.close(&mut session).await;
    assert_eq!(
        stored(&smtp).len(),
        2,
        "only the accepted messages are stored"
    );
}
