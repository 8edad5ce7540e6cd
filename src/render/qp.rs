//! Quoted-printable (RFC 2045 §6.7) in pieces: text encoded once, long before
//! it is sent, spliced with text encoded per recipient. The spliced output
//! decodes to the pieces joined, with line ends as lettre writes them for the
//! other mail (a bare LF becomes CRLF, a lone CR stays a CR), because every
//! piece starts on a line of its own: a soft line break (`=` CRLF) is allowed
//! anywhere and disappears when decoded.

use quoted_printable::{InputMode, Options, encode_with_options};

/// The longest encoded line, so that the `=` of a soft line break after the
/// last line of a piece still fits in RFC 2045's 76.
const LIMIT: usize = 75;

/// One piece of text, encoded.
#[derive(Debug, Clone, Default)]
pub struct QpPiece {
    /// The text starts with LF: after a piece ending in CR the two are one
    /// line end, as they would be in the joined text. Kept out of `middle`
    /// because which it is depends on the neighbour.
    leading_lf: bool,
    /// The rest of the text encoded, starting at the start of a line.
    middle: String,
    /// The text ends with CR: a line end if the next piece starts with LF,
    /// an encoded CR (`=0D`) otherwise.
    trailing_cr: bool,
}

impl QpPiece {
    pub fn new(text: &str) -> Self {
        let leading_lf = text.starts_with('\n');
        let rest = &text[usize::from(leading_lf)..];
        let trailing_cr = rest.ends_with('\r');
        let rest = &rest[..rest.len() - usize::from(trailing_cr)];
        let options = Options::default()
            .line_length_limit(LIMIT)
            .input_mode(InputMode::Text);
        Self {
            leading_lf,
            middle: encode_with_options(crlf(rest).as_bytes(), options),
            trailing_cr,
        }
    }

    fn is_empty(&self) -> bool {
        !self.leading_lf && self.middle.is_empty() && !self.trailing_cr
    }

    /// About how many bytes this piece adds to a body.
    pub fn encoded_len(&self) -> usize {
        self.middle.len() + 6
    }
}

/// `text` with a CR before every LF that has none, as lettre's bodies get.
/// A LF at the very start gets one too: no CR can come before it here (the
/// one a previous piece ended with is the business of [`QpPiece`]).
fn crlf(text: &str) -> std::borrow::Cow<'_, str> {
    let bytes = text.as_bytes();
    let bare = |i: usize| bytes[i] == b'\n' && (i == 0 || bytes[i - 1] != b'\r');
    if !(0..bytes.len()).any(bare) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 64);
    let mut from = 0;
    for i in (0..bytes.len()).filter(|&i| bare(i)) {
        out.push_str(&text[from..i]);
        out.push('\r');
        from = i;
    }
    out.push_str(&text[from..]);
    out.into()
}

/// Writes pieces one after the other into a body.
pub struct QpWriter<'a> {
    out: &'a mut Vec<u8>,
    pending_cr: bool,
}

impl<'a> QpWriter<'a> {
    /// Writes at the end of `out`, which must end at the start of a line
    /// (after the part's headers and their blank line).
    pub fn new(out: &'a mut Vec<u8>) -> Self {
        Self {
            out,
            pending_cr: false,
        }
    }

    pub fn push(&mut self, piece: &QpPiece) {
        // An empty piece between a CR and a LF must not part them.
        if piece.is_empty() {
            return;
        }
        if piece.leading_lf {
            // CR (pending) + LF, or a bare LF: one line end either way.
            self.out.extend_from_slice(b"\r\n");
        } else if self.pending_cr {
            self.content(b"=0D");
        }
        self.pending_cr = piece.trailing_cr;
        self.content(piece.middle.as_bytes());
    }

    /// Ends the part; the output then ends with encoded text or a line end,
    /// never with a soft line break.
    pub fn finish(mut self) {
        if self.pending_cr {
            self.content(b"=0D");
        }
    }

    /// Encoded text, on a fresh line: after a soft line break unless the
    /// output already ends with a line end.
    fn content(&mut self, encoded: &[u8]) {
        if encoded.is_empty() {
            return;
        }
        if !self.out.is_empty() && !self.out.ends_with(b"\n") {
            self.out.extend_from_slice(b"=\r\n");
        }
        self.out.extend_from_slice(encoded);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spliced(pieces: &[&str]) -> String {
        let mut out = Vec::new();
        let mut w = QpWriter::new(&mut out);
        for p in pieces {
            w.push(&QpPiece::new(p));
        }
        w.finish();
        String::from_utf8(out).expect("7-bit")
    }

    fn decoded(qp: &str) -> String {
        let bytes = quoted_printable::decode(qp, quoted_printable::ParseMode::Strict)
            .expect("valid quoted-printable");
        String::from_utf8(bytes).expect("UTF-8")
    }

    #[test]
    fn a_cr_and_a_lf_in_different_pieces_are_one_line_end() {
        let out = spliced(&["een\r", "", "\ntwee"]);
        assert_eq!(out, "een\r\ntwee");
        assert_eq!(decoded(&out), "een\r\ntwee");
    }

    #[test]
    fn a_lone_cr_stays_a_cr_and_bare_lfs_become_crlf() {
        let out = spliced(&["a\r", "b\nc", "\n", "d\r"]);
        assert_eq!(decoded(&out), "a\rb\r\nc\r\nd\r");
    }

    #[test]
    fn trailing_space_before_a_line_end_in_the_next_piece_survives() {
        let out = spliced(&["Beste ", "Anouk \t", "\n", "="]);
        assert!(out.lines().all(|l| !l.ends_with(' ') && !l.ends_with('\t')));
        assert_eq!(decoded(&out), "Beste Anouk \t\r\n=");
    }

    #[test]
    fn lines_stay_within_76_even_where_pieces_meet() {
        let long = "x".repeat(75);
        let out = spliced(&[&long, &long, "é".repeat(60).as_str(), &long]);
        assert!(out.split("\r\n").all(|l| l.len() <= 76), "{out}");
        assert_eq!(
            decoded(&out),
            format!("{long}{long}{}{long}", "é".repeat(60))
        );
    }
}
