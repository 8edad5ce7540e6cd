//! Reading one message from the MTA: an RFC 3464 delivery status notification
//! (`multipart/report; report-type=delivery-status`) or an RFC 5965 feedback
//! report (`report-type=feedback-report`). mail-parser reads the MIME; the
//! report's own fields are header-style groups (see `fields`).

use mail_parser::{HeaderName, Message, MessageParser, MimeHeaders};

use super::fields::{Fields, address_of, field_groups};
use crate::domain::reply::{Action, StatusCode};

/// What the report says, with what identifies the message it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub report: Report,
    /// Addresses that may carry our VERP token (the bounce's recipient, the
    /// original envelope sender), most telling first.
    pub verp_candidates: Vec<String>,
    /// The Message-ID of the message that bounced, without angle brackets.
    pub original_message_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    /// One entry per recipient of the original message; never empty.
    Delivery(Vec<RecipientStatus>),
    Feedback {
        feedback_type: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientStatus {
    pub final_recipient: String,
    pub original_recipient: String,
    pub action: Action,
    /// `Status`, or else the code found in `Diagnostic-Code`.
    pub status: Option<StatusCode>,
    /// `Diagnostic-Code` without its type, on one line.
    pub diagnostic: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("the input is empty: pipe one message from the MTA into `postbode bounce`")]
    Empty,
    #[error(
        "the input is not a mail message: no standard header field (From, Date, Content-Type, …) found"
    )]
    NotMail,
    #[error(
        "not a bounce or complaint report: the message is {0}; postbode reads multipart/report with report-type=delivery-status (RFC 3464) or feedback-report (RFC 5965)"
    )]
    NotAReport(String),
    #[error("the report has no {0} part: it is truncated or malformed")]
    MissingPart(&'static str),
    #[error(
        "the delivery status report names no recipient (every recipient needs Final-Recipient and Action): it is truncated or malformed"
    )]
    NoRecipients,
    #[error("the feedback report has no Feedback-Type: it is truncated or malformed")]
    NoFeedbackType,
}

pub fn parse(raw: &[u8]) -> Result<Parsed, ParseError> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError::Empty);
    }
    let msg = MessageParser::default()
        .parse(raw)
        // A standard field (From, Date, Content-Type, …), not just lines with colons.
        .filter(|m| {
            m.headers()
                .iter()
                .any(|h| !matches!(h.name, HeaderName::Other(_)))
        })
        .ok_or(ParseError::NotMail)?;
    let report_type = msg
        .content_type()
        .filter(|_| msg.is_content_type("multipart", "report"))
        .and_then(|c| c.attribute("report-type"))
        .map(str::to_ascii_lowercase);
    let dsn = part_body(
        &msg,
        &[
            ("message", "delivery-status"),
            ("message", "global-delivery-status"),
        ],
    );
    let arf = part_body(&msg, &[("message", "feedback-report")]);
    let (report, report_fields) = match (report_type.as_deref(), dsn, arf) {
        (Some("feedback-report"), _, Some(body)) | (_, None, Some(body)) => feedback(body)?,
        (Some("feedback-report"), _, None) => {
            return Err(ParseError::MissingPart("message/feedback-report"));
        }
        (_, Some(body), _) => {
            let groups = field_groups(body);
            let recipients: Vec<_> = groups.iter().filter_map(recipient_status).collect();
            if recipients.is_empty() {
                return Err(ParseError::NoRecipients);
            }
            (Report::Delivery(recipients), groups)
        }
        (Some("delivery-status"), None, None) => {
            return Err(ParseError::MissingPart("message/delivery-status"));
        }
        (_, None, None) => return Err(ParseError::NotAReport(describe(&msg))),
    };
    let original = original_headers(&msg);
    Ok(Parsed {
        report,
        verp_candidates: verp_candidates(&msg, &report_fields, original.as_ref()),
        original_message_id: original
            .as_ref()
            .and_then(|m| m.message_id())
            .map(str::to_string),
    })
}

