//! Where each byte of a layout's output came from: a line of the layout
//! file, or a piece of the editor's text (the intro, a section). The layout
//! is rendered once more with markers (Unicode noncharacters, which no text
//! carries) at the start of each of its lines and around each piece of the
//! editor's text; the markers are then taken out and remembered, so a
//! problem found in the output points back at its source.

use std::ops::Range;

const LINE: char = '\u{FDD0}';
const PIECE: char = '\u{FDD1}';
const END: char = '\u{FDD2}';
const PIECE_END: char = '\u{FDD3}';

/// The layout's source with a marker at the start of every line that does
/// not fall inside a `{{ }}`, `{% %}` or `{# #}` tag, so the template still
/// parses and its errors keep their line numbers.
pub fn mark_lines(template: &str) -> String {
    let mut out = String::with_capacity(template.len() + template.len() / 8);
    let mut inside: Option<char> = None;
    let mut line = 1;
    out.push_str(&format!("{LINE}{line}{END}"));
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        match (inside, c, chars.peek().copied()) {
            (None, '{', Some(n @ ('{' | '%' | '#'))) => {
                inside = Some(if n == '{' { '}' } else { n });
                out.push(n);
                chars.next();
            }
            (Some(close), c, Some('}')) if c == close => {
                inside = None;
                out.push('}');
                chars.next();
            }
            (_, '\n', _) => {
                line += 1;
                if inside.is_none() {
                    out.push_str(&format!("{LINE}{line}{END}"));
                }
            }
            _ => {}
        }
    }
    out
}

/// A piece of the editor's text, marked with its number.
pub fn mark_piece(id: usize, html: &str) -> String {
    format!("{PIECE}{id}{END}{html}{PIECE_END}")
}

/// The rendered layout without its markers, and where each part came from.
#[derive(Debug, Default)]
pub struct Traced {
    pub text: String,
    /// (offset in `text`, line of the layout) from there on.
    lines: Vec<(usize, usize)>,
    /// The editor's pieces: their range in `text` and number.
    pieces: Vec<(Range<usize>, usize)>,
}

/// Where a byte of the output came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A line of the layout file.
    Layout { line: usize },
    /// The editor's piece `id`.
    Piece { id: usize },
}

impl Traced {
    /// Takes the markers out of a rendered, marked layout.
    pub fn strip(rendered: &str) -> Self {
        let mut t = Traced::default();
        let mut open: Vec<(usize, usize)> = Vec::new();
        let mut rest = rendered;
        while let Some(p) = rest.find([LINE, PIECE, PIECE_END]) {
            t.text.push_str(&rest[..p]);
            let marker = rest[p..].chars().next().unwrap_or(LINE);
            rest = &rest[p + marker.len_utf8()..];
            if marker == PIECE_END {
                if let Some((start, id)) = open.pop() {
                    t.pieces.push((start..t.text.len(), id));
                }
                continue;
            }
            let (number, after) = rest.split_once(END).unwrap_or((rest, ""));
            let number = number.parse().unwrap_or(0);
            rest = after;
            if marker == LINE {
                t.lines.push((t.text.len(), number));
            } else {
                open.push((t.text.len(), number));
            }
        }
        t.text.push_str(rest);
        t
    }

    /// Where the byte `at` of [`Traced::text`] came from.
    pub fn origin(&self, at: usize) -> Origin {
        if let Some((_, id)) = self.pieces.iter().find(|(r, _)| r.contains(&at)) {
            return Origin::Piece { id: *id };
        }
        let i = self.lines.partition_point(|(start, _)| *start <= at);
        let line = i.checked_sub(1).map_or(1, |i| self.lines[i].1);
        Origin::Layout { line }
    }

    /// The editor's pieces in output order, as (range, id).
    pub fn pieces(&self) -> &[(Range<usize>, usize)] {
        &self.pieces
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_points_back_at_layout_lines_and_pieces() {
        let layout = "{#- a\n comment -#}\n<a>\n{%- if x %}\n<b>{{ x }}</b>\n{%- endif %}\n</a>";
        let marked = mark_lines(layout);
        assert_eq!(marked.matches(LINE).count(), 6, "not inside the comment");
        // As the layout would render, x being a marked piece.
        let rendered = marked.replace("{{ x }}", &mark_piece(3, "<i>hi</i>"));
        let t = Traced::strip(&rendered);
        assert!(!t.text.contains([LINE, PIECE, END, PIECE_END]));
        let at = |s: &str| t.text.find(s).expect(s);
        assert_eq!(t.origin(at("<a>")), Origin::Layout { line: 3 });
        assert_eq!(t.origin(at("<b>")), Origin::Layout { line: 5 });
        assert_eq!(t.origin(at("<i>")), Origin::Piece { id: 3 });
        assert_eq!(t.origin(at("</b>")), Origin::Layout { line: 5 });
        assert_eq!(t.origin(at("</a>")), Origin::Layout { line: 7 });
    }
}
