//! One SMTP transaction (MAIL, RCPT, DATA, the message) on an open connection,
//! and what its failure means: before the whole message was handed over the
//! server cannot have it, so it is tried again; after that, a lost connection
//! or silence leaves the server with the message or without it, and resending
//! could deliver it twice, so the outcome is `Unknown`.
//!
//! With an [`Outbox`] (a plain connection to a server that offers
//! PIPELINING) the envelope commands go out in one write and the message with
//! its final dot in another; otherwise lettre writes each and waits.

use lettre::address::Envelope;
use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{Extension, MailBodyParameter, MailParameter};
use lettre::transport::smtp::response::Response;
use std::fmt::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::wire::Outbox;
use crate::domain::reply::Outcome;

/// Sends one message, waiting at most `timeout` for the whole transaction.
pub async fn transact(
    conn: &mut AsyncSmtpConnection,
    outbox: Option<&Outbox>,
    envelope: &Envelope,
    bytes: &[u8],
    timeout: Duration,
) -> Outcome {
    let options = match mail_options(conn, envelope, bytes) {
        Ok(o) => o,
        Err(outcome) => return outcome,
    };
    let handed_over = AtomicBool::new(false);
    let talk = async {
        match outbox {
            Some(outbox) => pipelined(conn, outbox, options, envelope, bytes, &handed_over).await,
            None => dialogue(conn, options, envelope, bytes, &handed_over).await,
        }
    };
    let handed_over = || {
        // Pipelined, the message is handed over once its last byte is written.
        handed_over.load(Ordering::SeqCst) && outbox.is_none_or(Outbox::is_sent)
    };
    match tokio::time::timeout(timeout, talk).await {
        Ok(outcome) => outcome,
        Err(_) if handed_over() => Outcome::Unknown(
            "the SMTP server did not answer in time after the whole message was handed over".into(),
        ),
        Err(_) => Outcome::Transient("the SMTP server did not answer in time".into()),
    }
}

/// The MAIL parameters the message needs, if the server offers them.
fn mail_options(
    conn: &AsyncSmtpConnection,
    envelope: &Envelope,
    bytes: &[u8],
) -> Result<Vec<MailParameter>, Outcome> {
    let mut options = Vec::new();
    let ascii = |a: &lettre::Address| AsRef::<str>::as_ref(a).is_ascii();
    let non_ascii = envelope.from().is_some_and(|a| !ascii(a)) || !envelope.to().iter().all(ascii);
    if non_ascii {
        if !conn.server_info().supports_feature(Extension::SmtpUtfEight) {
            return Err(Outcome::Transient(
                "the SMTP server does not support SMTPUTF8".into(),
            ));
        }
        options.push(MailParameter::SmtpUtfEight);
    }
    if !bytes.is_ascii() {
        if !conn.server_info().supports_feature(Extension::EightBitMime) {
            return Err(Outcome::Transient(
                "the SMTP server does not support 8BITMIME".into(),
            ));
        }
        options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    Ok(options)
}

/// MAIL, RCPT and DATA in one write, then one reply to each, in order
/// (RFC 2920 §3.1); then the message and its final dot in one write. The
/// outbox is written before any reply is read, so a reply found without its
/// command written means the dialogue is out of step: nothing was sent.
async fn pipelined(
    conn: &mut AsyncSmtpConnection,
    outbox: &Outbox,
    options: Vec<MailParameter>,
    envelope: &Envelope,
    bytes: &[u8],
    handed_over: &AtomicBool,
) -> Outcome {
    let mut commands = Mail::new(envelope.from().cloned(), options).to_string();
    for to in envelope.to() {
        let _ = write!(commands, "{}", Rcpt::new(to.clone(), vec![]));
    }
    let _ = write!(commands, "{Data}");
    outbox.push_commands(commands.as_bytes());
    for _ in 0..envelope.to().len() + 2 {
        if let Err(e) = conn.read_response().await {
            return from_smtp_error(&e);
        }
        if !outbox.is_sent() {
            return out_of_step();
        }
    }
    outbox.push_message(bytes);
    handed_over.store(true, Ordering::SeqCst);
    match conn.read_response().await {
        Ok(_) if !outbox.is_sent() => out_of_step(),
        reply => message_outcome(reply, outbox.is_sent()),
    }
}

fn out_of_step() -> Outcome {
    Outcome::Transient(
        "the SMTP server replied before it had the command or message it answers; the connection is started afresh".into(),
    )
}

/// lettre's `AsyncSmtpConnection::send`, step by step, noting in `handed_over`
/// when the last byte of the message was written (only the final `.` follows).
async fn dialogue(
    conn: &mut AsyncSmtpConnection,
    options: Vec<MailParameter>,
    envelope: &Envelope,
    bytes: &[u8],
    handed_over: &AtomicBool,
) -> Outcome {
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
    let reply = conn.message_iter(parts).await;
    message_outcome(reply, handed_over.load(Ordering::SeqCst))
}

/// The server's reply to the message itself. A 4xx or 5xx reply is an
/// answer: the server does not have the message. No answer after the whole
/// message was handed over may mean it does.
fn message_outcome(
    reply: Result<Response, lettre::transport::smtp::Error>,
    handed_over: bool,
) -> Outcome {
    match reply {
        Ok(resp) => Outcome::Sent(resp.message().collect::<Vec<_>>().join(" ")),
        Err(e) if e.is_transient() || e.is_permanent() => from_smtp_error(&e),
        Err(e) if handed_over => Outcome::Unknown(format!(
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