/// The feedback report's fields (one group).
fn feedback(body: &[u8]) -> Result<(Report, Vec<Fields>), ParseError> {
    let fields = field_groups(body).into_iter().next().unwrap_or_default();
    let feedback_type = fields
        .get("Feedback-Type")
        .ok_or(ParseError::NoFeedbackType)?;
    let report = Report::Feedback {
        feedback_type: feedback_type.to_ascii_lowercase(),
    };
    Ok((report, vec![fields]))
}

/// One per-recipient group; None for the per-message group and for groups
/// without the fields RFC 3464 requires.
fn recipient_status(f: &Fields) -> Option<RecipientStatus> {
    let action = Action::parse(&f.get("Action")?);
    let final_recipient = address_of(&f.get("Final-Recipient")?);
    let diagnostic = f
        .get("Diagnostic-Code")
        .map(|d| {
            d.split_once(';')
                .map_or(d.as_str(), |(_, t)| t)
                .trim()
                .to_string()
        })
        .unwrap_or_default();
    let status = f
        .get("Status")
        .and_then(|s| s.split_whitespace().next().and_then(|w| w.parse().ok()))
        .or_else(|| StatusCode::find_in(&diagnostic));
    Some(RecipientStatus {
        final_recipient,
        original_recipient: f
            .get("Original-Recipient")
            .map(|a| address_of(&a))
            .unwrap_or_default(),
        action,
        status,
        diagnostic,
    })
}

/// The decoded body of the first part of one of `types`.
fn part_body<'a>(msg: &'a Message<'a>, types: &[(&str, &str)]) -> Option<&'a [u8]> {
    msg.parts
        .iter()
        .find(|p| types.iter().any(|(t, s)| p.is_content_type(t, s)))
        .map(|p| p.contents())
}

/// The headers of the message that bounced: the attached `message/rfc822`, or
/// the `text/rfc822-headers` part that carries only its headers.
fn original_headers<'a>(msg: &'a Message<'a>) -> Option<Message<'a>> {
    msg.parts.iter().skip(1).find_map(|p| {
        if let Some(m) = p.message() {
            MessageParser::default().parse_headers(m.raw_message())
        } else if p.is_content_type("text", "rfc822-headers")
            || p.is_content_type("message", "global-headers")
        {
            MessageParser::default().parse_headers(p.contents())
        } else {
            None
        }
    })
}

fn verp_candidates(
    msg: &Message<'_>,
    report_fields: &[Fields],
    original: Option<&Message<'_>>,
) -> Vec<String> {
    let mut out = Vec::new();
    // Where the bounce was delivered: our VERP address itself.
    for name in ["Delivered-To", "X-Original-To"] {
        out.extend(raw_values(msg, name).map(|v| address_of(&v)));
    }
    out.extend(
        msg.to()
            .into_iter()
            .flat_map(|a| a.iter())
            .filter_map(|a| a.address())
            .map(str::to_string),
    );
    out.extend(raw_values(msg, "Return-Path").map(|v| address_of(&v)));
    // The original message's envelope sender, as the report quotes it.
    for f in report_fields {
        for name in ["X-Postfix-Sender", "Original-Mail-From"] {
            out.extend(f.get(name).map(|v| address_of(&v)));
        }
    }
    if let Some(o) = original {
        out.extend(raw_values(o, "Return-Path").map(|v| address_of(&v)));
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|a| !a.is_empty() && seen.insert(a.to_ascii_lowercase()));
    out
}

fn raw_values<'a>(msg: &'a Message<'_>, name: &'a str) -> impl Iterator<Item = String> + 'a {
    msg.headers_raw()
        .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim().to_string())
}

/// The message's type for the error message.
fn describe(msg: &Message<'_>) -> String {
    match msg.content_type() {
        Some(c) => {
            let mut s = format!("{}/{}", c.ctype(), c.subtype().unwrap_or(""));
            if let Some(t) = c.attribute("report-type") {
                s.push_str(&format!(" with report-type={t}"));
            }
            s
        }
        None => "text/plain".into(),
    }
}

#[cfg(test)]
#[path = "report_tests.rs"]
mod tests;
