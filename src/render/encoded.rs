//! A variant's `multipart/alternative` body in wire form, encoded once per
//! variant: the literal text of the HTML and text parts is quoted-printable
//! encoded when first needed, and per recipient only the merge values are
//! encoded and spliced in (see [`super::qp`]). The bulk of an issue (20 KB
//! of HTML) is then copied per recipient, not encoded again.

use rand::Rng;
use rand::distr::Alphanumeric;

use super::merge::{MergeTemplate, MergeValues, Part, Tag};
use super::qp::{QpPiece, QpWriter};

/// The headers of the parts, as lettre writes them for the other mail.
const TEXT_HEAD: &[u8] =
    b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n";
const HTML_HEAD: &[u8] =
    b"Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n";

/// One part's template: encoded literal text and the tags between.
#[derive(Debug)]
enum Slot {
    Text(QpPiece),
    Tag(Tag),
}

/// The text and HTML of a variant, encoded, waiting for merge values.
#[derive(Debug)]
pub struct EncodedBody {
    boundary: String,
    text: Vec<Slot>,
    html: Vec<Slot>,
    /// About the size of a body: its literal text, the part headers, and
    /// room for the values.
    len_hint: usize,
}

impl EncodedBody {
    pub fn new(text: &MergeTemplate, html: &MergeTemplate) -> Self {
        let text = slots(text);
        let html = slots(html);
        let literal: usize = text.iter().chain(&html).map(Slot::encoded_len).sum();
        Self {
            boundary: boundary(),
            text,
            html,
            len_hint: literal + TEXT_HEAD.len() + HTML_HEAD.len() + 1024,
        }
    }

    /// The boundary between the parts, for the message's Content-Type.
    pub fn boundary(&self) -> &str {
        &self.boundary
    }

    /// The body for one recipient: text then HTML, decoding to what
    /// [`super::Variant::personalise`] makes of `values` (raw here; the HTML
    /// part gets them escaped, as there).
    pub fn body(&self, values: &MergeValues) -> Vec<u8> {
        let raw = Tag::ALL.map(|t| QpPiece::new(values.get(t)));
        let escaped = values.escaped();
        let escaped = Tag::ALL.map(|t| QpPiece::new(escaped.get(t)));
        let mut out = Vec::with_capacity(self.len_hint);
        self.delimiter(&mut out);
        out.extend_from_slice(TEXT_HEAD);
        write(&mut out, &self.text, &raw);
        out.extend_from_slice(b"\r\n");
        self.delimiter(&mut out);
        out.extend_from_slice(HTML_HEAD);
        write(&mut out, &self.html, &escaped);
        out.extend_from_slice(b"\r\n--");
        out.extend_from_slice(self.boundary.as_bytes());
        out.extend_from_slice(b"--\r\n");
        out
    }

    fn delimiter(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"--");
        out.extend_from_slice(self.boundary.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
}

impl Slot {
    fn encoded_len(&self) -> usize {
        match self {
            Slot::Text(p) => p.encoded_len(),
            Slot::Tag(_) => 0,
        }
    }
}

fn slots(template: &MergeTemplate) -> Vec<Slot> {
    template
        .parts()
        .iter()
        .map(|p| match p {
            Part::Text(t) => Slot::Text(QpPiece::new(t)),
            Part::Tag(t) => Slot::Tag(*t),
        })
        .collect()
}

/// One part's text: the literal pieces with the recipient's values between.
fn write(out: &mut Vec<u8>, slots: &[Slot], values: &[QpPiece; 4]) {
    let mut w = QpWriter::new(out);
    for slot in slots {
        match slot {
            Slot::Text(p) => w.push(p),
            Slot::Tag(t) => w.push(&values[*t as usize]),
        }
    }
    w.finish();
}

/// A fresh boundary. It starts with `=_`, which quoted-printable output
/// never holds (an `=` there is followed by two hex digits or a line end),
/// so no text of any recipient can end a part early.
fn boundary() -> String {
    let token: String = rand::rng()
        .sample_iter(Alphanumeric)
        .take(38)
        .map(char::from)
        .collect();
    format!("=_{token}")
}
