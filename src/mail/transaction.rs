//! One SMTP transaction (MAIL, RCPT, DATA, the message) on an open connection,
//! and what its failure means: before the whole message was handed over the
//! server cannot have it, so it is tried again; after that, a lost connection
//! or silence leaves the server with the message or without it, and resending
//! could deliver it twice, so the outcome is `Unknown`.

use lettre::address::Envelope;
use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{Extension, MailBodyParameter, MailParameter};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::domain::reply::Outcome;

/// Sends one message, waiting at most `timeout` for the whole transaction.
pub async fn transact(
    conn: &mut AsyncSmtpConnection,
    envelope: &Envelope,
    bytes: &[u8],
    timeout: Duration,
) -> Outcome {
    let handed_over = AtomicBool::new(false);
    match tokio::time::timeout(timeout, dialogue(conn, envelope, bytes, &handed_over)).await {
        Ok(outcome) => outcome,
        Err(_) if handed_over.load(Ordering::SeqCst) => Outcome::Unknown(
            "the SMTP server did not answer in time after the whole message was handed over".into(),
        ),
        Err(_) => Outcome::Transient("the SMTP server did not answer in time".into()),
    }
}

/// lettre's `AsyncSmtpConnection::send`, step by step, noting in `handed_over`
/// when the last byte of the message was written (only the final `.` follows).
async fn dialogue(
    conn: &mut AsyncSmtpConnection,
    envelope: &Envelope,
    bytes: &[u8],
    handed_over: &AtomicBool,
) -> Outcome {
    let mut options = Vec::new();
    let ascii = |a: &lettre::Address| AsRef::<str>::as_ref(a).is_ascii();
    let non_ascii = envelope.from().is_some_and(|a| !ascii(a)) || !envelope.to().iter().all(ascii);
    if non_ascii {
        if !conn.server_info().supports_feature(Extension::SmtpUtfEight) {
            return Outcome::Transient("the SMTP server does not support SMTPUTF8".into());
        }
        options.push(MailParameter::SmtpUtfEight);
    }
    if !bytes.is_ascii() {
        if !conn.server_info().supports_feature(Extension::EightBitMime) {
            return Outcome::Transient("the SMTP server does not support 8BITMIME".into());
        }
        options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    let envelope_accepted = async {
        conn.command(Mail::new(envelope.from().cloned(), options))
            .await?;
        for to in envelope.to() {
            conn.command(Rcpt::new(to.clone(), vec![])).await?;
        }
        conn.command(Data).await
    };
    if let Err(e) = envelope_accepted.await {
        return from_smtp_error(&e);
    }
    let mut body = Some(bytes);
    let parts = std::iter::from_fn(|| {
        let part = body.take();
        if part.is_none() {
            // lettre asks for the next part only once the previous one was written.
            handed_over.store(true, Ordering::SeqCst);
        }
        part
    });
    match conn.message_iter(parts).await {
        Ok(resp) => Outcome::Sent(resp.message().collect::<Vec<_>>().join(" ")),
        // A 4xx or 5xx reply is an answer: the server does not have the message.
        Err(e) if e.is_transient() || e.is_permanent() => from_smtp_error(&e),
        Err(e) if handed_over.load(Ordering::SeqCst) => Outcome::Unknown(format!(
            "no answer after the whole message was handed over: {e}"
        )),
        Err(e) => from_smtp_error(&e),
    }
}

/// lettre's error as an outcome: a permanent (5xx) reply, or anything that
/// may go through later (4xx, connection and timeout errors).
pub fn from_smtp_error(e: &lettre::transport::smtp::Error) -> Outcome {
    let text = e.to_string();
    if e.is_permanent() {
        Outcome::Permanent(text)
    } else {
        Outcome::Transient(text)
    }
}
