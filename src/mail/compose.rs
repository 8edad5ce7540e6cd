//! Composing mail: the headers every message carries (SPEC §6) and the
//! multipart/alternative body, text first and HTML last (reminders wrap it in
//! multipart/mixed with a calendar attachment). Every message is DKIM-signed
//! here when `[dkim]` is configured, so no kind of mail can leave unsigned.

use anyhow::{Context, Result};
use std::sync::Arc;

use lettre::Message;
use lettre::address::Envelope;
use lettre::message::header::{
    self, ContentTransferEncoding, ContentType, HeaderName, HeaderValue,
};
use lettre::message::{Body, Mailbox, MessageBuilder, MultiPart};

use super::dkim::DkimSigner;
use crate::config::Config;
use crate::domain::email::SubscriberEmail;
use crate::domain::name::SubscriberName;

/// What kind of mail: decides the extra headers.
#[derive(Debug, Clone)]
pub enum Kind {
    /// Issues, reminders, digests: list headers with one-click unsubscribe.
    Bulk {
        unsubscribe_url: String,
        auto_submitted: bool,
    },
    /// Confirmation mails and other messages a machine sends on its own.
    Auto,
    /// Proofs and error reports to editors.
    Editorial,
}

/// A message ready for the wire.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub message_id: String,
    pub envelope: Envelope,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct Composer {
    from: Mailbox,
    list_id: String,
    domain: String,
    dkim: Option<Arc<DkimSigner>>,
}

impl Composer {
    /// Fails when `[dkim]` names a key that cannot be used: the key is read here,
    /// once, so a bad one stops the program at start-up, not at the first send.
    pub fn new(config: &Config) -> Result<Self> {
        let from = config.platform.from.clone();
        let domain = from.email.domain().to_string();
        Ok(Self {
            list_id: format!(
                "{} <{}>",
                ascii_phrase(&config.platform.name),
                config.platform.list_id
            ),
            from,
            domain,
            dkim: DkimSigner::from_config(config)?.map(Arc::new),
        })
    }

    /// A fresh Message-ID in the sender's domain.
    pub fn new_message_id(&self) -> String {
        format!("<{}@{}>", uuid::Uuid::new_v4().simple(), self.domain)
    }

    /// A message whose body is `multipart/alternative`: `text` first, `html` last.
    pub fn compose(
        &self,
        to: &SubscriberEmail,
        to_name: &SubscriberName,
        subject: &str,
        text: String,
        html: String,
        kind: &Kind,
    ) -> Result<Outgoing> {
        self.compose_body(
            to,
            to_name,
            subject,
            MultiPart::alternative_plain_html(text, html),
            kind,
        )
    }

    /// A message with a prepared body (for example `multipart/mixed` with an
    /// attachment) and the headers every mail of `kind` carries.
    pub fn compose_body(
        &self,
        to: &SubscriberEmail,
        to_name: &SubscriberName,
        subject: &str,
        body: MultiPart,
        kind: &Kind,
    ) -> Result<Outgoing> {
        let (b, message_id) = self.headers(to, to_name, subject, kind);
        let message = b.multipart(body).context("building the message failed")?;
        self.seal(message, message_id)
    }

    /// A message whose `multipart/alternative` body is already in wire form:
    /// 7-bit, CRLF line ends, lines within 78, parts delimited by `boundary`
    /// (issues, whose bodies are encoded once per variant). Its bytes have
    /// the shape [`Composer::compose`]'s have: the same headers in the same
    /// order, Content-Type last, then the body.
    pub fn compose_encoded(
        &self,
        to: &SubscriberEmail,
        to_name: &SubscriberName,
        subject: &str,
        boundary: &str,
        body: Vec<u8>,
        kind: &Kind,
    ) -> Result<Outgoing> {
        let (b, message_id) = self.headers(to, to_name, subject, kind);
        let content_type =
            ContentType::parse(&format!("multipart/alternative; boundary=\"{boundary}\""))
                .context("the boundary does not fit in a Content-Type")?;
        let mut message = b
            .header(header::MIME_VERSION_1_0)
            .header(content_type)
            .body(Body::dangerous_pre_encoded(
                body,
                ContentTransferEncoding::SevenBit,
            ))
            .context("building the message failed")?;
        // `body` names the encoding of a single-part body; a multipart one's
        // parts name their own, as in the messages lettre builds.
        message.headers_mut().remove::<ContentTransferEncoding>();
        self.seal(message, message_id)
    }

    /// The headers every mail of `kind` carries, and its Message-ID.
    fn headers(
        &self,
        to: &SubscriberEmail,
        to_name: &SubscriberName,
        subject: &str,
        kind: &Kind,
    ) -> (MessageBuilder, String) {
        // Both are parsed domain types: no line break can reach a header.
        let name = (!to_name.is_empty()).then(|| to_name.as_str().to_string());
        let mailbox = Mailbox::new(name, to.address().clone());
        let message_id = self.new_message_id();
        let mut b = Message::builder()
            .from(self.from.clone())
            .to(mailbox)
            .subject(subject)
            .message_id(Some(message_id.clone()))
            .date_now();
        let raw = |name: &'static str, value: String| {
            HeaderValue::new(HeaderName::new_from_ascii_str(name), value)
        };
        match kind {
            Kind::Bulk {
                unsubscribe_url,
                auto_submitted,
            } => {
                b = b
                    .raw_header(raw("List-Id", self.list_id.clone()))
                    .raw_header(raw("List-Unsubscribe", format!("<{unsubscribe_url}>")))
                    .raw_header(raw(
                        "List-Unsubscribe-Post",
                        "List-Unsubscribe=One-Click".into(),
                    ));
                if *auto_submitted {
                    b = b.raw_header(raw("Auto-Submitted", "auto-generated".into()));
                }
            }
            Kind::Auto => b = b.raw_header(raw("Auto-Submitted", "auto-generated".into())),
            Kind::Editorial => {}
        }
        (b, message_id)
    }

    /// The finished message, signed when `[dkim]` is configured: every kind
    /// of mail, spliced issues included, passes here.
    fn seal(&self, message: Message, message_id: String) -> Result<Outgoing> {
        let mut bytes = message.formatted();
        if let Some(dkim) = &self.dkim {
            bytes = dkim.sign(bytes)?;
        }
        Ok(Outgoing {
            message_id,
            envelope: message.envelope().clone(),
            bytes,
        })
    }
}

/// List-Id's phrase must be plain ASCII; accents are folded, other symbols dropped.
fn ascii_phrase(s: &str) -> String {
    let folded: String = s
        .chars()
        .map(|c| match c {
            'à'..='å' => 'a',
            'è'..='ë' => 'e',
            'ì'..='ï' => 'i',
            'ò'..='ö' => 'o',
            'ù'..='ü' => 'u',
            c if c.is_ascii_alphanumeric() || c == ' ' || c == '-' || c == '.' => c,
            _ => ' ',
        })
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}
